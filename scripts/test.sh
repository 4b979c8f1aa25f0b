#!/usr/bin/env bash
# Runs the whole test suite: lint, type check, then pytest. Creates .venv on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
    .venv/bin/pip install --quiet -e '.[test]'
fi
.venv/bin/ruff check provider emulator tests programs benchmarks
.venv/bin/ruff format --check provider emulator tests programs benchmarks
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
