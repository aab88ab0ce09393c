"""Transfer queues as code on the real engine against the sandbox: a `transferQueues[i]` with `targetWorkers`
is a `twiliox:taskrouter:TaskQueue` the stack creates, updates in place, renames (`renamedFrom`) in step
with its workflow filter and removes on destroy; adding one touches no other queue; a queue given by name
only is looked up and never touched; a declared name that is already taken is refused in preview with the
import command and 0 writes.

The tests share one sandbox process; each starts from a freshly seeded account and a Pulumi state of its own,
and deploys what it needs (the `deployed` fixture), so each runs alone and in any order."""

from __future__ import annotations

import json
import re

import pytest

from flex_chat_transfer.infra.rest import TASKROUTER
from flex_chat_transfer.infra.twiliox.base import Context
from flex_chat_transfer.infra.twiliox.taskqueue import TaskQueue
from harness.automation import StackRunner
from tests.infra.engine_world import Account, _cli, fresh_account

pytestmark = pytest.mark.e2e

VIP = {
    "name": "VIP",
    "targetWorkers": "routing.skills HAS 'sales'",
    "maxReservedWorkers": 2,
    "taskOrder": "LIFO",
}


class QueueAccount(Account):
    """An engine world's account with the queue and workflow reads these tests compare."""

    def __init__(self, account: Account) -> None:
        super().__init__(account.tmp, account.sandbox)
        self.seed = self.sandbox.seed_info()
        self.seeded = self.queues()

    def stack(self, name: str, queues: list) -> StackRunner:
        return self.runner(name, {**self.config, "chat-transfer:transferQueues": queues})

    def queues(self) -> dict[str, dict]:
        """Every TaskQueue of the workspace by SID (name, target, reserved workers, order)."""
        url = f"{TASKROUTER}/Workspaces/{self.workspace_sid}/TaskQueues"
        fields = ("friendly_name", "target_workers", "max_reserved_workers", "task_order")
        return {q["sid"]: {k: q[k] for k in fields} for q in self.rest.list_all(url, "task_queues")}

    def queue_named(self, name: str) -> tuple[str, dict]:
        [(sid, queue)] = [(sid, q) for sid, q in self.queues().items() if q["friendly_name"] == name]
        return sid, queue

    def workflow(self, sid: str) -> dict:
        live = self.rest.get(f"{TASKROUTER}/Workspaces/{self.workspace_sid}/Workflows/{sid}")
        return json.loads(live["configuration"])


@pytest.fixture
def account(flex_demo_sandbox, tmp_path) -> QueueAccount:
    return QueueAccount(fresh_account(flex_demo_sandbox, tmp_path))


@pytest.fixture
def deployed(account) -> StackRunner:
    """Stack `qa` up with the looked-up queue Sales and the declared queue VIP."""
    stack = account.stack("qa", ["Sales", VIP])
    stack.up()
    return stack


def _filter(configuration: dict, name: str) -> dict:
    filters = configuration["task_routing"]["filters"]
    [found] = [f for f in filters if f["filter_friendly_name"] == f"Assign To Queue - {name}"]
    return found


def _resource(runner: StackRunner, token: str) -> list[dict]:
    state = json.loads(runner.exported_state())["deployment"]["resources"]
    return [r for r in state if r["type"] == token]


def test_a_declared_queue_is_created_and_the_workflow_targets_its_sid(account):
    stack = account.stack("qa", ["Sales", VIP])
    # Preview of a stack whose queue does not exist yet: the workflow's SID for it is unknown, not an error.
    preview = stack.preview()
    assert preview.change_summary.get("create", 0) >= 2
    assert account.queues() == account.seeded  # preview wrote nothing
    stack.up()
    sid, vip = account.queue_named("VIP")
    assert vip == {
        "friendly_name": "VIP",
        "target_workers": "routing.skills HAS 'sales'",
        "max_reserved_workers": 2,
        "task_order": "LIFO",
    }
    [queue] = _resource(stack, "twiliox:taskrouter:TaskQueue")
    assert queue["id"] == sid and queue["urn"].endswith("::chat-transfer-queue-VIP")
    configuration = account.workflow(stack.outputs()["workflowSid"])
    vip_filter = _filter(configuration, "VIP")
    assert vip_filter["expression"] == "transferQueueName == 'VIP'"
    assert vip_filter["targets"][0]["queue"] == sid
    # The look-up queue is targeted by its existing SID and left as it was.
    assert _filter(configuration, "Sales")["targets"][0]["queue"] == account.seed["queues"]["Sales"]
    assert {s: q for s, q in account.queues().items() if s != sid} == account.seeded


def test_a_target_workers_change_updates_the_queue_in_place_and_leaves_the_workflow(account, deployed):
    stack = deployed
    sid, _ = account.queue_named("VIP")
    workflow_sid = stack.outputs()["workflowSid"]
    before = account.workflow(workflow_sid)
    stack.set_config(
        {"chat-transfer:transferQueues": ["Sales", {**VIP, "targetWorkers": "routing.skills HAS 'support'"}]}
    )
    result = stack.up()
    changes = result.summary.resource_changes or {}
    assert changes.get("update") == 1, changes  # the queue only
    assert not changes.get("replace") and not changes.get("create") and not changes.get("delete")
    assert account.queues()[sid]["target_workers"] == "routing.skills HAS 'support'"
    assert stack.outputs()["workflowSid"] == workflow_sid
    assert account.workflow(workflow_sid) == before


