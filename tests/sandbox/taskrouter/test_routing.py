"""Routing through the HTTP API on the flex-demo seed: the Chat Transfer workflow picks the queue, the
reservation goes to the right worker, reject offers the next, and accepting an Invite's reservation puts the
worker into the conversation and the interaction channel."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def env(seeded, twilio):
    """A fresh seed per test, an OAS-checking SDK client, and the Chat Transfer workflow of DESIGN.md."""
    seed, client = seeded, twilio
    ws = client.taskrouter.v1.workspaces(seed["workspace"]["sid"])
    queues = seed["queues"]
    filters = [
        {
            "filter_friendly_name": "Assign to Worker",
            "expression": "transferTargetType == 'worker'",
            "targets": [{"queue": queues["Everyone"], "known_worker_sid": "task.transferTargetSid"}],
        }
    ]
    for name in ("Sales", "Support"):
        filters.append(
            {
                "filter_friendly_name": f"Assign To Queue - {name}",
                "expression": f"transferQueueName == '{name}'",
                "targets": [
                    {"queue": queues[name], "expression": "worker.sid NOT IN task.workerSidsInConversation"}
                ],
            }
        )
    workflow = ws.workflows.create(
        friendly_name="Chat Transfer", configuration=json.dumps({"task_routing": {"filters": filters}})
    )
    return seed, client, ws, workflow.sid


def _pending_worker(ws, task_sid: str) -> str | None:
    pending = ws.tasks(task_sid).reservations.list(reservation_status="pending")
    assert len(pending) <= 1
    return pending[0].worker_sid if pending else None


def _transfer(ws, workflow_sid: str, **attributes) -> str:
    task = ws.tasks.create(workflow_sid=workflow_sid, task_channel="chat", attributes=json.dumps(attributes))
    return task.sid


def test_queue_transfer_skips_agents_in_the_chat_and_reject_offers_the_next(env):
    seed, _client, ws, workflow = env
    workers = seed["workers"]
    task = _transfer(
        ws,
        workflow,
        transferTargetType="queue",
        transferQueueName="Sales",
        workerSidsInConversation=[workers["alice"]],
    )
    assert ws.tasks(task).fetch().task_queue_sid == seed["queues"]["Sales"]
    # Sales-skilled and available, in declared order, without alice: bob, dave, judy.
    offered = []
    for expected in ("bob", "dave", "judy"):
        worker_sid = _pending_worker(ws, task)
        assert worker_sid == workers[expected]
        offered.append(worker_sid)
        reservation = ws.tasks(task).reservations.list(reservation_status="pending")[0]
        ws.tasks(task).reservations(reservation.sid).update(reservation_status="rejected")
    assert _pending_worker(ws, task) is None
    assert ws.tasks(task).fetch().assignment_status == "pending"
    assert [r.reservation_status for r in ws.tasks(task).reservations.list()] == ["rejected"] * 3


def test_known_worker_transfer_reserves_exactly_that_worker(env):
    seed, _client, ws, workflow = env
    carol = seed["workers"]["carol"]
    task = _transfer(
        ws,
        workflow,
        transferTargetType="worker",
        transferTargetSid=carol,
        transferQueueName="",
        workerSidsInConversation=[seed["workers"]["alice"]],
    )
    assert _pending_worker(ws, task) == carol
    reservation = ws.tasks(task).reservations.list()[0]
    ws.tasks(task).reservations(reservation.sid).update(reservation_status="rejected")
    assert _pending_worker(ws, task) is None  # nobody else is that worker


def test_waiting_task_goes_to_a_worker_who_becomes_available(env):
    seed, _client, ws, workflow = env
    workers = seed["workers"]
    busy = [workers[name] for name in ("alice", "bob", "dave", "judy")]
    task = _transfer(
        ws, workflow, transferTargetType="queue", transferQueueName="Sales", workerSidsInConversation=busy
    )
    assert _pending_worker(ws, task) is None
    ws.workers(workers["heidi"]).update(activity_sid=seed["activities"]["Available"])
    assert _pending_worker(ws, task) == workers["heidi"]


def test_no_matching_filter_leaves_the_task_pending_outside_any_queue(env):
    _seed, _client, ws, workflow = env
    task = ws.tasks(_transfer(ws, workflow, transferTargetType="queue", transferQueueName="Nowhere")).fetch()
    assert task.assignment_status == "pending" and task.task_queue_sid is None


def test_invite_accept_adds_the_worker_to_conversation_and_channel(env):
    seed, client, ws, workflow = env
    chat = seed["chat"]
    channel = client.flex_api.v1.interaction(chat["interaction"]).channels(chat["channel"])
    invite = channel.invites.create(
        routing={
            "properties": {
                "workspace_sid": seed["workspace"]["sid"],
                "workflow_sid": workflow,
                "task_channel_unique_name": "chat",
                "attributes": {
                    "transferTargetType": "queue",
                    "transferQueueName": "Support",
                    "workerSidsInConversation": [chat["worker"]],
                },
            }
        }
    )
    task_sid = invite.routing["properties"]["sid"]
    assert invite.routing["properties"]["queue_name"] == "Support"
    carol = seed["workers"]["carol"]  # first available Support worker after alice
    assert _pending_worker(ws, task_sid) == carol
    reservation = ws.tasks(task_sid).reservations.list()[0]
    ws.workers(carol).reservations(reservation.sid).update(reservation_status="accepted")
    assert ws.tasks(task_sid).fetch().assignment_status == "assigned"
    members = client.conversations.v1.conversations(chat["conversation"]).participants.list()
    assert {m.identity for m in members} == {"alice", "carol", "customer-0001"}
    agents = [p for p in channel.participants.list() if p.type == "agent"]
    joined = [p for p in agents if p.routing_properties["worker_sid"] == carol]
    assert len(joined) == 1
    assert joined[0].routing_properties == {
        "task_sid": task_sid,
        "worker_sid": carol,
        "reservation_sid": reservation.sid,
    }
    # The transferring agent leaves (cold transfer): out of the conversation, her task wraps up.
    channel.participants(chat["agent_participant"]).update(status="closed")
    members = client.conversations.v1.conversations(chat["conversation"]).participants.list()
    assert {m.identity for m in members} == {"carol", "customer-0001"}
    assert ws.tasks(chat["task"]).fetch().assignment_status == "wrapping"


def test_reservation_timeout_moves_the_worker_offline_and_offers_the_next(env, sandbox):
    seed, _client, ws, _workflow = env
    workers = seed["workers"]
    quick = ws.workflows.create(
        friendly_name="Quick",
        task_reservation_timeout=120,
        configuration=json.dumps(
            {"task_routing": {"filters": [], "default_filter": {"queue": seed["queues"]["Sales"]}}}
        ),
    )
    task = _transfer(ws, quick.sid, transferTargetType="queue")
    assert _pending_worker(ws, task) == workers["alice"]
    sandbox.advance_clock(110)
    assert _pending_worker(ws, task) == workers["alice"]  # not yet
    sandbox.advance_clock(10)
    assert _pending_worker(ws, task) == workers["bob"]  # the next request applied the timeout
    statuses = {r.worker_sid: r.reservation_status for r in ws.tasks(task).reservations.list()}
    assert statuses == {workers["alice"]: "timeout", workers["bob"]: "pending"}
    alice = ws.workers(workers["alice"]).fetch()
    assert (alice.activity_name, alice.available) == ("Offline", False)


def test_target_timeout_hands_the_task_to_the_fallback_target(env, sandbox):
    seed, _client, ws, _workflow = env
    workers, queues = seed["workers"], seed["queues"]
    cascade = ws.workflows.create(
        friendly_name="Cascade",
        configuration=json.dumps(
            {
                "task_routing": {
                    "filters": [
                        {
                            "filter_friendly_name": "Sales then anyone",
                            "expression": "transferQueueName == 'Sales'",
                            "targets": [
                                {
                                    "queue": queues["Sales"],
                                    "expression": "worker.sid NOT IN task.workerSidsInConversation",
                                    "timeout": 60,
                                },
                                {"queue": queues["Everyone"]},
                            ],
                        }
                    ]
                }
            }
        ),
    )
    everyone_in_sales = [workers[n] for n in ("alice", "bob", "dave", "judy")]
    task = _transfer(ws, cascade.sid, transferQueueName="Sales", workerSidsInConversation=everyone_in_sales)
    assert ws.tasks(task).fetch().task_queue_sid == queues["Sales"]
    assert _pending_worker(ws, task) is None
    sandbox.advance_clock(60)
    moved = ws.tasks(task).fetch()
    assert moved.task_queue_sid == queues["Everyone"] and moved.assignment_status == "reserved"
    assert _pending_worker(ws, task) == workers["alice"]
