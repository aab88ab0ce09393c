"""No code names the old top-level packages (issue 24): `scripts/rename_packages.py --check` finds nothing
left to rename, so a module merged with `from infra…`, `workflow.cli:main` or `files("workflow")` fails here
rather than loading a second copy of a module through the repository root on sys.path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_nothing_is_left_with_the_old_import_names():
    check = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "rename_packages.py"), "--check"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert check.returncode == 0, check.stdout[-3000:]
    assert check.stderr.strip().splitlines()[-1] == "would change 0 files"


def test_the_check_sees_an_old_import(tmp_path: Path):
    """The script on a tiny repository of the same layout: an old import is reported and rewritten."""
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "__init__.py").write_text("")
    (tmp_path / "infra" / "client.py").write_text("")
    (tmp_path / "app.py").write_text('from infra.client import x\nNAME = "infra.client"\nself_workflow = 1\n')
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "add", "."], check=True)
    script = [sys.executable, str(REPO / "scripts" / "rename_packages.py"), "--repo", str(tmp_path)]
    assert subprocess.run([*script, "--check"], capture_output=True).returncode == 1
    subprocess.run(script, capture_output=True, check=True)
    assert (tmp_path / "app.py").read_text().splitlines() == [
        "from flex_chat_transfer.infra.client import x",
        'NAME = "flex_chat_transfer.infra.client"',
        "self_workflow = 1",
    ]
    assert subprocess.run([*script, "--check"], capture_output=True).returncode == 0
