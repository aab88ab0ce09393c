"""Flex, Conversations and IAM through the unmodified twilio SDK; JSON responses checked against Twilio's OAS
(IAM, absent from it, against the fields twilio-flex-token-validator documents)."""

from __future__ import annotations

import json
import time

import pytest
from twilio.base.exceptions import TwilioRestException

from sandbox.core.openapi import OasChecker
from sandbox.testing import SandboxProcess


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    with SandboxProcess(tmp_path_factory.mktemp("flex")) as running:
        yield running


@pytest.fixture(scope="module")
def checker() -> OasChecker:
    return OasChecker()


@pytest.fixture(scope="module")
def client(sandbox, checker):
    return checker.client(sandbox.account_sid, sandbox.auth_token, sandbox.url)


class Body(dict):
    """The SDK's Configuration.update takes an object with to_dict() and posts it as JSON."""

    def to_dict(self) -> dict:
        return dict(self)


@pytest.fixture(scope="module")
def seed(sandbox):
    return sandbox.seed_info()


def test_configuration_fetch_and_top_level_replace(client, sandbox, seed):
    configuration = client.flex_api.v1.configuration().fetch()
    assert configuration.account_sid == sandbox.account_sid
    assert configuration.taskrouter_workspace_sid == seed["workspace"]["sid"]
    ui = configuration.ui_attributes
    assert "callback_and_voicemail" in ui["custom_data"]["features"]
    ui["custom_data"]["features"]["conversation_transfer"] = {"enabled": True, "cold_transfer": True}
    updated = client.flex_api.v1.configuration().update(
        body=Body({"account_sid": sandbox.account_sid, "ui_attributes": ui})
    )
    assert updated.ui_attributes == ui
    assert updated.taskrouter_workspace_sid == seed["workspace"]["sid"]  # omitted properties keep their value
    replaced = client.flex_api.v1.configuration().update(
        body=Body({"account_sid": sandbox.account_sid, "ui_attributes": {"only": 1}})
    )
    assert replaced.ui_attributes == {"only": 1}  # the whole object is replaced, not merged
    with pytest.raises(TwilioRestException) as read_only:
        client.flex_api.v1.configuration().update(
            body=Body({"account_sid": sandbox.account_sid, "status": "broken"})
        )
    assert read_only.value.code == 45004
    assert read_only.value.msg.endswith("You are not allowed to modify property for [status]")
    with pytest.raises(TwilioRestException) as no_account:
        client.flex_api.v1.configuration().update(body=Body({"ui_attributes": {}}))
    assert no_account.value.code == 20001 and "account_sid" in no_account.value.msg


def test_interaction_channels_and_participants(client, seed):
    chat = seed["chat"]
    interaction = client.flex_api.v1.interaction(chat["interaction"]).fetch()
    assert interaction.sid == chat["interaction"]
    channels = client.flex_api.v1.interaction(chat["interaction"]).channels.list()
    assert [c.sid for c in channels] == [chat["channel"]] and channels[0].status == "active"
    channel = client.flex_api.v1.interaction(chat["interaction"]).channels(chat["channel"])
    assert channel.fetch().type == "chat"
    participants = {p.sid: p for p in channel.participants.list()}
    agent = participants[chat["agent_participant"]]
    assert agent.type == "agent" and agent.routing_properties["worker_sid"] == chat["worker"]
    extra = channel.participants.create(type="supervisor", media_properties={})
    assert extra.sid.startswith("UT") and extra.type == "supervisor"
    closed = channel.participants(extra.sid).update(status="closed")
    assert closed.sid == extra.sid


def test_create_interaction_routes_a_task(client, seed):
    conversation = client.conversations.v1.conversations.create(friendly_name="new chat")
    interaction = client.flex_api.v1.interaction.create(
        channel={
            "type": "chat",
            "initiated_by": "customer",
            "properties": {"media_channel_sid": conversation.sid},
        },
        routing={
            "properties": {
                "workspace_sid": seed["workspace"]["sid"],
                "workflow_sid": seed["workflows"]["Assign to Anyone"],
                "task_channel_unique_name": "chat",
                "attributes": {"from": "web"},
            }
        },
    )
    assert interaction.sid.startswith("KD")
    task_sid = interaction.routing["properties"]["task_sid"]
    task = client.taskrouter.v1.workspaces(seed["workspace"]["sid"]).tasks(task_sid).fetch()
    assert json.loads(task.attributes)["conversationSid"] == conversation.sid
    assert task.task_queue_sid == seed["queues"]["Everyone"]


