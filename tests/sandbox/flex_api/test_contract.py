"""Flex, Conversations and IAM through the unmodified twilio SDK; JSON responses checked against Twilio's OAS
(IAM, absent from it, against the fields twilio-flex-token-validator documents)."""

from __future__ import annotations

import json

import pytest
from twilio.base.exceptions import TwilioRestException

from flex_chat_transfer.sandbox.core.openapi import SPEC_FILES, oai_dir


class Body(dict):
    """The SDK's Configuration.update takes an object with to_dict() and posts it as JSON."""

    def to_dict(self) -> dict:
        return dict(self)


def test_configuration_fetch_and_top_level_replace(twilio, sandbox, seeded):
    configuration = twilio.flex_api.v1.configuration().fetch()
    assert configuration.account_sid == sandbox.account_sid
    assert configuration.taskrouter_workspace_sid == seeded["workspace"]["sid"]
    ui = configuration.ui_attributes
    assert "callback_and_voicemail" in ui["custom_data"]["features"]
    ui["custom_data"]["features"]["conversation_transfer"] = {"enabled": True, "cold_transfer": True}
    updated = twilio.flex_api.v1.configuration().update(
        body=Body({"account_sid": sandbox.account_sid, "ui_attributes": ui})
    )
    assert updated.ui_attributes == ui
    # omitted properties keep their value
    assert updated.taskrouter_workspace_sid == seeded["workspace"]["sid"]
    replaced = twilio.flex_api.v1.configuration().update(
        body=Body({"account_sid": sandbox.account_sid, "ui_attributes": {"only": 1}})
    )
    assert replaced.ui_attributes == {"only": 1}  # the whole object is replaced, not merged
    with pytest.raises(TwilioRestException) as read_only:
        twilio.flex_api.v1.configuration().update(
            body=Body({"account_sid": sandbox.account_sid, "status": "broken"})
        )
    assert read_only.value.code == 45004
    assert read_only.value.msg.endswith("You are not allowed to modify property for [status]")
    with pytest.raises(TwilioRestException) as no_account:
        twilio.flex_api.v1.configuration().update(body=Body({"ui_attributes": {}}))
    assert no_account.value.code == 20001 and "account_sid" in no_account.value.msg


def test_interaction_channels_and_participants(twilio, seeded):
    chat = seeded["chat"]
    interaction = twilio.flex_api.v1.interaction(chat["interaction"]).fetch()
    assert interaction.sid == chat["interaction"]
    channels = twilio.flex_api.v1.interaction(chat["interaction"]).channels.list()
    assert [c.sid for c in channels] == [chat["channel"]] and channels[0].status == "active"
    channel = twilio.flex_api.v1.interaction(chat["interaction"]).channels(chat["channel"])
    assert channel.fetch().type == "chat"
    participants = {p.sid: p for p in channel.participants.list()}
    agent = participants[chat["agent_participant"]]
    assert agent.type == "agent" and agent.routing_properties["worker_sid"] == chat["worker"]
    extra = channel.participants.create(type="supervisor", media_properties={})
    assert extra.sid.startswith("UT") and extra.type == "supervisor"
    closed = channel.participants(extra.sid).update(status="closed")
    assert closed.sid == extra.sid


def test_create_interaction_routes_a_task(twilio, seeded):
    conversation = twilio.conversations.v1.conversations.create(friendly_name="new chat")
    interaction = twilio.flex_api.v1.interaction.create(
        channel={
            "type": "chat",
            "initiated_by": "customer",
            "properties": {"media_channel_sid": conversation.sid},
        },
        routing={
            "properties": {
                "workspace_sid": seeded["workspace"]["sid"],
                "workflow_sid": seeded["workflows"]["Assign to Anyone"],
                "task_channel_unique_name": "chat",
                "attributes": {"from": "web"},
            }
        },
    )
    assert interaction.sid.startswith("KD")
    task_sid = interaction.routing["properties"]["task_sid"]
    task = twilio.taskrouter.v1.workspaces(seeded["workspace"]["sid"]).tasks(task_sid).fetch()
    assert json.loads(task.attributes)["conversationSid"] == conversation.sid
    assert task.task_queue_sid == seeded["queues"]["Everyone"]
    with pytest.raises(TwilioRestException) as unknown:
        twilio.flex_api.v1.interaction.create(
            channel={"type": "pigeon"}, routing={"properties": {"workspace_sid": seeded["workspace"]["sid"]}}
        )
    assert unknown.value.code == 20001 and "Channel.type must be one of voice, sms" in unknown.value.msg


