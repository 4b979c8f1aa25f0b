"""The status gate's command line: flags, and every check that makes a bad invocation exit 2.

In a pipeline a bad invocation (an unset CI variable gives ``--pool ''``, a typo gives ``--pool a/b``) must
not look like a verdict: exit 1 means "an extension failed", 5 "not found", 7 "Azure could not be reached".
So every flag is checked before anything is sent, names exactly as Check checks a pool's inputs, and each
problem is one ``UsageError`` line naming the flag and the fix (exit 2).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Mapping
from typing import Any, NoReturn, TextIO

from pulumi_azure_batch_pool.azure_clients.arm import PoolRef
from pulumi_azure_batch_pool.azure_clients.errors import BatchPoolError, ConfigurationError
from pulumi_azure_batch_pool.lifecycle.lifecycle import pool_ref_from_id
from pulumi_azure_batch_pool.model.validation import validate_inputs

DEFAULT_MAX_NODES = 1000
EXIT_CODES = """\
    0 every extension succeeded on every node    1 an extension failed (or a resize error)
    2 usage error                                3 still transitioning (allocating, installing)
    4 unknown (a status could not be read)       5 a pool (or its Batch account) does not exist
    6 orphaned pools of this stack found         7 error (settings, credentials, network, unexpected)
"""


class UsageError(BatchPoolError):
    """A bad invocation of the status gate: exit code 2; the message names the flag and the fix."""


class GateParser(argparse.ArgumentParser):
    """argparse, except that a bad invocation raises ``UsageError`` (one line) instead of printing usage and
    exiting: the gate must answer it in its own format (a line, or JSON with ``--json``)."""

    help_command = ""
    """The help to point to (the status command's, also from the top-level parser)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}; see `{self.help_command or self.prog + ' --help'}`")


def build_parser(prog: str, description: str) -> GateParser:
    """The command line; ``prog`` is how the user called it (``batchpool`` or ``python -m
    pulumi_azure_batch_pool``)."""
    parser = GateParser(
        prog=prog,
        description="Tools for pools managed by the BatchPool dynamic provider.",
        allow_abbrev=False,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    gate = commands.add_parser(
        "status",
        help="per-node extension status of pools; exits non-zero unless every extension succeeded",
        description=description + "\nExit codes:\n" + EXIT_CODES,
        allow_abbrev=False,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.help_command = gate.help_command = f"{prog} status --help"
    where = gate.add_argument_group("which pools")
    where.add_argument(
        "--subscription", help="subscription id (default: BATCHPOOL_SUBSCRIPTION_ID / AZURE_SUBSCRIPTION_ID)"
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
        help="also list pools in --account whose ownership tags name the stack of this `pulumi stack export` "
        "file but that it does not hold (left by an interrupted deployment)",
    )
    gate.add_argument("--json", action="store_true", help="print one JSON document instead of tables")
    gate.add_argument(
        "--wait", action="store_true", help="poll until every pool has settled (or the timeout)"
    )
    gate.add_argument(
        "--timeout-minutes", type=float, default=30.0, help="how long --wait polls, > 0 (default 30)"
    )
    gate.add_argument(
        "--max-nodes",
        type=int,
        default=DEFAULT_MAX_NODES,
        help=f"nodes listed per pool, >= 0 (default {DEFAULT_MAX_NODES}); counts always cover every node",
    )
    gate.add_argument(
        "--unredacted-messages",
        action="store_true",
        help="print node extension messages as Azure returns them, unredacted, even for pools that may hold "
        "secrets (a message may quote one: keep such output out of shared logs)",
    )
    return parser


def check_numbers(args: argparse.Namespace) -> None:
    """``--timeout-minutes`` > 0 and finite, ``--max-nodes`` >= 0 (0 lists no node, counts stay complete)."""
    if not (math.isfinite(args.timeout_minutes) and args.timeout_minutes > 0):
        raise UsageError(
            f"--timeout-minutes {args.timeout_minutes:g}: give a number of minutes above 0 (default 30)"
        )
    if args.max_nodes < 0:
        raise UsageError(
            f"--max-nodes {args.max_nodes}: give 0 or more (0 lists no node; the counts cover every node)"
        )


def check_name(flag: str, key: str, value: str) -> None:
    """Raise UsageError when Check would refuse ``value`` as the pool input ``key`` (passed by ``flag``)."""
    for path, reason in validate_inputs({key: value}).failures:
        if path == key and not reason.startswith("missing required"):
            raise UsageError(f"{flag} {value!r}: {reason}")


def subscription_of(
    args: argparse.Namespace, settings_subscription: str | None, environ: Mapping[str, str]
) -> str:
    """The subscription to use, checked as Check checks ``subscriptionId``.

    A bad ``--subscription`` is a usage error; a bad environment variable is an unusable setting (exit 7).
    """
    if args.subscription is not None:
        check_name("--subscription", "subscriptionId", args.subscription)
        return str(args.subscription)
    if not settings_subscription:
        raise UsageError(
            "no subscription: pass --subscription, or set BATCHPOOL_SUBSCRIPTION_ID or AZURE_SUBSCRIPTION_ID"
        )
    variable = (
        "BATCHPOOL_SUBSCRIPTION_ID" if environ.get("BATCHPOOL_SUBSCRIPTION_ID") else "AZURE_SUBSCRIPTION_ID"
    )
    try:
        check_name(variable, "subscriptionId", settings_subscription)
    except UsageError as error:
        raise ConfigurationError(str(error)) from None
    return settings_subscription


def account_names(args: argparse.Namespace, needed_by: str) -> tuple[str, str]:
    """``--resource-group`` and ``--account``, required by ``needed_by`` and checked like Check does."""
    if not (args.resource_group and args.account):
        missing = " and ".join(
            flag
            for flag, value in (("--resource-group", args.resource_group), ("--account", args.account))
            if not value
        )
        raise UsageError(f"{needed_by} needs {missing}: pass the Batch account's resource group and name")
    check_name("--resource-group", "resourceGroupName", args.resource_group)
    check_name("--account", "accountName", args.account)
    return str(args.resource_group), str(args.account)


def pool_ids_from_flags(args: argparse.Namespace, subscription: str | None) -> list[str]:
    """The ARM ids that ``--pool`` and ``--pool-id`` name, every part checked."""
    ids = []
    if args.pool:
        resource_group, account = account_names(args, "--pool")
        for name in args.pool:
            check_name("--pool", "poolName", name)
            ids.append(PoolRef(str(subscription), resource_group, account, name).arm_id)
    for arm_id in args.pool_id:
        try:
            ref = pool_ref_from_id(arm_id)
        except ValueError as error:
            raise UsageError(f"--pool-id {arm_id!r}: {error}") from None
        for key, value in (
            ("subscriptionId", ref.subscription_id),
            ("resourceGroupName", ref.resource_group),
            ("accountName", ref.account_name),
            ("poolName", ref.pool_name),
        ):
            check_name(f"--pool-id {arm_id!r}: its {key}", key, value)
        ids.append(ref.arm_id)
    return ids


def load_json(flag: str, path: str, what: str, stdin: TextIO | None = None) -> Any:
    """The JSON document ``flag`` names ('-' for stdin); UsageError when it is missing or not JSON."""
    try:
        if path == "-":
            return json.load(stdin or sys.stdin)
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise UsageError(f"{flag} {path}: no such file; pass {what}, or '-' to read it from stdin") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"{flag} {path}: cannot be read ({error}); pass {what}") from None
    except json.JSONDecodeError as error:
        raise UsageError(f"{flag} {path} is not JSON ({error}); pass {what}") from None