def test_invite_creates_a_task_and_lists(client, seed):
    chat = seed["chat"]
    invites = client.flex_api.v1.interaction(chat["interaction"]).channels(chat["channel"]).invites
    invite = invites.create(
        routing={
            "properties": {
                "workspace_sid": seed["workspace"]["sid"],
                "workflow_sid": seed["workflows"]["Assign to Anyone"],
                "task_channel_unique_name": "chat",
                "attributes": {"transferTargetType": "queue"},
            }
        }
    )
    assert invite.sid.startswith("KG") and invite.channel_sid == chat["channel"]
    properties = invite.routing["properties"]
    assert properties["sid"].startswith("WT") and properties["workspace_sid"] == seed["workspace"]["sid"]
    attributes = json.loads(properties["attributes"])
    assert attributes["transferTargetType"] == "queue" and attributes["flexChannelInviteSid"] == invite.sid
    assert attributes["conversationSid"] == chat["conversation"]
    assert attributes["flexInteractionChannelSid"] == chat["channel"]
    assert invite.sid in [i.sid for i in invites.list()]
    with pytest.raises(TwilioRestException) as bad:
        invites.create(routing={"properties": {"workflow_sid": seed["workflows"]["Assign to Anyone"]}})
    assert bad.value.code == 20001 and "workspace_sid" in bad.value.msg


def test_close_channel(client, seed, sandbox):
    conversation = client.conversations.v1.conversations.create(friendly_name="to close")
    interaction = client.flex_api.v1.interaction.create(
        channel={"type": "chat", "properties": {"media_channel_sid": conversation.sid}},
        routing={
            "properties": {
                "workspace_sid": seed["workspace"]["sid"],
                "workflow_sid": seed["workflows"]["Assign to Anyone"],
            }
        },
    )
    channel = client.flex_api.v1.interaction(interaction.sid).channels.list()[0]
    closed = client.flex_api.v1.interaction(interaction.sid).channels(channel.sid).update(status="closed")
    assert closed.status == "closed"
    task = (
        client.taskrouter.v1.workspaces(seed["workspace"]["sid"])
        .tasks(interaction.routing["properties"]["task_sid"])
        .fetch()
    )
    assert task.assignment_status == "canceled"


def test_conversation_fetch_update_and_participants(client, seed):
    chat = seed["chat"]
    conversation = client.conversations.v1.conversations(chat["conversation"]).fetch()
    assert conversation.sid == chat["conversation"] and conversation.state == "active"
    attributes = {**json.loads(conversation.attributes), "invites": {"WT1": {"targetName": "Sales"}}}
    updated = client.conversations.v1.conversations(chat["conversation"]).update(
        attributes=json.dumps(attributes)
    )
    assert json.loads(updated.attributes) == attributes
    assert chat["conversation"] in [c.sid for c in client.conversations.v1.conversations.list()]
    participants = client.conversations.v1.conversations(chat["conversation"]).participants
    identities = {p.identity for p in participants.list()}
    assert identities == {"alice", "customer-0001"}
    added = participants.create(identity="bob")
    assert added.sid.startswith("MB")
    assert participants(added.sid).update(attributes='{"x": 1}').attributes == '{"x": 1}'
    assert participants(added.sid).fetch().identity == "bob"
    assert participants(added.sid).delete() is True
    named = client.conversations.v1.conversations.create(unique_name="by-name")
    assert client.conversations.v1.conversations("by-name").fetch().sid == named.sid
    assert client.conversations.v1.conversations(named.sid).delete() is True
    with pytest.raises(TwilioRestException) as bad:
        client.conversations.v1.conversations(chat["conversation"]).update(attributes="{oops")
    assert bad.value.code == 20001


def test_iam_validates_sandbox_flex_tokens(sandbox, seed):
    worker = seed["workers"]["bob"]
    token = sandbox.flex_token(worker)
    leaked = token in (sandbox.workdir / "sandbox.log").read_text()
    assert not leaked, "the Flex token is in the sandbox log in clear"  # never print the token itself
    url = f"/iam/v1/Accounts/{sandbox.account_sid}/Tokens/validate"
    with sandbox.http() as http:
        valid = http.post(url, json={"token": token}, headers={"Cache-Control": "no-cache"}).json()
        assert valid["valid"] is True and valid["worker_sid"] == worker and valid["identity"] == "bob"
        assert valid["roles"] == ["agent"] and valid["expiration"].endswith("Z") and valid["realm_user_id"]
        forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
        refused = http.post(url, json={"token": forged}).json()
        assert refused["valid"] is False and "signature" in refused["message"]
        other_account = http.post(f"/iam/v1/Accounts/AC{'0' * 32}/Tokens/validate", json={"token": token})
        assert other_account.status_code == 404
        short = sandbox.flex_token(worker, ttl=1)
        time.sleep(1.2)
        expired = http.post(url, json={"token": short}).json()
        assert expired["valid"] is False and "expired" in expired["message"]
