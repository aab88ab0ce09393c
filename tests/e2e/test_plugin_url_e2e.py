"""Issue 17: the Flex plugin finds its functions after one `pulumi up`. The functions' URL is derived the
way the plugin's API helper derives it, from Flex `ui_attributes.custom_data` (never from the Serverless API
or the stack outputs): `https://<serverless_functions_domain>/features/conversation-transfer/flex/…`, mapped
to the sandbox by the standard rewrite (`https://<domain>/<path>` → `$TWILIO_SANDBOX_URL/_runtime/<domain>/
<path>`). And a value in that key set by someone else: preview says so in one line and the key is left as
it is; taken over, it is set, and destroy puts it back."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml

from flex_chat_transfer.infra.client import make_client
from flex_chat_transfer.infra.rest import FLEX, SERVERLESS, Rest
from flex_chat_transfer.sandbox.testing import SandboxProcess
from harness.automation import StackRunner, write_scratch_project
from tests.infra.engine_world import _cli
from tests.plugin_forms import invite_form

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
INVITE = "/features/conversation-transfer/flex/invite-participant"
DOMAIN_KEY = "serverless_functions_domain"
DOMAIN_PATH = f"ui_attributes.custom_data.{DOMAIN_KEY}"
QUEUE = "Sales"
SOMEONE_ELSES = "someone-else-4321-prod.twil.io"


def local_stack_config(sandbox: SandboxProcess) -> dict[str, Any]:
    """Pulumi.local.yaml's `chat-transfer:` keys (what `make local-up` deploys), the sandbox's credentials."""
    config = yaml.safe_load((REPO / "Pulumi.local.yaml").read_text())["config"]
    chosen = {key: value for key, value in config.items() if key.startswith("chat-transfer:")}
    return {
        **chosen,
        "twilio:accountSid": sandbox.account_sid,
        "twilio:authToken": sandbox.auth_token,
    }


def local_runner(tmp: Path, sandbox: SandboxProcess, config: dict[str, Any]) -> StackRunner:
    runner = StackRunner(
        write_scratch_project(tmp / "project"),
        "local",
        tmp / "state",
        env={"TWILIO_SANDBOX_URL": sandbox.url},
    )
    runner.set_config(config, secret=("twilio:authToken",))
    return runner


def rest_of(sandbox: SandboxProcess) -> Rest:
    return Rest(make_client(sandbox.account_sid, sandbox.auth_token, sandbox_url=sandbox.url))


def custom_data(sandbox: SandboxProcess) -> dict[str, Any]:
    return rest_of(sandbox).get(f"{FLEX}/Configuration")["ui_attributes"].get("custom_data") or {}


def plugin_url(data: dict[str, Any], path: str) -> str:
    """The plugin's API helper: protocol (default https), domain, optional port, then the path."""
    protocol = data.get("serverless_functions_protocol") or "https"
    domain = data.get(DOMAIN_KEY) or ""
    if data.get("serverless_functions_port"):
        domain += f":{data['serverless_functions_port']}"
    return f"{protocol}://{domain}{path}"


def to_sandbox(url: str, sandbox_url: str) -> str:
    """The standard rewrite: https://<domain>/<path> → <sandbox>/_runtime/<domain>/<path>."""
    parts = urlsplit(url)
    assert parts.scheme == "https" and parts.hostname, url
    return f"{sandbox_url}/_runtime/{parts.netloc}{parts.path}"


