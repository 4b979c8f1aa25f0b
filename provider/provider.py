"""`BatchPoolProvider`: the dynamic provider the Pulumi engine calls, a thin dispatch to the real work.

The engine pickles this object into every resource's state (by reference, because it lives in an
importable package), so it holds no clients or credentials: those are built lazily, once per provider
process, from the settings that `configure` receives. One instance serves up to four engine threads.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.runtime.rpc import UNKNOWN, wrap_rpc_secret

from provider.clients import clients_for
from provider.diffing import diff_pool
from provider.errors import BatchPoolError
from provider.lifecycle import PoolLifecycle
from provider.naming import resolve_pool_name
from provider.secrets import redact
from provider.settings import Settings, settings_from_configure_request
from provider.validation import validate_inputs

SECRET_OUTPUTS = ("protectedSettingsFingerprint",)


class BatchPoolProvider(ResourceProvider):
    """Creates, diffs, reads, updates and deletes Azure Batch pools through the ARM REST API."""

    _settings: Settings | None = None
    _settings_lock: ClassVar[threading.Lock] = threading.Lock()

    def configure(self, req: ConfigureRequest) -> None:
        """Read `batchpool:*` stack config plus the environment once per provider process."""
        self._settings = settings_from_configure_request(req)

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Fill the subscription and the pool name, then validate; failures name the property and the fix."""
        inputs = dict(news)
        failures: list[CheckFailure] = []
        try:
            settings = self._current_settings()
        except BatchPoolError as error:
            return CheckResult(inputs, [CheckFailure("subscriptionId", str(error))])
        if not inputs.get("subscriptionId") and settings.subscription_id:
            inputs["subscriptionId"] = settings.subscription_id
        if not inputs.get("subscriptionId"):
            failures.append(
                CheckFailure(
                    "subscriptionId",
                    "no Azure subscription: pass subscription_id, run "
                    "`pulumi config set batchpool:subscriptionId <id>`, or export AZURE_SUBSCRIPTION_ID",
                )
            )
        if inputs.get("poolName") != UNKNOWN:
            prefix = inputs.get("poolNamePrefix")
            name, generated = resolve_pool_name(_olds, inputs, prefix if isinstance(prefix, str) else None)
            inputs["poolName"], inputs["poolNameGenerated"] = name, generated
        report = validate_inputs(inputs)
        for warning in report.warnings:
            pulumi.log.warn(f"{inputs.get('poolName')}: {warning}")
        failures.extend(CheckFailure(path, reason) for path, reason in report.failures)
        return CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Pure comparison of the previous outputs with the new checked inputs (see `provider.diffing`)."""
        return diff_pool(olds, news)

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Create the pool and wait for it; a failure leaves no pool behind (see `PoolLifecycle.create`)."""
        pool_id, outputs = self._guarded(props, lambda: self._lifecycle().create(props))
        return CreateResult(pool_id, _mark_secrets(outputs))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """PATCH the changed mutable properties; everything else was routed to a replace by `diff`."""
        outputs = self._guarded(news, lambda: self._lifecycle().update(olds, news))
        return UpdateResult(_mark_secrets(outputs))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh: live outputs and live inputs, or an empty id when the pool is gone."""
        found = self._guarded(props, lambda: self._lifecycle().read(id_, props))
        if found is None:
            return ReadResult(None, {})
        outputs, inputs = found
        return ReadResult(id_, _mark_secrets(outputs), inputs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Delete the pool and wait until Azure has removed it."""
        self._guarded(props, lambda: self._lifecycle().delete(id_, props))

    def _lifecycle(self) -> PoolLifecycle:
        settings = self._current_settings()
        arm, data_plane = clients_for(settings)
        return PoolLifecycle(
            arm,
            data_plane,
            log=pulumi.log.info,
            poll_interval_seconds=settings.poll_interval_seconds,
            max_concurrency=settings.max_concurrency,
        )

    def _current_settings(self) -> Settings:
        """Settings from `configure`, or from the environment alone when the engine never configured us."""
        with self._settings_lock:
            if self._settings is None:
                self._settings = Settings.from_sources({}, os.environ)
            return self._settings

    @staticmethod
    def _guarded(props: dict[str, Any], work: Callable[[], Any]) -> Any:
        """Run `work`, re-raising provider errors with every protected setting value redacted."""
        try:
            return work()
        except BatchPoolError as error:
            raise BatchPoolError(redact(str(error), _secret_values(props))) from None


def _secret_values(props: dict[str, Any]) -> Iterable[Any]:
    protected = props.get("protectedSettings")
    return protected.values() if isinstance(protected, dict) else ()


def _mark_secrets(outputs: dict[str, Any]) -> dict[str, Any]:
    """Wrap outputs derived from secrets so the engine stores them encrypted."""
    return {key: wrap_rpc_secret(value) if key in SECRET_OUTPUTS else value for key, value in outputs.items()}
