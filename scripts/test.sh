#!/usr/bin/env bash
# Runs the whole test suite: lint, format check, type check, then pytest (arguments go to pytest, e.g.
# `-m e2e` for exactly the end-to-end tests). Sets up or repairs .venv first (scripts/setup.sh) and gets
# the pinned Pulumi CLI as the demo does (scripts/get-pulumi.sh: PATH, cache, or a build from Go
# modules); without a CLI and without Go the end-to-end tests skip with the reason. Needs no Azure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
status=0
cli_bin=$(bash scripts/get-pulumi.sh) || status=$?
case "$status" in
    0) export PATH="$cli_bin:$PATH" ;;
    3) echo "test: no pulumi CLI and no Go to build one: the end-to-end tests will skip" >&2 ;;
    *) exit "$status" ;;
esac
.venv/bin/ruff check provider emulator tests programs benchmarks scripts
.venv/bin/ruff format --check provider emulator tests programs benchmarks scripts
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
