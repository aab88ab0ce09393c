"""TaskRouter through the unmodified twilio SDK (flex_chat_transfer.sandbox.testing.twilio_client's URL
rewrite only); every JSON response is checked against Twilio's OpenAPI description of its operation."""

from __future__ import annotations

import json

import pytest
from twilio.base.exceptions import TwilioRestException


@pytest.fixture
def ws(workspace_factory):
    return workspace_factory("Contract Workspace")


def test_workspace_crud(twilio, oas):
    before = len(oas.checked)
    created = twilio.taskrouter.v1.workspaces.create(friendly_name="Temp WS", prioritize_queue_order="LIFO")
    assert created.sid.startswith("WS") and len(created.sid) == 34
    assert created.default_activity_name == "Offline"
    assert created.url.startswith("http://127.0.0.1:")
    assert created.sid in [w.sid for w in twilio.taskrouter.v1.workspaces.list()]
    assert [w.sid for w in twilio.taskrouter.v1.workspaces.list(friendly_name="Temp WS")] == [created.sid]
    updated = twilio.taskrouter.v1.workspaces(created.sid).update(friendly_name="Temp WS 2")
    assert updated.friendly_name == "Temp WS 2"
    assert twilio.taskrouter.v1.workspaces(created.sid).fetch().prioritize_queue_order == "LIFO"
    assert twilio.taskrouter.v1.workspaces(created.sid).delete() is True
    with pytest.raises(TwilioRestException) as missing:
        twilio.taskrouter.v1.workspaces(created.sid).fetch()
    assert missing.value.status == 404 and missing.value.code == 20404
    assert missing.value.msg.endswith(f": The requested resource /Workspaces/{created.sid} was not found")
    assert len(oas.checked) - before == 5  # delete (204) and 404 have no body to check


def test_activities_crud(ws):
    names = [a.friendly_name for a in ws.activities.list()]
    assert {"Offline", "Available", "Unavailable"} <= set(names)
    activity = ws.activities.create(friendly_name="Lunch", available=False)
    assert activity.sid.startswith("WA") and activity.available is False
    assert ws.activities(activity.sid).update(friendly_name="Long Lunch").friendly_name == "Long Lunch"
    assert [a.sid for a in ws.activities.list(friendly_name="Long Lunch")] == [activity.sid]
    assert ws.activities(activity.sid).fetch().sid == activity.sid
    assert ws.activities(activity.sid).delete() is True


def test_task_channels_crud(ws):
    assert "chat" in [c.unique_name for c in ws.task_channels.list()]
    channel = ws.task_channels.create(friendly_name="Fax", unique_name="fax")
    assert channel.sid.startswith("TC")
    assert ws.task_channels(channel.sid).update(friendly_name="Telefax").friendly_name == "Telefax"
    assert ws.task_channels(channel.sid).fetch().unique_name == "fax"
    assert ws.task_channels(channel.sid).delete() is True


def test_task_queues_crud_and_duplicate_name(ws, sandbox):
    queue = ws.task_queues.create(friendly_name="Billing", target_workers="routing.skills HAS 'billing'")
    assert queue.sid.startswith("WQ") and queue.target_workers == "routing.skills HAS 'billing'"
    with pytest.raises(TwilioRestException) as duplicate:
        ws.task_queues.create(friendly_name="Billing")
    assert duplicate.value.status == 400 and duplicate.value.code == 20001
    wsid, account = ws._solution["sid"], sandbox.account_sid
    expected = f"Queue named Billing already exists for workspace {wsid} for account {account}"
    assert duplicate.value.msg.endswith(": " + expected)
    updated = ws.task_queues(queue.sid).update(max_reserved_workers=3, task_order="LIFO")
    assert (updated.max_reserved_workers, updated.task_order) == (3, "LIFO")
    assert [q.sid for q in ws.task_queues.list(friendly_name="Billing")] == [queue.sid]
    assert ws.task_queues(queue.sid).fetch().friendly_name == "Billing"
    with pytest.raises(TwilioRestException) as bad:
        ws.task_queues.create(friendly_name="Broken", target_workers="skills HAS")
    assert bad.value.code == 20001 and ": TargetWorkers is not a valid expression" in bad.value.msg
    assert ws.task_queues(queue.sid).delete() is True


