"""The fault matrix of create: every fault injected from outside, every outcome held against the emulator.

Each case starts from a fresh emulator (no pools, no faults) and a proxy without rules, creates the pool
through the proxy, then asserts what is left in the emulator (no orphan: at most the one pool Pulumi will
find again through its ownership tags), what the user is told (never contradicting the emulator), that no
protected setting leaks, and that the create's deadline plus the rollback's held within 2x.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from azure_batch_emulator import EmulatorServer
from azure_batch_emulator.proxy import FaultProxy, Rule

from .harness import (
    POOL,
    POOL_PATH,
    SECRET,
    TIGHT_MINUTES,
    admin,
    assert_truthful,
    checked,
    configured,
    owned,
    pools,
    program,
    run,
    user_tags,
)

NO_WAIT = {"Retry-After": "0"}
TIGHT = {"timeoutMinutes": TIGHT_MINUTES}


@dataclass(frozen=True)
class Case:
    """One fault: proxy rules and emulator admin calls to set it up, and what must come of it."""

    rules: Callable[[], list[Rule]] = list
    admin: tuple[tuple[str, dict[str, Any]], ...] = ()
    config: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    message: str | None = None
    """None: the create succeeds; otherwise a regex the error message matches."""
    left: int = 0
    """Pools left in the emulator (each one carrying the provider's ownership tags)."""
    seen: frozenset[int] = frozenset()
    """Statuses the proxy must have passed on from the emulator's fault flags."""
    retried: str | None = None
    """Talk to the emulator directly (the proxy would hide its dropped connections) and expect this
    reason among the transport's retry warnings."""


EXTENSION_FAILS = (("extension-failures", {"extension": "monitor", "message": "agent crashed"}),)

CASES: dict[str, Case] = {
    # Lost or garbled answers to the create PUT: the PUT committed, the create continues with its own pool.
    "put answer dropped, retry meets 'already exists'": Case(
        lambda: [Rule("drop-response", "PUT", POOL_PATH, times=1)], left=1
    ),
    "put answer dropped, no retries, a GET finds the pool": Case(
        lambda: [Rule("drop-response", "PUT", POOL_PATH, times=1)], config={"maxRetries": "0"}, left=1
    ),
    "put connection reset before it took effect": Case(
        lambda: [Rule("reset", "PUT", POOL_PATH, times=1)], left=1
    ),
    "put delayed past the request timeout": Case(
        lambda: [Rule("delay", "PUT", POOL_PATH, times=1, delay_ms=1500)],
        config={"requestTimeoutSeconds": "0.5"},
        left=1,
    ),
    "put committed, then 504s on every retry": Case(
        lambda: [
            Rule("drop-response", "PUT", POOL_PATH, times=1),
            Rule("status", "PUT", POOL_PATH, status=504, headers=NO_WAIT),
        ],
        left=1,
    ),
    "put answer truncated after it committed": Case(
        lambda: [Rule("truncate", "PUT", POOL_PATH, times=1)], left=1
    ),
    "put answer dropped, then throttled past the deadline: the probe finds the pool": Case(
        lambda: [
            Rule("drop-response", "PUT", POOL_PATH, times=1),
            Rule("status", "PUT", POOL_PATH, status=429, headers={"Retry-After": "30"}),
        ],
        inputs=TIGHT,
        left=1,
    ),
    # The PUT never took effect: nothing is left, and the message says so.
    "put 504s that never committed": Case(
        lambda: [Rule("status", "PUT", POOL_PATH, status=504, headers=NO_WAIT)],
        message=r"HTTP 504.*no pool of that name.*nothing is left behind",
    ),
    "put answered by an HTML 502 page until the deadline": Case(
        lambda: [Rule("html", "PUT", POOL_PATH, status=502)],
        inputs=TIGHT,
        message=r"HTTP 502.*nothing is left behind",
    ),
    "put throttled with Retry-After beyond the deadline": Case(
        lambda: [Rule("status", "PUT", POOL_PATH, status=429, headers={"Retry-After": "30"})],
        inputs=TIGHT,
        message=r"Azure throttled the create.*throttled \(429\); the next retry would wait 30 s.*nothing is "
        r"left behind",
    ),
    "put throttled until its retries run out": Case(
        lambda: [Rule("status", "PUT", POOL_PATH, status=429, headers=NO_WAIT)],
        config={"maxRetries": "2"},
        message=r"Azure throttled the create.*\(Injected429\).*every attempt of this PUT was throttled.*"
        r"nothing is left behind",
    ),
    "put refused by Azure (400)": Case(
        lambda: [Rule("status", "PUT", POOL_PATH, status=400)], message=r"\(Injected400\)"
    ),
    # Failures after the PUT: the rollback deletes the pool and confirms it is gone.
    "extension fails on the nodes": Case(
        admin=EXTENSION_FAILS, message=r"monitor.*agent crashed.*was deleted again"
    ),
    "resize error": Case(
        admin=(("resize-errors", {"code": "AccountCoreQuotaReached", "message": "quota"}),),
        message=r"AccountCoreQuotaReached.*was deleted again",
    ),
    "truncated JSON on the GET after the PUT, retried like a lost answer": Case(
        lambda: [Rule("truncate", "GET", POOL_PATH, times=1)], left=1
    ),
    "HTML page with 200 on the GET after the PUT": Case(
        lambda: [Rule("html", "GET", POOL_PATH, status=200, times=1)],
        message=r"was deleted again and Azure confirms",
    ),
    "wait throttled with Retry-After beyond the create's deadline": Case(
        lambda: [Rule("status", "GET", POOL_PATH, status=429, headers={"Retry-After": "30"}, times=1)],
        inputs=TIGHT,
        message=r"throttled \(429\).*was deleted again",
    ),
    "rollback's delete answer dropped, its retry finishes the job": Case(
        lambda: [Rule("drop-response", "DELETE", POOL_PATH, times=1)],
        admin=EXTENSION_FAILS,
        message=r"was deleted again and Azure confirms it is gone \(404\)",
    ),
    "rollback's operation status stuck in 202, but the pool is gone": Case(
        lambda: [Rule("status", "GET", r"/poolOperationResults/", status=202, headers={"Retry-After": "1"})],
        admin=EXTENSION_FAILS,
        message=r"was deleted again and Azure confirms it is gone \(404\)",
    ),
    # The rollback cannot delete: the pool is still there, and the message gives the command.
    "rollback's delete gets 500s": Case(
        lambda: [Rule("status", "DELETE", POOL_PATH, status=500, headers=NO_WAIT)],
        admin=EXTENSION_FAILS,
        message=r"agent crashed.*could NOT be deleted.*Injected500.*az resource delete --ids",
        left=1,
    ),
    "rollback's delete gets 409": Case(
        lambda: [Rule("status", "DELETE", POOL_PATH, status=409)],
        admin=EXTENSION_FAILS,
        message=r"could NOT be deleted.*Injected409.*az resource delete --ids",
        left=1,
    ),
    "rollback's delete token rejected (401)": Case(
        lambda: [Rule("status", "DELETE", POOL_PATH, status=401)],
        admin=EXTENSION_FAILS,
        message=r"could NOT be deleted.*HTTP 401.*az resource delete --ids",
        left=1,
    ),
    "rollback's delete connection reset until its deadline": Case(
        lambda: [Rule("reset", "DELETE", POOL_PATH)],
        admin=EXTENSION_FAILS,
        message=r"could NOT be deleted.*az resource delete --ids",
        left=1,
    ),
    # The keep policy keeps the pool and says how to find it again.
    "keep policy after a failed wait": Case(
        lambda: [Rule("status", "GET", POOL_PATH, status=429, headers={"Retry-After": "30"}, times=1)],
        inputs={**TIGHT, "extensionFailurePolicy": "keep"},
        message=r"was kept.*next `pulumi up` continues with it.*az resource delete --ids",
        left=1,
    ),
    # The emulator's own fault flags: throttling, server errors and dropped connections are survived.
    "emulator throttles half the requests": Case(
        admin=(("faults", {"throttleRate": 0.5, "retryAfter": 0, "seed": 3}),), left=1, seen=frozenset({429})
    ),
    "emulator fails 30% of requests with 500": Case(
        admin=(("faults", {"errorRate": 0.3, "seed": 5}),),
        left=1,
        seen=frozenset({500}),
    ),
    "emulator drops 30% of connections": Case(
        admin=(("faults", {"dropRate": 0.3, "seed": 9}),),
        left=1,
        retried="connection closed without an answer",
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_create_under_fault(
    case: Case,
    proxy: FaultProxy,
    emulator: EmulatorServer,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    provider = configured(emulator.url if case.retried else proxy.url, **case.config)
    inputs = checked(provider, program(**case.inputs))
    for path, body in case.admin:
        admin(emulator, path, body)
    rules = [proxy.add(rule) for rule in case.rules()]
    outcome = run(
        lambda: provider.create(inputs),
        lambda: capsys.readouterr().err,
        timeout_minutes=float(inputs["timeoutMinutes"]),
    )
    left = pools(emulator)
    injected = {record.action for record in proxy.log if record.action}
    for rule in rules:
        assert rule.times == 0 if rule.times is not None else rule.action in injected, "fault not injected"
    assert case.seen <= {record.status for record in proxy.log}, "the emulator's fault flags never fired"
    if case.retried:
        assert any(case.retried in record.getMessage() for record in caplog.records), "no fault fired"
    assert SECRET not in caplog.text
    assert_truthful(outcome, left)
    assert len(left) == case.left, (outcome.message, left)
    assert all(owned(pool) for pool in left), "every pool left behind carries the ownership tags"
    if case.message is None:
        assert outcome.message == ""
        assert user_tags(outcome.result.outs) == {"team": "render"}
        assert outcome.result.id.endswith(f"/pools/{POOL}")
    else:
        assert re.search(case.message, outcome.message, re.DOTALL), outcome.message