def test_invite_creates_a_task_and_lists(twilio, seeded):
    chat = seeded["chat"]
    invites = twilio.flex_api.v1.interaction(chat["interaction"]).channels(chat["channel"]).invites
    invite = invites.create(
        routing={
            "properties": {
                "workspace_sid": seeded["workspace"]["sid"],
                "workflow_sid": seeded["workflows"]["Assign to Anyone"],
                "task_channel_unique_name": "chat",
                "attributes": {"transferTargetType": "queue"},
            }
        }
    )
    assert invite.sid.startswith("KG") and invite.channel_sid == chat["channel"]
    properties = invite.routing["properties"]
    assert properties["sid"].startswith("WT") and properties["workspace_sid"] == seeded["workspace"]["sid"]
    attributes = json.loads(properties["attributes"])
    assert attributes["transferTargetType"] == "queue" and attributes["flexChannelInviteSid"] == invite.sid
    assert attributes["conversationSid"] == chat["conversation"]
    assert attributes["flexInteractionChannelSid"] == chat["channel"]
    assert invite.sid in [i.sid for i in invites.list()]
    with pytest.raises(TwilioRestException) as bad:
        invites.create(routing={"properties": {"workflow_sid": seeded["workflows"]["Assign to Anyone"]}})
    assert bad.value.code == 20001 and "workspace_sid" in bad.value.msg


def test_close_channel(twilio, seeded, sandbox):
    conversation = twilio.conversations.v1.conversations.create(friendly_name="to close")
    interaction = twilio.flex_api.v1.interaction.create(
        channel={"type": "chat", "properties": {"media_channel_sid": conversation.sid}},
        routing={
            "properties": {
                "workspace_sid": seeded["workspace"]["sid"],
                "workflow_sid": seeded["workflows"]["Assign to Anyone"],
            }
        },
    )
    channel = twilio.flex_api.v1.interaction(interaction.sid).channels.list()[0]
    closed = twilio.flex_api.v1.interaction(interaction.sid).channels(channel.sid).update(status="closed")
    assert closed.status == "closed"
    task = (
        twilio.taskrouter.v1.workspaces(seeded["workspace"]["sid"])
        .tasks(interaction.routing["properties"]["task_sid"])
        .fetch()
    )
    assert task.assignment_status == "canceled"


def test_conversation_fetch_update_and_participants(twilio, seeded):
    chat = seeded["chat"]
    conversation = twilio.conversations.v1.conversations(chat["conversation"]).fetch()
    assert conversation.sid == chat["conversation"] and conversation.state == "active"
    attributes = {**json.loads(conversation.attributes), "invites": {"WT1": {"targetName": "Sales"}}}
    updated = twilio.conversations.v1.conversations(chat["conversation"]).update(
        attributes=json.dumps(attributes)
    )
    assert json.loads(updated.attributes) == attributes
    assert chat["conversation"] in [c.sid for c in twilio.conversations.v1.conversations.list()]
    participants = twilio.conversations.v1.conversations(chat["conversation"]).participants
    identities = {p.identity for p in participants.list()}
    assert identities == {"alice", "customer-0001"}
    added = participants.create(identity="bob")
    assert added.sid.startswith("MB")
    assert participants(added.sid).update(attributes='{"x": 1}').attributes == '{"x": 1}'
    assert participants(added.sid).fetch().identity == "bob"
    assert participants(added.sid).delete() is True
    named = twilio.conversations.v1.conversations.create(unique_name="by-name")
    assert twilio.conversations.v1.conversations("by-name").fetch().sid == named.sid
    assert twilio.conversations.v1.conversations(named.sid).delete() is True
    with pytest.raises(TwilioRestException) as bad:
        twilio.conversations.v1.conversations(chat["conversation"]).update(attributes="{oops")
    assert bad.value.code == 20001


