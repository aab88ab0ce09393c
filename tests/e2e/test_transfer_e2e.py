"""Issue 8's end-to-end transfer: after `pulumi up` of a local-like stack (transfer queues Sales and Support)
against the sandbox, agent A invites queue Sales from a live chat by calling the DEPLOYED functions exactly
as the Flex plugin does (form POST with a Flex token), the sandbox routes the new task through the deployed
Chat Transfer workflow, a Sales agent other than A accepts through the TaskRouter REST API and joins the
conversation; warm: the plugin's invite-tracker clean-up clears the invite entry; cold: A is removed.

One `pulumi up` is shared by both variants (module fixture). Each variant works on its own chat: warm on
the seed's chat, cold on a chat started through the Interactions API, so either runs alone."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from flex_chat_transfer.sandbox.testing import SandboxProcess
from harness.automation import StackRunner, write_scratch_project
from tests.e2e.transfers import DeployedFunctions

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
INVITE = "/features/conversation-transfer/flex/invite-participant"
UPDATE_ATTRIBUTES = "/common/flex/conversations/update-attributes"
REMOVE = "/features/conversation-transfer/flex/remove-participant"
QUEUE = "Sales"


def local_stack_config() -> dict[str, Any]:
    """The `chat-transfer:` keys of Pulumi.local.yaml, so this test deploys what `make local-up` deploys."""
    config = yaml.safe_load((REPO / "Pulumi.local.yaml").read_text())["config"]
    chosen = {key: value for key, value in config.items() if key.startswith("chat-transfer:")}
    names = [q if isinstance(q, str) else q["name"] for q in chosen["chat-transfer:transferQueues"]]
    assert {"Sales", "Support"} <= set(names), "Pulumi.local.yaml must keep transfer queues Sales and Support"
    return chosen


@dataclass(frozen=True)
class Chat:
    interaction: str  # KD
    channel: str  # UO
    conversation: str  # CH
    agent_participant: str  # UT of agent A
    task: str  # WT of agent A
    agent: str  # WK of agent A


class Deployed(DeployedFunctions):
    """The issue-8 stack's deployed functions, on the seed's chat and on chats started here."""

    def conversation_attributes(self, conversation: str) -> dict[str, Any]:
        return json.loads(self.client.conversations.v1.conversations(conversation).fetch().attributes)

    def channel_agents(self, chat: Chat) -> list[dict[str, Any]]:
        channel = self.client.flex_api.v1.interaction(chat.interaction).channels(chat.channel)
        return [p.routing_properties for p in channel.participants.list() if p.type == "agent"]

    def is_sales_agent(self, worker_sid: str) -> bool:
        """In the Sales TaskQueue's workers (TaskRouter's own answer) and skilled for sales."""
        in_queue = {w.sid for w in self.workspace.workers.list(task_queue_sid=self.seed["queues"][QUEUE])}
        skills = json.loads(self.workspace.workers(worker_sid).fetch().attributes)["routing"]["skills"]
        return worker_sid in in_queue and "sales" in skills

    def invite_form(self, chat: Chat, *, cold: bool) -> dict[str, str]:
        """The fields the plugin's APIHelper sends besides Token (research/twilio-api.md §9)."""
        task = self.workspace.tasks(chat.task).fetch()
        return {
            "taskSid": chat.task,
            "conversationId": chat.conversation,
            "conversationSid": chat.conversation,
            "jsonAttributes": task.attributes,
            "transferTargetSid": self.seed["queues"][QUEUE],
            "transferQueueName": QUEUE,
            "transferWorkerName": "",
            "workersToIgnore": json.dumps({"workerSidsInConversation": [chat.agent]}),
            "flexInteractionSid": chat.interaction,
            "flexInteractionChannelSid": chat.channel,
            "removeFlexInteractionParticipantSid": chat.agent_participant if cold else "",
            "taskChannelUniqueName": "chat",
        }

    def seeded_chat(self) -> Chat:
        chat = self.seed["chat"]
        return Chat(
            chat["interaction"], chat["channel"], chat["conversation"], chat["agent_participant"],
            chat["task"], chat["worker"],
        )

    def new_chat(self, customer: str) -> Chat:
        """A customer writes in: conversation + interaction routed by "Assign to Anyone"; the offered agent
        accepts and becomes agent A of this chat."""
        conversation = self.client.conversations.v1.conversations.create(
            friendly_name=f"Chat with {customer}", attributes=json.dumps({"channel": "web"})
        )
        conversation.participants.create(identity=customer)
        interaction = self.client.flex_api.v1.interaction.create(
            channel={"type": "chat", "initiated_by": "customer",
                     "properties": {"media_channel_sid": conversation.sid}},
            routing={"properties": {
                "workspace_sid": self.seed["workspace"]["sid"],
                "workflow_sid": self.seed["workflows"]["Assign to Anyone"],
                "task_channel_unique_name": "chat",
                "attributes": {"from": customer, "customerName": customer, "channelType": "web"},
            }},
        )
        task_sid = interaction.routing["properties"]["task_sid"]
        [reservation] = self.workspace.tasks(task_sid).reservations.list(reservation_status="pending")
        self.workspace.tasks(task_sid).reservations(reservation.sid).update(reservation_status="accepted")
        [channel] = self.client.flex_api.v1.interaction(interaction.sid).channels.list()
        [agent] = [
            p for p in self.client.flex_api.v1.interaction(interaction.sid).channels(channel.sid)
            .participants.list() if p.type == "agent"
        ]
        worker = reservation.worker_sid
        return Chat(interaction.sid, channel.sid, conversation.sid, agent.sid, task_sid, worker)

    def route_and_accept(self, chat: Chat, invite: dict[str, Any]) -> str:
        """Every arrow from the invite to the accepted reservation; returns the accepting worker."""
        task_sid = invite["invitesTaskSid"]
        task = self.workspace.tasks(task_sid).fetch()
        # The new task went through the deployed Chat Transfer workflow into Sales...
        assert task.workflow_sid == self.outputs["workflowSid"]
        assert task.workflow_friendly_name == "Chat Transfer"
        assert (task.task_queue_sid, task.task_queue_friendly_name) == (self.seed["queues"][QUEUE], QUEUE)
        # ...carrying the transfer attributes on top of the transferred task's own.
        attributes = json.loads(task.attributes)
        original = json.loads(self.workspace.tasks(chat.task).fetch().attributes)
        assert attributes["transferTargetType"] == "queue"
        assert attributes["transferTargetSid"] == self.seed["queues"][QUEUE]
        assert attributes["transferQueueName"] == QUEUE
        assert attributes["workerSidsInConversation"] == [chat.agent]
        assert attributes["conversations"]["conversation_id"] == chat.conversation
        assert attributes["customerName"] == original["customerName"]
        assert attributes["flexInteractionChannelSid"] == chat.channel

        # The reservation goes to a Sales agent other than A; it is the worker's offer too.
        [reservation] = self.workspace.tasks(task_sid).reservations.list()
        assert reservation.reservation_status == "pending"
        worker = reservation.worker_sid
        assert worker != chat.agent
        assert self.is_sales_agent(worker), self.worker_names[worker]
        offers = self.workspace.workers(worker).reservations.list(reservation_status="pending")
        assert reservation.sid in {offer.sid for offer in offers}
        assert self.worker_names[worker] not in self.conversation_identities(chat.conversation)
        assert worker not in {p["worker_sid"] for p in self.channel_agents(chat)}

        accepted = self.workspace.tasks(task_sid).reservations(reservation.sid).update(
            reservation_status="accepted"
        )
        assert accepted.reservation_status == "accepted"
        assert self.workspace.tasks(task_sid).fetch().assignment_status == "assigned"

        # Accepting adds that agent to the conversation and to the interaction channel.
        assert self.worker_names[worker] in self.conversation_identities(chat.conversation)
        joined = [p for p in self.channel_agents(chat) if p["worker_sid"] == worker]
        assert joined == [{"task_sid": task_sid, "worker_sid": worker, "reservation_sid": reservation.sid}]
        return worker


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("transfer-e2e")
    with SandboxProcess(tmp / "sandbox", seed="flex-demo", build_seconds=0.2) as sandbox:
        runner = StackRunner(
            write_scratch_project(tmp / "project"), "local", tmp / "state",
            env={"TWILIO_SANDBOX_URL": sandbox.url},
        )
        runner.set_config(
            {**local_stack_config(), "twilio:accountSid": sandbox.account_sid,
             "twilio:authToken": sandbox.auth_token},
            secret=("twilio:authToken",),
        )
        result = runner.up()
        assert result.summary.result == "succeeded"
        yield Deployed(sandbox, runner.outputs())


