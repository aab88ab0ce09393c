"""Renamed task attributes end to end: a stack whose `chat-transfer:attributes` renames all four transfer
attributes is deployed with one `pulumi up`; the Functions environment carries the names as the
TRANSFER_ATTRIBUTE_* Variables, so the deployed invite writes exactly the attributes the deployed workflow
routes on. A warm transfer to a queue and a cold transfer to a named agent both route correctly (and the
default names are not written at all)."""

from __future__ import annotations

import json

import pytest

from tests.e2e.transfers import Deployed, deployed_stack

pytestmark = pytest.mark.e2e

RENAMED = {
    "targetType": "xferKind",
    "targetSid": "xferTo",
    "queueName": "xferQueue",
    "workersInConversation": "xferSkip",
}


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    config = {
        "workspace": "Flex Task Assignment",
        "workerTransferQueue": "Everyone",
        "transferQueues": ["Sales", "Support"],
        "attributes": RENAMED,
    }
    with deployed_stack(tmp_path_factory.mktemp("attributes-e2e"), config) as stack:
        yield stack


def test_the_environment_and_the_workflow_carry_the_renamed_attributes(deployed: Deployed):
    variables = deployed.environment_variables()
    assert {key: value for key, value in variables.items() if key.startswith("TRANSFER_ATTRIBUTE_")} == {
        "TRANSFER_ATTRIBUTE_TARGET_TYPE": "xferKind",
        "TRANSFER_ATTRIBUTE_TARGET_SID": "xferTo",
        "TRANSFER_ATTRIBUTE_QUEUE_NAME": "xferQueue",
        "TRANSFER_ATTRIBUTE_WORKERS_IN_CONVERSATION": "xferSkip",
    }
    workflow = deployed.workspace.workflows(deployed.outputs["workflowSid"]).fetch()
    filters = json.loads(workflow.configuration)["task_routing"]["filters"]
    assert filters[0]["expression"] == "xferKind == 'worker'"
    assert filters[0]["targets"][0]["known_worker_sid"] == "task.xferTo"
    assert filters[1]["expression"] == "xferQueue == 'Sales'"
    assert filters[1]["targets"][0]["expression"] == "worker.sid NOT IN task.xferSkip"


def test_a_warm_transfer_to_a_queue_routes_on_the_renamed_attributes(deployed: Deployed):
    chat = deployed.chat("chat")
    invite = deployed.invite(chat, "Support", cold=False, in_conversation=[chat.agent])
    attributes = json.loads(deployed.workspace.tasks(invite["invitesTaskSid"]).fetch().attributes)
    assert (attributes["xferKind"], attributes["xferQueue"]) == ("queue", "Support")
    assert attributes["xferTo"] == deployed.seed["queues"]["Support"]
    worker = deployed.route_and_accept(chat, invite, "Support", skipped=[chat.agent])
    assert "support" in json.loads(deployed.workspace.workers(worker).fetch().attributes)["routing"]["skills"]
    assert deployed.worker_names[chat.agent] in deployed.conversation_identities(chat.conversation)


def test_a_cold_transfer_to_a_named_agent_reaches_that_agent(deployed: Deployed):
    chat = deployed.chat("sms")
    invite = deployed.invite(chat, "carol", cold=True, in_conversation=[chat.agent])
    attributes = json.loads(deployed.workspace.tasks(invite["invitesTaskSid"]).fetch().attributes)
    assert (attributes["xferKind"], attributes["xferTo"]) == ("worker", deployed.seed["workers"]["carol"])
    # "Assign to Worker" matched on xferKind and offered the task to task.xferTo through Everyone.
    worker = deployed.route_and_accept(chat, invite, "Everyone", skipped=[chat.agent])
    assert deployed.worker_names[worker] == "carol"
    assert deployed.worker_names[chat.agent] not in deployed.conversation_identities(chat.conversation)
