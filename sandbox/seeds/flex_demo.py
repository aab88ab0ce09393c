"""`flex-demo`: a Flex-like account.

Workspace "Flex Task Assignment" with Flex's activities and task channels, queues Everyone / Sales / Support,
twelve workers with skills (some offline), the "Assign to Anyone" workflow, a Flex configuration whose
ui_attributes already carry other features' keys, and one active interaction per channel the transfer feature
supports (webchat, SMS, WhatsApp, email): a conversation with its customer and agent (alice), the
interaction, its channel and the agent's accepted task. `GET /_sandbox/seed` lists them under `chats`
(`chat` is also the top-level `chat`).
"""

from __future__ import annotations

import json
from typing import Any

from flex_chat_transfer.sandbox.core.state import SandboxState

# (name, skills, available)
WORKERS = (
    ("alice", ["sales", "support"], True),
    ("bob", ["sales"], True),
    ("carol", ["support"], True),
    ("dave", ["sales"], True),
    ("erin", ["support"], True),
    ("frank", ["sales", "support"], False),
    ("grace", [], True),
    ("heidi", ["sales"], False),
    ("ivan", ["support"], True),
    ("judy", ["sales", "support"], True),
    ("mallory", [], False),
    ("oscar", ["support"], True),
)
QUEUES = (
    ("Everyone", "1==1"),
    ("Sales", "routing.skills HAS 'sales'"),
    ("Support", "routing.skills HAS 'support'"),
)

# The channels the conversation-transfer feature supports (Flex Conversations): interaction channel type,
# TaskRouter task channel, the task's channelType and the customer's address. WhatsApp has no task channel of
# its own in a Flex workspace: its tasks, like webchat's, are `chat` tasks.
CHANNELS = {
    "chat": ("chat", "chat", "web", "customer-0001"),
    "sms": ("sms", "sms", "sms", "+15555550101"),
    "whatsapp": ("whatsapp", "chat", "whatsapp", "whatsapp:+15555550102"),
    "email": ("email", "email", "email", "customer@example.com"),
}

# Keys other Flex features keep in ui_attributes; a deploy must leave them as they are.
UI_ATTRIBUTES: dict[str, Any] = {
    "colorTheme": {"baseName": "FlexLight"},
    "custom_data": {
        "common": {"log_level": "info", "teams": ["Blue Team", "Red Team"]},
        "features": {
            "callback_and_voicemail": {"enabled": True, "allow_requeue": True, "max_attempts": 3},
            "supervisor_barge_coach": {"enabled": True, "agent_coaching_panel": True},
            "caller_id": {"enabled": False},
        },
    },
}


def seed(state: SandboxState) -> dict[str, Any]:
    tr = state.backends["taskrouter"]
    flex = state.backends["flex-api"]
    ws = tr.create_workspace("Flex Task Assignment", prioritize_queue_order="FIFO")
    ws_sid = ws["sid"]
    tr.create_activity(ws_sid, "Break", False)
    activities = {a["friendly_name"]: a["sid"] for a in tr.activities.list(parent=ws_sid)}
    channels = {c["unique_name"]: c["sid"] for c in tr.channels.list(parent=ws_sid)}
    queues = {
        name: tr.create_queue(ws_sid, {"friendly_name": name, "target_workers": target})["sid"]
        for name, target in QUEUES
    }
    workers: dict[str, str] = {}
    for name, skills, available in WORKERS:
        attributes = {
            "contact_uri": f"client:{name}",
            "full_name": name.title(),
            "email": f"{name}@example.com",
            "roles": ["agent"],
            "routing": {"skills": skills, "levels": {s: 1 for s in skills}},
        }
        activity = activities["Available" if available else "Offline"]
        workers[name] = tr.create_worker(ws_sid, name, json.dumps(attributes), activity)["sid"]
    anyone = tr.create_workflow(
        ws_sid,
        {
            "friendly_name": "Assign to Anyone",
            "configuration": json.dumps(
                {"task_routing": {"filters": [], "default_filter": {"queue": queues["Everyone"]}}}
            ),
            "task_reservation_timeout": 120,
        },
    )
    flex.set_configuration(
        {
            "account_sid": state.account_sid,
            "taskrouter_workspace_sid": ws_sid,
            "taskrouter_target_workflow_sid": anyone["sid"],
            "taskrouter_target_taskqueue_sid": queues["Everyone"],
            "taskrouter_offline_activity_sid": activities["Offline"],
            "taskrouter_taskqueues": [{"sid": sid, "targettable": True} for sid in queues.values()],
            "taskrouter_skills": [{"name": s, "multivalue": False} for s in ("sales", "support")],
            "ui_attributes": UI_ATTRIBUTES,
            "serverless_service_sids": [],
        }
    )

    chats = {
        kind: _active_interaction(state, ws_sid, anyone["sid"], kind, workers["alice"]) for kind in CHANNELS
    }
    return {
        "account_sid": state.account_sid,
        "workspace": {"sid": ws_sid, "friendly_name": ws["friendly_name"]},
        "activities": activities,
        "task_channels": channels,
        "queues": queues,
        "workers": workers,
        "workflows": {"Assign to Anyone": anyone["sid"]},
        "chat": chats["chat"],
        "chats": chats,
    }