def test_workers_crud_and_null_attributes_in_lists(ws):
    attributes = json.dumps({"routing": {"skills": ["billing"]}, "contact_uri": "client:zed"})
    worker = ws.workers.create(friendly_name="zed", attributes=attributes)
    assert worker.sid.startswith("WK") and json.loads(worker.attributes)["contact_uri"] == "client:zed"
    assert worker.activity_name == "Offline" and worker.available is False
    listed = {w.sid: w for w in ws.workers.list()}
    assert listed[worker.sid].attributes is None  # Twilio omits attributes in lists
    available = ws.activities.list(friendly_name="Available")[0]
    updated = ws.workers(worker.sid).update(activity_sid=available.sid)
    assert updated.available is True and updated.activity_name == "Available"
    assert [w.sid for w in ws.workers.list(available="true")] == [worker.sid]
    with pytest.raises(TwilioRestException) as duplicate:
        ws.workers.create(friendly_name="ZED")
    assert duplicate.value.code == 20001
    with pytest.raises(TwilioRestException) as bad:
        ws.workers.create(friendly_name="yan", attributes="{not json")
    assert bad.value.code == 20001 and ": Attributes is not valid JSON" in bad.value.msg
    assert ws.workers(worker.sid).fetch().friendly_name == "zed"
    assert ws.workers(worker.sid).delete() is True


def test_workflows_crud_reserialise_and_reject_invalid(ws):
    queue = ws.task_queues.create(friendly_name="WF Queue")
    configuration = json.dumps(
        {"task_routing": {"filters": [], "default_filter": {"queue": queue.sid}}}, indent=4
    )
    workflow = ws.workflows.create(
        friendly_name="Flow", configuration=configuration, task_reservation_timeout=60
    )
    assert workflow.sid.startswith("WW") and workflow.task_reservation_timeout == 60
    assert workflow.configuration != configuration  # re-serialised, like Twilio
    assert json.loads(workflow.configuration) == json.loads(configuration)
    assert workflow.document_content_type == "application/json"
    with pytest.raises(TwilioRestException) as invalid:
        ws.workflows.create(
            friendly_name="Bad",
            configuration=json.dumps(
                {
                    "task_routing": {
                        "filters": [
                            {
                                "filter_friendly_name": "x",
                                "expression": "a ==",
                                "targets": [{"queue": queue.sid}],
                            }
                        ]
                    }
                }
            ),
        )
    assert invalid.value.status == 400 and invalid.value.code == 20001
    assert ": Invalid Configuration: $.task_routing.filters[0].expression" in invalid.value.msg
    renamed = ws.workflows(workflow.sid).update(friendly_name="Flow 2")
    assert renamed.friendly_name == "Flow 2"
    assert [w.sid for w in ws.workflows.list(friendly_name="Flow 2")] == [workflow.sid]
    assert ws.workflows(workflow.sid).fetch().sid == workflow.sid
    assert ws.workflows(workflow.sid).delete() is True


