"""A killed `pulumi up` leaves no process behind. SIGKILL of the CLI stops nothing it started: the language
host, the program and the twiliox provider each notice their parent is gone and end (infra/parent_watch.py,
the language host's own watch). The kill lands while the provider waits on a Functions build, the longest
wait of a deploy."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from harness.automation import StackRunner, find_cli_root, write_scratch_project
from harness.polling import wait_until

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
BUILD_CREATED = re.compile(r"^POST /serverless/v1/Services/ZS\w+/Builds$")


def _processes_of(run_dir: Path) -> dict[int, str]:
    """Live processes (zombies are gone) whose command line or environment names `run_dir`, by PID."""
    found = {}
    mark = str(run_dir).encode()
    for proc in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):
            if (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                continue
            cmdline = (proc / "cmdline").read_bytes()
            if mark in cmdline or mark in (proc / "environ").read_bytes():
                found[int(proc.name)] = cmdline.replace(b"\0", b" ").decode(errors="replace").strip()
    return found


def test_a_killed_up_leaves_no_process_behind(tmp_path):
    from flex_chat_transfer.sandbox.testing import SandboxProcess

    run_dir = tmp_path / "run"
    functions_dir = run_dir / "functions"

    shutil.copytree(REPO / "functions", functions_dir, ignore=shutil.ignore_patterns("node_modules", "test"))
    # Builds that outlast the test: the kill always lands while the provider waits on one.
    with SandboxProcess(tmp_path / "sandbox", seed="flex-demo", build_seconds=3600) as sandbox:
        runner = StackRunner(
            write_scratch_project(run_dir / "project"),
            "killed",
            run_dir / "state",
            env={"TWILIO_SANDBOX_URL": sandbox.url, "CHAT_TRANSFER_FUNCTIONS_DIR": str(functions_dir)},
        )
        runner.set_config(
            {
                "twilio:accountSid": sandbox.account_sid,
                "twilio:authToken": sandbox.auth_token,
                "chat-transfer:transferQueues": ["Sales"],
                "chat-transfer:functions": {"buildTimeout": 3000},
            },
            secret=("twilio:authToken",),
        )
        cli_root = find_cli_root()
        pulumi = str(cli_root / "bin" / "pulumi") if cli_root else "pulumi"
        with open(run_dir / "up.log", "w") as log:
            up = subprocess.Popen(
                [pulumi, "up", "--yes", "--skip-preview", "--stack", "killed", "--non-interactive"],
                cwd=runner.project_dir,
                env={**os.environ, **runner.environment()},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started: dict[int, str] = {}
        try:
            building = wait_until(
                lambda: any(BUILD_CREATED.match(f"{r['method']} {r['path']}") for r in sandbox.requests()),
                timeout=300,
            )
            assert building, (run_dir / "up.log").read_text()
            started = _processes_of(run_dir)
            os.kill(up.pid, signal.SIGKILL)  # the CLI alone, as the OOM killer or `kill -9 <pid>` would
            up.wait(timeout=30)
            started.pop(up.pid, None)
            # What the engine had started: the language host, the program it runs and the provider plugin.
            commands = " | ".join(started.values())
            assert "pulumi-language-python " in commands + " ", commands
            assert "pulumi-language-python-exec" in commands, commands
            assert "-m flex_chat_transfer.infra.twiliox" in commands, commands
            gone = wait_until(lambda: not _processes_of(run_dir), timeout=30)
            assert gone, f"still running after the CLI was killed: {_processes_of(run_dir)}"
        finally:
            for pid in [up.pid, *_processes_of(run_dir)]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                up.wait(timeout=30)