def test_iam_validates_sandbox_flex_tokens(sandbox, seeded):
    worker = seeded["workers"]["bob"]
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
        sandbox.advance_clock(2)
        expired = http.post(url, json={"token": short}).json()
        assert expired["valid"] is False and "expired" in expired["message"]


def test_configuration_answers_every_documented_property(sandbox, seeded, oas):
    schema = json.loads((oai_dir() / SPEC_FILES["flex-api"]).read_text())["components"]["schemas"]
    documented = set(schema["flex.v1.configuration"]["properties"])
    with sandbox.http() as http:
        body = http.get("/flex-api/v1/Configuration").json()
    assert documented - set(body) == set()
    assert body["ui_version"] == "~2.x" and body["status"] == "ok"
    assert body["taskrouter_offline_activity_sid"] == seeded["activities"]["Offline"]
    assert body["chat_service_instance_sid"].startswith("IS")
    assert {q["sid"] for q in body["taskrouter_taskqueues"]} == set(seeded["queues"].values())


@pytest.mark.parametrize(
    ("kind", "channel_type", "task_channel"),
    [
        ("chat", "chat", "chat"),
        ("sms", "sms", "sms"),
        ("whatsapp", "whatsapp", "chat"),
        ("email", "email", "email"),
    ],
)
def test_every_transfer_channel_has_an_active_interaction_that_invites_route(
    twilio, seeded, kind, channel_type, task_channel
):
    chat = seeded["chats"][kind]
    assert (chat["channel_type"], chat["task_channel"]) == (channel_type, task_channel)
    ws = twilio.taskrouter.v1.workspaces(seeded["workspace"]["sid"])
    task = ws.tasks(chat["task"]).fetch()
    assert (task.assignment_status, task.task_channel_unique_name) == ("assigned", task_channel)
    assert json.loads(task.attributes)["conversationSid"] == chat["conversation"]
    channel = twilio.flex_api.v1.interaction(chat["interaction"]).channels(chat["channel"])
    assert channel.fetch().type == channel_type
    agent = {p.sid: p for p in channel.participants.list()}[chat["agent_participant"]]
    assert agent.routing_properties["task_sid"] == chat["task"]
    members = twilio.conversations.v1.conversations(chat["conversation"]).participants.list()
    assert {m.sid for m in members} == set(chat["conversation_participants"].values())
    # A transfer: the invite's task stays on the channel's task channel and goes to an agent not in the chat.
    transfer = ws.workflows.create(
        friendly_name=f"Transfer {kind}",
        configuration=json.dumps(
            {
                "task_routing": {
                    "filters": [
                        {
                            "filter_friendly_name": "Everyone but the chat's agents",
                            "expression": "transferTargetType == 'queue'",
                            "targets": [
                                {
                                    "queue": seeded["queues"]["Everyone"],
                                    "expression": "worker.sid NOT IN task.workerSidsInConversation",
                                }
                            ],
                        }
                    ]
                }
            }
        ),
    )
    attributes = {
        **json.loads(task.attributes),
        "transferTargetType": "queue",
        "workerSidsInConversation": [chat["worker"]],
    }
    invite = channel.invites.create(
        routing={
            "properties": {
                "workspace_sid": seeded["workspace"]["sid"],
                "workflow_sid": transfer.sid,
                "task_channel_unique_name": task_channel,
                "attributes": attributes,
            }
        }
    )
    routed = ws.tasks(invite.routing["properties"]["sid"]).fetch()
    assert (routed.task_channel_unique_name, routed.assignment_status) == (task_channel, "reserved")
    offer = ws.tasks(routed.sid).reservations.list(reservation_status="pending")[0]
    assert offer.worker_sid == seeded["workers"]["bob"]
    ws.tasks(routed.sid).reservations(offer.sid).update(reservation_status="accepted")
    members = twilio.conversations.v1.conversations(chat["conversation"]).participants.list()
    assert {"alice", "bob"} <= {m.identity for m in members}
