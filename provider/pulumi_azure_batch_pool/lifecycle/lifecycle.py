"""Create, update, read and delete orchestration for one Batch pool.

This is where the waiting and the failure policy live. Pool PUT and PATCH return at once, but Azure
allocates nodes and installs extensions afterwards, so a deployment that only checked the PUT would
report success for a pool whose Key Vault extension leaves every node unusable. The methods here wait
for the pool to settle, collect per-node extension status, and (on create) delete a pool that failed,
because a Python dynamic provider cannot report a partially created resource to the engine.

Create is written as steps, each with its compensation:

1. PUT the pool with the provider's ownership tags, idempotently
(``pulumi_azure_batch_pool.lifecycle.pool_put``): a lost answer is
   resolved by a GET, "already exists" by the pool's tags (this create's own pool is continued with, anyone
   else's refused).
2. Wait for a steady allocation (resize errors fail), 3. wait for nodes and extensions (terminal extension
   failures fail). Compensation for any exception in 2-3 (``rollback`` policy): delete the pool with its own
   deadline and confirm it is gone (``pulumi_azure_batch_pool.lifecycle.rollback``); the error says which
   outcome was reached.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_azure_batch_pool.azure_clients.arm import ArmClient, PoolRef
from pulumi_azure_batch_pool.azure_clients.dataplane import DataPlaneAccessDenied, DataPlaneClient
from pulumi_azure_batch_pool.azure_clients.errors import (
    BatchPoolError,
    OperationTimeoutError,
    PreconditionFailedError,
    ProvisioningError,
    RequestError,
    ServiceError,
    ThrottledError,
)
from pulumi_azure_batch_pool.lifecycle import remedies, status
from pulumi_azure_batch_pool.lifecycle.deletion import (
    CONFIRM_GRACE_SECONDS,
    Keeper,
    Left,
    PoolNotDeletedError,
    delete_and_confirm,
    delete_command,
    describe_error,
    not_deleted_sentence,
)
from pulumi_azure_batch_pool.lifecycle.drain import Drain, DrainOptions
from pulumi_azure_batch_pool.lifecycle.nodewatch import NodeWatch, PollInterval
from pulumi_azure_batch_pool.lifecycle.partial_update import incomplete_update
from pulumi_azure_batch_pool.lifecycle.pool_put import PoolPut, PutOutcome, owner_of
from pulumi_azure_batch_pool.lifecycle.progress import Progress, progress_outcome
from pulumi_azure_batch_pool.lifecycle.rollback import roll_back
from pulumi_azure_batch_pool.lifecycle.work_report import WorkReport, read_work
from pulumi_azure_batch_pool.model import mapping, write_only
from pulumi_azure_batch_pool.model.diffing import MUTABLE_KEYS, PROVIDER_OPTION_KEYS, changed_mutable_keys
from pulumi_azure_batch_pool.model.naming import STACK_KEY
from pulumi_azure_batch_pool.model.ownership import (
    owner_from_tags,
    ownership_tags_of,
    secrets_tag,
    token_digest,
    without_ownership_tags,
)
from pulumi_azure_batch_pool.model.pool_model import vm_extensions
from pulumi_azure_batch_pool.model.secrets import fingerprint_protected_settings, new_salt

#: Provider options that shape the provider's behaviour and are never sent to Azure.
DEFAULT_TIMEOUT_MINUTES = 30.0
DEFAULT_MAX_NODES_IN_OUTPUTS = 20
DEFAULT_POLL_INTERVAL_SECONDS = 10.0
CREATE_TOKEN_OUTPUT = "createToken"
"""Output holding the create token the pool was tagged with (the old resource's delete compares it)."""


Log = Callable[[str], None]


@dataclass(frozen=True)
class WaitOptions:
    """How long and how closely to watch a pool after a write."""

    wait_for_nodes: bool
    rollback_on_failure: bool
    timeout_seconds: float
    max_nodes_in_outputs: int

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any]) -> WaitOptions:
        """Read the provider options from checked inputs (numbers may arrive as floats)."""
        return cls(
            wait_for_nodes=bool(inputs.get("waitForNodes", True)),
            rollback_on_failure=str(inputs.get("extensionFailurePolicy") or "rollback").lower() == "rollback",
            timeout_seconds=float(inputs.get("timeoutMinutes") or DEFAULT_TIMEOUT_MINUTES) * 60.0,
            max_nodes_in_outputs=int(
                DEFAULT_MAX_NODES_IN_OUTPUTS
                if inputs.get("maxNodesInOutputs") is None
                else inputs["maxNodesInOutputs"]
            ),
        )


