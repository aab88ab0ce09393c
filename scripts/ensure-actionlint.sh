#!/usr/bin/env bash
# Makes sure .tools/actionlint is the pinned actionlint (rhysd/actionlint), the linter `make test` runs over
# .github/workflows beside GitHub's workflow schema. Built from the Go module proxy ONCE per machine into
#   ${FLEX_CHAT_TRANSFER_CACHE:-${XDG_CACHE_HOME:-~/.cache}/flex-chat-transfer}/actionlint-v<version>/actionlint
# (the per-machine cache the Pulumi CLI build uses too), then linked as .tools/actionlint. Go's own module and
# build caches are the user's when set, else a temporary folder removed on exit: nothing is written to ~/go
# or ~/.cache/go-build.
set -euo pipefail

ACTIONLINT_VERSION=1.7.12
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache_root=${FLEX_CHAT_TRANSFER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flex-chat-transfer}
cache_dir=$cache_root/actionlint-v$ACTIONLINT_VERSION
binary=$cache_dir/actionlint
link=$repo/.tools/actionlint

die() { echo "error: $*" >&2; exit 1; }

if [ ! -x "$binary" ] || ! "$binary" -version 2>/dev/null | head -n1 | grep -qx "v$ACTIONLINT_VERSION"; then
    command -v go >/dev/null \
        || die "Go is not installed (needed once to build actionlint v$ACTIONLINT_VERSION for make test); install Go >= 1.22"
    mkdir -p "$cache_dir"
    exec 9>"$cache_dir/.lock"
    flock 9 # another clone may be building it right now
    if [ ! -x "$binary" ]; then
        echo "building actionlint v$ACTIONLINT_VERSION from Go modules, first time only (cache: $cache_dir)"
        work=$(mktemp -d)
        trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
        if ! out=$(GOBIN="$work/bin" GOMODCACHE="${GOMODCACHE:-$work/mod}" GOCACHE="${GOCACHE:-$work/build}" \
                CGO_ENABLED=0 go install "github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION" 2>&1); then
            die "go install github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION failed: $(printf '%s' "$out" | tail -n1)"
        fi
        mv -f "$work/bin/actionlint" "$binary"
    fi
fi

mkdir -p "$repo/.tools"
if [ "$(readlink "$link" 2>/dev/null || true)" != "$binary" ]; then
    ln -sfn "$binary" "$link"
fi
