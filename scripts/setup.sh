#!/usr/bin/env bash
# The one set-up step shared by demo.sh, test.sh and CI: create or repair .venv so that it holds a
# Python >= 3.10, this checkout installed editable, and the test tools (ruff, mypy, pytest).
#
# Safe to run any number of times: a healthy .venv whose pyproject.toml has not changed since the last
# install is left alone (no network). A .venv made by an older Python, or one that cannot run, is
# rebuilt; one that lacks a tool or the project, or predates a pyproject.toml change, is reinstalled.
# PYTHON picks the interpreter (default: python3), e.g. PYTHON=python3.12 scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
python=${PYTHON:-python3}
minimum="3.10"
stamp=.venv/.batchpool-setup

# Prints the interpreter's version when it is >= 3.10; fails otherwise (or when it does not run).
supported_version() {
    "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2]); sys.exit(sys.version_info < (3, 10))' 2>/dev/null
}

if ! command -v "$python" >/dev/null 2>&1; then
    echo "error: '$python' was not found. Install Python $minimum or newer, or point PYTHON at one" >&2
    echo "       (e.g. PYTHON=python3.12 $0)." >&2
    exit 2
fi
if ! version=$(supported_version "$python"); then
    echo "error: this project needs Python $minimum or newer; '$python' is ${version:-unusable}." >&2
    echo "       Install a newer Python and run again with PYTHON=python3.X (e.g. PYTHON=python3.12 $0)." >&2
    exit 2
fi

# A .venv that cannot run, or was made by a Python older than 3.10, cannot be repaired in place.
if [ -e .venv ] && ! venv_version=$(supported_version .venv/bin/python); then
    echo "setup: .venv uses ${venv_version:-a broken interpreter}; rebuilding it with $python $version" >&2
    rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv with $python $version" >&2
    "$python" -m venv .venv
fi

tools="ruff mypy pytest"
missing_tools() {
    local tool
    for tool in $tools; do [ -x ".venv/bin/$tool" ] || printf '%s ' "$tool"; done
}

# Healthy means: the tools exist, and both packages import from this checkout (not from another clone).
healthy() {
    [ -z "$(missing_tools)" ] || return 1
    [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(cat pyproject.toml emulator/pyproject.toml | cksum)" ] || return 1
    local location
    location=$(.venv/bin/python -c 'import azure_batch_emulator as e, pulumi_azure_batch_pool as p; print(p.__file__, e.__file__)' 2>/dev/null) || return 1
    [ "$location" = "$root/provider/pulumi_azure_batch_pool/__init__.py $root/emulator/azure_batch_emulator/__init__.py" ]
}

if ! healthy; then
    echo "setup: installing the project and its test tools into .venv" >&2
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e '.[test]' -e ./emulator
    # pip skips a package whose metadata is intact even if its script was deleted: reinstall those.
    missing=$(missing_tools)
    if [ -n "$missing" ]; then
        # shellcheck disable=SC2086  # one word per tool
        .venv/bin/python -m pip install --quiet --force-reinstall --no-deps $missing
    fi
    cat pyproject.toml emulator/pyproject.toml | cksum > "$stamp"
    if ! healthy; then
        echo "error: .venv is still incomplete after installing; delete .venv and run $0 again." >&2
        exit 1
    fi
fi
