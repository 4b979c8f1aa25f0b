#!/usr/bin/env bash
# The main job: set up .venv, get the pinned Pulumi CLI, start the local Azure Batch emulator, deploy
# the default program (programs/linux-keyvault-pool) with a real `pulumi up` against it, print the
# extension status, gate on it with `python -m pulumi_azure_batch_pool status`, then stop the emulator. Needs python3
# >= 3.10, and a pulumi CLI v3 on PATH or Go to build the pinned one; touches no real Azure.
#
# The CLI comes from scripts/get-pulumi.sh: one on PATH, else the pinned release built once from Go
# modules into ~/.cache/batchpool. Without either it stops (status 3) and says how to get one. With
# --install-pulumi (or BATCHPOOL_INSTALL_PULUMI=1) it then runs Pulumi's official installer into
# .pulumi-cli/ inside this checkout (no root) and carries on; nothing else is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
local_cli="$root/.pulumi-cli"

install_pulumi=${BATCHPOOL_INSTALL_PULUMI:-0}
for arg in "$@"; do
    case "$arg" in
        --install-pulumi) install_pulumi=1 ;;
        -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "error: unknown argument '$arg' (the only option is --install-pulumi)" >&2; exit 2 ;;
    esac
done

if [ -x "$local_cli/bin/pulumi" ]; then
    export PATH="$local_cli/bin:$PATH"
fi
status=0
cli_bin=$(bash scripts/get-pulumi.sh) || status=$?
if [ "$status" = 0 ]; then
    export PATH="$cli_bin:$PATH"
elif [ "$status" = 3 ] && [ "$install_pulumi" = "1" ]; then
    echo "demo: installing the pulumi CLI into $local_cli (Pulumi's official installer)" >&2
    installer=$(mktemp)
    trap 'rm -f "$installer"' EXIT
    curl -fsSL https://get.pulumi.com/install.sh -o "$installer"
    sh "$installer" --no-edit-path --install-root "$local_cli"
    rm -f "$installer"
    trap - EXIT
    export PATH="$local_cli/bin:$PATH"
elif [ "$status" = 3 ]; then
    cat >&2 <<MSG
error: no pulumi CLI, and no Go to build the pinned one, so the demo cannot run \`pulumi up\`.
Get one in one of these ways, then run this script again:
  - install Go 1.26+ (scripts/get-pulumi.sh then builds the pinned CLI from Go modules, once)
  - let this script run Pulumi's installer into $local_cli (no root needed; downloads from get.pulumi.com):
        scripts/demo.sh --install-pulumi        (or BATCHPOOL_INSTALL_PULUMI=1 scripts/demo.sh)
  - install it yourself: https://www.pulumi.com/docs/install/
Nothing was downloaded. scripts/test.sh still runs every test but the end-to-end ones, which skip.
MSG
    exit 3
else
    exit "$status"
fi

bash scripts/setup.sh

workdir=$(mktemp -d)
emulator_pid=""
cleanup() {
    if [ -n "$emulator_pid" ]; then kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
    rm -rf "$workdir"
}
trap cleanup EXIT

# BATCHPOOL_DEMO_STATE_DIR (default: .pulumi-local in this checkout) holds the stack's state and the
# emulator's pools, so that the two agree from one run of this script to the next. The emulator's demo
# Key Vault holds the default program's certificate.
state_dir=$(mkdir -p "${BATCHPOOL_DEMO_STATE_DIR:-$root/.pulumi-local}" && cd "${BATCHPOOL_DEMO_STATE_DIR:-$root/.pulumi-local}" && pwd)
.venv/bin/python -m azure_batch_emulator --port 0 --speed fast --state-file "$state_dir/emulator-state.json" >"$workdir/emulator.out" 2>"$workdir/emulator.err" &
emulator_pid=$!
for _ in $(seq 1 100); do
    if [ -s "$workdir/emulator.out" ]; then break; fi
    sleep 0.1
done
url=$(head -n 1 "$workdir/emulator.out")
if [ -z "$url" ]; then
    echo "error: the emulator did not start:" >&2
    cat "$workdir/emulator.err" >&2
    exit 1
fi
echo "emulator listening on $url"

export PULUMI_BACKEND_URL="file://$state_dir"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-local-demo}"
export PULUMI_SKIP_UPDATE_CHECK=true
export BATCHPOOL_ARM_ENDPOINT="$url"
export BATCHPOOL_POLL_INTERVAL_SECONDS=0.5
export AZURE_SUBSCRIPTION_ID="00000000-0000-0000-0000-000000000000"

# scripts/pulumi_program.py runs `pulumi up` itself, serving the program to the CLI when the Go Python
# language host is not installed beside it (see scripts/get-pulumi.sh).
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
# BATCHPOOL_DEMO_STACK (default: demo) names the stack; its Pulumi.<stack>.yaml is written beside Pulumi.yaml.
pulumi stack select --create "${BATCHPOOL_DEMO_STACK:-demo}" --non-interactive
.venv/bin/python scripts/pulumi_program.py -- up --yes --non-interactive
echo
echo "extension status per extension:"
pulumi stack output extension_status --json
echo
echo "status gate (exit 0 only when every extension succeeded on every node):"
# The decrypted state goes through a pipe, never a file: with it the gate redacts as refresh does.
pulumi stack export --show-secrets | .venv/bin/python -m pulumi_azure_batch_pool status --stack -
echo
echo "Stack state and emulator state are kept in $state_dir; delete that folder to start afresh."
