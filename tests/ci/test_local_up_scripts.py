"""`make local-up` as a user meets it when another clone's sandbox already holds the port: the run ends
with one line that names the port and the fix (the sandbox's own line when it prints one), no traceback,
and nothing of this clone is left running. Runs in a scratch clone (its .venv and node_modules symlinked
to this checkout's), with the other clone's sandbox a real one (`SandboxProcess`, free port)."""

import os
import shutil
import subprocess
from pathlib import Path

from sandbox.testing import SandboxProcess

ROOT = Path(__file__).resolve().parents[2]


def _scratch_clone(tmp_path: Path) -> Path:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, capture_output=True)
    for name in ("scripts/sandbox-ctl.sh", "scripts/local-up.sh", "Makefile"):
        shutil.copy2(ROOT / name, clone / name)  # this checkout's versions, committed or not
    (clone / ".venv").symlink_to(ROOT / ".venv")
    for package in ("functions", "sandbox/runtime", "bench"):
        if (ROOT / package / "node_modules").is_dir():
            (clone / package / "node_modules").symlink_to(ROOT / package / "node_modules")
    return clone


def test_local_up_on_a_taken_port_ends_in_one_line_naming_the_port_and_the_fix(tmp_path: Path):
    clone = _scratch_clone(tmp_path)
    ours = {str(ROOT / ".tools" / "bin"), str(ROOT / ".venv" / "bin")}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "TWILIO_", "MAKE"))}
    env["PATH"] = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p not in ours)

    with SandboxProcess(tmp_path / "other-clone") as other:
        port = other.url.rsplit(":", 1)[1]
        result = subprocess.run(["make", "--no-print-directory", "local-up"], cwd=clone,
                                env={**env, "SANDBOX_PORT": port}, capture_output=True, text=True,
                                timeout=300)
        assert other.summary() is not None  # the other clone's sandbox is untouched

    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if not line.startswith("make: ***")]
    assert len(errors) == 1, result.stderr
    assert port in errors[0] and ("SANDBOX_PORT" in errors[0] or "local-down" in errors[0]), errors[0]
    assert "Traceback" not in result.stdout + result.stderr
    # Nothing of this clone's is left: no sandbox process recorded, no stack created.
    assert not (clone / ".sandbox" / "sandbox.pid").exists()
    assert not (clone / ".sandbox" / "env").exists()
