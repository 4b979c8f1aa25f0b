#!/usr/bin/env bash
# The main job: set up .venv, start the local Azure Batch emulator, deploy the default program
# (programs/linux-keyvault-pool) with `pulumi up` against it, gate on its extension status with
# `python -m provider status`, then stop the emulator. Needs python3 >= 3.10 and the pulumi CLI;
# touches no real Azure.
#
# Without the pulumi CLI it stops (status 3) and says how to get it. With --install-pulumi (or
# BATCHPOOL_INSTALL_PULUMI=1) it runs Pulumi's official installer into .pulumi-cli/ inside this
# checkout (no root, nothing outside the checkout) and carries on; nothing is downloaded otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
local_cli="$root/.pulumi-cli"

install_pulumi=${BATCHPOOL_INSTALL_PULUMI:-0}
for arg in "$@"; do
    case "$arg" in
        --install-pulumi) install_pulumi=1 ;;
        -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "error: unknown argument '$arg' (the only option is --install-pulumi)" >&2; exit 2 ;;
    esac
done

if [ -x "$local_cli/bin/pulumi" ]; then
    export PATH="$local_cli/bin:$PATH"
fi
if ! command -v pulumi >/dev/null 2>&1; then
    if [ "$install_pulumi" != "1" ]; then
        cat >&2 <<MSG
error: the \`pulumi\` CLI is not on PATH, so the demo cannot run \`pulumi up\`.
Get it in one of these ways, then run this script again:
  - let this script fetch it into $local_cli (no root needed; downloads from get.pulumi.com):
        scripts/demo.sh --install-pulumi        (or BATCHPOOL_INSTALL_PULUMI=1 scripts/demo.sh)
  - install it yourself: https://www.pulumi.com/docs/install/
Nothing was downloaded. The tests need no CLI: scripts/test.sh runs without it.
MSG
        exit 3
    fi
    echo "demo: installing the pulumi CLI into $local_cli (Pulumi's official installer)" >&2
    installer=$(mktemp)
    trap 'rm -f "$installer"' EXIT
    curl -fsSL https://get.pulumi.com/install.sh -o "$installer"
    sh "$installer" --no-edit-path --install-root "$local_cli"
    rm -f "$installer"
    trap - EXIT
    export PATH="$local_cli/bin:$PATH"
fi

bash scripts/setup.sh

workdir=$(mktemp -d)
emulator_pid=""
cleanup() {
    if [ -n "$emulator_pid" ]; then kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
    rm -rf "$workdir"
}
trap cleanup EXIT

mkdir -p .pulumi-local
# The emulator keeps its pools in .pulumi-local too, so the stack's state and the emulated Azure agree
# from one run of this script to the next. Its demo Key Vault holds the default program's certificate.
.venv/bin/python -m emulator --port 0 --speed fast --state-file "$root/.pulumi-local/emulator-state.json" >"$workdir/emulator.out" 2>"$workdir/emulator.err" &
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

export PULUMI_BACKEND_URL="file://$root/.pulumi-local"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-local-demo}"
export PULUMI_SKIP_UPDATE_CHECK=1
export BATCHPOOL_ARM_ENDPOINT="$url"
export BATCHPOOL_POLL_INTERVAL_SECONDS=0.5
export AZURE_SUBSCRIPTION_ID="00000000-0000-0000-0000-000000000000"

pulumi stack select --create demo --non-interactive
pulumi up --yes --non-interactive
echo
echo "extension status per extension:"
pulumi stack output extension_status --json
echo
echo "status gate (exit 0 only when every extension succeeded on every node):"
# The decrypted state goes through a pipe, never a file: with it the gate redacts as refresh does.
pulumi stack export --show-secrets | .venv/bin/python -m provider status --stack -
echo
echo "Stack state and emulator state are kept in .pulumi-local; delete that folder to start afresh."