def _secrets_tag(inputs: Mapping[str, Any]) -> dict[str, str]:
    """The ownership tag saying whether these inputs give the pool any protected or write-only value.

    Create and update see the write-only secrets merged back in place (``concealment.for_azure``).
    """
    values = [*dict(inputs.get("protectedSettings") or {}).values()]
    values += write_only.split_write_only(inputs)[1].values()
    return secrets_tag(any(value not in (None, "", {}, []) for value in values))


def pool_ref(inputs: Mapping[str, Any]) -> PoolRef:
    """The pool's address from checked inputs or outputs."""
    return PoolRef(
        subscription_id=str(inputs["subscriptionId"]),
        resource_group=str(inputs["resourceGroupName"]),
        account_name=str(inputs["accountName"]),
        pool_name=str(inputs["poolName"]),
    )


def _stored_ref(arm_id: str, state: Mapping[str, Any]) -> PoolRef:
    """The pool behind stored state, or behind the id alone (`BatchPool.get` sends no pool properties)."""
    return pool_ref(state) if state.get("poolName") else pool_ref_from_id(arm_id)


def pool_ref_from_id(arm_id: str) -> PoolRef:
    """Parse an ARM pool id (`/subscriptions/.../batchAccounts/{account}/pools/{pool}`) into a PoolRef.

    Raises ValueError naming the expected shape when the id is not a pool id.
    """
    parts = arm_id.strip("/").split("/")
    lowered = [part.lower() for part in parts]
    expected = ["subscriptions", "resourcegroups", "providers", "microsoft.batch", "batchaccounts", "pools"]
    if len(parts) != 10 or [lowered[i] for i in (0, 2, 4, 5, 6, 8)] != expected:
        raise ValueError(
            f"'{arm_id}' is not an Azure Batch pool id; expected "
            "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Batch/batchAccounts/{account}/pools/{pool}"
        )
    return PoolRef(parts[1], parts[3], parts[7], parts[9])


