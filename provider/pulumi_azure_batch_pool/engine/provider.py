"""`BatchPoolProvider`: the dynamic provider the Pulumi engine calls, a thin dispatch to the real work.

The engine pickles this object into every resource's state (by reference, because it lives in an
importable package), so it holds no clients or credentials: those are built lazily, once per provider
process, from the settings that `configure` receives. One instance serves up to four engine threads.
"""

from __future__ import annotations

import os
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar

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

from pulumi_azure_batch_pool.azure_clients.errors import BatchPoolError, ConfigurationError
from pulumi_azure_batch_pool.azure_clients.settings import Settings, settings_from_configure_request
from pulumi_azure_batch_pool.engine import engine_log
from pulumi_azure_batch_pool.engine.explain import log_replacement_causes
from pulumi_azure_batch_pool.model import removed_arguments, write_only
from pulumi_azure_batch_pool.model.concealment import (
    SECRET_OUTPUTS,
    Redactor,
    conceal_outputs,
    conceal_read,
    for_azure,
)
from pulumi_azure_batch_pool.model.diffing import diff_pool
from pulumi_azure_batch_pool.model.extension_catalog import allowed
from pulumi_azure_batch_pool.model.naming import resolve_pool_name

if TYPE_CHECKING:
    from pulumi_azure_batch_pool.lifecycle.lifecycle import PoolLifecycle


