#!/usr/bin/env bash
# Refresh sandbox/oas/ from twilio/twilio-oai at a given commit (needs network access to GitHub).
# Prints the rows for sandbox/oas/SOURCE.md; the files are replaced only when every download succeeded.
set -euo pipefail
commit=${1:?usage: scripts/refresh-oas.sh <twilio-oai commit>}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
files=(twilio_taskrouter_v1.json twilio_serverless_v1.json twilio_flex_v1.json twilio_conversations_v1.json)
for f in "${files[@]}"; do
    url="https://raw.githubusercontent.com/twilio/twilio-oai/$commit/spec/json/$f"
    curl -fsSL "$url" -o "$tmp/$f" || { echo "refresh-oas: could not download $url (fix: check the commit and the network)" >&2; exit 1; }
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/$f" \
        || { echo "refresh-oas: $f at $commit is not JSON" >&2; exit 1; }
done
for f in "${files[@]}"; do
    mv "$tmp/$f" "$repo/sandbox/oas/$f"
    printf '| %s | %s | %s |\n' "$f" "$(wc -c < "$repo/sandbox/oas/$f" | tr -d ' ')" "$(sha256sum "$repo/sandbox/oas/$f" | cut -d' ' -f1)"
done
echo "now set the commit to $commit in sandbox/oas/SOURCE.md and paste the rows above into its table"