def test_warm_transfer_to_sales_adds_a_sales_agent_and_clears_the_invite(deployed):
    chat = deployed.seeded_chat()
    agent_a = deployed.worker_names[chat.agent]
    before = deployed.conversation_attributes(chat.conversation)

    invite = deployed.call_function(INVITE, chat.agent, deployed.invite_form(chat, cold=False))
    task_sid = invite["invitesTaskSid"]
    entry = deployed.conversation_attributes(chat.conversation)["invites"][task_sid]
    assert (entry["invitesTaskSid"], entry["targetSid"]) == (task_sid, deployed.seed["queues"][QUEUE])
    assert (entry["targetName"], entry["inviteTargetType"]) == (QUEUE, "Queue")

    worker = deployed.route_and_accept(chat, invite)
    # Warm: A stays in the conversation next to the new agent.
    assert {agent_a, deployed.worker_names[worker]} <= deployed.conversation_identities(chat.conversation)

    # The plugin's inviteTracker on accept: read the attributes, drop the entry, post the whole object.
    attributes = deployed.conversation_attributes(chat.conversation)
    del attributes["invites"][task_sid]
    deployed.call_function(UPDATE_ATTRIBUTES, chat.agent, {
        "conversationSid": chat.conversation,
        "attributes": json.dumps(attributes),
    })
    after = deployed.conversation_attributes(chat.conversation)
    assert task_sid not in after.get("invites", {})
    assert {k: v for k, v in after.items() if k != "invites"} == before  # nothing else changed

    # A then leaves the chat the plugin's way; the customer and the new agent keep the channel open.
    left = deployed.call_function(REMOVE, chat.agent, {
        "conversationSid": chat.conversation,
        "flexInteractionSid": chat.interaction,
        "flexInteractionChannelSid": chat.channel,
        "flexInteractionParticipantSid": chat.agent_participant,
    })
    assert left["channelClosed"] is False
    assert deployed.conversation_identities(chat.conversation) == {
        "customer-0001", deployed.worker_names[worker]
    }
    assert deployed.workspace.tasks(chat.task).fetch().assignment_status == "wrapping"


def test_cold_transfer_to_sales_adds_a_sales_agent_and_removes_a(deployed):
    chat = deployed.new_chat("customer-cold")
    agent_a = deployed.worker_names[chat.agent]
    assert agent_a in deployed.conversation_identities(chat.conversation)
    assert deployed.workspace.tasks(chat.task).fetch().assignment_status == "assigned"

    invite = deployed.call_function(INVITE, chat.agent, deployed.invite_form(chat, cold=True))
    # Cold: A's interaction participant is closed. The sandbox models that as Twilio does: A leaves the
    # conversation and A's task wraps up (the participant resource has no status field to read back).
    assert agent_a not in deployed.conversation_identities(chat.conversation)
    assert deployed.workspace.tasks(chat.task).fetch().assignment_status == "wrapping"
    assert "invites" not in deployed.conversation_attributes(chat.conversation)  # cold records no entry

    worker = deployed.route_and_accept(chat, invite)
    assert deployed.conversation_identities(chat.conversation) == {
        "customer-cold", deployed.worker_names[worker]
    }
