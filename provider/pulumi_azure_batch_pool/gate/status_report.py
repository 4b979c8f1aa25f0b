"""How the status command shows its findings: a table per pool for people, one JSON document for machines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_azure_batch_pool.gate.stack_pools import Orphan
from pulumi_azure_batch_pool.lifecycle.health import Verdict
from pulumi_azure_batch_pool.lifecycle.work_report import WorkReport

COUNT_COLUMNS = ("succeeded", "failed", "transitioning", "missing", "unknown")


@dataclass(frozen=True)
class PoolStatus:
    """One pool as the status command found it: the read outputs, or why there are none."""

    arm_id: str
    verdict: Verdict
    outputs: Mapping[str, Any] | None = None
    message: str | None = None
    remedies: Sequence[str] = field(default_factory=list)
    messages_withheld: bool = False
    """Node extension messages replaced by a placeholder: nothing was given to redact them with."""
    messages: str | None = None
    """How node extension messages are shown (``status_secrets.Messages`` value), when the pool was read."""
    work: WorkReport | str | None = None
    """What runs on the pool (running tasks per node, queued tasks), or why it could not be read."""

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"armId": self.arm_id, "verdict": self.verdict.label}
        if self.message:
            body["message"] = self.message
        if self.outputs is not None:
            for key in ("poolName", "provisioningState", "allocationState", "nodeCount"):
                body[key] = self.outputs.get(key)
            body["extensionStatus"] = self.outputs.get("extensionStatus") or {}
            body["nodes"] = self.outputs.get("nodes") or []
            body["resizeErrors"] = self.outputs.get("resizeErrors") or []
        if isinstance(self.work, WorkReport):
            body["work"] = self.work.as_json()
        elif self.work is not None:
            body["work"] = {"error": self.work}
        body["remedies"] = list(self.remedies)
        if self.messages:
            body["messages"] = self.messages
        if self.messages_withheld:
            body["messagesWithheld"] = True
        return body


@dataclass(frozen=True)
class OrphanFinding:
    """What ``--orphans`` found: the state's stack, its orphans, and other stacks' pools (never orphans)."""

    stack: str
    orphans: Sequence[Orphan] = ()
    other_stacks: Sequence[Orphan] = ()
    error: str | None = None
    """Why the account's pools could not be listed (then both lists are empty)."""


def as_json(pools: Sequence[PoolStatus], orphans: OrphanFinding | None, verdict: Verdict) -> dict[str, Any]:
    """The whole finding as one JSON-ready document (``--json``)."""
    document: dict[str, Any] = {
        "verdict": verdict.label,
        "exitCode": verdict.exit_code,
        "pools": [pool.as_json() for pool in pools],
    }
    if orphans is not None:
        document["stack"] = orphans.stack
        document["orphans"] = [orphan.as_json() for orphan in orphans.orphans]
        document["otherStacks"] = [orphan.as_json() for orphan in orphans.other_stacks]
        if orphans.error:
            document["orphansError"] = orphans.error
    return document


def error_json(message: str, exit_code: int) -> dict[str, Any]:
    """The one JSON document of a run that ended before any verdict: a usage error or an error."""
    label = "usage error" if exit_code == 2 else Verdict.ERROR.label
    return {"verdict": label, "exitCode": exit_code, "error": message, "pools": []}


def as_text(pools: Sequence[PoolStatus], orphans: OrphanFinding | None, verdict: Verdict) -> str:
    """Tables for a terminal or a CI log: per pool its extensions' counts and every node's states."""
    sections = [_pool_text(pool) for pool in pools]
    if orphans is not None:
        sections.append(_orphans_text(orphans))
    sections.append(f"verdict: {verdict.label} (exit code {verdict.exit_code})")
    return "\n\n".join(sections) + "\n"


def _pool_text(pool: PoolStatus) -> str:
    lines = [f"pool {pool.arm_id}: {pool.verdict.label}"]
    if pool.message:
        lines.append(f"  {pool.message}")
    outputs = pool.outputs
    if outputs is None:
        return "\n".join(lines)
    lines.append(
        f"  allocation {outputs.get('allocationState')}, {outputs.get('nodeCount') or 0} node(s), "
        f"provisioning {outputs.get('provisioningState')}"
    )
    for error in outputs.get("resizeErrors") or []:
        lines.append(f"  resize error ({error.get('code')}): {error.get('message')}")
    extension_status: Mapping[str, Mapping[str, Any]] = outputs.get("extensionStatus") or {}
    if extension_status:
        rows = [["extension", *COUNT_COLUMNS]]
        rows += [
            [name, *(str(counts.get(column, 0)) for column in COUNT_COLUMNS)]
            for name, counts in extension_status.items()
        ]
        lines += _indent(_table(rows))
    nodes = outputs.get("nodes") or []
    if nodes:
        names = list(extension_status)
        rows = [["node", "state", *names]]
        for node in nodes:
            states = {
                str(item.get("name")).lower(): str(item.get("state")) for item in node.get("extensions") or []
            }
            rows.append(
                [
                    str(node.get("id")),
                    str(node.get("state")),
                    *(states.get(name.lower(), "-") for name in names),
                ]
            )
        lines += _indent(_table(rows))
    if len(nodes) < int(outputs.get("nodeCount") or 0):
        lines.append(
            f"  ({len(nodes)} of {outputs.get('nodeCount')} nodes shown, failing first; see --max-nodes)"
        )
    for name, counts in extension_status.items():
        for failed in counts.get("failedNodes") or []:
            lines.append(
                f"  {name} failed on {failed.get('nodeId')} ({failed.get('state')}): {failed.get('message')}"
            )
    lines += _work_text(pool.work)
    lines += [f"  remedy: {remedy}" for remedy in pool.remedies]
    return "\n".join(lines)


def _work_text(work: WorkReport | str | None) -> list[str]:
    """``work: 2 tasks running on 1 of 3 nodes, 4 queued`` and a row per node that runs something."""
    if work is None:
        return []
    if isinstance(work, str):
        return [f"  work: unknown ({work})"]
    lines = [f"  work: {work.line()}"]
    busy = [node for node in work.nodes if node.running_tasks]
    if busy:
        rows = [["node", "running", "tasks"]]
        rows += [[node.node_id, str(node.running_tasks), ", ".join(node.tasks) or "-"] for node in busy]
        lines += _indent(_table(rows))
    return lines


def _orphans_text(finding: OrphanFinding) -> str:
    if finding.error:
        return f"orphaned pools of stack {finding.stack}: unknown ({finding.error})"
    orphans = finding.orphans
    if not orphans:
        lines = [
            f"orphaned pools of stack {finding.stack}: none (every pool tagged with this stack is in its "
            "state)"
        ]
    else:
        rows = [["orphaned pool", "resource tag"]]
        rows += [[orphan.pool_name, orphan.resource or "-"] for orphan in orphans]
        lines = [f"orphaned pools of stack {finding.stack}:", *_table(rows)]
        lines.append("These pools carry this stack's ownership tags but are not in its state (an interrupted")
        lines.append("deployment). Delete one with: az resource delete --ids <arm id>")
        lines += [f"  {orphan.arm_id}" for orphan in orphans]
    if finding.other_stacks:
        rows = [["pool", "stack tag", "resource tag"]]
        rows += [[pool.pool_name, pool.stack or "-", pool.resource or "-"] for pool in finding.other_stacks]
        lines += [
            "",
            "other stacks' pools in this account (not this state's to judge; never delete them from here):",
        ]
        lines += _table(rows)
    return "\n".join(lines)


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    ]


def _indent(lines: list[str]) -> list[str]:
    return [f"  {line}" for line in lines]
