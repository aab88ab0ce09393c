#!/usr/bin/env bash
# Creates .venv and installs this project with its dev extra (`pip install -e '.[dev]'`).
# Idempotent: reinstalls only when pyproject.toml changed (stamp keyed on its hash).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=$repo/.venv
python=${PYTHON:-python3}
stamp=$venv/.flex-chat-transfer-installed

die() { echo "error: $*" >&2; exit 1; }

if [ ! -x "$venv/bin/python" ]; then
    command -v "$python" >/dev/null || die "$python not found; install Python >= 3.11 or set PYTHON=/path/to/python3.11"
    "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || die "$python is $("$python" -V 2>&1); this project needs Python >= 3.11 (set PYTHON=/path/to/python3.11)"
    echo "creating virtualenv .venv with $("$python" -V 2>&1)"
    "$python" -m venv "$venv"
fi

want=$(sha256sum "$repo/pyproject.toml" | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "installing Python dependencies into .venv (pip install -e '.[dev]')"
    # pip's and setuptools' chatter goes to a log; shown only when the install fails.
    if ! (cd "$repo" && "$venv/bin/python" -m pip install --disable-pip-version-check -e '.[dev]') \
        >"$venv/pip-install.log" 2>&1; then
        tail -n 30 "$venv/pip-install.log" >&2
        die "pip install -e '.[dev]' failed (full log: .venv/pip-install.log)"
    fi
    # The Python language host reports every installed `pulumi-*` distribution as a required plugin and the
    # engine would then try to download it; only the SDK itself (and pulumi-policy) may be present.
    "$venv/bin/python" - <<'PY'
import sys
from importlib.metadata import distributions

bad = sorted(
    d.metadata["Name"] for d in distributions()
    if d.metadata["Name"].lower().startswith("pulumi-") and d.metadata["Name"].lower() != "pulumi-policy"
)
if bad:
    sys.exit(f"error: .venv holds {', '.join(bad)}; remove it from pyproject.toml (the engine would try to download "
             "a provider plugin for it)")
PY
    printf '%s\n' "$want" >"$stamp"
fi

# The project's own modules, byte-compiled once: every `pulumi up` starts two Python processes (the program
# and the twiliox provider) that import them, and with PYTHONDONTWRITEBYTECODE set (as on this project's
# machines) Python would compile them from source in each (~0.1 s apiece). Stale files are only recompiled in
# memory, so this is a cache, never a source of truth.
"$venv/bin/python" -m compileall -q -j 0 "$repo/infra" "$repo/workflow" "$repo/sandbox" >/dev/null 2>&1 || true