def test_tasks_and_reservations_through_the_sdk(ws):
    queue = ws.task_queues.create(friendly_name="Task Queue", target_workers="routing.skills HAS 'tasks'")
    available = ws.activities.list(friendly_name="Available")[0]
    worker = ws.workers.create(
        friendly_name="tina",
        activity_sid=available.sid,
        attributes=json.dumps({"routing": {"skills": ["tasks"]}}),
    )
    workflow = ws.workflows.create(
        friendly_name="Tasks",
        configuration=json.dumps({"task_routing": {"filters": [], "default_filter": {"queue": queue.sid}}}),
    )
    task = ws.tasks.create(
        attributes=json.dumps({"kind": "demo"}), workflow_sid=workflow.sid, task_channel="chat"
    )
    assert task.sid.startswith("WT") and task.task_queue_sid == queue.sid
    assert task.assignment_status == "reserved" and task.task_channel_unique_name == "chat"
    assert [t.attributes for t in ws.tasks.list()] == [None]
    assert [t.sid for t in ws.tasks.list(assignment_status=["reserved"])] == [task.sid]
    reservations = ws.tasks(task.sid).reservations.list()
    assert [r.worker_sid for r in reservations] == [worker.sid]
    reservation = ws.tasks(task.sid).reservations(reservations[0].sid).fetch()
    assert reservation.sid.startswith("WR") and reservation.reservation_status == "pending"
    assert [r.sid for r in ws.workers(worker.sid).reservations.list()] == [reservation.sid]
    assert ws.workers(worker.sid).reservations(reservation.sid).fetch().worker_name == "tina"
    accepted = ws.tasks(task.sid).reservations(reservation.sid).update(reservation_status="accepted")
    assert accepted.reservation_status == "accepted"
    assert ws.tasks(task.sid).fetch().assignment_status == "assigned"
    with pytest.raises(TwilioRestException) as no_reason:
        ws.tasks(task.sid).update(assignment_status="completed")
    assert no_reason.value.code == 20001
    done = ws.tasks(task.sid).update(assignment_status="completed", reason="done")
    assert done.assignment_status == "completed" and done.reason == "done"
    assert ws.tasks(task.sid).delete() is True


def test_task_versions_are_etags_and_if_match_makes_a_change_conditional(ws, sandbox):
    """Twilio's "Mutation and Conflict Resolution": a task's version is its ETag (0 when created, one more on
    every change, routing's too); an update or delete with If-Match applies only at that version, else
    412/20412 and nothing changes."""
    import httpx

    auth = (sandbox.account_sid, sandbox.auth_token)
    queue = ws.task_queues.create(friendly_name="Versions", target_workers="1==1")
    workflow = ws.workflows.create(
        friendly_name="Versions",
        configuration=json.dumps({"task_routing": {"filters": [], "default_filter": {"queue": queue.sid}}}),
    )
    url = f"{sandbox.url}/taskrouter/v1/Workspaces/{ws._solution['sid']}/Tasks"
    created = httpx.post(url, data={"WorkflowSid": workflow.sid, "Attributes": "{}"}, auth=auth)
    assert created.status_code == 201 and created.headers["ETag"] == "0"
    task_url = f"{url}/{created.json()['sid']}"
    assert httpx.get(task_url, auth=auth).headers["ETag"] == "0"

    updated = httpx.post(task_url, data={"Attributes": '{"a": 1}'}, headers={"If-Match": "0"}, auth=auth)
    assert updated.status_code == 200 and updated.headers["ETag"] == "1"
    stale = httpx.post(task_url, data={"Attributes": '{"a": 2}'}, headers={"If-Match": "0"}, auth=auth)
    assert stale.status_code == 412 and stale.json()["code"] == 20412
    assert httpx.get(task_url, auth=auth).json()["attributes"] == '{"a": 1}'
    unconditional = httpx.post(task_url, data={"Attributes": '{"a": 3}'}, auth=auth)
    assert unconditional.status_code == 200 and unconditional.headers["ETag"] == "2"

    # The SDK's if_match sends the header; a status change made by anyone moves the version on.
    task = ws.tasks(created.json()["sid"])
    with pytest.raises(TwilioRestException) as refused:
        task.update(attributes='{"b": 1}', if_match="1")
    assert refused.value.status == 412 and refused.value.code == 20412
    assert (
        task.update(assignment_status="canceled", reason="test", if_match="2").assignment_status == "canceled"
    )
    assert httpx.get(task_url, auth=auth).headers["ETag"] == "3"
    assert httpx.delete(task_url, headers={"If-Match": "2"}, auth=auth).status_code == 412
    assert httpx.delete(task_url, headers={"If-Match": '"3"'}, auth=auth).status_code == 204
