#!/usr/bin/env bash
# Makes sure .tools/bin holds a working Pulumi engine for this checkout:
#   pulumi, pulumi-language-python, pulumi-language-python-exec, pulumi-resource-pulumi-python.
#
# 1. A `pulumi` on PATH at least PULUMI_VERSION is used as is (.tools/bin links to it, plus our
#    dynamic-provider launcher, which resolves the relative virtualenv against the project root).
# 2. Otherwise the pinned CLI is built from Go modules ONCE per machine into a per-version cache,
#    ${XDG_CACHE_HOME:-~/.cache}/flex-chat-transfer/pulumi-v<version>/bin, and .tools/bin links to it.
#    Every clone (CI runs fresh clones on the same machine) reuses that cache.
#
# How the engine is built, and why (facts checked on this machine, 2026-11-25):
# - CLI: github.com/pulumi/pulumi/pkg/v3/cmd/pulumi at v3.274.1 from the wrapper module in
#   scripts/pulumi-build (go.mod/go.sum committed; pkg/v3's own go.mod has replace lines, so
#   `go install pkg@version` cannot work). The wrapper copies pkg/v3's only module-version replace
#   (atotto/clipboard => tgummerer/clipboard) and requires sdk/v3 at the same version.
#   First build: 3m54s wall (after module downloads) on 2 shared cores.
# - Python language host: the upstream module
#   github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3 is NOT served by the proxy
#   (403 "This module version is not available" for @latest, @master, @v3.274.1 and the pseudo-version
#   v3.0.0-20260820084410-a05d88f24d05); the release commit of 3.274.1 is unknown offline. The last in-sdk
#   host, sdk/v3 v3.79.0, builds but ignores the runtime options the v3.274.1 engine sends (it ran the
#   ambient python3, not the project virtualenv). So scripts/pulumi-build/languagehost is our own small
#   host, written from the LanguageRuntime gRPC definition in sdk/v3 v3.274.1.
# - pulumi-language-python-exec and pulumi-resource-pulumi-python: ours, in scripts/pulumi-bin.
set -euo pipefail

PULUMI_VERSION=${PULUMI_VERSION:-3.274.1}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_src=$repo/scripts/pulumi-build
helpers_src=$repo/scripts/pulumi-bin
tools=$repo/.tools
cache_root=${FLEX_CHAT_TRANSFER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flex-chat-transfer}
cache_bin=$cache_root/pulumi-v$PULUMI_VERSION/bin
helpers=(pulumi-language-python-exec pulumi-resource-pulumi-python)

die() { echo "error: $*" >&2; exit 1; }

# version_at_least HAVE WANT: true when HAVE >= WANT (both x.y.z, no leading v).
version_at_least() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

# An ambient pulumi, searching PATH without our own .tools/bin.
ambient_pulumi() {
    local dir real ours
    ours=" $(readlink -f "$tools/bin" 2>/dev/null) $(readlink -f "$cache_bin" 2>/dev/null) $(readlink -f "$tools/ambient-bin" 2>/dev/null) "
    local IFS=:
    for dir in $PATH; do
        [ -n "$dir" ] && [ -x "$dir/pulumi" ] || continue
        real=$(readlink -f "$dir")
        case $ours in *" $real "*) continue ;; esac
        printf '%s\n' "$dir/pulumi"
        return 0
    done
    return 1
}

install_helpers() { # DEST_DIR
    local name
    for name in "${helpers[@]}"; do
        if ! cmp -s "$helpers_src/$name" "$1/$name" 2>/dev/null; then
            install -m 0755 "$helpers_src/$name" "$1/$name.tmp.$$"
            mv -f "$1/$name.tmp.$$" "$1/$name"
        fi
    done
}

link_tools_bin() { # TARGET_DIR
    mkdir -p "$tools"
    if [ "$(readlink "$tools/bin" 2>/dev/null || true)" != "$1" ]; then
        rm -rf "$tools/bin"
        ln -s "$1" "$tools/bin"
    fi
}

# --- 1. a recent enough pulumi on PATH --------------------------------------------------------------
if [ "${FLEX_IGNORE_AMBIENT_PULUMI:-}" != 1 ] && ambient=$(ambient_pulumi); then
    have=$("$ambient" version 2>/dev/null | sed 's/^v//' || true)
    if [ -n "$have" ] && version_at_least "$have" "$PULUMI_VERSION"; then
        # A per-clone dir: the ambient CLI (with its own language host next to it) plus our launcher,
        # which the engine finds first through PATH (the Makefile puts .tools/bin first).
        real=$(readlink -f "$ambient")
        local_bin=$tools/ambient-bin
        mkdir -p "$local_bin"
        ln -sfn "$real" "$local_bin/pulumi"
        [ -x "$(dirname "$real")/pulumi-language-python" ] && ln -sfn "$(dirname "$real")/pulumi-language-python" "$local_bin/pulumi-language-python"
        install_helpers "$local_bin"
        link_tools_bin "$local_bin"
        echo "using pulumi v$have from $ambient"
        exit 0
    fi
    echo "pulumi on PATH ($ambient) is v${have:-unknown}, older than v$PULUMI_VERSION; using the pinned build"
