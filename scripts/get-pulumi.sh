#!/usr/bin/env bash
# Makes the pinned Pulumi CLI available and prints, as the last line on stdout, the directory that holds
# it (put it first on PATH). Progress goes to stderr. Exit status:
#   0  the CLI is ready (already on PATH at the pinned major version, cached, or just built)
#   3  no usable CLI on PATH and no `go` to build one: nothing was downloaded
#   4  the build from the Go module proxy failed (the log's path is printed)
#
# BATCHPOOL_PULUMI_VERSION overrides the pin; BATCHPOOL_PULUMI_IGNORE_PATH=1 skips a CLI on PATH (to test
# the build itself).
#
# Order: a `pulumi` already on PATH whose major version is the pinned one is used as it is; otherwise
# the pinned release is built from Go modules into a cache outside the checkout
# (${BATCHPOOL_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/batchpool}/pulumi-vX.Y.Z/bin), reused while the
# version is unchanged. Only Go modules are fetched. The dynamic provider launcher
# (pulumi-resource-pulumi-python) and pulumi-language-python-exec ship inside the SDK's Go module and
# are installed from the module cache with their run bit.
#
# The Python language host (pulumi-language-python) is a separate Go module without tags; it is built
# when BATCHPOOL_PULUMI_LANGUAGE_PYTHON names its pseudo-version and the module proxy serves it.
# Without it, scripts/pulumi_program.py runs programs through the CLI's --client mode with the Python
# SDK's own language server (the Automation API's mechanism): same engine, same provider process.
set -euo pipefail

version="${BATCHPOOL_PULUMI_VERSION:-3.276.0}"
major="${version%%.*}"
cache_root="${BATCHPOOL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/batchpool}"
home="$cache_root/pulumi-v$version"
bin="$home/bin"
host_module="github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3"
launchers="pulumi-resource-pulumi-python pulumi-language-python-exec"

say() { echo "get-pulumi: $*" >&2; }

# 1. A CLI on PATH at the pinned major version (an official install carries its launchers).
if [ "${BATCHPOOL_PULUMI_IGNORE_PATH:-0}" != "1" ] && on_path=$(command -v pulumi 2>/dev/null); then
    found=$("$on_path" version 2>/dev/null || true)
    if [ "${found#v}" != "$found" ] && [ "${found#v"$major".}" != "$found" ]; then
        say "using $on_path ($found; pinned $version)"
        dirname "$on_path"
        exit 0
    fi
    say "ignoring $on_path: its version '${found:-unknown}' is not v$major.x"
fi

ready() {
    local name
    for name in pulumi $launchers; do [ -x "$bin/$name" ] || return 1; done
    [ "$("$bin/pulumi" version 2>/dev/null)" = "v$version" ]
}

# 2. The cached build of the pinned version.
if ready; then
    say "using the cached pulumi v$version in $bin"
    echo "$bin"
    exit 0
fi

# 3. Build it from the Go module proxy.
if ! command -v go >/dev/null 2>&1; then
    cat >&2 <<MSG
get-pulumi: error: no pulumi CLI v$major.x on PATH and no \`go\` to build v$version from Go modules.
  Install Go (1.26 or newer) and run this again, or install the CLI yourself
  (https://www.pulumi.com/docs/install/), or let scripts/demo.sh --install-pulumi run Pulumi's installer.
Nothing was downloaded.
MSG
    exit 3
fi

work="$home/module"
log="$home/build.log"
mkdir -p "$work" "$bin"
: >"$log"
started=$(date +%s)
say "building pulumi v$version from Go modules into $bin (a cold build fetches ~1 GB and takes 15-30 minutes on 2 cores; log: $log)"

fail() {
    say "error: $1 (see $log; its last lines:)"
    tail -n 20 "$log" >&2
    exit 4
}

step() {
    local what=$1
    shift
    say "$what ($(($(date +%s) - started)) s so far)"
    "$@" >>"$log" 2>&1 || fail "$what failed"
}

cd "$work"
if [ ! -f go.mod ]; then
    printf 'module batchpool.local/pulumi-cli\n\ngo 1.26\n' >go.mod
    # Import the main packages so that `go mod tidy` resolves their whole dependency graph.
    printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"\n' >tools.go
fi
step "resolving github.com/pulumi/pulumi/pkg/v3@v$version" \
    go get "github.com/pulumi/pulumi/pkg/v3@v$version" "github.com/pulumi/pulumi/sdk/v3@v$version"

# pkg/go.mod's replace lines do not apply to a module that requires it: copy the non-local ones.
pkg_dir=$(go list -m -f '{{.Dir}}' "github.com/pulumi/pulumi/pkg/v3")
sed -n 's/^replace \(.*\) => \([^.][^ ]*\) \(v[^ ]*\)$/\1=\2@\3/p' "$pkg_dir/go.mod" | while read -r rule; do
    go mod edit -replace "$rule"
done
step "resolving the dependency graph" go mod tidy

ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version"
build() { CGO_ENABLED=0 go build -trimpath -tags osusergo,grpcnotrace -ldflags "$ldflags" "$@"; }
step "compiling pulumi" build -o "$bin/pulumi.partial" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
mv "$bin/pulumi.partial" "$bin/pulumi"

sdk_dir=$(go list -m -f '{{.Dir}}' "github.com/pulumi/pulumi/sdk/v3")
install -m 0755 "$sdk_dir/python/dist/pulumi-resource-pulumi-python" "$bin/"
install -m 0755 "$sdk_dir/python/cmd/pulumi-language-python-exec" "$bin/"

if [ -n "${BATCHPOOL_PULUMI_LANGUAGE_PYTHON:-}" ]; then
    if go get "$host_module@$BATCHPOOL_PULUMI_LANGUAGE_PYTHON" >>"$log" 2>&1 \
        && build -o "$bin/pulumi-language-python" "$host_module" >>"$log" 2>&1; then
        say "built the Python language host $BATCHPOOL_PULUMI_LANGUAGE_PYTHON"
    else
        say "the Python language host $BATCHPOOL_PULUMI_LANGUAGE_PYTHON could not be built (see $log);" \
            "programs run through the CLI's --client mode instead"
    fi
fi

ready || fail "the built CLI does not report v$version"
say "pulumi v$version ready in $bin after $(($(date +%s) - started)) s"
echo "$bin"
