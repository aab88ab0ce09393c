"""What the per-channel and renamed-attribute e2e modules share: one `pulumi up` of a stack against a fresh
flex-demo sandbox, the deployed functions called the way the Flex plugin calls them (form POST, the agent's
Flex token), and the checks that a transfer's new task went through the deployed workflow to an agent other
than the ones already in the chat. (tests/e2e/test_transfer_e2e.py is the issue-8 original of this.)"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from flex_chat_transfer.infra.client import make_client
from flex_chat_transfer.sandbox.testing import SandboxProcess
from flex_chat_transfer.workflow.loader import spec_from_config
from flex_chat_transfer.workflow.spec import AttributeNames
from harness.automation import StackRunner, write_scratch_project

INVITE = "/features/conversation-transfer/flex/invite-participant"


@dataclass(frozen=True)
class Chat:
    """One live interaction of the seed (`GET /_sandbox/seed` → `chats.<kind>`), seen by its agent."""

    kind: str
    interaction: str  # KD
    channel: str  # UO
    conversation: str  # CH
    agent_participant: str  # UT of the transferring agent
    task: str  # WT of the transferring agent
    task_channel: str  # chat, sms, email
    agent: str  # WK of the transferring agent

    @classmethod
    def from_seed(cls, kind: str, seeded: Mapping[str, Any]) -> Chat:
        return cls(
            kind, seeded["interaction"], seeded["channel"], seeded["conversation"],
            seeded["agent_participant"], seeded["task"], seeded["task_channel"], seeded["worker"],
        )


class DeployedFunctions:
    """The sandbox after `pulumi up`: SDK client, stack outputs, and the deployed functions called the way the
    Flex plugin calls them."""

    def __init__(self, sandbox: SandboxProcess, outputs: dict[str, Any]) -> None:
        self.sandbox = sandbox
        self.outputs = outputs
        self.seed = sandbox.seed_info()
        self.client = make_client(sandbox.account_sid, sandbox.auth_token, sandbox_url=sandbox.url)
        self.workspace = self.client.taskrouter.v1.workspaces(self.seed["workspace"]["sid"])
        self.worker_names = {sid: name for name, sid in self.seed["workers"].items()}

    def function_url(self, path: str) -> str:
        # DESIGN.md "Deployed functions run in the sandbox": /_runtime/<environment domain_name>/<path>.
        deployed = self.outputs["functionUrls"]
        assert path in deployed, f"{path} was not deployed: {sorted(deployed)}"
        return f"{self.sandbox.url}/_runtime/{self.outputs['domainName']}{path}"

    def call_function(self, path: str, agent: str, fields: dict[str, str]) -> dict[str, Any]:
        """A form-encoded POST as the plugin sends it: no Basic auth, the agent's Flex token as field `Token`
        (minted here so it never shows in a failure's arguments)."""
        form = {"Token": self.sandbox.flex_token(agent), **fields}
        response = httpx.post(self.function_url(path), data=form, timeout=60)
        assert response.status_code == 200, f"{path} -> {response.status_code}: {response.text}"
        body = response.json()
        assert body["success"] is True, body
        return body

    def conversation_identities(self, conversation: str) -> set[str]:
        members = self.client.conversations.v1.conversations(conversation).participants.list()
        return {member.identity for member in members}


class Deployed(DeployedFunctions):
    """Deployed functions of a stack whose task attributes go by `attributes`, on any chat of the seed."""

    def __init__(self, sandbox: SandboxProcess, outputs: dict[str, Any], attributes: AttributeNames) -> None:
        super().__init__(sandbox, outputs)
        self.attributes = attributes

    def chat(self, kind: str) -> Chat:
        return Chat.from_seed(kind, self.seed["chats"][kind])

    def environment_variables(self) -> dict[str, str]:
        service = self.client.serverless.v1.services(self.outputs["serviceSid"])
        variables = service.environments(self.outputs["environmentSid"]).variables.list()
        return {variable.key: variable.value for variable in variables}

    def invite(self, chat: Chat, target: str, *, cold: bool, in_conversation: list[str]) -> dict[str, Any]:
        """The plugin's invite (research/twilio-api.md §9): `target` a queue name of the seed or a worker
        name; `in_conversation` the agents' WK SIDs the plugin sends to be skipped."""
        task = self.workspace.tasks(chat.task).fetch()
        to_worker = target in self.seed["workers"]
        fields = {
            "taskSid": chat.task,
            "conversationId": chat.conversation,
            "conversationSid": chat.conversation,
            "jsonAttributes": task.attributes,
            "transferTargetSid": self.seed["workers"][target] if to_worker else self.seed["queues"][target],
            "transferQueueName": "" if to_worker else target,
            "transferWorkerName": target if to_worker else "",
            "workersToIgnore": json.dumps({"workerSidsInConversation": in_conversation}),
            "flexInteractionSid": chat.interaction,
            "flexInteractionChannelSid": chat.channel,
            "removeFlexInteractionParticipantSid": chat.agent_participant if cold else "",
            "taskChannelUniqueName": chat.task_channel,
        }
        return self.call_function(INVITE, chat.agent, fields)

    def route_and_accept(self, chat: Chat, invite: dict[str, Any], queue: str, skipped: list[str]) -> str:
        """The new task went through the deployed workflow into `queue`, kept the chat's channel, carries the
        transfer under the configured attribute names, and is offered to an agent not in `skipped`, who
        accepts and joins the conversation. Returns that agent's WK SID."""
        names = self.attributes
        task_sid = invite["invitesTaskSid"]
        task = self.workspace.tasks(task_sid).fetch()
        assert task.workflow_sid == self.outputs["workflowSid"]
        assert (task.task_queue_sid, task.task_queue_friendly_name) == (self.seed["queues"][queue], queue)
        assert task.task_channel_unique_name == chat.task_channel
        attributes = json.loads(task.attributes)
        assert attributes[names.workers_in_conversation] == skipped
        assert attributes["flexInteractionChannelSid"] == chat.channel
        assert attributes["conversations"]["conversation_id"] == chat.conversation
        defaults = AttributeNames()
        for key, name in defaults.by_key().items():
            if names.by_key()[key] != name:  # renamed: only the configured name is written
                assert name not in attributes, (name, attributes)

        [reservation] = self.workspace.tasks(task_sid).reservations.list()
        assert reservation.reservation_status == "pending"
        worker = reservation.worker_sid
        assert worker not in skipped, self.worker_names[worker]
        assert self.worker_names[worker] not in self.conversation_identities(chat.conversation)
        accepted = self.workspace.tasks(task_sid).reservations(reservation.sid).update(
            reservation_status="accepted"
        )
        assert accepted.reservation_status == "accepted"
        assert self.worker_names[worker] in self.conversation_identities(chat.conversation)
        return worker


def stack_config(sandbox: SandboxProcess, chat_transfer: Mapping[str, Any]) -> dict[str, Any]:
    return {
        **{f"chat-transfer:{key}": value for key, value in chat_transfer.items()},
        "twilio:accountSid": sandbox.account_sid,
        "twilio:authToken": sandbox.auth_token,
    }


@contextmanager
def deployed_stack(tmp: Path, chat_transfer: Mapping[str, Any]) -> Iterator[Deployed]:
    """A fresh flex-demo sandbox with the stack `chat_transfer` configures (keys without the namespace),
    after one `pulumi up`."""
    with SandboxProcess(tmp / "sandbox", seed="flex-demo", build_seconds=0.2) as sandbox:
        runner = StackRunner(
            write_scratch_project(tmp / "project"), "local", tmp / "state",
            env={"TWILIO_SANDBOX_URL": sandbox.url},
        )
        runner.set_config(stack_config(sandbox, chat_transfer), secret=("twilio:authToken",))
        result = runner.up()
        assert result.summary.result == "succeeded"
        attributes = spec_from_config(chat_transfer, "local").attributes
        yield Deployed(sandbox, runner.outputs(), attributes)
