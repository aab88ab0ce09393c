"""A routing change strands no customer, and a key removed from config resets the live object, on the real
engine against the sandbox:
- an `up` that removes a declared queue re-evaluates the workflow's waiting tasks (the Workflow update sends
  `ReEvaluateTasks=true`): a transfer task pending in the removed queue ends in the new target;
- deleting a declared queue that still holds waiting tasks (here: another workflow's) is refused with one
  line naming the count, and goes through once they are gone;
- `taskReservationTimeout` removed from config puts Twilio's 120 back (preview shows `100 => 120`); a
  declared queue's `maxReservedWorkers` / `taskOrder` removed put 1 / FIFO back.

The steps share one sandbox and one stack and run in file order (each builds on the one before)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flex_chat_transfer.infra.client import make_client
from flex_chat_transfer.infra.rest import TASKROUTER, Rest
from flex_chat_transfer.infra.twiliox.base import Context
from flex_chat_transfer.infra.twiliox.taskqueue import TaskQueue
from flex_chat_transfer.infra.twiliox.workflow import Workflow
from harness.automation import StackRunner, write_scratch_project

pytestmark = pytest.mark.e2e

VIP = {"name": "VIP", "targetWorkers": "routing.skills HAS 'sales'"}
GOLD = {
    "name": "Gold",
    "targetWorkers": "routing.skills HAS 'sales'",
    "maxReservedWorkers": 2,
    "taskOrder": "LIFO",
}
CLOSED = {"name": "Closed", "targetWorkers": "1==2"}


class Account:
    def __init__(self, tmp: Path, sandbox) -> None:
        self.sandbox = sandbox
        self.rest = Rest(make_client(sandbox.account_sid, sandbox.auth_token, sandbox_url=sandbox.url))
        self.seed = sandbox.seed_info()
        self.ws = self.seed["workspace"]["sid"]
        self.stack = StackRunner(
            write_scratch_project(tmp / "project"),
            "rc",
            tmp / "state",
            env={"TWILIO_SANDBOX_URL": sandbox.url},
        )
        self.stack.set_config(
            {
                "twilio:accountSid": sandbox.account_sid,
                "twilio:authToken": sandbox.auth_token,
                "chat-transfer:functions": {"buildTimeout": 60},
                "chat-transfer:defaultQueue": "Everyone",
            },
            secret=("twilio:authToken",),
        )

    def url(self, path: str) -> str:
        return f"{TASKROUTER}/Workspaces/{self.ws}/{path}"

    def queue(self, name: str) -> dict | None:
        found = [
            q for q in self.rest.list_all(self.url("TaskQueues"), "task_queues") if q["friendly_name"] == name
        ]
        return found[0] if found else None

    def task(self, sid: str) -> dict:
        return self.rest.get(self.url(f"Tasks/{sid}"))

    def workflow(self) -> dict:
        return self.rest.get(self.url(f"Workflows/{self.stack.outputs()['workflowSid']}"))


@pytest.fixture(scope="module")
def account(tmp_path_factory):
    from flex_chat_transfer.sandbox.testing import SandboxProcess

    tmp = tmp_path_factory.mktemp("routing-changes")
    with SandboxProcess(tmp / "sandbox", seed="flex-demo", build_seconds=0.2) as sandbox:
        yield Account(tmp, sandbox)


def test_up_with_declared_queues_and_a_reservation_timeout(account):
    account.stack.set_config(
        {
            "chat-transfer:transferQueues": ["Sales", VIP, GOLD, CLOSED],
            "chat-transfer:taskReservationTimeout": 100,
        }
    )
    account.stack.up()
    assert account.workflow()["task_reservation_timeout"] == 100
    gold = account.queue("Gold")
    assert (gold["max_reserved_workers"], gold["task_order"]) == (2, "LIFO")
    # A customer waiting in VIP: every sales agent is already in the chat, so nobody can take it yet.
    everyone = list(account.seed["workers"].values())
    account.waiting = account.rest.post(
        account.url("Tasks"),
        {
            "WorkflowSid": account.stack.outputs()["workflowSid"],
            "TaskChannel": "chat",
            "Attributes": json.dumps(
                {
                    "transferTargetType": "queue",
                    "transferQueueName": "VIP",
                    "workerSidsInConversation": everyone,
                }
            ),
        },
    )["sid"]
    waiting = account.task(account.waiting)
    assert (waiting["task_queue_friendly_name"], waiting["assignment_status"]) == ("VIP", "pending")
    # Another workflow (not the stack's) parks a task in Closed, which the next config removes.
    other = account.rest.post(
        account.url("Workflows"),
        {
            "FriendlyName": "Someone else's routing",
            "Configuration": json.dumps(
                {
                    "task_routing": {
                        "filters": [
                            {"expression": "1==1", "targets": [{"queue": account.queue("Closed")["sid"]}]}
                        ]
                    }
                }
            ),
        },
    )
    account.parked = account.rest.post(
        account.url("Tasks"), {"WorkflowSid": other["sid"], "Attributes": "{}"}
    )["sid"]
    assert account.task(account.parked)["task_queue_friendly_name"] == "Closed"


def test_removing_keys_and_queues_previews_the_reset_and_refuses_to_strand_the_parked_task(account):
    stack = account.stack
    stack.remove_config("chat-transfer:taskReservationTimeout")
    stack.set_config(
        {"chat-transfer:transferQueues": ["Sales", {k: GOLD[k] for k in ("name", "targetWorkers")}]}
    )
    preview = stack.preview(diff=True)
    assert "task_reservation_timeout: 100 => 120" in preview.stdout, preview.stdout
    assert '"LIFO" => "FIFO"' in preview.stdout, preview.stdout
    with pytest.raises(Exception) as refused:
        stack.up()
    text = str(refused.value)
    assert "task queue 'Closed'" in text and "still holds 1 waiting task" in text, text
    assert "Traceback" not in text
    # The workflow update ran first and re-evaluated its waiting task: it left VIP for the default target.
    moved = account.task(account.waiting)
    assert moved["task_queue_friendly_name"] == "Everyone", moved
    assert moved["assignment_status"] in ("pending", "reserved")
    assert account.queue("VIP") is None
    assert account.workflow()["task_reservation_timeout"] == 120
    gold = account.queue("Gold")
    assert (gold["max_reserved_workers"], gold["task_order"]) == (1, "FIFO")
    # The parked task is still waiting where it was: nothing was deleted under it.
    assert account.task(account.parked)["task_queue_friendly_name"] == "Closed"
    assert account.queue("Closed") is not None


def test_once_the_parked_task_is_answered_the_queue_goes(account):
    account.rest.post(
        account.url(f"Tasks/{account.parked}"),
        {"AssignmentStatus": "canceled", "Reason": "answered elsewhere"},
    )
    account.stack.up()
    assert account.queue("Closed") is None
    account.stack.destroy()


def test_check_puts_twilios_defaults_back_for_removed_optional_inputs():
    """Each kind, at the provider's Check: an optional input the stack had set and config no longer sets
    comes back as Twilio's default, so the diff shows it and Update sends it."""
    ctx = Context(rest=lambda: None, log=lambda line: None, urn="urn:pulumi:s::p::t::n")
    queue_olds = {
        "workspace_sid": "WS" + "a" * 32,
        "friendly_name": "Gold",
        "target_workers": "skills HAS 'x'",
        "max_reserved_workers": 2,
        "task_order": "LIFO",
    }
    queue_news = TaskQueue().check(
        ctx, queue_olds, {"workspace_sid": "WS" + "a" * 32, "friendly_name": "Gold"}
    )
    assert {k: queue_news[k] for k in ("target_workers", "max_reserved_workers", "task_order")} == {
        "target_workers": "1==1",
        "max_reserved_workers": 1,
        "task_order": "FIFO",
    }
    configuration = {"task_routing": {"filters": []}}
    flow_olds = {
        "workspace_sid": "WS" + "a" * 32,
        "friendly_name": "Chat Transfer",
        "configuration": configuration,
        "task_reservation_timeout": 100,
    }
    flow_news = {k: v for k, v in flow_olds.items() if k != "task_reservation_timeout"}
    assert Workflow().check(ctx, flow_olds, flow_news)["task_reservation_timeout"] == 120
    # Never set: nothing to reset, and no diff for a stack that never had the key.
    assert "task_reservation_timeout" not in Workflow().check(ctx, flow_news, flow_news)
