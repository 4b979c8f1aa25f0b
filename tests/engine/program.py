"""Capture the properties a `BatchPool` really registers, using Pulumi's own mocks."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

import pulumi
from pulumi.runtime import rpc


class CapturingMocks(pulumi.runtime.Mocks):
    """Records each resource's registered inputs; returns them as outputs so programs resolve."""

    def __init__(self) -> None:
        self.registered: dict[str, dict[str, Any]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.registered[args.name] = dict(args.inputs)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        return {}


def registered_inputs(build: Callable[[], Sequence[pulumi.Resource]]) -> dict[str, dict[str, Any]]:
    """Run `build` under mocks and return {resource name: inputs as sent to the engine (secrets wrapped)}."""
    mocks = CapturingMocks()
    asyncio.set_event_loop(asyncio.new_event_loop())
    pulumi.runtime.set_mocks(mocks, preview=False)

    @pulumi.runtime.test
    def run() -> pulumi.Output[Any]:
        return pulumi.Output.all(*[resource.urn for resource in build()])

    run()
    return mocks.registered


def is_secret(value: Any) -> bool:
    """True when a deserialised value carries Pulumi's secret signature."""
    return isinstance(value, dict) and value.get(rpc._special_sig_key) == rpc._special_secret_sig


def contains_secret(value: Any) -> bool:
    """True when a secret is anywhere inside `value`."""
    if is_secret(value):
        return True
    if isinstance(value, dict):
        return any(contains_secret(item) for item in value.values())
    if isinstance(value, list):
        return any(contains_secret(item) for item in value)
    return False


def strip_secrets(value: Any) -> Any:
    """What the engine does for a provider that answered `acceptSecrets: false`: send plain values."""
    if is_secret(value):
        return strip_secrets(value["value"])
    if isinstance(value, dict):
        return {key: strip_secrets(item) for key, item in value.items()}
    if isinstance(value, list):
        return [strip_secrets(item) for item in value]
    return value
