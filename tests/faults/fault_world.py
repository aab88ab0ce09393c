"""One sandbox + one deployed stack shared by the engine fault cases and the function abuse cases: what they
need to deploy, count resources through the sandbox API and call the deployed functions."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

import httpx
from fault_tally import writes

from flex_chat_transfer.infra.client import make_client
from flex_chat_transfer.infra.rest import FLEX, SERVERLESS, TASKROUTER, Rest
from flex_chat_transfer.workflow.loader import per_stack_names_of
from harness.automation import StackRunner, find_cli_root, write_scratch_project
from harness.polling import wait_until
from tests import plugin_forms

REPO = Path(__file__).resolve().parents[2]
STACK = "faults"
INVITE = "/features/conversation-transfer/flex/invite-participant"
REMOVE = "/features/conversation-transfer/flex/remove-participant"
UPDATE_ATTRIBUTES = "/common/flex/conversations/update-attributes"


class FaultWorld:
    def __init__(self, tmp: Path, sandbox) -> None:
        self.tmp = tmp
        self.sandbox = sandbox
        self.functions_dir = tmp / "functions"
        shutil.copytree(
            REPO / "functions", self.functions_dir, ignore=shutil.ignore_patterns("node_modules", "test")
        )
        self.project_dir = write_scratch_project(tmp / "project")
        self.state_dir = tmp / "state"
        self.runner = self._runner()
        self.seed = sandbox.seed_info()
        # The stack's names (its config leaves them out: the per-stack defaults).
        self.workflow_name, self.service_name = per_stack_names_of(STACK)
        self.config: dict[str, Any] = {
            "twilio:accountSid": sandbox.account_sid,
            "twilio:authToken": sandbox.auth_token,
            "chat-transfer:transferQueues": ["Sales"],
            "chat-transfer:functions": {"buildTimeout": 60},
        }
        self.runner.set_config(self.config, secret=("twilio:authToken",))
        self.logs: list[str] = []  # every engine/CLI output the suite captured, for the secrets scan
        self.minted: list[str] = []

    # ---- the stack -------------------------------------------------------------------------------------
    def _runner(self) -> StackRunner:
        env = {"TWILIO_SANDBOX_URL": self.sandbox.url, "CHAT_TRANSFER_FUNCTIONS_DIR": str(self.functions_dir)}
        return StackRunner(self.project_dir, STACK, self.state_dir, env=env)

    def after_restart(self) -> None:
        """The sandbox's port changes on restart: point the stack's environment at the new address."""
        self.runner = self._runner()

    def set_config(self, **changes: Any) -> None:
        values = {f"chat-transfer:{k}": v for k, v in changes.items()}
        self.config.update(values)
        self.runner.set_config(values)

    def up(self):
        lines: list[str] = []
        try:
            return self.runner.up(on_output=lines.append)
        finally:
            self.logs.append("\n".join(lines))

    def cli(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [self.pulumi, *args, "--stack", STACK, "--non-interactive"],
            cwd=self.project_dir,
            env=self.cli_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        self.logs.append(done.stdout + done.stderr)
        return done

    def cli_env(self) -> dict[str, str]:
        return {**os.environ, **self.runner.environment()}

    @property
    def pulumi(self) -> str:
        root = find_cli_root()
        return str(root / "bin" / "pulumi") if root else "pulumi"

    def start_up_process(self) -> subprocess.Popen:
        """`pulumi up` through the CLI, in its own process group so a kill reaches the engine's children."""
        log = open(self.tmp / "killed-up.log", "w")  # noqa: SIM115 - the child writes to it until killed
        process = subprocess.Popen(
            [self.pulumi, "up", "--yes", "--skip-preview", "--stack", STACK, "--non-interactive"],
            cwd=self.project_dir,
            env=self.cli_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return process

    @staticmethod
    def kill_group(process: subprocess.Popen) -> None:
        """SIGKILL the CLI and every process under it, as a CI runner cancelling the job does. The engine
        starts its plugins (language host, dynamic provider) in process groups of their own, so killing
        the CLI's group alone would leave them running with no engine."""
        tree = [process.pid, *_descendants(process.pid)]
        os.killpg(process.pid, signal.SIGKILL)
        for pid in tree:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait(timeout=30)

    # ---- the sandbox -----------------------------------------------------------------------------------
    @property
    def rest(self) -> Rest:
        sandbox = self.sandbox
        return Rest(make_client(sandbox.account_sid, sandbox.auth_token, sandbox_url=sandbox.url))

    @property
    def workspace_sid(self) -> str:
        workspace = self.seed["workspace"]
        return workspace if isinstance(workspace, str) else workspace["sid"]

    def queue_sid(self, name: str) -> str:
        queues = self.seed["queues"]
        return (
            queues[name] if isinstance(queues, dict) else next(q["sid"] for q in queues if q["name"] == name)
        )

    def mark(self) -> int:
        return self.sandbox.last_request_id()

    def writes_since(self, mark: int) -> list[str]:
        return writes(self.sandbox.requests(since=mark))

    def fault_hits(self) -> int:
        with self.sandbox.http() as http:
            return sum(f["hits"] for f in http.get("/_sandbox/faults").json()["faults"])

    def statuses_since(self, mark: int) -> list[int]:
        return [e["status"] for e in self.sandbox.requests(since=mark)]

    def counts(self) -> dict[str, int]:
        """What a stack of this project owns, counted through the sandbox API (duplicates show here)."""
        rest = self.rest
        services = [
            s
            for s in rest.list_all(f"{SERVERLESS}/Services", "services")
            if s["unique_name"] == self.service_name
        ]
        functions = environments = 0
        for service in services:
            functions += len(rest.list_all(f"{SERVERLESS}/Services/{service['sid']}/Functions", "functions"))
            environments += len(
                rest.list_all(f"{SERVERLESS}/Services/{service['sid']}/Environments", "environments")
            )
        workflows = [
            w
            for w in rest.list_all(f"{TASKROUTER}/Workspaces/{self.workspace_sid}/Workflows", "workflows")
            if w["friendly_name"] == self.workflow_name
        ]
        return {
            "services": len(services),
            "functions": functions,
            "environments": environments,
            "workflows": len(workflows),
        }

    def environment(self) -> dict:
        outputs = self.runner.outputs()
        return self.rest.get(
            f"{SERVERLESS}/Services/{outputs['serviceSid']}/Environments/{outputs['environmentSid']}"
        )

    def workflow_configuration(self) -> dict:
        import json

        sid = self.runner.outputs()["workflowSid"]
        workflow = self.rest.get(f"{TASKROUTER}/Workspaces/{self.workspace_sid}/Workflows/{sid}")
        return json.loads(workflow["configuration"])

    def flex_features(self) -> dict:
        return self.rest.get(f"{FLEX}/Configuration")["ui_attributes"]["custom_data"]["features"]

    # ---- deployed functions ----------------------------------------------------------------------------
    def function_url(self, path: str) -> str:
        domain = self.runner.outputs()["domainName"]
        return f"{self.sandbox.url}/_runtime/{domain}{path}"

    def call(self, path: str, form: dict[str, Any], timeout: float = 60) -> httpx.Response:
        return httpx.post(self.function_url(path), data=form, timeout=timeout)

    def token(self, worker: str = "alice", ttl: int | None = None) -> str:
        token = self.sandbox.flex_token(self.worker_sid(worker), ttl=ttl)
        self.minted.append(token)  # every Flex token the suite used is looked for in state and logs
        return token

    def worker_sid(self, name: str) -> str:
        workers = self.seed["workers"]
        return (
            workers[name]
            if isinstance(workers, dict)
            else next(w["sid"] for w in workers if w["name"] == name)
        )

    def chat(self) -> dict:
        return self.seed["chat"]

    def state_files(self) -> list[Path]:
        """Everything the file backend keeps: the stack, its history and backups (not the plugin cache)."""
        return [p for p in (self.state_dir / ".pulumi").rglob("*") if p.is_file()]


def invite_form(world: FaultWorld, token: str | None, **overrides: Any) -> dict:
    """invite-participant's form as the Flex plugin sends it for the seeded chat: a warm transfer to Sales."""
    import json

    attributes = json.dumps({"channelType": "web", "customerName": "Casey"})
    return plugin_forms.invite_form(
        world.chat(), token, world.queue_sid("Sales"), "Sales", attributes, **overrides
    )


def wait_for(predicate, timeout: float, interval: float = 0.05) -> bool:
    return wait_until(predicate, timeout, interval)


def _descendants(pid: int) -> list[int]:
    """Every process below `pid`, read from /proc (children before the kill re-parents them)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found