def _active_interaction(
    state: SandboxState, ws_sid: str, workflow_sid: str, kind: str, agent_sid: str
) -> dict[str, Any]:
    """A customer writes in on one channel; the task goes to alice (first available in Everyone), who
    accepts: a conversation with customer and agent, the interaction, its channel and the assigned task."""
    tr = state.backends["taskrouter"]
    flex = state.backends["flex-api"]
    conv = state.backends["conversations"]
    channel_type, task_channel, channel_attribute, customer_address = CHANNELS[kind]
    conversation = conv.create_conversation(
        {
            "friendly_name": f"{kind} with Customer",
            "attributes": json.dumps({"channel": channel_attribute}),
        }
    )
    if kind == "chat":
        customer = conv.add_participant(
            conversation["sid"], customer_address, json.dumps({"member_type": "customer"})
        )
    else:
        binding = {"type": channel_attribute, "address": customer_address}
        customer = conv.add_participant(
            conversation["sid"], None, json.dumps({"member_type": "customer"}), binding
        )
    interaction = flex.interactions.create(
        {
            "channel": {
                "type": channel_type,
                "initiated_by": "customer",
                "properties": {"media_channel_sid": conversation["sid"]},
            },
            "routing": {"properties": {"workspace_sid": ws_sid, "workflow_sid": workflow_sid}},
            "interaction_context_sid": None,
            "webhook_ttid": None,
        }
    )
    channel = flex.add_channel(interaction["sid"], channel_type, conversation["sid"])
    customer_ut = flex.add_participant(interaction["sid"], channel["sid"], "customer", None, customer["sid"])
    task = flex._create_task(
        {
            "workspace_sid": ws_sid,
            "workflow_sid": workflow_sid,
            "task_channel_unique_name": task_channel,
            "attributes": {
                "channelType": channel_attribute,
                "from": customer_address,
                "customerName": "Customer",
                "direction": "inbound",
            },
        },
        interaction["sid"],
        channel,
        invite_sid=None,
    )
    reservation = tr.reservations.list(parent=task["sid"], reservation_status="pending")[0]
    tr.update_reservation(ws_sid, task["sid"], reservation["sid"], "accepted")
    agent_ut = flex.participants.list(parent=channel["sid"], type="agent")[0]
    agent_mb = conv.participants.list(parent=conversation["sid"], identity="alice")[0]
    return {
        "interaction": interaction["sid"],
        "channel": channel["sid"],
        "channel_type": channel_type,
        "conversation": conversation["sid"],
        "agent_participant": agent_ut["sid"],
        "customer_participant": customer_ut["sid"],
        "task": task["sid"],
        "task_channel": task_channel,
        "reservation": reservation["sid"],
        "worker": agent_sid,
        "conversation_participants": {"alice": agent_mb["sid"], "customer": customer["sid"]},
    }