def test_after_up_the_plugins_own_invite_request_reaches_the_functions_and_routes_to_another_agent(tmp_path):
    with SandboxProcess(tmp_path / "sandbox", seed="flex-demo", build_seconds=0.2) as sandbox:
        runner = local_runner(tmp_path, sandbox, local_stack_config(sandbox))
        assert runner.up().summary.result == "succeeded"
        data = custom_data(sandbox)

        # The key equals the live environment's domain (the Serverless API read only to compare).
        rest = rest_of(sandbox)
        [service] = [
            s
            for s in rest.list_all(f"{SERVERLESS}/Services", "services")
            if s["unique_name"] == "chat-transfer"
        ]
        environments = rest.list_all(f"{SERVERLESS}/Services/{service['sid']}/Environments", "environments")
        [environment] = [e for e in environments if e["unique_name"] == "local"]
        assert data[DOMAIN_KEY] == environment["domain_name"]
        # Protocol and port are left to the plugin's defaults (https, none): nothing else in custom_data.
        assert "serverless_functions_protocol" not in data and "serverless_functions_port" not in data
        assert data["chat_transfer_owners"][DOMAIN_PATH] == ["chat-transfer/local"]

        # The seed plugin's invite, built from Flex configuration only, for the agent of the seeded chat.
        seed = sandbox.seed_info()
        chat, queue_sid = seed["chat"], seed["queues"][QUEUE]
        client = make_client(sandbox.account_sid, sandbox.auth_token, sandbox_url=sandbox.url)
        workspace = client.taskrouter.v1.workspaces(seed["workspace"]["sid"])
        attributes = workspace.tasks(chat["task"]).fetch().attributes
        form = invite_form(chat, sandbox.flex_token(chat["worker"]), queue_sid, QUEUE, attributes)
        response = httpx.post(to_sandbox(plugin_url(data, INVITE), sandbox.url), data=form, timeout=60)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["success"] is True, body

        task = workspace.tasks(body["invitesTaskSid"]).fetch()
        assert task.task_queue_sid == queue_sid
        [reservation] = workspace.tasks(task.sid).reservations.list()
        assert reservation.worker_sid != chat["worker"]
        assert reservation.worker_sid in {w.sid for w in workspace.workers.list(task_queue_sid=queue_sid)}


def test_a_domain_someone_else_set_is_left_as_it_is_then_taken_over_and_put_back_on_destroy(tmp_path):
    with SandboxProcess(tmp_path / "sandbox", seed="flex-demo", build_seconds=0.2) as sandbox:
        rest = rest_of(sandbox)
        configuration = rest.get(f"{FLEX}/Configuration")
        ui = configuration["ui_attributes"]
        ui["custom_data"][DOMAIN_KEY] = SOMEONE_ELSES  # another deployment's functions, set by hand
        rest.call(
            "POST",
            f"{FLEX}/Configuration",
            json_body=True,
            data={"account_sid": configuration["account_sid"], "ui_attributes": ui},
        )
        before = rest.get(f"{FLEX}/Configuration")["ui_attributes"]
        config = local_stack_config(sandbox)
        runner = local_runner(tmp_path, sandbox, config)

        done = _cli(runner, "preview")
        output = done.stdout + done.stderr
        assert done.returncode == 0 and "Traceback" not in output, output
        held = f"{DOMAIN_PATH} (holds '{SOMEONE_ELSES}', set by no stack)"
        expected = f"{held} is not this stack's; left as it is"
        lines = {
            line[line.index("flex configuration: ") :] for line in output.splitlines() if expected in line
        }
        assert len(lines) == 1, output
        assert "(fix: set chat-transfer:flexTakeOver to true" in next(iter(lines))
        # The rest of the stack deploys; that key, and every other Flex key but our feature flags, stay.
        runner.up()
        after = rest.get(f"{FLEX}/Configuration")["ui_attributes"]
        assert after["custom_data"][DOMAIN_KEY] == SOMEONE_ELSES
        assert runner.outputs()["domainName"] != SOMEONE_ELSES
        runner.destroy()
        assert rest.get(f"{FLEX}/Configuration")["ui_attributes"] == before

        runner.set_config({"chat-transfer:flexTakeOver": "true"})
        runner.up()
        domain = runner.outputs()["domainName"]
        assert custom_data(sandbox)[DOMAIN_KEY] == domain != SOMEONE_ELSES

        runner.destroy()
        assert rest.get(f"{FLEX}/Configuration")["ui_attributes"] == before
