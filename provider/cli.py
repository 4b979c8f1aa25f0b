"""`python -m provider status`: a pipeline gate on extension health, and a finder for orphaned pools.

After `pulumi up` a pipeline needs one command that fails the job when an extension failed on a node,
even with `extension_failure_policy="keep"`. This reads each pool with the provider's own read
(`PoolLifecycle.read`, the code behind `pulumi refresh`) using the provider's settings and credentials
(`BATCHPOOL_*` environment variables), prints a table or JSON, and exits with a code per verdict:

    0 every extension succeeded on every node    1 an extension failed (or a resize error)
    2 usage error                                3 still transitioning (allocating, installing)
    4 unknown (a status could not be read)       5 a pool does not exist
    6 orphaned pools found                       7 error (settings, credentials, network)

With several pools the most severe verdict wins (in the order 1, 7, 5, 6, 4, 3, 0).

No secret is printed: node extension messages are redacted as `pulumi refresh` redacts them when the
stack file holds the pool's secret digests (`pulumi stack export --show-secrets | ... --stack -`), and
withheld otherwise (see provider.status_secrets).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TextIO

from provider import health, remedies, status_report, status_secrets
from provider.arm import PoolRef
from provider.clients import clients_for, lifecycle_for
from provider.concealment import Redactor
from provider.errors import BatchPoolError
from provider.health import Verdict
from provider.lifecycle import PoolLifecycle, pool_ref_from_id
from provider.progress import describe_retries, retry_counter
from provider.settings import Settings
from provider.stack_pools import Orphan, find_orphans, pool_ids_in
from provider.status_report import PoolStatus

DEFAULT_MAX_NODES = 1000


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m provider",
        description="Tools for pools managed by the BatchPool dynamic provider.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    gate = commands.add_parser(
        "status",
        help="per-node extension status of pools; exits non-zero unless every extension succeeded",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    where = gate.add_argument_group("which pools")
    where.add_argument(
        "--subscription", help="subscription id (default: batchpool settings / AZURE_SUBSCRIPTION_ID)"
    )
    where.add_argument("--resource-group", help="the Batch account's resource group")
    where.add_argument("--account", help="the Batch account name")
    where.add_argument("--pool", action="append", default=[], help="pool name in that account (repeatable)")
    where.add_argument("--pool-id", action="append", default=[], help="a pool's ARM id (repeatable)")
    where.add_argument(
        "--stack",
        metavar="FILE",
        help="every pool of a stack: a file ('-' for stdin) from `pulumi stack output --json` "
        "or `pulumi stack export`",
    )
    where.add_argument(
        "--orphans",
        metavar="STATE_FILE",
        help="also list pools in --account that carry the provider's ownership tags but are not in this "
        "`pulumi stack export` file (left by an interrupted deployment)",
    )
    gate.add_argument("--json", action="store_true", help="print one JSON document instead of tables")
    gate.add_argument(
        "--wait", action="store_true", help="poll until every pool has settled (or the timeout)"
    )
    gate.add_argument(
        "--timeout-minutes", type=float, default=30.0, help="how long --wait polls (default 30)"
    )
    gate.add_argument(
        "--max-nodes",
        type=int,
        default=DEFAULT_MAX_NODES,
        help=f"nodes listed per pool (default {DEFAULT_MAX_NODES})",
    )
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    environ: Mapping[str, str] = os.environ,
    stdout: TextIO = sys.stdout,
    stderr: TextIO = sys.stderr,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Run the command line; returns the exit code (documented in the module docstring)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_sources({}, environ)
        subscription = args.subscription or settings.subscription_id
        stack = _load_json(args.stack) if args.stack else None
        state = _load_json(args.orphans) if args.orphans else None
        pool_ids = _selected_pool_ids(args, subscription, parser, stack)
        state_ids = pool_ids_in(state) if state is not None else None
        redactors = status_secrets.redactors_in(stack, state)
        lifecycle = lifecycle_for(settings, lambda message: print(message, file=stderr))
    except (BatchPoolError, OSError, ValueError) as error:
        print(f"error: {error}", file=stderr)
        return Verdict.ERROR.exit_code
    retries_before = retry_counter().snapshot()
    deadline = clock() + args.timeout_minutes * 60.0
    while True:
        pools = [
            _pool_status(lifecycle, arm_id, args.max_nodes, redactors.get(arm_id.lower()))
            for arm_id in pool_ids
        ]
        verdict = health.worst(pool.verdict for pool in pools)
        if not args.wait or verdict.settled or clock() >= deadline:
            break
        print(
            f"status: {verdict.label}; checking again in {settings.poll_interval_seconds:g} s",
            file=stderr,
        )
        sleep(settings.poll_interval_seconds)
    if args.wait and not verdict.settled:
        print(f"status: still {verdict.label} after {args.timeout_minutes:g} minutes; giving up", file=stderr)
    orphans = None
    if state_ids is not None:
        orphans = _orphans(settings, subscription, args, state_ids, stderr)
        if orphans is None:
            verdict = health.worst([verdict, Verdict.ERROR])
        elif orphans:
            verdict = health.worst([verdict, Verdict.ORPHANS])
    withheld = sum(1 for pool in pools if pool.messages_withheld)
    if withheld:
        ciphertext = any(status_secrets.holds_ciphertext(document) for document in (stack, state))
        print(status_secrets.withheld_note(withheld, ciphertext), file=stderr)
    retried = describe_retries(retry_counter().snapshot() - retries_before)
    if retried:
        print(f"status: {retried}", file=stderr)
    if args.json:
        json.dump(status_report.as_json(pools, orphans, verdict), stdout, indent=2)
        stdout.write("\n")
    else:
        stdout.write(status_report.as_text(pools, orphans, verdict))
    return verdict.exit_code


def _selected_pool_ids(
    args: argparse.Namespace, subscription: str | None, parser: argparse.ArgumentParser, stack: Any
) -> list[str]:
    """The ARM ids of every pool named by --pool, --pool-id and --stack, without repeats."""
    if (args.pool or args.orphans) and not (args.resource_group and args.account):
        parser.error("--pool and --orphans need --resource-group and --account")
    if (args.pool or args.orphans) and not subscription:
        raise BatchPoolError(
            "no subscription: pass --subscription, or set BATCHPOOL_SUBSCRIPTION_ID or AZURE_SUBSCRIPTION_ID"
        )
    ids = [PoolRef(str(subscription), args.resource_group, args.account, name).arm_id for name in args.pool]
    ids += [pool_ref_from_id(arm_id).arm_id for arm_id in args.pool_id]
    if args.stack:
        from_stack = pool_ids_in(stack)
        if not from_stack:
            raise BatchPoolError(
                f"{args.stack} names no Azure Batch pool ARM id; pass the output of `pulumi stack export`, "
                "or export each pool's arm_id (pulumi.export('arm_id', pool.arm_id))"
            )
        ids += from_stack
    if not ids and not args.orphans:
        parser.error(
            "name at least one pool: --pool (with --resource-group and --account), --pool-id or --stack"
        )
    return list({arm_id.lower(): arm_id for arm_id in ids}.values())


def _pool_status(
    lifecycle: PoolLifecycle, arm_id: str, max_nodes: int, redactor: Redactor | None
) -> PoolStatus:
    """Read one pool exactly as `pulumi refresh` does, judge it, and keep its secrets out of the report."""
    ref = pool_ref_from_id(arm_id)
    try:
        found = lifecycle.read(arm_id, {"maxNodesInOutputs": max_nodes})
    except BatchPoolError as error:
        error = redactor.error(error) if redactor else error
        return PoolStatus(arm_id, Verdict.ERROR, message=f"could not read the pool: {error}")
    if found is None:
        return PoolStatus(
            arm_id,
            Verdict.NOT_FOUND,
            message=f"pool '{ref.pool_name}' does not exist in Batch account '{ref.account_name}' (resource "
            f"group '{ref.resource_group}'); check the names, or whether it was deleted",
        )
    outputs, _live_inputs = found
    shown, withheld = status_secrets.shown_outputs(outputs, redactor)
    return PoolStatus(
        arm_id,
        health.pool_verdict(outputs),
        outputs=shown,
        remedies=remedies.remedies_for(shown, health.failed_extensions(outputs)),
        messages_withheld=withheld,
    )


def _orphans(
    settings: Settings,
    subscription: str | None,
    args: argparse.Namespace,
    state_ids: list[str],
    stderr: TextIO,
) -> list[Orphan] | None:
    """Owned pools of the account missing from the state, or None (after saying why) if listing failed."""
    arm, _data_plane = clients_for(settings)
    try:
        pools = arm.list_pools(str(subscription), args.resource_group, args.account)
    except BatchPoolError as error:
        print(f"error: could not list the pools of account '{args.account}': {error}", file=stderr)
        return None
    return find_orphans(pools, PoolRef(str(subscription), args.resource_group, args.account, ""), state_ids)


def _load_json(path: str) -> Any:
    """A JSON file, or stdin for '-'; ValueError names the file when it is not JSON."""
    try:
        if path == "-":
            return json.load(sys.stdin)
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"{path} is not JSON ({error}); pass `pulumi stack output --json` or `pulumi stack export`"
        ) from None
