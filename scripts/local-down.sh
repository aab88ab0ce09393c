#!/usr/bin/env bash
# `make local-down`: destroy the `local` stack (the sandbox must be up for the deletes), then stop the sandbox.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

if pulumi stack ls --json --non-interactive 2>/dev/null | grep -q '"name": *"local"'; then
    scripts/sandbox-ctl.sh start
    set -a
    # shellcheck disable=SC1091
    . .sandbox/env
    set +a
    pulumi destroy --stack local --yes --non-interactive --color never --skip-preview
else
    echo "no local stack in .state; nothing to destroy"
fi
scripts/sandbox-ctl.sh stop
