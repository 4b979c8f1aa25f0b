"""``python -m azure_batch_emulator``: serve the emulator until SIGTERM/SIGINT, printing the base URL
first."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from azure_batch_emulator.accounts import DEMO_ACCOUNT, parse_account
from azure_batch_emulator.auth import DEV_TOKEN
from azure_batch_emulator.faults import FaultConfig
from azure_batch_emulator.server import EmulatorServer
from azure_batch_emulator.speeds import SPEEDS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m azure_batch_emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default)")
    parser.add_argument(
        "--token",
        default=DEV_TOKEN,
        help="accepted bearer token, or TOKEN@SUBSCRIPTION_ID (the provider and the status gate send TOKEN "
        "when BATCHPOOL_DEV_TOKEN holds it)",
    )
    parser.add_argument(
        "--account",
        action="append",
        default=[],
        metavar="SUBSCRIPTION/RESOURCE_GROUP/NAME",
        help="serve this Batch account (repeatable; default: the demo account "
        f"{DEMO_ACCOUNT.subscription_id}/{DEMO_ACCOUNT.resource_group}/{DEMO_ACCOUNT.account_name})",
    )
    parser.add_argument(
        "--speed", choices=list(SPEEDS), default="fast", help="transition speed (default fast)"
    )
    parser.add_argument("--state-file", help="keep state in this JSON file across restarts")
    parser.add_argument("--seed", type=int, help="seed for node ids and injected faults (reproducible runs)")
    parser.add_argument(
        "--allow-extension",
        action="append",
        default=[],
        metavar="PUBLISHER/TYPE",
        help="accept this extension beyond Azure Batch's list, as a subscription with support for it does "
        "(repeatable)",
    )
    parser.add_argument("--latency-ms", type=int, default=0, help="delay added to every request")
    parser.add_argument("--throttle-rate", type=float, default=0.0, help="share of requests throttled (0-1)")
    parser.add_argument(
        "--throttle-status", type=int, choices=(429, 503), default=429, help="throttling status"
    )
    parser.add_argument("--retry-after", type=int, default=1, help="Retry-After seconds on throttled answers")
    parser.add_argument("--error-rate", type=float, default=0.0, help="share of requests answered 500 (0-1)")
    parser.add_argument("--drop-rate", type=float, default=0.0, help="share of connections dropped (0-1)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        accounts = [parse_account(spec) for spec in args.account] or [DEMO_ACCOUNT]
        faults = FaultConfig(
            latency_ms=args.latency_ms,
            throttle_rate=args.throttle_rate,
            throttle_status=args.throttle_status,
            error_rate=args.error_rate,
            drop_rate=args.drop_rate,
            retry_after=args.retry_after,
            seed=args.seed,
        )
        server = EmulatorServer(
            host=args.host,
            port=args.port,
            token=args.token,
            accounts=accounts,
            speed=args.speed,
            state_file=args.state_file,
            seed=args.seed,
            faults=faults,
            allowed_extensions=args.allow_extension,
        ).start()
    except (ValueError, OSError) as exc:
        parser.error(str(exc))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(server.url, flush=True)
    names = ", ".join(f"{a.subscription_id}/{a.resource_group}/{a.account_name}" for a in accounts)
    print(f"serving accounts {names} at speed {args.speed}", file=sys.stderr, flush=True)
    stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