class BatchPoolProvider(ResourceProvider):
    """Creates, diffs, reads, updates and deletes Azure Batch pools through the ARM REST API."""

    _settings: Settings | None = None
    _settings_error: ConfigurationError | None = None
    _settings_lock: ClassVar[threading.Lock] = threading.Lock()

    def configure(self, req: ConfigureRequest) -> None:
        """Read `batchpool:*` stack config plus the environment once per provider process.

        Unusable settings are kept and reported by `check` as one failure, rather than raised here,
        where the SDK would turn them into a traceback on every call.
        """
        from pulumi_azure_batch_pool.lifecycle.progress import (
            retry_counter,  # imports the transport: a provider process needs it
        )

        retry_counter()
        try:
            self._settings = settings_from_configure_request(req)
        except ConfigurationError as error:
            self._settings_error = error

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Fill the subscription and the pool name, then validate; failures name the property and the fix."""
        inputs = dict(news)
        failures: list[CheckFailure] = []
        try:
            settings = self._current_settings()
        except BatchPoolError as error:
            return CheckResult(inputs, [CheckFailure("", str(error))])
        if not inputs.get("subscriptionId") and settings.subscription_id:
            inputs["subscriptionId"] = settings.subscription_id
        if inputs.get("poolName") != UNKNOWN:
            prefix = inputs.get("poolNamePrefix")
            name, generated = resolve_pool_name(_olds, inputs, prefix if isinstance(prefix, str) else None)
            inputs["poolName"], inputs["poolNameGenerated"] = name, generated
        inputs, removed = removed_arguments.split(inputs)
        failures.extend(CheckFailure(path, reason) for path, reason in removed)
        report = _validation().validate_inputs(inputs, allowed(settings.allowed_extensions))
        for warning in report.warnings:
            engine_log.warn(f"{inputs.get('poolName')}: {warning}")
        failures.extend(CheckFailure(path, reason) for path, reason in report.failures)
        return CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Pure comparison of the previous outputs with the new checked inputs (see
        `pulumi_azure_batch_pool.model.diffing`);
        write-only secrets are compared by fingerprint (see `write_only.diff_views`)."""
        views = write_only.diff_views(olds, news)
        result = diff_pool(*views)
        log_replacement_causes(engine_log.info, *views, result.replaces or [])
        if result.replaces:
            self._warn_if_work_runs(_id, olds, news)
        return result

    def _warn_if_work_runs(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> None:
        """A replacement deletes the old pool: warn when tasks run on it, and say whether the delete drains.

        The one read-only look a diff takes (the rest of diff is pure); it never fails the preview.
        """
        from pulumi_azure_batch_pool.lifecycle.drain import DrainOptions, replacement_warning
        from pulumi_azure_batch_pool.lifecycle.lifecycle import pool_ref_from_id

        try:
            pool_name = pool_ref_from_id(id_).pool_name
        except ValueError:  # not a pool's ARM id (a test's placeholder): nothing to look at
            return
        redactor = Redactor.for_call(olds)
        try:
            report = self._lifecycle(redactor).work(id_, timeout_seconds=WORK_CHECK_SECONDS)
        except Exception as error:  # a courtesy check: whatever stops it, the preview goes on
            engine_log.info(redactor.text(f"{pool_name}: could not check for running tasks ({error})"))
            return
        if report.running_tasks:
            deployed, requested = DrainOptions.from_state(olds), DrainOptions.from_state(news)
            engine_log.warn(redactor.text(replacement_warning(pool_name, report.line(), deployed, requested)))

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Validate (whoever called), create the pool and wait for it; a failure leaves no pool behind."""
        redactor = Redactor.for_call(props)

        def work() -> tuple[str, dict[str, Any]]:
            _validation().require_valid(props, "create")
            return self._lifecycle(redactor).create(for_azure(props))

        pool_id, outputs = self._guarded(redactor, work)
        return CreateResult(pool_id, _mark_secrets(conceal_outputs(outputs, props, redactor)))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Validate, then PATCH the changed mutable properties; everything else was routed to a replace."""
        redactor = Redactor.for_call(news, olds)

        def work() -> dict[str, Any]:
            _validation().require_valid(news, "update")
            return self._lifecycle(redactor).update(*write_only.diff_views(olds, news))

        outputs = self._guarded(redactor, work)
        return UpdateResult(_mark_secrets(conceal_outputs(outputs, news, redactor, olds)))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh: live outputs and live inputs, or an empty id when the pool is gone."""
        redactor = Redactor.for_call(props)
        found = self._guarded(redactor, lambda: self._lifecycle(redactor).read(id_, props))
        if found is None:
            return ReadResult(None, {})
        outputs, inputs = found
        live_inputs, _ = write_only.split_write_only(inputs)  # never a secret in stored inputs
        return ReadResult(id_, _mark_secrets(conceal_read(outputs, props, redactor)), live_inputs)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Delete the pool and wait until Azure has removed it."""
        redactor = Redactor.for_call(props)
        self._guarded(redactor, lambda: self._lifecycle(redactor).delete(id_, props))

    def _lifecycle(self, redactor: Redactor) -> PoolLifecycle:
        # HTTP, credentials and clients are imported on first use: a program's `import
        # pulumi_azure_batch_pool` (and a
        # preview that only checks and diffs) never pays for them.
        from pulumi_azure_batch_pool.lifecycle.clients import lifecycle_for

        return lifecycle_for(
            self._current_settings(),
            lambda line: engine_log.info(redactor.text(line)),
            lambda line: engine_log.warn(redactor.text(line)),
        )

    def _current_settings(self) -> Settings:
        """Settings from `configure`, or from the environment alone when the engine never configured us."""
        with self._settings_lock:
            if self._settings_error is not None:
                raise self._settings_error
            if self._settings is None:
                self._settings = Settings.from_sources({}, os.environ)
            return self._settings

    @staticmethod
    def _guarded(redactor: Redactor, work: Callable[[], Any]) -> Any:
        """Run `work`, re-raising errors with every secret redacted: provider errors keep their type; any
        other exception (a bug) becomes a `BatchPoolError` naming where it happened, since its message
        and traceback could quote a secret."""
        try:
            return work()
        except BatchPoolError as error:
            raise redactor.error(error) from None
        except Exception as error:
            frame = traceback.extract_tb(error.__traceback__)[-1]
            where = f"{Path(frame.filename).name}:{frame.lineno}"
            raise BatchPoolError(
                f"Unexpected {type(error).__name__} in the BatchPool provider at {where}:"
                f" {redactor.text(str(error))}. If that does not explain it, it is a provider bug:"
                " please report it with this message."
            ) from None


def _validation() -> ModuleType:
    """`pulumi_azure_batch_pool.model.validation`, imported on first use: it loads jsonschema, which `import
    pulumi_azure_batch_pool` skips."""
    from pulumi_azure_batch_pool.model import validation

    return validation


def _mark_secrets(outputs: dict[str, Any]) -> dict[str, Any]:
    """Wrap outputs derived from secrets so the engine stores them encrypted."""
    return {key: wrap_rpc_secret(value) if key in SECRET_OUTPUTS else value for key, value in outputs.items()}


WORK_CHECK_SECONDS = 20.0
"""The deadline of a preview's look at the old pool's tasks: an unreachable data plane must not hold up a
plan (a deployment's deadlines are far longer)."""
