"""The engine's side of the provider protocol: how it encodes properties and which calls it makes."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Mapping
from typing import Any

from google.protobuf import struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

URN = "urn:pulumi:test::contract::pulumi-python:dynamic/azurebatch:Pool::pool"


def encode(props: Mapping[str, Any]) -> struct_pb2.Struct:
    """Serialise plain properties the way the engine sends them to a provider that refuses secrets."""
    loop = asyncio.new_event_loop()  # not asyncio.run: it would unset the thread's loop that mocks need
    try:
        return loop.run_until_complete(rpc.serialize_properties(dict(props), {}))
    finally:
        loop.close()


def decode(struct: struct_pb2.Struct, *, keep_unknowns: bool = False) -> dict[str, Any]:
    """Deserialise a provider response; secrets stay wrapped so tests can see what was marked secret."""
    return rpc.deserialize_properties(struct, keep_unknowns)


class EngineClient:
    """The calls the engine makes, with the engine's argument conventions."""

    def __init__(
        self, stub: provider_pb2_grpc.ResourceProviderStub, process: subprocess.Popen[str] | None = None
    ) -> None:
        self.stub = stub
        self.process = process

    def check(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> provider_pb2.CheckResponse:
        return self.stub.Check(provider_pb2.CheckRequest(urn=URN, olds=encode(olds), news=encode(news)))

    def diff(self, pool_id: str, old_outputs: Mapping[str, Any], news: Mapping[str, Any]) -> Any:
        return self.stub.Diff(
            provider_pb2.DiffRequest(id=pool_id, urn=URN, olds=encode(old_outputs), news=encode(news))
        )

    def create(self, inputs: Mapping[str, Any]) -> provider_pb2.CreateResponse:
        return self.stub.Create(provider_pb2.CreateRequest(urn=URN, properties=encode(inputs)))

    def read(self, pool_id: str, state: Mapping[str, Any], inputs: Mapping[str, Any]) -> Any:
        request = provider_pb2.ReadRequest(
            id=pool_id, urn=URN, properties=encode(state), inputs=encode(inputs)
        )
        return self.stub.Read(request)

    def update(self, pool_id: str, old_outputs: Mapping[str, Any], news: Mapping[str, Any]) -> Any:
        request = provider_pb2.UpdateRequest(id=pool_id, urn=URN, olds=encode(old_outputs), news=encode(news))
        return self.stub.Update(request)

    def delete(self, pool_id: str, outputs: Mapping[str, Any]) -> Any:
        return self.stub.Delete(provider_pb2.DeleteRequest(id=pool_id, urn=URN, properties=encode(outputs)))