fi

# --- 2. the pinned build, cached per machine ---------------------------------------------------------
command -v go >/dev/null || die "Go is not installed (needed once to build Pulumi CLI v$PULUMI_VERSION); install Go >= $(sed -n 's/^go //p' "$build_src/go.mod") or put pulumi >= v$PULUMI_VERSION on PATH"

# Go's module and build caches, set just before Go runs: the user's own when set, else a temporary folder
# removed on exit, so a build writes nothing in the home folder (Go's defaults: ~/go/pkg/mod,
# ~/.cache/go-build) and the machine cache keeps only the binaries.
go_caches() {
    if [ -z "${go_tmp:-}" ] && { [ -z "${GOMODCACHE:-}" ] || [ -z "${GOCACHE:-}" ]; }; then
        go_tmp=$(mktemp -d)
        trap 'chmod -R u+w "$go_tmp" 2>/dev/null; rm -rf "$go_tmp"' EXIT
        export GOMODCACHE=${GOMODCACHE:-$go_tmp/mod} GOCACHE=${GOCACHE:-$go_tmp/build}
    fi
}

mkdir -p "$cache_bin"
exec 9>"$cache_root/pulumi-v$PULUMI_VERSION/.lock"
flock 9 # another clone may be building right now: wait for it instead of building twice

ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION"
export CGO_ENABLED=0

# Names the module the proxy refused, e.g. "github.com/pulumi/pulumi/pkg/v3@v3.274.1: ... 403 ...".
download_or_die() { # MODULE@VERSION...
    local mod out
    for mod in "$@"; do
        if ! out=$(cd "$build_src" && go mod download "$mod" 2>&1); then
            die "Go module $mod is not served by the Go module proxy ($(go env GOPROXY)): $(printf '%s' "$out" | tail -n1 | sed 's/^[[:space:]]*//')"
        fi
    done
    if ! out=$(cd "$build_src" && go mod download 2>&1); then
        die "a Go module needed by scripts/pulumi-build could not be downloaded: $(printf '%s' "$out" | grep -m1 -E 'go: |@' || printf '%s' "$out" | tail -n1)"
    fi
}

if [ ! -x "$cache_bin/pulumi" ] || [ "$("$cache_bin/pulumi" version 2>/dev/null)" != "v$PULUMI_VERSION" ]; then
    echo "building Pulumi CLI v$PULUMI_VERSION from Go modules, first time only, ~4 min on 2 cores (cache: $cache_bin)"
    go_caches
    start=$(date +%s)
    download_or_die "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION" "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION"
    (cd "$build_src" && go build -trimpath -tags osusergo,grpcnotrace -ldflags "$ldflags" \
        -o "$cache_bin/pulumi.tmp.$$" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) \
        || die "go build of github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$PULUMI_VERSION failed (output above)"
    mv -f "$cache_bin/pulumi.tmp.$$" "$cache_bin/pulumi"
    echo "built Pulumi CLI v$PULUMI_VERSION in $(( $(date +%s) - start ))s"
fi

# Our language host: rebuilt (seconds) whenever its source or the module pins change.
host_hash=$(cat "$build_src/go.mod" "$build_src/go.sum" "$build_src"/languagehost/*.go | sha256sum | cut -c1-16)
if [ ! -x "$cache_bin/pulumi-language-python" ] || [ "$(cat "$cache_bin/.languagehost-hash" 2>/dev/null)" != "$host_hash" ]; then
    echo "building the Python language host (scripts/pulumi-build/languagehost)"
    go_caches
    (cd "$build_src" && go build -trimpath -ldflags "$ldflags" -o "$cache_bin/pulumi-language-python.tmp.$$" ./languagehost) \
        || die "go build of scripts/pulumi-build/languagehost failed (output above)"
    mv -f "$cache_bin/pulumi-language-python.tmp.$$" "$cache_bin/pulumi-language-python"
    printf '%s\n' "$host_hash" >"$cache_bin/.languagehost-hash"
fi

install_helpers "$cache_bin"
link_tools_bin "$cache_bin"
