"""What time and earlier runs do to tasks: after the last target's timeout the task is canceled
(WorkflowTimeout), a task outlives no TTL, a known worker nobody can reach raises Twilio's debugger alert
(40152/40155), and state an earlier run left (a waiting transfer whose workflow is gone) never makes a
request fail, also after a restart on the same database. Time moves with the sandbox clock, never a sleep."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from flex_chat_transfer.sandbox.app import create_app
from flex_chat_transfer.sandbox.core.state import Settings
from flex_chat_transfer.sandbox.taskrouter.routing import TTL_EXCEEDED, WORKFLOW_TIMEOUT


def _workflow(ws, name: str, filters: list, default_queue: str | None = None, **options):
    routing: dict = {"filters": filters}
    if default_queue:
        routing["default_filter"] = {"queue": default_queue}
    return ws.workflows.create(
        friendly_name=name, configuration=json.dumps({"task_routing": routing}), **options
    )


def _sales_only_then_out(seeded, excluded: list[str]) -> list:
    return [
        {
            "filter_friendly_name": "Sales, one minute",
            "expression": "transferQueueName == 'Sales'",
            "targets": [
                {
                    "queue": seeded["queues"]["Sales"],
                    "expression": "worker.sid NOT IN task.workerSidsInConversation",
                    "timeout": 60,
                }
            ],
        }
    ]


def test_after_the_last_target_times_out_the_task_is_canceled(seeded, twilio, sandbox):
    ws = twilio.taskrouter.v1.workspaces(seeded["workspace"]["sid"])
    workers = seeded["workers"]
    workflow = _workflow(ws, "Sales or nothing", _sales_only_then_out(seeded, []))
    nobody = ws.tasks.create(
        workflow_sid=workflow.sid,
        attributes=json.dumps(
            {"transferQueueName": "Sales", "workerSidsInConversation": [workers[n] for n in workers]}
        ),
    )
    offered = ws.tasks.create(
        workflow_sid=workflow.sid,
        attributes=json.dumps({"transferQueueName": "Sales", "workerSidsInConversation": []}),
    )
    assert ws.tasks(offered.sid).fetch().assignment_status == "reserved"
    sandbox.advance_clock(55)
    assert ws.tasks(nobody.sid).fetch().assignment_status == "pending"
    sandbox.advance_clock(5)
    for sid in (nobody.sid, offered.sid):
        task = ws.tasks(sid).fetch()
        assert (task.assignment_status, task.reason) == ("canceled", WORKFLOW_TIMEOUT)
    assert [r.reservation_status for r in ws.tasks(offered.sid).reservations.list()] == ["canceled"]


def test_a_task_older_than_its_ttl_is_canceled(seeded, twilio, sandbox):
    ws = twilio.taskrouter.v1.workspaces(seeded["workspace"]["sid"])
    workflow = _workflow(
        ws, "Nowhere", [{"expression": "1==2", "targets": [{"queue": seeded["queues"]["Sales"]}]}]
    )
    task = ws.tasks.create(workflow_sid=workflow.sid, attributes="{}", timeout=300)
    sandbox.advance_clock(290)  # dates have whole seconds: stay clear of the edge
    assert ws.tasks(task.sid).fetch().assignment_status == "pending"
    sandbox.advance_clock(10)
    expired = ws.tasks(task.sid).fetch()
    assert (expired.assignment_status, expired.reason) == ("canceled", TTL_EXCEEDED)


def test_a_known_worker_outside_the_target_queue_is_debugger_error_40152(seeded, twilio, sandbox):
    ws = twilio.taskrouter.v1.workspaces(seeded["workspace"]["sid"])
    carol = seeded["workers"]["carol"]  # support only: not in Sales
    workflow = _workflow(
        ws,
        "Known worker in Sales",
        [
            {
                "filter_friendly_name": "Assign to Worker",
                "expression": "transferTargetType == 'worker'",
                "targets": [
                    {"queue": seeded["queues"]["Sales"], "known_worker_sid": "task.transferTargetSid"}
                ],
            }
        ],
    )
    outside = ws.tasks.create(
        workflow_sid=workflow.sid,
        attributes=json.dumps({"transferTargetType": "worker", "transferTargetSid": carol}),
    )
    stranger = ws.tasks.create(
        workflow_sid=workflow.sid,
        attributes=json.dumps({"transferTargetType": "worker", "transferTargetSid": "WK" + "0" * 32}),
    )
    for sid in (outside.sid, stranger.sid):  # the task waits in the step, as on Twilio; nobody is offered it
        assert ws.tasks(sid).fetch().assignment_status == "pending"
        assert ws.tasks(sid).reservations.list() == []
    ws.tasks(outside.sid).fetch()  # raised once per task and step, not on every request
    alerts = {a["resource_sid"]: a for a in sandbox.alerts()}
    assert set(alerts) == {outside.sid, stranger.sid}
    assert alerts[outside.sid]["error_code"] == "40152" and carol in alerts[outside.sid]["alert_text"]
    assert alerts[outside.sid]["more_info"] == "https://www.twilio.com/docs/api/errors/40152"
    assert alerts[stranger.sid]["error_code"] == "40155"


def _pending_transfer(sandbox) -> tuple[str, str, str]:
    """A Chat Transfer workflow and a queue transfer nobody can take yet: (workspace, workflow, task)."""
    seed = sandbox.seed_info()
    client = sandbox.client()
    ws = client.taskrouter.v1.workspaces(seed["workspace"]["sid"])
    workflow = _workflow(ws, "Chat Transfer", _sales_only_then_out(seed, []))
    everyone = list(seed["workers"].values())
    task = ws.tasks.create(
        workflow_sid=workflow.sid,
        attributes=json.dumps({"transferQueueName": "Sales", "workerSidsInConversation": everyone}),
    )
    assert task.assignment_status == "pending"
    return seed["workspace"]["sid"], workflow.sid, task.sid


def _every_taskrouter_read_answers(sandbox, ws: str) -> None:
    with sandbox.http() as http:
        for path in ("", "/Tasks", "/Workers", "/TaskQueues", "/Workflows", "/Activities"):
            answer = http.get(f"/taskrouter/v1/Workspaces/{ws}{path}")
            assert answer.status_code == 200, (path, answer.text)
        bob = sandbox.seed_info()["workers"]["bob"]
        offline = sandbox.seed_info()["activities"]["Offline"]
        changed = http.post(f"/taskrouter/v1/Workspaces/{ws}/Workers/{bob}", data={"ActivitySid": offline})
        assert changed.status_code == 200, changed.text


def test_a_pending_transfer_whose_workflow_is_deleted_never_wedges_the_sandbox(sandbox_factory):
    own = sandbox_factory(seed="flex-demo")
    ws, workflow, task = _pending_transfer(own)
    with own.http() as http:
        assert http.delete(f"/taskrouter/v1/Workspaces/{ws}/Workflows/{workflow}").status_code == 204
    own.restart()
    _every_taskrouter_read_answers(own, ws)
    with own.http() as http:
        canceled = http.get(f"/taskrouter/v1/Workspaces/{ws}/Tasks/{task}").json()
    assert canceled["assignment_status"] == "canceled"
    assert canceled["reason"] == f"Workflow {workflow} was deleted"


def test_a_database_from_an_earlier_sandbox_with_an_orphaned_transfer_starts_and_answers(
    tmp_path: Path, sandbox_factory
):
    # What sandboxes before the fix left behind: a waiting task whose workflow row is gone.
    db = tmp_path / "earlier" / "sandbox.db"
    app = create_app(Settings(db=db, seed="flex-demo"))
    state = app.state.sandbox
    taskrouter = state.backends["taskrouter"]
    seed = json.loads(state.store.get_meta("seed.info"))
    ws = seed["workspace"]["sid"]
    configuration = {"task_routing": {"filters": _sales_only_then_out(seed, [])}}
    workflow = taskrouter.create_workflow(
        ws, {"friendly_name": "Chat Transfer", "configuration": json.dumps(configuration)}
    )
    task = taskrouter.create_task(
        ws,
        json.dumps(
            {"transferQueueName": "Sales", "workerSidsInConversation": list(seed["workers"].values())}
        ),
        workflow["sid"],
        "chat",
        None,
        None,
    )
    taskrouter.workflows.delete(workflow["sid"])  # the row only, as the earlier sandbox's delete did
    state.store.close()

    later = sandbox_factory(seed="flex-demo", db=db)
    _every_taskrouter_read_answers(later, ws)
    answer = httpx.get(
        f"{later.url}/taskrouter/v1/Workspaces/{ws}/Tasks/{task['sid']}",
        auth=(later.account_sid, later.auth_token),
    ).json()
    assert answer["assignment_status"] == "canceled" and workflow["sid"] in answer["reason"]


def test_a_build_a_stopped_sandbox_left_half_done_finishes_after_the_restart(sandbox_factory):
    own = sandbox_factory(seed="empty", build_seconds=30)
    with own.http() as http:
        service = http.post(
            "/serverless/v1/Services", data={"UniqueName": "half", "FriendlyName": "half"}
        ).json()
        function = http.post(
            f"/serverless/v1/Services/{service['sid']}/Functions", data={"FriendlyName": "/f"}
        )
        version = http.post(
            f"/serverless-upload/v1/Services/{service['sid']}/Functions/{function.json()['sid']}/Versions",
            data={"Path": "/f", "Visibility": "public"},
            files={
                "Content": (
                    "f.js",
                    b"exports.handler = (c, e, cb) => cb(null, 1);\n",
                    "application/javascript",
                )
            },
        ).json()
        build = http.post(
            f"/serverless/v1/Services/{service['sid']}/Builds", data={"FunctionVersions": version["sid"]}
        ).json()
        assert build["status"] == "building"
    own.restart()
    own.advance_clock(30)
    with own.http() as http:
        status = http.get(f"/serverless/v1/Services/{service['sid']}/Builds/{build['sid']}/Status").json()
    assert status["status"] == "completed"


def test_deleting_a_worker_who_holds_an_offer_passes_the_task_on(seeded, twilio):
    ws = twilio.taskrouter.v1.workspaces(seeded["workspace"]["sid"])
    workers = seeded["workers"]
    workflow = _workflow(ws, "Sales", [], default_queue=seeded["queues"]["Sales"])
    task = ws.tasks.create(workflow_sid=workflow.sid, attributes="{}")
    assert ws.tasks(task.sid).reservations.list()[0].worker_sid == workers["alice"]
    assert ws.workers(workers["alice"]).delete() is True
    statuses = {r.worker_sid: r.reservation_status for r in ws.tasks(task.sid).reservations.list()}
    assert statuses == {workers["alice"]: "rescinded", workers["bob"]: "pending"}


def test_accepting_an_offer_whose_conversation_was_deleted_still_assigns_the_task(seeded, twilio):
    chat = seeded["chats"]["sms"]
    ws = twilio.taskrouter.v1.workspaces(seeded["workspace"]["sid"])
    invite = (
        twilio.flex_api.v1.interaction(chat["interaction"])
        .channels(chat["channel"])
        .invites.create(
            routing={
                "properties": {
                    "workspace_sid": seeded["workspace"]["sid"],
                    "workflow_sid": seeded["workflows"]["Assign to Anyone"],
                    "task_channel_unique_name": "sms",
                }
            }
        )
    )
    assert twilio.conversations.v1.conversations(chat["conversation"]).delete() is True
    task_sid = invite.routing["properties"]["sid"]
    offer = ws.tasks(task_sid).reservations.list(reservation_status="pending")[0]
    accepted = ws.tasks(task_sid).reservations(offer.sid).update(reservation_status="accepted")
    assert accepted.reservation_status == "accepted"
    assert ws.tasks(task_sid).fetch().assignment_status == "assigned"
