#!/usr/bin/env bash
# `make local-up`: sandbox up, then `pulumi up` of the `local` stack against it, then outputs and a summary.
# Running it again reuses the sandbox and its state, so the second `pulumi up` changes nothing.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

scripts/sandbox-ctl.sh start
set -a
# shellcheck disable=SC1091
. .sandbox/env
set +a

mkdir -p .state
pulumi stack select --create local --non-interactive
pulumi up --stack local --yes --non-interactive --color never --skip-preview
echo
pulumi stack output --stack local --non-interactive --color never
pulumi stack output --stack local --json --non-interactive | .venv/bin/python scripts/stack_summary.py
