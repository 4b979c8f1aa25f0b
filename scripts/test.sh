#!/usr/bin/env bash
# Runs the whole test suite: lint, format check, type check, then pytest (arguments go to pytest).
# Sets up or repairs .venv first (scripts/setup.sh); needs no Azure and no Pulumi CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check provider emulator tests programs benchmarks
.venv/bin/ruff format --check provider emulator tests programs benchmarks
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
