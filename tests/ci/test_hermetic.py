"""`make test` is hermetic: it writes nothing in the user's home folder but `~/.cache/flex-chat-transfer`
(README "Environment variables and secrets"), and never touches the user's Pulumi login.

A representative slice of the suite runs in a child pytest with HOME pointed at an empty folder, the
environment `make test` gives it (PULUMI_HOME of the checkout, the per-machine cache for the Pulumi CLI), and
its temp folders under a path of this test's own: the README's real-account commands (`make setup` in a
clone, `pulumi login`, `up`, `destroy`), the engine smoke test and the drift check against the sandbox. After
it, the empty home holds nothing but the program's cache, and the Pulumi CLI's own home (which the CLI finds
through the password database, not HOME) names none of the child's paths."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SLICE = (
    "tests/docs/test_readme_real_account.py",
    "tests/engine/test_engine_smoke.py",
    "tests/ci/test_drift_check.py",
)
ALLOWED = Path(".cache") / "flex-chat-transfer"


def machine_cache() -> Path:
    """Where this machine keeps the Pulumi CLI build (scripts/ensure-pulumi.sh's rule)."""
    explicit = os.environ.get("FLEX_CHAT_TRANSFER_CACHE")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "flex-chat-transfer"


def test_a_representative_run_writes_nothing_in_home_but_the_cache(tmp_path: Path):
    home = tmp_path / "home"
    home.mkdir()
    basetemp = tmp_path / "child-pytest"
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env.update({
        "HOME": str(home),
        # What `make test` exports (Makefile); kept when the suite already runs under it.
        "PULUMI_HOME": os.environ.get("PULUMI_HOME", str(ROOT / ".tools" / "pulumi-home")),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        # The CLI built once per machine, where it already is (else the child would build it again).
        "FLEX_CHAT_TRANSFER_CACHE": str(machine_cache()),
    })
    child = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", f"--basetemp={basetemp}",
         *SLICE],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert child.returncode == 0, child.stdout[-4000:] + child.stderr[-2000:]
    assert " passed" in child.stdout.splitlines()[-1] and "skipped" not in child.stdout.splitlines()[-1]

    written = sorted(path.relative_to(home) for path in home.rglob("*"))
    outside = [path for path in written if not (path == ALLOWED.parent or path.is_relative_to(ALLOWED))]
    assert outside == [], f"written in HOME outside ~/{ALLOWED}: {outside[:20]}"
    # The Pulumi CLI's own idea of home: its login file names nothing of the child run.
    credentials = Path(pwd.getpwuid(os.getuid()).pw_dir) / ".pulumi" / "credentials.json"
    if credentials.exists():
        assert str(basetemp) not in credentials.read_text()
