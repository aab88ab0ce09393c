#!/usr/bin/env bash
# `npm ci` in every Node package of this repo that has a package-lock.json.
# Idempotent: runs again only when the lock file changed (stamp in node_modules keyed on its hash).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
packages=(functions sandbox/runtime bench)

for pkg in "${packages[@]}"; do
    lock=$repo/$pkg/package-lock.json
    [ -f "$lock" ] || continue
    command -v npm >/dev/null || { echo "error: npm not found; install Node.js >= 20 (needed for $pkg/)" >&2; exit 1; }
    stamp=$repo/$pkg/node_modules/.flex-chat-transfer-npm-ci
    want=$(sha256sum "$lock" | cut -c1-16)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        echo "installing npm dependencies in $pkg/ (npm ci)"
        (cd "$repo/$pkg" && npm ci --no-audit --no-fund --loglevel=error)
        printf '%s\n' "$want" >"$stamp"
    fi
done