class PoolLifecycle:
    """Drives one pool through its lifecycle against Azure (or the emulator).

    Clients are passed in so this class holds no credentials of its own; `sleep` and `clock` are
    injectable so that tests against the emulator never wait for real time.
    """

    def __init__(
        self,
        arm: ArmClient,
        data_plane: Callable[[str], DataPlaneClient],
        *,
        log: Log,
        warn: Log | None = None,
        poll_interval_seconds: float = DEFAULT_POLL_INTERVAL_SECONDS,
        operation_timeout_seconds: float = DEFAULT_TIMEOUT_MINUTES * 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._arm = arm
        self._data_plane = data_plane
        self._log = log
        self._warn = warn or log
        self._poll_interval = poll_interval_seconds
        self._operation_timeout = operation_timeout_seconds
        self._sleep = sleep
        self._clock = clock

    def create(self, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """PUT the pool (never overwriting one it does not own unless adopting), wait, return id + outputs.

        Any exception once the pool exists runs the compensation when the failure policy is `rollback`
        (the pool is deleted with its own deadline and the error says what became of it), so a failed
        `pulumi up` leaves nothing behind that the stack does not know about.
        """
        ref = pool_ref(inputs)
        options = WaitOptions.from_inputs(inputs)
        deadline = self._clock() + options.timeout_seconds
        protected = dict(inputs.get("protectedSettings") or {})
        owner = owner_of(inputs)
        body = mapping.to_arm_pool(inputs, protected)
        body["tags"] = {**without_ownership_tags(body.get("tags")), **owner.tags(), **_secrets_tag(inputs)}
        # Step 1: PUT (compensated inside: a lost answer is resolved by looking at what Azure holds).
        putter = PoolPut(
            self._arm, log=self._log, clock=self._clock, probe_timeout_seconds=self._operation_timeout
        )
        how, found = putter.put(ref, body, owner, adopt=bool(inputs.get("adoptExisting")), deadline=deadline)
        base = self._outputs_base(inputs, protected, new_salt())
        base[CREATE_TOKEN_OUTPUT] = owner.token
        # Steps 2-3: claim a continued pool, wait for allocation, then nodes (compensation: delete, confirm).
        try:
            if found is not None:
                patch = {**mapping.mutable_patch_body(MUTABLE_KEYS, inputs, found), "tags": body["tags"]}
                putter.claim(ref, owner, found, patch, deadline)
            outputs = self._settle(ref, inputs, options, base, deadline)
        except Exception as error:
            raise self._compensate(ref, how, options, error) from None
        return str(outputs["armId"]), outputs

    def _compensate(
        self, ref: PoolRef, how: PutOutcome, options: WaitOptions, error: Exception
    ) -> BatchPoolError:
        """The error to raise for a failure after the pool exists, after the rollback when it applies."""
        cause = describe_error(error)
        if isinstance(error, OperationTimeoutError):
            cause = (
                f"The pool '{ref.pool_name}' was not ready within {options.timeout_seconds / 60:g} minutes "
                f"(timeoutMinutes): {cause}"
            )
        failures = list(getattr(error, "failures", []) or [])
        if how is PutOutcome.ADOPTED:
            return ProvisioningError(
                f"{cause} The pool '{ref.pool_name}' existed before this create (adoptExisting) and was "
                "left in place.",
                failures=failures,
            )
        if not options.rollback_on_failure:
            return ProvisioningError(
                f"{cause} The pool '{ref.pool_name}' was kept (extensionFailurePolicy='keep') and is not in "
                "Pulumi's state: the next `pulumi up` continues with it (it carries this resource's create "
                f"token), or delete it with: {delete_command(ref)}",
                failures=failures,
            )
        self._log(f"{ref.pool_name}: create failed, deleting the pool (extensionFailurePolicy='rollback')")
        outcome = roll_back(self._arm, ref, timeout_seconds=self._operation_timeout, clock=self._clock)
        keep_hint = " (Set extensionFailurePolicy='keep' to keep a failed pool for investigation.)"
        return ProvisioningError(
            f"{cause} {outcome.sentence}" + (keep_hint if outcome.gone else ""), failures=failures
        )

    def update(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        """PATCH only the mutable properties that changed, with If-Match, then wait like create."""
        ref = pool_ref(news)
        options = WaitOptions.from_inputs(news)
        deadline = self._clock() + options.timeout_seconds
        changed = changed_mutable_keys(olds, news)
        if changed:
            current = self._arm.get_pool(ref, deadline=deadline)
            if current is None:
                raise BatchPoolError(
                    f"The pool '{ref.pool_name}' no longer exists in Azure. Run `pulumi refresh` so Pulumi "
                    "forgets it, then `pulumi up` to create it again."
                )
            self._log(f"{ref.pool_name}: updating {', '.join(sorted(changed))} in place")
            body = mapping.mutable_patch_body(changed, news, current)
            owned = {**ownership_tags_of(current.get("tags")), **_secrets_tag(news)}
            if "tags" in body or owned != ownership_tags_of(current.get("tags")):
                # ARM replaces the whole tag map: the provider's ownership tags ride along with the user's,
                # the secrets tag saying what this update gives the pool.
                body["tags"] = {**without_ownership_tags(body.get("tags", current.get("tags"))), **owned}
            try:
                self._arm.patch_pool(ref, body, str(current.get("etag")), deadline=deadline)
            except PreconditionFailedError:
                self._unless_committed(ref, news, deadline)
        base = self._outputs_base(news, {}, str(olds.get("protectedSettingsSalt") or ""))
        base["protectedSettingsFingerprint"] = olds.get("protectedSettingsFingerprint") or {}
        if olds.get(CREATE_TOKEN_OUTPUT):
            base[CREATE_TOKEN_OUTPUT] = olds[CREATE_TOKEN_OUTPUT]
        try:
            return self._settle(ref, news, options, base, deadline)
        except BatchPoolError as error:
            if not changed:
                raise
            # Azure holds the PATCH: the error says what it holds, since the state keeps the old values.
            grace = min(self._operation_timeout, CONFIRM_GRACE_SECONDS)
            raise incomplete_update(
                ref, changed, error, lambda: self._arm.get_pool(ref, deadline=self._clock() + grace)
            ) from None

    def _unless_committed(self, ref: PoolRef, news: Mapping[str, Any], deadline: float) -> None:
        """A PATCH met 412: fine when the pool already holds ``news`` (a retry of a PATCH whose answer was
        lost meets the ETag its own first attempt changed); otherwise someone else changed it meanwhile."""
        live = self._arm.get_pool(ref, deadline=deadline) or {}
        live_inputs = mapping.inputs_from_arm(live, news)
        still_different = changed_mutable_keys(live_inputs, news)
        if still_different:
            raise BatchPoolError(
                f"The pool '{ref.pool_name}' changed in Azure while Pulumi updated it (ETag mismatch): "
                f"{', '.join(sorted(still_different))} differ from the program. Run `pulumi refresh`, then "
                "`pulumi up` again."
            )
        self._log(f"{ref.pool_name}: the answer to the update was lost, but Azure holds the new values")

    def read(self, arm_id: str, state: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """Return (outputs, live inputs) for the pool, or None when it no longer exists."""
        ref = _stored_ref(arm_id, state)
        pool = self._arm.get_pool(ref, deadline=self._clock() + self._operation_timeout)
        if pool is None:
            return None
        location = {
            "subscriptionId": ref.subscription_id,
            "resourceGroupName": ref.resource_group,
            "accountName": ref.account_name,
            "poolName": ref.pool_name,
        }
        live = {**_provider_options(state), **location, **mapping.inputs_from_arm(pool, state)}
        options = WaitOptions.from_inputs(state)
        names = extension_names(live)
        outputs = {
            **{key: value for key, value in live.items() if key != "protectedSettings"},
            "protectedSettingsSalt": state.get("protectedSettingsSalt") or "",
            "protectedSettingsFingerprint": state.get("protectedSettingsFingerprint") or {},
            **({CREATE_TOKEN_OUTPUT: state[CREATE_TOKEN_OUTPUT]} if state.get(CREATE_TOKEN_OUTPUT) else {}),
            **mapping.read_only_outputs(pool),
            **self._summarise(ref, names, self._node_reports(ref, names, pool), options),
        }
        return outputs, live

    def delete(self, arm_id: str, state: Mapping[str, Any]) -> None:
        """Delete the pool and follow the long-running operation until it is gone (gone already is fine)."""
        ref = _stored_ref(arm_id, state)
        deadline = self._clock() + self._operation_timeout
        token = state.get(CREATE_TOKEN_OUTPUT)
        if isinstance(token, str) and token:
            pool = self._arm.get_pool(ref, deadline=deadline)
            if pool is None:
                return
            found = owner_from_tags(pool.get("tags"))
            if found is not None and found.token != token and found.digest == token_digest(token):
                self._log(
                    f"{ref.pool_name}: not deleting: a newer create of this resource (a replacement that "
                    "found the same pool) has claimed it"
                )
                return
        drain = DrainOptions.from_state(state)
        if drain.enabled:
            self._drain(ref, drain, deadline)
        self._log(f"{ref.pool_name}: deleting")
        outcome = delete_and_confirm(
            self._arm, ref, timeout_seconds=self._operation_timeout, clock=self._clock
        )
        if outcome.left is not Left.GONE:
            raise PoolNotDeletedError(not_deleted_sentence(ref, outcome, Keeper.STACK), left=outcome.left)

    def work(self, arm_id: str, timeout_seconds: float | None = None) -> WorkReport:
        """What runs on the pool now (read-only): running tasks per node and the tasks queued for it.

        ``timeout_seconds`` bounds every request of the look (the account lookup included), through the
        transport's own deadline; without it the transport's per-request limits apply.
        """
        ref = pool_ref_from_id(arm_id)
        deadline = None if timeout_seconds is None else self._clock() + timeout_seconds
        return read_work(self._data_plane_for(ref, deadline), ref.pool_name, deadline)

    def _drain(self, ref: PoolRef, options: DrainOptions, deadline: float) -> None:
        """Let running tasks finish before the delete (`pulumi_azure_batch_pool.lifecycle.drain`)."""
        try:
            data_plane: DataPlaneClient | None = self._data_plane_for(ref)
        except BatchPoolError as error:
            self._warn(f"{ref.pool_name}: draining without task counts: {error}")
            data_plane = None
        Drain(
            self._arm,
            data_plane,
            ref,
            log=self._log,
            warn=self._warn,
            sleep=self._sleep,
            clock=self._clock,
            poll_interval_seconds=self._poll_interval,
        ).run(options, deadline)

    def _outputs_base(
        self, inputs: Mapping[str, Any], protected: Mapping[str, Any], salt: str
    ) -> dict[str, Any]:
        outputs = {key: value for key, value in inputs.items() if key != "protectedSettings"}
        outputs["protectedSettingsSalt"] = salt
        outputs["protectedSettingsFingerprint"] = fingerprint_protected_settings(protected, salt)
        return outputs

    def _settle(
        self,
        ref: PoolRef,
        inputs: Mapping[str, Any],
        options: WaitOptions,
        base: dict[str, Any],
        deadline: float,
    ) -> dict[str, Any]:
        """Wait for a steady allocation and (optionally) settled nodes; fail on resize or extension errors."""
        reporter = Progress(ref.pool_name, self._log, clock=self._clock)
        pool = self._arm.wait_for_pool(
            ref,
            lambda body: str(body.get("properties", {}).get("allocationState", "")).lower() == "steady",
            deadline=deadline,
            on_poll=reporter.allocation,
        )
        read_only = mapping.read_only_outputs(pool)
        if read_only.get("resizeErrors"):
            failures = list(read_only["resizeErrors"])
            details = "; ".join(f"({item.get('code')}) {item.get('message')}" for item in failures)
            raise ProvisioningError(
                f"The pool '{ref.pool_name}' could not allocate its nodes: {details}", failures=failures
            )
        nodes = self._wait_for_nodes(ref, inputs, pool, options, deadline, reporter)
        failing = _failures(nodes.get("extensionStatus", {}))
        if failing:
            summary = _failure_summary(ref.pool_name, failing)
            advice = remedies.remedies_for(inputs, [failure["extension"] for failure in failing])
            summary += "".join(f" Remedy for {line}." for line in advice)
            if options.rollback_on_failure:
                raise ProvisioningError(summary, failures=failing)
            self._warn(f"{ref.pool_name}: {summary}")
        self._log(reporter.summary(progress_outcome(nodes, watched=options.wait_for_nodes)))
        return {**base, **read_only, **nodes}

    def _wait_for_nodes(
        self,
        ref: PoolRef,
        inputs: Mapping[str, Any],
        pool: Mapping[str, Any],
        options: WaitOptions,
        deadline: float,
        reporter: Progress,
    ) -> dict[str, Any]:
        """Watch the nodes until all have settled (see `pulumi_azure_batch_pool.lifecycle.nodewatch`);
        without waiting, read nothing.

        Without `waitForNodes` the data plane is not needed at all (a private account works); the status
        is then unknown until the next refresh. A data plane that refuses access ends the wait with a
        warning and unknown status instead of failing the pool; an outage is waited out until the deadline.
        """
        names = extension_names(inputs)
        if not options.wait_for_nodes:
            reason = "not read: waitForNodes=false (run `pulumi refresh` to read it)"
            return self._summarise(ref, names, status.Unread(reason, mapping.allocated_nodes(pool)), options)
        watch = NodeWatch(self._data_plane_for(ref), ref.pool_name, names)
        interval = PollInterval(self._poll_interval)
        reports: list[status.NodeReport] = []
        while True:
            target = mapping.allocated_nodes(pool)
            try:
                reports, changed = watch.poll()
            except DataPlaneAccessDenied as error:
                self._warn(f"{ref.pool_name}: {error}")
                return self._summarise(ref, names, status.Unread(str(error), target), options)
            except (RequestError, ServiceError, ThrottledError) as error:
                self._log(f"{ref.pool_name}: the data plane did not answer, still waiting ({error})")
                changed = False
            if len(reports) >= target and all(report.settled for report in reports):
                return self._summarise(ref, names, reports, options)
            now = self._clock()
            progress = status.progress_line(reports, names, target)
            if now >= deadline:
                raise OperationTimeoutError(
                    f"The pool '{ref.pool_name}' did not settle within {options.timeout_seconds / 60:g} "
                    f"minutes ({progress}). Raise timeoutMinutes, or set waitForNodes=false to return as "
                    "soon as the pool is allocated."
                )
            reporter.nodes(progress)
            self._sleep(min(interval.next(changed), deadline - now))
            pool = self._arm.get_pool(ref, deadline=deadline) or pool

    def _node_reports(
        self, ref: PoolRef, names: Sequence[str], pool: Mapping[str, Any]
    ) -> list[status.NodeReport] | status.Unread:
        """Every node's extensions read once (a refresh); unknown with the reason when none can be read."""
        try:
            return NodeWatch(self._data_plane_for(ref), ref.pool_name, names).read_all()
        except BatchPoolError as error:
            self._warn(f"{ref.pool_name}: extension status unknown: {error}")
            return status.Unread(str(error), mapping.allocated_nodes(pool))

    def _summarise(
        self,
        ref: PoolRef,
        names: Sequence[str],
        observed: Sequence[status.NodeReport] | status.Unread,
        options: WaitOptions,
    ) -> dict[str, Any]:
        return {
            "dataPlaneUrl": self._pool_data_plane_url(ref),
            **status.summary(names, observed, limit=options.max_nodes_in_outputs),
        }

    def _data_plane_for(self, ref: PoolRef, deadline: float | None = None) -> DataPlaneClient:
        return self._data_plane(
            self._arm.data_plane_url(
                ref.subscription_id, ref.resource_group, ref.account_name, deadline=deadline
            )
        )

    def _pool_data_plane_url(self, ref: PoolRef) -> str:
        account_url = self._arm.data_plane_url(ref.subscription_id, ref.resource_group, ref.account_name)
        return f"{account_url.rstrip('/')}/pools/{ref.pool_name}"


def extension_names(inputs: Mapping[str, Any]) -> list[str]:
    """The names of the extensions declared on the pool, in declaration order."""
    return [str(extension["name"]) for extension in vm_extensions(inputs.get("deploymentConfiguration"))]


def _provider_options(state: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs Azure knows nothing about, carried over from state into the live inputs of a refresh."""
    return {
        key: state[key] for key in ("poolNameGenerated", STACK_KEY, *PROVIDER_OPTION_KEYS) if key in state
    }


def _failures(extension_status: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    failures = []
    for name, counts in extension_status.items():
        if counts.get("failed") or counts.get("missing"):
            failures.append(
                {
                    "extension": name,
                    "failed": counts.get("failed", 0),
                    "missing": counts.get("missing", 0),
                    "failedNodes": counts.get("failedNodes", []),
                }
            )
    return failures


def _failure_summary(pool_name: str, failures: Sequence[Mapping[str, Any]]) -> str:
    parts = []
    for failure in failures:
        nodes = ", ".join(
            f"{node['nodeId']} ({node['state']}): {node['message']}" for node in failure["failedNodes"]
        )
        counts = f"failed on {failure['failed']} node(s)"
        if failure["missing"]:
            counts += f", missing on {failure['missing']}"
        parts.append(f"extension '{failure['extension']}' {counts}" + (f" [{nodes}]" if nodes else ""))
    return f"Pool '{pool_name}': " + "; ".join(parts) + "."
