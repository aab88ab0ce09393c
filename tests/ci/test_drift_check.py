"""The nightly drift check (.github/workflows/drift.yml runs scripts/drift_check.py) on the real engine
against the sandbox: a stack just deployed has no drift (exit 0); after a console edit of its workflow the
check fails (exit 1) and the job summary names the drifted resource, its changed properties and the routing
review of live vs deployed; a check that cannot run (wrong passphrase) is one line and exit 2, not
"no drift"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from flex_chat_transfer.infra.client import make_client
from flex_chat_transfer.infra.rest import TASKROUTER, Rest
from flex_chat_transfer.sandbox.testing import SandboxProcess
from harness.automation import StackRunner, write_scratch_project

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "drift_check.py"


def drift_check(runner: StackRunner, summary: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--stack", runner.stack_name, "--summary", str(summary)],
        cwd=runner.project_dir, env={**os.environ, **runner.environment(), **env},
        capture_output=True, text=True, timeout=300,
    )


def test_drift_is_caught_with_the_changed_properties_and_the_routing_review(tmp_path: Path):
    with SandboxProcess(tmp_path / "sandbox", seed="flex-demo", build_seconds=0.2) as sandbox:
        runner = StackRunner(write_scratch_project(tmp_path / "project"), "dev", tmp_path / "state",
                             env={"TWILIO_SANDBOX_URL": sandbox.url})
        runner.set_config({"twilio:accountSid": sandbox.account_sid, "twilio:authToken": sandbox.auth_token,
                           "chat-transfer:transferQueues": ["Sales"]}, secret=("twilio:authToken",))
        runner.up()
        try:
            summary = tmp_path / "summary.md"
            quiet = drift_check(runner, summary)
            assert quiet.returncode == 0, quiet.stdout + quiet.stderr
            assert "No drift" in summary.read_text()

            # A console edit: the Sales filter removed and the workflow renamed, outside Pulumi.
            rest = Rest(make_client(sandbox.account_sid, sandbox.auth_token, sandbox_url=sandbox.url))
            workflow_sid = runner.outputs()["workflowSid"]
            workspace = rest.get(f"{TASKROUTER}/Workspaces")["workspaces"][0]["sid"]
            url = f"{TASKROUTER}/Workspaces/{workspace}/Workflows/{workflow_sid}"
            configuration = json.loads(rest.get(url)["configuration"])
            filters = configuration["task_routing"]["filters"]
            kept = [f for f in filters if "Sales" not in f["filter_friendly_name"]]
            configuration["task_routing"]["filters"] = kept
            rest.post(url, {"Configuration": json.dumps(configuration), "FriendlyName": "Edited by hand"})

            summary.write_text("")
            drifted = drift_check(runner, summary)
            assert drifted.returncode == 1, drifted.stdout + drifted.stderr
            report = summary.read_text()
            assert report == drifted.stdout  # the job summary is the report, nothing else
            row = next(line for line in report.splitlines() if line.startswith("| `chat-transfer-workflow`"))
            assert "`twiliox:taskrouter:Workflow` | update |" in row
            assert "`friendly_name`" in row and "`configuration.task_routing.filters`" in row
            assert "\n1 resource(s) differ" in report  # nothing else drifted
            routing = report.split("#### Routing: live (old) vs stack `dev` (new)", 1)[1]
            assert "| `Assign To Queue - Sales` | added at [1] |" in routing
            assert sandbox.auth_token not in report + drifted.stderr

            broken = drift_check(runner, summary, PULUMI_CONFIG_PASSPHRASE="not-the-passphrase")
            assert broken.returncode == 2, broken.stdout + broken.stderr
            assert broken.stderr.splitlines()[0].startswith("drift check of dev could not run: ")
            assert "(fix: " in broken.stderr.splitlines()[0]
        finally:
            runner.destroy()
