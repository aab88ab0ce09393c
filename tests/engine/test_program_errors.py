"""A program refused before any write says so in one line on the real engine: the language host adds no
second "program exited with non-zero exit code" line, and no traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from flex_chat_transfer.sandbox.testing import SandboxProcess
from harness.automation import StackRunner, find_cli_root, write_scratch_project

REPO = Path(__file__).resolve().parents[2]
PASSPHRASE = "chat-transfer-local-sandbox"  # the sandbox-only local stack's (Makefile), not a secret


def test_a_refused_workspace_is_one_error_line_and_nothing_is_written(tmp_path):
    with SandboxProcess(tmp_path / "sandbox", latency_ms=0) as sandbox:
        project = write_scratch_project(tmp_path / "project")
        shutil.copy(REPO / "Pulumi.local.yaml", project / "Pulumi.local.yaml")
        runner = StackRunner(project, "local", tmp_path / "state", passphrase=PASSPHRASE, env=sandbox.env())
        runner.set_config({"chat-transfer:workspace": "No Such Workspace"})
        cli_root = find_cli_root()
        pulumi = str(cli_root / "bin" / "pulumi") if cli_root else "pulumi"
        before = len(sandbox.requests())
        done = subprocess.run(
            [pulumi, "up", "--yes", "--skip-preview", "--non-interactive", "--stack", "local"],
            cwd=project, env={**os.environ, **runner.environment()}, capture_output=True, text=True,
        )
        writes = [r for r in sandbox.requests()[before:] if r["method"] != "GET"]
    output = done.stdout + done.stderr
    errors = [line.strip() for line in output.splitlines() if line.strip().startswith("error:")]
    assert done.returncode != 0
    assert len(errors) == 1, output
    assert "No Such Workspace" in errors[0] and "fix:" in errors[0]
    assert "Traceback" not in output
    assert writes == []
