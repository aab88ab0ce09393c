"""`make local-up` / `make local-down` as a user meets them, in a scratch clone (its .venv and node_modules
symlinked to this checkout's): in the shell the README's "Real account" leaves behind (a real stack's
passphrase exported), up and down work; when another clone's sandbox already holds the port (a real one,
`SandboxProcess` on a free port), the run ends with one line that names the port and the fix (the
sandbox's own line when it prints one), no traceback, and nothing of this clone is left running."""

import os
import shutil
import subprocess
from pathlib import Path

from flex_chat_transfer.sandbox.testing import SandboxProcess

ROOT = Path(__file__).resolve().parents[2]


def _scratch_clone(tmp_path: Path) -> Path:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, capture_output=True)
    for name in ("scripts/sandbox-ctl.sh", "scripts/local-up.sh", "scripts/local-down.sh", "Makefile"):
        shutil.copy2(ROOT / name, clone / name)  # this checkout's versions, committed or not
    (clone / ".venv").symlink_to(ROOT / ".venv")
    for package in ("functions", "sandbox/runtime", "bench"):
        if (ROOT / package / "node_modules").is_dir():
            (clone / package / "node_modules").symlink_to(ROOT / package / "node_modules")
    return clone


def _user_environment() -> dict[str, str]:
    ours = {str(ROOT / ".tools" / "bin"), str(ROOT / ".venv" / "bin")}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "TWILIO_", "MAKE"))}
    env["PATH"] = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p not in ours)
    return env


def _make(clone: Path, target: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", target], cwd=clone, env=env, capture_output=True,
                          text=True, timeout=300)


def test_local_up_and_down_in_the_shell_a_real_stack_left_behind(tmp_path: Path):
    clone = _scratch_clone(tmp_path)
    # The README's shell: a real stack's passphrase and credentials exported. `local` has its own.
    env = {**_user_environment(), "SANDBOX_PORT": "0", "PULUMI_CONFIG_PASSPHRASE": "the dev stack's own",
           "TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "the dev account's token"}

    up = _make(clone, "local-up", env)
    try:
        assert up.returncode == 0, up.stdout[-3000:] + up.stderr[-3000:]
        ready = next(line for line in up.stdout.splitlines() if line.startswith("sandbox ready at http://"))
        assert ":0 " not in ready  # the bound port, not the one asked for
        assert '"workflowSid"' in up.stdout or "workflowSid" in up.stdout
        again = _make(clone, "local-up", env)  # reuses the sandbox, changes nothing
        assert again.returncode == 0 and "sandbox already running" in again.stdout, again.stderr
    finally:
        down = _make(clone, "local-down", env)
    assert down.returncode == 0, down.stdout[-3000:] + down.stderr[-3000:]
    assert "sandbox stopped" in down.stdout
    assert not (clone / ".sandbox" / "sandbox.pid").exists()


def test_local_up_on_a_taken_port_ends_in_one_line_naming_the_port_and_the_fix(tmp_path: Path):
    clone = _scratch_clone(tmp_path)
    env = _user_environment()

    with SandboxProcess(tmp_path / "other-clone") as other:
        port = other.url.rsplit(":", 1)[1]
        result = _make(clone, "local-up", {**env, "SANDBOX_PORT": port})
        assert other.summary() is not None  # the other clone's sandbox is untouched

    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if not line.startswith("make: ***")]
    assert len(errors) == 1, result.stderr
    assert port in errors[0] and ("SANDBOX_PORT" in errors[0] or "local-down" in errors[0]), errors[0]
    assert "Traceback" not in result.stdout + result.stderr
    # Nothing of this clone's is left: no sandbox process recorded, no stack created.
    assert not (clone / ".sandbox" / "sandbox.pid").exists()
    assert not (clone / ".sandbox" / "env").exists()