def test_renaming_a_declared_queue_keeps_its_sid_and_moves_the_filter_in_the_same_up(account, deployed):
    stack = deployed
    sid, _ = account.queue_named("VIP")
    workflow_sid = stack.outputs()["workflowSid"]
    renamed = {**VIP, "name": "VIP Gold", "renamedFrom": "VIP"}
    stack.set_config({"chat-transfer:transferQueues": ["Sales", renamed]})
    result = stack.up()
    changes = result.summary.resource_changes or {}
    # The queue and the workflow, nothing replaced; and the provider, whose checkedFirst list names the
    # queue's new resource name (a provider update sends nothing to Twilio).
    assert changes.get("update") == 3, changes
    assert not changes.get("replace") and not changes.get("create") and not changes.get("delete")
    assert account.queues()[sid]["friendly_name"] == "VIP Gold"
    configuration = account.workflow(stack.outputs()["workflowSid"])
    assert stack.outputs()["workflowSid"] == workflow_sid
    moved = _filter(configuration, "VIP Gold")
    assert moved["filter_friendly_name"] == "Assign To Queue - VIP Gold"
    assert moved["expression"] == "transferQueueName == 'VIP Gold'"
    assert moved["targets"][0]["queue"] == sid
    [queue] = _resource(stack, "twiliox:taskrouter:TaskQueue")
    assert queue["id"] == sid and "::chat-transfer-queue-VIP-Gold-" in queue["urn"]


EXTRA = {"name": "Extra", "targetWorkers": "1==1"}


def test_adding_a_declared_queue_in_front_creates_only_it(account, deployed):
    stack = deployed
    sid, vip = account.queue_named("VIP")
    stack.set_config({"chat-transfer:transferQueues": ["Sales", EXTRA, VIP]})
    changes = stack.up().summary.resource_changes or {}
    # The queue; the workflow and the stack's claims record (infra/claims.py), which now names the queue
    # too; and the provider, whose checkedFirst list names the new queue (its update sends nothing to Twilio).
    assert (changes.get("create"), changes.get("update")) == (1, 3), changes
    assert not changes.get("replace") and not changes.get("delete")
    assert account.queue_named("VIP") == (sid, vip)
    extra_sid, _ = account.queue_named("Extra")
    filters = account.workflow(stack.outputs()["workflowSid"])["task_routing"]["filters"]
    assert [f["targets"][0]["queue"] for f in filters[2:]] == [extra_sid, sid]


def test_declaring_a_queue_that_exists_outside_the_stack_is_refused_with_the_import_command(account):
    other = account.stack("qb", [{"name": "Support", "targetWorkers": "1==1"}])
    before, mark = account.queues(), account.mark()
    for verb in (("preview",), ("up", "--yes")):
        done = _cli(other, *verb)
        text = done.stdout + done.stderr
        assert done.returncode != 0, text
        assert "Traceback" not in text
        support = account.seed["queues"]["Support"]
        assert f"task queue 'Support' ({support}, workspace {account.workspace_sid}) already exists" in text
        assert re.search(
            rf"pulumi import --stack qb twiliox:taskrouter:TaskQueue chat-transfer-queue-Support "
            rf"{account.workspace_sid}/{support} --provider twilio=urn:pulumi:qb::chat-transfer::"
            r"pulumi:providers:twiliox::twilio",
            text,
        ), text
    assert account.writes_since(mark) == []
    assert account.queues() == before


def test_a_declared_queue_imports_by_workspace_and_queue_sid(account, deployed):
    """`WS…/WQ…` reads the queue with Twilio's field names (what Read gives `pulumi import`)."""
    sid, _ = account.queue_named("VIP")
    ctx = Context(rest=lambda: account.rest, log=lambda line: None, urn="urn:pulumi:qa::p::t::n")
    found = TaskQueue().read(ctx, f"{account.workspace_sid}/{sid}", {})
    assert found is not None
    id, outputs, inputs = found
    assert id == sid
    assert inputs == {
        "workspace_sid": account.workspace_sid,
        "friendly_name": "VIP",
        "target_workers": "routing.skills HAS 'sales'",
        "max_reserved_workers": 2,
        "task_order": "LIFO",
    }


def test_destroy_removes_the_declared_queues_and_leaves_the_looked_up_ones(account, deployed):
    deployed.set_config({"chat-transfer:transferQueues": ["Sales", VIP, EXTRA]})
    deployed.up()
    sids = {account.queue_named("VIP")[0], account.queue_named("Extra")[0]}
    deployed.destroy()
    after = account.queues()
    assert not sids & set(after)
    assert after == account.seeded  # Everyone, Sales, Support exactly as seeded
