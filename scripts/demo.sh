#!/usr/bin/env bash
# The main job: set up the project, start the local Azure Batch emulator, deploy the default program
# (programs/linux-keyvault-pool) with `pulumi up` against it, print the per-node extension status,
# then stop the emulator. Needs python3 and the pulumi CLI; touches no real Azure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/pip install --quiet -e .

if ! command -v pulumi >/dev/null 2>&1; then
    cat >&2 <<'MSG'
error: the `pulumi` CLI is not on PATH, so the demo cannot run `pulumi up`.
Install it (https://www.pulumi.com/docs/install/), for example:
    curl -fsSL https://get.pulumi.com | sh && export PATH="$HOME/.pulumi/bin:$PATH"
then run this script again. The project itself is set up in .venv; the tests run without the CLI.
MSG
    exit 1
fi

workdir=$(mktemp -d)
emulator_pid=""
cleanup() {
    if [ -n "$emulator_pid" ]; then kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
    rm -rf "$workdir"
}
trap cleanup EXIT

mkdir -p .pulumi-local
# The emulator keeps its pools in .pulumi-local too, so the stack's state and the emulated Azure agree
# from one run of this script to the next.
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

# The default program's Key Vault extension requires an initial sync of this certificate: tell the
# emulated Key Vault that it holds it (otherwise the extension fails, as it would in Azure).
.venv/bin/python - "$url" <<'PY'
import sys, requests
from emulator import DEV_TOKEN
response = requests.post(
    f"{sys.argv[1]}/_emulator/vault-certificates",
    json={"urls": ["https://demo-vault.vault.azure.net/secrets/demo-cert"]},
    headers={"Authorization": f"Bearer {DEV_TOKEN}"},
    timeout=10,
)
response.raise_for_status()
PY

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
echo "nodes:"
pulumi stack output nodes --json
echo
echo "Stack state and emulator state are kept in .pulumi-local; delete that folder to start afresh."
