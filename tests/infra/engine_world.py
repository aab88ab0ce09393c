"""A sandbox account seen by engine tests: stack runners on it, the request log's writes, and a snapshot of
every Twilio object a stack could touch, to compare before and after."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from flex_chat_transfer.infra.client import make_client
from flex_chat_transfer.infra.rest import FLEX, SERVERLESS, TASKROUTER, Rest
from harness.automation import StackRunner, find_cli_root, write_scratch_project


def fresh_account(sandbox, tmp: Path) -> Account:
    """The module's sandbox back to a fresh flex-demo account without faults, with Pulumi state of its own."""
    sandbox.clear_faults()
    sandbox.reset("flex-demo")
    return Account(tmp, sandbox)


class Account:
    def __init__(self, tmp: Path, sandbox) -> None:
        self.tmp, self.sandbox = tmp, sandbox
        self.rest = Rest(make_client(sandbox.account_sid, sandbox.auth_token, sandbox_url=sandbox.url))
        seed = sandbox.seed_info()
        workspace = seed["workspace"]
        self.workspace_sid = workspace if isinstance(workspace, str) else workspace["sid"]
        queues = seed["queues"]
        names = sorted(queues) if isinstance(queues, dict) else sorted(q["name"] for q in queues)
        self.config = {
            "twilio:accountSid": sandbox.account_sid,
            "twilio:authToken": sandbox.auth_token,
            "chat-transfer:transferQueues": [[n for n in names if n != "Everyone"][0]],
            "chat-transfer:functions": {"buildTimeout": 60},
        }

    def runner(
        self, stack: str, config: dict | None = None, project: Path | None = None, env: dict | None = None
    ) -> StackRunner:
        runner = StackRunner(
            project or write_scratch_project(self.tmp / "project"),
            stack,
            self.tmp / "state",
            env={"TWILIO_SANDBOX_URL": self.sandbox.url, **(env or {})},
        )
        runner.set_config(config or self.config, secret=("twilio:authToken",))
        return runner

    def mark(self) -> int:
        return self.sandbox.last_request_id()

    def writes_since(self, mark: int) -> list[str]:
        return self.sandbox.writes_since(mark)

    def snapshot(self) -> dict:
        """Every object a stack could touch: workflows, services with environments, functions and variables,
        and the Flex configuration's ui_attributes."""
        workflows = {
            w["sid"]: (w["friendly_name"], json.loads(w["configuration"]))
            for w in self.rest.list_all(
                f"{TASKROUTER}/Workspaces/{self.workspace_sid}/Workflows", "workflows"
            )
        }
        services = {}
        for service in self.rest.list_all(f"{SERVERLESS}/Services", "services"):
            url = f"{SERVERLESS}/Services/{service['sid']}"
            environments = {}
            for env in self.rest.list_all(f"{url}/Environments", "environments"):
                variables = self.rest.list_all(f"{url}/Environments/{env['sid']}/Variables", "variables")
                environments[env["sid"]] = (
                    env["unique_name"],
                    env.get("build_sid"),
                    {v["key"]: v["value"] for v in variables},
                )
            functions = {
                f["sid"]: f["friendly_name"] for f in self.rest.list_all(f"{url}/Functions", "functions")
            }
            services[service["sid"]] = (service["unique_name"], environments, functions)
        ui = self.rest.get(f"{FLEX}/Configuration")["ui_attributes"]
        return {"workflows": workflows, "services": services, "flex": ui}


def _cli(runner: StackRunner, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    cli_root = runner.cli_root or find_cli_root()
    pulumi = str(cli_root / "bin" / "pulumi") if cli_root else "pulumi"
    return subprocess.run(
        [pulumi, *args, "--stack", runner.stack_name, "--non-interactive", "--color", "never"],
        cwd=runner.project_dir,
        env={**os.environ, **runner.environment(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )


def _cli_up(runner: StackRunner) -> subprocess.CompletedProcess:
    return _cli(runner, "up", "--yes")
