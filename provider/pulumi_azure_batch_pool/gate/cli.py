"""`python -m pulumi_azure_batch_pool status`: a pipeline gate on extension health, and a finder for orphaned
pools.

After `pulumi up` a pipeline needs one command that fails the job when an extension failed on a node,
even with `extension_failure_policy="keep"`. This reads each pool with the provider's own read
(`PoolLifecycle.read`, the code behind `pulumi refresh`) using the provider's settings and credentials
(`BATCHPOOL_*` environment variables), prints a table or JSON, and exits with a code per verdict (below).
A bad invocation is always 2 and an unexpected failure 7, each as one line on stderr (and, with --json,
one JSON document on stdout), never a traceback: in a pipeline an exit code must mean what it says.

With several pools the most severe verdict wins (in the order 1, 7, 5, 6, 4, 3, 0).

No secret is printed: node extension messages are redacted as `pulumi refresh` redacts them when the
stack file holds the pool's secret digests (`pulumi stack export --show-secrets | ... --stack -`), shown
as they are for a pool whose ownership tags say it holds no secret or with --unredacted-messages, and
withheld otherwise (see pulumi_azure_batch_pool.gate.status_secrets).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from pulumi_azure_batch_pool.azure_clients.arm import ArmClient, PoolRef
from pulumi_azure_batch_pool.azure_clients.errors import BatchPoolError, NotFoundError
from pulumi_azure_batch_pool.azure_clients.settings import Settings
from pulumi_azure_batch_pool.gate import status_report, status_secrets
from pulumi_azure_batch_pool.gate.gate_args import (
    UsageError,
    account_names,
    build_parser,
    check_numbers,
    load_json,
    pool_ids_from_flags,
    subscription_of,
)
from pulumi_azure_batch_pool.gate.gate_errors import describe
from pulumi_azure_batch_pool.gate.stack_pools import (
    NotAStackExport,
    exported_stack,
    find_orphans,
    pool_ids_in,
)
from pulumi_azure_batch_pool.gate.status_report import OrphanFinding, PoolStatus
from pulumi_azure_batch_pool.lifecycle import health, remedies
from pulumi_azure_batch_pool.lifecycle.clients import clients_for, lifecycle_for
from pulumi_azure_batch_pool.lifecycle.health import Verdict
from pulumi_azure_batch_pool.lifecycle.lifecycle import PoolLifecycle, pool_ref_from_id
from pulumi_azure_batch_pool.lifecycle.progress import describe_retries, retry_counter
from pulumi_azure_batch_pool.lifecycle.work_report import WorkReport
from pulumi_azure_batch_pool.model.concealment import Redactor
from pulumi_azure_batch_pool.model.ownership import carries_secrets

STACK_FILE = "the output of `pulumi stack export` or `pulumi stack output --json`"
EXPORT_FILE = "the output of `pulumi stack export` for the stack whose orphans to find"


@dataclass(frozen=True)
class Streams:
    """Where the gate writes, how it waits: injectable so tests run the real command without real time."""

    stdout: TextIO
    stderr: TextIO
    sleep: Callable[[float], None]
    clock: Callable[[], float]


def main(
    argv: Sequence[str] | None = None,
    *,
    prog: str = "batchpool",
    environ: Mapping[str, str] = os.environ,
    stdout: TextIO = sys.stdout,
    stderr: TextIO = sys.stderr,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Run the command line; returns the exit code. ``prog`` is how the user called it (the console
    script ``batchpool`` by default; ``python -m pulumi_azure_batch_pool`` passes its own)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    streams = Streams(stdout, stderr, sleep, clock)
    settings: Settings | None = None
    try:
        args = build_parser(prog, __doc__ or "").parse_args(arguments)
        check_numbers(args)
        settings = Settings.from_sources({}, environ)
        return _run(args, settings, environ, streams)
    except UsageError as error:
        code, message = 2, describe(error, settings)
    except (BatchPoolError, OSError) as error:
        code, message = Verdict.ERROR.exit_code, describe(error, settings)
    except Exception as error:  # a bug: still one line and exit 7, never a traceback in a pipeline log
        message = f"unexpected {type(error).__name__}: {describe(error, settings)} (please report this)"
        code = Verdict.ERROR.exit_code
    print(f"error: {message}", file=stderr)
    if "--json" in arguments:
        json.dump(status_report.error_json(message, code), stdout, indent=2)
        stdout.write("\n")
    return code


def _run(args: argparse.Namespace, settings: Settings, environ: Mapping[str, str], streams: Streams) -> int:
    """Check every flag (UsageError), then read the pools (and the orphans) and report."""
    if args.stack == "-" and args.orphans == "-":
        raise UsageError("--stack - and --orphans - both read stdin; give one of them a file")
    stack = load_json("--stack", args.stack, STACK_FILE) if args.stack else None
    state = load_json("--orphans", args.orphans, EXPORT_FILE) if args.orphans else None
    stack_name = None
    if state is not None:
        try:
            stack_name = exported_stack(state)
        except NotAStackExport as error:
            raise UsageError(f"--orphans {args.orphans}: {error}") from None
    subscription = None
    if args.pool or args.orphans or args.subscription is not None:
        subscription = subscription_of(args, settings.subscription_id, environ)
    pool_ids = pool_ids_from_flags(args, subscription)
    if stack is not None:
        from_stack = pool_ids_in(stack)
        if not from_stack:
            raise UsageError(
                f"--stack {args.stack} names no Azure Batch pool ARM id; pass the output of `pulumi stack "
                "export`, or export each pool's arm_id (pulumi.export('arm_id', pool.arm_id))"
            )
        pool_ids += from_stack
    if args.orphans:
        account_names(args, "--orphans")
    elif not pool_ids:
        raise UsageError(
            "name at least one pool: --pool (with --resource-group and --account), --pool-id or --stack"
        )
    pool_ids = list({arm_id.lower(): arm_id for arm_id in pool_ids}.values())
    redactors = status_secrets.redactors_in(stack, state)
    lifecycle = lifecycle_for(settings, lambda message: print(message, file=streams.stderr))
    arm, _data_plane = clients_for(settings)
    retries_before = retry_counter().snapshot()
    pools, verdict = _poll(args, settings, arm, lifecycle, pool_ids, redactors, streams)
    finding = None
    if state is not None and stack_name is not None:
        finding, orphans_verdict = _orphans(arm, settings, args, subscription, state, stack_name)
        verdict = health.worst([verdict, orphans_verdict])
    withheld = sum(1 for pool in pools if pool.messages_withheld)
    if withheld:
        ciphertext = any(status_secrets.holds_ciphertext(document) for document in (stack, state))
        print(status_secrets.withheld_note(withheld, ciphertext), file=streams.stderr)
    retried = describe_retries(retry_counter().snapshot() - retries_before)
    if retried:
        print(f"status: {retried}", file=streams.stderr)
    if args.json:
        json.dump(status_report.as_json(pools, finding, verdict), streams.stdout, indent=2)
        streams.stdout.write("\n")
    else:
        streams.stdout.write(status_report.as_text(pools, finding, verdict))
    return verdict.exit_code


def _poll(
    args: argparse.Namespace,
    settings: Settings,
    arm: ArmClient,
    lifecycle: PoolLifecycle,
    pool_ids: list[str],
    redactors: Mapping[str, Redactor],
    streams: Streams,
) -> tuple[list[PoolStatus], Verdict]:
    """Read every pool once, or (``--wait``) until they settle or the timeout passes."""
    deadline = streams.clock() + args.timeout_minutes * 60.0
    while True:
        pools = [
            _pool_status(arm, lifecycle, arm_id, args, redactors.get(arm_id.lower()), settings)
            for arm_id in pool_ids
        ]
        verdict = health.worst(pool.verdict for pool in pools)
        if not args.wait or verdict.settled or streams.clock() >= deadline:
            break
        print(
            f"status: {verdict.label}; checking again in {settings.poll_interval_seconds:g} s",
            file=streams.stderr,
        )
        streams.sleep(settings.poll_interval_seconds)
    if args.wait and not verdict.settled:
        print(
            f"status: still {verdict.label} after {args.timeout_minutes:g} minutes; giving up",
            file=streams.stderr,
        )
    return pools, verdict


def _pool_status(
    arm: ArmClient,
    lifecycle: PoolLifecycle,
    arm_id: str,
    args: argparse.Namespace,
    redactor: Redactor | None,
    settings: Settings,
) -> PoolStatus:
    """Read one pool exactly as `pulumi refresh` does, judge it, and keep its secrets out of the report.

    The pool's own GET comes first: its ownership tags say whether it holds a secret, and a 404 is
    told apart from a missing account.
    """
    ref = pool_ref_from_id(arm_id)
    try:
        pool = arm.get_pool(ref)
        found = lifecycle.read(arm_id, {"maxNodesInOutputs": args.max_nodes}) if pool is not None else None
    except BatchPoolError as error:
        error = redactor.error(error) if redactor else error
        return PoolStatus(
            arm_id, Verdict.ERROR, message=f"could not read the pool: {describe(error, settings)}"
        )
    if pool is None or found is None:
        return PoolStatus(arm_id, Verdict.NOT_FOUND, message=_missing(arm, ref))
    outputs, _live_inputs = found
    messages = status_secrets.messages_for(
        redactor, carries_secrets(pool.get("tags")), args.unredacted_messages
    )
    shown, withheld = status_secrets.shown_outputs(outputs, redactor, messages)
    work: WorkReport | str
    try:
        work = lifecycle.work(arm_id)
    except BatchPoolError as error:
        work = describe(redactor.error(error) if redactor else error, settings)
    return PoolStatus(
        arm_id,
        health.pool_verdict(outputs),
        outputs=shown,
        remedies=remedies.remedies_for(shown, health.failed_extensions(outputs)),
        messages_withheld=withheld,
        messages=messages.value,
        work=work,
    )


def _missing(arm: ArmClient, ref: PoolRef) -> str:
    """Why a pool's GET answered 404: its Batch account does not exist, or the pool does not."""
    try:
        arm.get_account(ref.subscription_id, ref.resource_group, ref.account_name)
    except NotFoundError:
        return _no_account(ref)
    except BatchPoolError:
        pass  # the account could not be checked: say what is known, the pool's 404
    return (
        f"pool '{ref.pool_name}' does not exist in Batch account '{ref.account_name}' (resource group "
        f"'{ref.resource_group}'); check the name, or whether it was deleted"
    )


def _no_account(ref: PoolRef) -> str:
    return (
        f"Batch account '{ref.account_name}' does not exist in resource group '{ref.resource_group}' of "
        f"subscription {ref.subscription_id}; check --account, --resource-group and the subscription"
    )


def _orphans(
    arm: ArmClient,
    settings: Settings,
    args: argparse.Namespace,
    subscription: str | None,
    state: Any,
    stack: str,
) -> tuple[OrphanFinding, Verdict]:
    """This stack's owned pools missing from its state, and other stacks' pools (never its orphans)."""
    account = PoolRef(str(subscription), args.resource_group, args.account, "")
    try:
        pools = arm.list_pools(account.subscription_id, account.resource_group, account.account_name)
    except NotFoundError:
        return OrphanFinding(stack, error=_no_account(account)), Verdict.NOT_FOUND
    except BatchPoolError as error:
        message = f"could not list the pools of account '{args.account}': {describe(error, settings)}"
        return OrphanFinding(stack, error=message), Verdict.ERROR
    orphans, others = find_orphans(pools, account, pool_ids_in(state), stack)
    verdict = Verdict.ORPHANS if orphans else Verdict.SUCCEEDED
    return OrphanFinding(stack, orphans, others), verdict
