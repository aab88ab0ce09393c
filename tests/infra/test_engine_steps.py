"""The issue's 7 "Must show" scenarios on the real Pulumi engine (pulumi.automation, file backend) against the
sandbox. One sandbox and one stack serve the module (a deploy is the slow part); each test first puts the
stack in the state it starts from (`deployed`: up with the base config and pristine functions; `empty`:
nothing deployed), so every test runs alone and in any order. Each asserts what the sandbox's request log
saw, not only what Pulumi says."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from flex_chat_transfer.infra.client import make_client
from flex_chat_transfer.infra.component import WORKFLOW_VARIABLE, WORKSPACE_VARIABLE, attribute_variables
from flex_chat_transfer.infra.rest import FLEX, SERVERLESS, TASKROUTER, Rest
from flex_chat_transfer.workflow.render import QUEUE_FILTER_PREFIX
from flex_chat_transfer.workflow.spec import AttributeNames
from harness.automation import StackRunner, write_scratch_project

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
SERVICES = f"{SERVERLESS}/Services"


def _sandbox_process(workdir: Path):
    from flex_chat_transfer.sandbox.testing import SandboxProcess

    return SandboxProcess(workdir, seed="flex-demo", build_seconds=0.2)


class World:
    """The sandbox, the stack and helpers shared by the tests. `deployed` is whether the stack holds
    resources; `at_base` whether they are what the base config and pristine functions deploy (a test that
    changes either clears it first)."""

    def __init__(self, tmp: Path, sandbox) -> None:
        self.sandbox = sandbox
        self.functions_dir = tmp / "functions"
        self.restore_functions()
        self.deployed = self.at_base = False
        self.runner = StackRunner(
            write_scratch_project(tmp / "project"),
            "e2e",
            tmp / "state",
            env={"TWILIO_SANDBOX_URL": sandbox.url, "CHAT_TRANSFER_FUNCTIONS_DIR": str(self.functions_dir)},
        )
        self.seed = sandbox.seed_info()
        self.rest = Rest(make_client(sandbox.account_sid, sandbox.auth_token, sandbox_url=sandbox.url))
        # Credentials as stack config secrets (not env): the exported state must never show the token.
        self.config = {
            "twilio:accountSid": sandbox.account_sid,
            "twilio:authToken": sandbox.auth_token,
            "chat-transfer:transferQueues": [self.queue_names()[0]],
            "chat-transfer:functions": {"buildTimeout": 60},
        }
        self.runner.set_config(self.config, secret=("twilio:authToken",))

    def restore_functions(self) -> None:
        """The functions as the repository has them (undoes a test's edits)."""
        shutil.copytree(
            REPO / "functions",
            self.functions_dir,
            ignore=shutil.ignore_patterns("node_modules", "test"),
            dirs_exist_ok=True,
        )

    def up(self):
        """`pulumi up`, recording that the stack now holds resources."""
        result = self.runner.up()
        self.deployed = True
        return result

    def destroy(self) -> None:
        self.deployed = self.at_base = False
        self.runner.destroy()

    def ensure_base(self) -> None:
        """Deploy the base config and pristine functions unless the stack already holds exactly that."""
        if self.at_base:
            return
        self.runner.set_config({"chat-transfer:transferQueues": [self.queue_names()[0]]})
        self.restore_functions()
        self.up()
        self.at_base = True

    def leaving_base(self) -> None:
        """Called before a test changes the config, the functions or the account."""
        self.at_base = False

    def queue_names(self) -> list[str]:
        queues = self.seed["queues"]
        names = sorted(queues) if isinstance(queues, dict) else sorted(q["name"] for q in queues)
        return [n for n in names if n != "Everyone"]

    def last_request_id(self) -> int:
        return self.sandbox.last_request_id()

    def writes_since(self, mark: int) -> list[str]:
        return self.sandbox.writes_since(mark)

    def ops(self, result_events: list) -> dict[str, str]:
        """URN name → op, from the engine's resource pre-events."""
        ops = {}
        for event in result_events:
            pre = getattr(event, "resource_pre_event", None)
            if pre is not None:
                ops[pre.metadata.urn.rsplit("::", 1)[-1]] = pre.metadata.op.value
        return ops

    def variables(self, outputs: dict) -> dict[str, str]:
        environment = f"{SERVICES}/{outputs['serviceSid']}/Environments/{outputs['environmentSid']}"
        url = f"{environment}/Variables"
        return {v["key"]: v["value"] for v in self.rest.list_all(url, "variables")}

    def workflow(self, sid: str) -> dict:
        return self.rest.get(f"{TASKROUTER}/Workspaces/{self.workspace_sid}/Workflows/{sid}")

    @property
    def workspace_sid(self) -> str:
        workspace = self.seed["workspace"]
        return workspace if isinstance(workspace, str) else workspace["sid"]

    def environment(self, outputs: dict) -> dict:
        return self.rest.get(
            f"{SERVERLESS}/Services/{outputs['serviceSid']}/Environments/{outputs['environmentSid']}"
        )


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("infra-e2e")
    with _sandbox_process(tmp / "sandbox") as sandbox:
        world = World(tmp, sandbox)
        try:
            yield world
        finally:
            if world.deployed:
                try:
                    world.runner.destroy()
                except Exception:  # noqa: BLE001 - best effort clean-up of a failed run's stack
                    pass


@pytest.fixture
def deployed(world):
    """The stack deployed with the base config (one transfer queue) and the repository's functions."""
    world.ensure_base()
    return world


@pytest.fixture
def empty(world):
    """An account the stack holds nothing in (destroyed if an earlier test deployed it)."""
    if world.deployed:
        world.destroy()
    world.runner.set_config({"chat-transfer:transferQueues": [world.queue_names()[0]]})
    world.restore_functions()
    return world


def test_1_up_on_empty_account_creates_everything(empty):
    world = empty
    mark = world.last_request_id()
    result = world.up()
    assert result.summary.result == "succeeded"
    # The runner's up answers from the engine's summary event: the same counts the backend's history has.
    assert result.summary.resource_changes == world.runner.stack.info().resource_changes
    assert result.summary.resource_changes["create"] >= 15
    outputs = world.runner.outputs()
    assert {key: value.value for key, value in result.outputs.items()} == outputs  # read on first use
    workflow_sid = outputs["workflowSid"]
    assert re.fullmatch(r"WW[0-9a-f]{32}", workflow_sid)
    assert world.variables(outputs) == {
        WORKSPACE_VARIABLE: world.workspace_sid,
        WORKFLOW_VARIABLE: workflow_sid,
        **attribute_variables(AttributeNames()),  # the task attribute names, defaults included
    }
    assert world.environment(outputs)["build_sid"]
    assert set(outputs["functionUrls"]) >= {"/features/conversation-transfer/flex/invite-participant"}
    flags = world.rest.get(f"{FLEX}/Configuration")["ui_attributes"]["custom_data"]["features"]
    assert flags["conversation_transfer"] == {
        "enabled": True,
        "cold_transfer": True,
        "multi_participant": True,
    }
    writes = world.writes_since(mark)
    assert sum("/serverless-upload/" in w for w in writes) == len(
        list((world.functions_dir / "functions").rglob("*.js"))
    )
    # Credentials never in clear in the state a backend stores.
    state = world.runner.exported_state()
    # Booleans first: a failing `assert token not in text` would print the token.
    in_state = world.sandbox.auth_token in state
    in_output = world.sandbox.auth_token in result.stdout + result.stderr
    assert not in_state, "the auth token is in the exported state in clear"
    assert not in_output, "the auth token is in the engine's output in clear"
    for match in re.finditer(r'"twilio:authToken": (\{[^}]*\}|"[^"]*")', state):
        assert "ciphertext" in match.group(1)  # stored only encrypted
    # A real provider: typed resources, no dynamic ones and no pickled provider in state.
    assert "pulumi-python:dynamic:Resource" not in state
    assert "__provider" not in state
    types = {r["type"] for r in json.loads(state)["deployment"]["resources"]}
    assert {
        "twiliox:taskrouter:Workflow",
        "twiliox:serverless:Service",
        "twiliox:serverless:Environment",
        "twiliox:serverless:Function",
        "twiliox:serverless:Build",
        "twiliox:serverless:Deployment",
        "twiliox:serverless:Variable",
        "twiliox:flex:ConfigurationKeys",
        "pulumi:providers:twiliox",
    } <= types
    # Build progress: one line, on the build resource (not the stack), with the elapsed time.
    diagnostics = result.stdout.split("Diagnostics:", 1)[1].split("Outputs:", 1)[0]
    progress = re.findall(
        r"twiliox:serverless:Build \(chat-transfer-build\):\n"
        r"\s+build ZB[0-9a-f]{32} completed after \d+\.\ds",
        diagnostics,
    )
    assert len(progress) == 1 and diagnostics.count("completed after") == 1, diagnostics
    world.at_base = True


def test_2_second_up_is_a_true_no_op(deployed):
    world = deployed
    preview = world.runner.preview()
    assert set(preview.change_summary) - {"read"} == {"same"}
    mark = world.last_request_id()
    result = world.runner.up()
    assert set(result.summary.resource_changes) - {"read"} == {"same"}
    assert world.writes_since(mark) == []


def test_3_adding_a_transfer_queue_updates_only_the_workflow(deployed):
    world = deployed
    world.leaving_base()
    first, second = world.queue_names()[:2]
    world.runner.set_config({"chat-transfer:transferQueues": [first, second]})
    events: list = []
    preview = world.runner.preview(diff=True, on_event=events.append)
    # `default` is the engine's pulumi-python provider: it carries the stack config, so it "updates" with it
    # (no Twilio call). Every Twilio resource but the Workflow stays the same.
    # (`read` is the stack reading its own last outputs: the account it is pinned to.)
    ops = world.ops(events).items()
    changed = {name: op for name, op in ops if op not in ("same", "read") and name != "default"}
    assert changed == {"chat-transfer-workflow": "update"}
    # The diff is structural: the added filter shows with its name, not as a changed JSON string.
    assert re.search(rf'\+ .*filter_friendly_name\s*: "{QUEUE_FILTER_PREFIX}{second}"', preview.stdout), (
        preview.stdout
    )
    mark = world.last_request_id()
    world.up()
    writes = world.writes_since(mark)
    assert len(writes) == 1 and re.match(r"POST /taskrouter/v1/Workspaces/WS\w+/Workflows/WW\w+$", writes[0])


def test_3b_an_unknown_queue_fails_preview_naming_it_before_any_write(deployed):
    world = deployed
    world.leaving_base()
    first, second = world.queue_names()[:2]
    world.runner.set_config({"chat-transfer:transferQueues": [first, second, "Nowhere"]})
    mark = world.last_request_id()
    try:
        with pytest.raises(Exception) as failure:
            world.runner.preview()
        assert "queue 'Nowhere': not found in workspace" in str(failure.value)
        assert world.writes_since(mark) == []
    finally:
        world.runner.set_config({"chat-transfer:transferQueues": [first, second]})


def test_3c_native_messaging_transfers_on_refuses_in_preview(deployed):
    world = deployed
    flex = world.rest.get(f"{FLEX}/Configuration")
    account, ui = flex["account_sid"], flex["ui_attributes"]
    native = {**ui, "featureFlags": {"transfersConfig": {"enabled": True}}}
    world.rest.call(
        "POST",
        f"{FLEX}/Configuration",
        json_body=True,
        data={"account_sid": account, "ui_attributes": native},
    )
    mark = world.last_request_id()
    try:
        with pytest.raises(Exception) as failure:
            world.runner.preview()
        assert (
            "native messaging transfers are on (ui_attributes.featureFlags.transfersConfig.enabled)"
            in str(failure.value)
        )
        assert world.writes_since(mark) == []
    finally:
        world.rest.call(
            "POST",
            f"{FLEX}/Configuration",
            json_body=True,
            data={"account_sid": account, "ui_attributes": ui},
        )


def test_4_one_changed_function_file_is_one_upload_one_build_one_deployment(deployed):
    world = deployed
    world.leaving_base()
    target = world.functions_dir / "functions" / "common" / "flex" / "conversations" / "update-attributes.js"
    target.write_text(target.read_text() + "\n// changed by the e2e test\n")
    mark = world.last_request_id()
    world.up()
    writes = world.writes_since(mark)
    assert sum("/serverless-upload/" in w for w in writes) == 1
    assert sum(bool(re.search(r"POST /serverless/v1/Services/ZS\w+/Builds$", w)) for w in writes) == 1
    assert sum(bool(re.search(r"/Deployments$", w)) for w in writes) == 1
    assert len(writes) == 3, writes


def test_5_console_edit_is_seen_by_refresh_and_restored_by_up(deployed):
    world = deployed
    world.leaving_base()
    sid = world.runner.outputs()["workflowSid"]
    wanted = json.loads(world.workflow(sid)["configuration"])
    edited = json.loads(json.dumps(wanted))
    edited["task_routing"]["filters"] = edited["task_routing"]["filters"][:1]
    world.rest.post(
        f"{TASKROUTER}/Workspaces/{world.workspace_sid}/Workflows/{sid}",
        {"Configuration": json.dumps(edited)},
    )
    refresh = world.runner.refresh()
    # Only the workflow was edited. (The stack's read of its own last outputs, the account pin's
    # StackReference, also shows as updated on the first refresh after a stack's first up: not a Twilio
    # object.)
    updated = re.findall(r"~  (twiliox:\S+ \S+) updated", refresh.stdout)
    assert updated == ["twiliox:taskrouter:Workflow chat-transfer-workflow"], refresh.stdout
    world.runner.up()
    assert json.loads(world.workflow(sid)["configuration"]) == wanted


def test_6_unparsable_function_fails_up_naming_the_file_and_the_old_build_keeps_serving(deployed):
    world = deployed
    world.leaving_base()
    outputs = world.runner.outputs()
    serving = world.environment(outputs)["build_sid"]
    target = (
        world.functions_dir
        / "functions"
        / "features"
        / "conversation-transfer"
        / "flex"
        / "remove-participant.js"
    )
    original = target.read_text()
    target.write_text(original + "\nfunction broken( {\n")
    mark = world.last_request_id()
    try:
        with pytest.raises(Exception) as failure:
            world.runner.up()
        message = str(failure.value)
        assert "functions/functions/features/conversation-transfer/flex/remove-participant.js" in message
        assert "does not parse" in message and "SyntaxError" in message
        assert world.writes_since(mark) == []
        assert world.environment(outputs)["build_sid"] == serving
    finally:
        target.write_text(original)


def test_7_destroy_removes_what_we_created_and_nothing_else(deployed):
    world = deployed
    outputs = world.runner.outputs()
    before_queues = world.rest.list_all(
        f"{TASKROUTER}/Workspaces/{world.workspace_sid}/TaskQueues", "task_queues"
    )
    before_workers = world.rest.list_all(f"{TASKROUTER}/Workspaces/{world.workspace_sid}/Workers", "workers")
    ui_before = world.rest.get(f"{FLEX}/Configuration")["ui_attributes"]
    world.destroy()
    assert world.rest.find(f"{SERVICES}/{outputs['serviceSid']}") is None
    assert (
        world.rest.find(f"{TASKROUTER}/Workspaces/{world.workspace_sid}/Workflows/{outputs['workflowSid']}")
        is None
    )
    after_queues = world.rest.list_all(
        f"{TASKROUTER}/Workspaces/{world.workspace_sid}/TaskQueues", "task_queues"
    )
    after_workers = world.rest.list_all(f"{TASKROUTER}/Workspaces/{world.workspace_sid}/Workers", "workers")
    assert {q["sid"] for q in after_queues} == {q["sid"] for q in before_queues}
    assert {w["sid"] for w in after_workers} == {w["sid"] for w in before_workers}
    ui_after = world.rest.get(f"{FLEX}/Configuration")["ui_attributes"]
    expected = json.loads(json.dumps(ui_before))
    feature = expected["custom_data"]["features"]["conversation_transfer"]
    for key in ("enabled", "cold_transfer", "multi_participant"):
        feature.pop(key)
    if not feature:
        expected["custom_data"]["features"].pop("conversation_transfer")
    # So does the functions' domain for the plugin (the seed had none), and the records of the keys it set.
    expected["custom_data"].pop("serverless_functions_domain")
    owners = expected["custom_data"].pop("chat_transfer_owners")
    assert {o for v in owners.values() for o in v} == {"chat-transfer/e2e"}
    # And its claims on what it managed (infra/claims.py).
    found = expected["custom_data"].pop("chat_transfer_found")
    assert {o for v in found.values() for o in v} == {"chat-transfer/e2e"} and set(found) == set(owners)
    claims = expected["custom_data"].pop("chat_transfer_claims")
    assert set(claims.values()) == {"chat-transfer/e2e"} and outputs["workflowSid"] in claims
    assert ui_after == expected
