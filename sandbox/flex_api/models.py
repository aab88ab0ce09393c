"""Flex state and rules. An Invite creates a TaskRouter task for the interaction's channel; when a worker
accepts that task's reservation, the worker joins the interaction channel and the conversation."""

from __future__ import annotations

import json
from typing import Any

from flex_chat_transfer.sandbox.core.clock import epoch
from flex_chat_transfer.sandbox.core.errors import InvalidParameter, ReadOnlyProperty
from flex_chat_transfer.sandbox.core.sids import is_sid, mint_sid
from flex_chat_transfer.sandbox.core.state import SandboxState
from flex_chat_transfer.sandbox.core.store import ResourceTable
from flex_chat_transfer.sandbox.flex_api.plugins import PluginService

# Twilio refuses to change these through POST /Configuration (400/45004).
READ_ONLY = (
    "date_created",
    "date_updated",
    "url",
    "status",
    "service_version",
    "flex_service_instance_sid",
    "flex_instance_sid",
    "runtime_domain",
    "chat_service_instance_sid",
    "messaging_service_instance_sid",
)
PARTICIPANT_TYPES = ("agent", "customer", "supervisor", "external", "unknown")
# Interaction channel types (OAS interaction_channel_enum_type).
CHANNEL_TYPES = ("voice", "sms", "email", "web", "whatsapp", "chat", "messenger", "gbm")
# The task channel an interaction's task gets when routing names none (messaging channels are `chat`).
TASK_CHANNEL_OF = {"voice": "voice", "sms": "sms", "email": "email"}
# Every property `flex.v1.configuration` documents, as a new Flex account (UI 2.x, Conversations) has it.
# A stored configuration is read over these, so one written by an older sandbox still answers every field.
CONFIGURATION_DEFAULTS: dict[str, Any] = {
    "attributes": {},
    "status": "ok",
    "taskrouter_workspace_sid": None,
    "taskrouter_target_workflow_sid": None,
    "taskrouter_target_taskqueue_sid": None,
    "taskrouter_taskqueues": [],
    "taskrouter_skills": [],
    "taskrouter_worker_channels": {},
    "taskrouter_worker_attributes": {},
    "taskrouter_offline_activity_sid": None,
    "runtime_domain": None,
    "messaging_service_instance_sid": None,
    "chat_service_instance_sid": None,
    "flex_service_instance_sid": None,
    "flex_instance_sid": None,
    "ui_language": "en",
    "ui_attributes": {},
    "ui_dependencies": {},
    "ui_version": "~2.x",
    "service_version": "2.0",
    "call_recording_enabled": False,
    "call_recording_webhook_url": None,
    "crm_enabled": False,
    "crm_type": None,
    "crm_callback_url": None,
    "crm_fallback_url": None,
    "crm_attributes": {},
    "public_attributes": {},
    "plugin_service_enabled": True,
    "plugin_service_attributes": {},
    "integrations": [],
    "outbound_call_flows": {},
    "serverless_service_sids": [],
    "queue_stats_configuration": {},
    "notifications": {},
    "markdown": {},
    "flex_insights_hr": {},
    "flex_insights_drilldown": False,
    "flex_url": "https://flex.twilio.com/agent-desktop",
    "channel_configs": [],
    "debugger_integration": {},
    "flex_ui_status_report": {},
    "agent_conv_end_methods": {},
    "citrix_voice_vdi": {},
    "offline_config": {},
}


class FlexBackend:
    def __init__(self, state: SandboxState) -> None:
        self.state = state
        store = state.store
        self.configurations = ResourceTable(store, "flex.configuration", "FC")
        self.interactions = ResourceTable(store, "flex.interaction", "KD")
        self.channels = ResourceTable(store, "flex.interaction_channel", "UO")
        self.participants = ResourceTable(store, "flex.interaction_participant", "UT")
        self.invites = ResourceTable(store, "flex.interaction_invite", "KG")
        state.backends["taskrouter"].on_accept.append(self._on_accept)
        # The Plugins API (`/v1/PluginService/…`) is served by the same flex-api product.
        self.plugins = PluginService(state)

    @property
    def taskrouter(self):
        return self.state.backends["taskrouter"]

    @property
    def conversations(self):
        return self.state.backends["conversations"]

    # ---- configuration ---------------------------------------------------------------------------------
    def configuration(self) -> dict[str, Any]:
        """The account's one configuration, every documented property present."""
        found = self.configurations.list()
        stored = found[0] if found else self._create_configuration()
        return {**CONFIGURATION_DEFAULTS, **stored}

    def _create_configuration(self) -> dict[str, Any]:
        conversations = self.state.backends.get("conversations")  # Flex's own Conversations service
        services = (
            (conversations.chat_service_sid, conversations.messaging_service_sid)
            if conversations
            else (None, None)
        )
        return self.configurations.create(
            {
                **CONFIGURATION_DEFAULTS,
                "account_sid": self.state.account_sid,
                "chat_service_instance_sid": services[0],
                "messaging_service_instance_sid": services[1],
                "flex_service_instance_sid": mint_sid("IS"),
                "flex_instance_sid": mint_sid("GO"),
            }
        )

    def set_configuration(self, changes: Any) -> dict[str, Any]:
        """Top-level replace: each property sent replaces the stored one whole; others keep their value."""
        if not isinstance(changes, dict):
            raise InvalidParameter(
                "Configuration body must be a JSON object with account_sid and the properties"
            )
        if changes.get("account_sid") != self.state.account_sid:
            raise InvalidParameter("account_sid is required in the body and must be this account's SID")
        with self.state.store.transaction():
            current = self.configuration()
            for name in READ_ONLY:
                if name in changes and changes[name] != current.get(name):
                    raise ReadOnlyProperty(name)
            update = {k: v for k, v in changes.items() if k not in READ_ONLY and k != "account_sid"}
            self.configurations.update(current["sid"], update)
            return self.configuration()

    # ---- interactions ----------------------------------------------------------------------------------
    def interaction(self, sid: str) -> dict[str, Any]:
        return self.interactions.fetch(sid, path=f"/Interactions/{sid}")

    def list_channels(self, interaction_sid: str) -> list[dict[str, Any]]:
        return self.channels.list(parent=self.interaction(interaction_sid)["sid"])

    def list_participants(self, interaction_sid: str, channel_sid: str) -> list[dict[str, Any]]:
        return self.participants.list(parent=self.channel(interaction_sid, channel_sid)["sid"])

    def list_invites(self, interaction_sid: str, channel_sid: str) -> list[dict[str, Any]]:
        return self.invites.list(parent=self.channel(interaction_sid, channel_sid)["sid"])

    def channel(self, interaction_sid: str, sid: str) -> dict[str, Any]:
        self.interaction(interaction_sid)
        return self.channels.fetch(
            sid, interaction_sid, path=f"/Interactions/{interaction_sid}/Channels/{sid}"
        )

    def create_interaction(self, channel: Any, routing: Any) -> dict[str, Any]:
        """A new interaction with one channel on a conversation, and a routed task for it."""
        if not isinstance(channel, dict) or not channel.get("type"):
            raise InvalidParameter(
                'Channel must be a JSON object with "type", e.g. {"type": "chat", '
                '"initiated_by": "customer", "properties": {"media_channel_sid": "CH…"}}'
            )
        if channel["type"] not in CHANNEL_TYPES:
            raise InvalidParameter(
                f"Channel.type must be one of {', '.join(CHANNEL_TYPES)}, got {channel['type']!r}"
            )
        properties = _routing_properties(routing)
        media = (channel.get("properties") or {}).get("media_channel_sid")
        if media:
            conversation_sid = self.conversations.conversation(media)["sid"]
        else:
            conversation_sid = self.conversations.create_conversation({"friendly_name": "Flex interaction"})[
                "sid"
            ]
        with self.state.store.transaction():
            interaction = self.interactions.create(
                {
                    "channel": channel,
                    "routing": routing,
                    "interaction_context_sid": None,
                    "webhook_ttid": None,
                }
            )
            ch = self.channels.create(
                {
                    "interaction_sid": interaction["sid"],
                    "type": channel["type"],
                    "status": "active",
                    "error_code": None,
                    "error_message": None,
                    "_conversation_sid": conversation_sid,
                },
                parent=interaction["sid"],
            )
            task = self._create_task(properties, interaction["sid"], ch, invite_sid=None)
            routing_out = {**routing, "properties": {**properties, "task_sid": task["sid"]}}
            return self.interactions.update(interaction["sid"], {"routing": routing_out})

    def add_channel(self, interaction_sid: str, channel_type: str, conversation_sid: str) -> dict[str, Any]:
        """Seeds use this to attach a channel to an existing conversation."""
        return self.channels.create(
            {
                "interaction_sid": interaction_sid,
                "type": channel_type,
                "status": "active",
                "error_code": None,
                "error_message": None,
                "_conversation_sid": conversation_sid,
            },
            parent=interaction_sid,
        )

    def update_channel(self, interaction_sid: str, sid: str, status: str, routing: Any) -> dict[str, Any]:
        channel = self.channel(interaction_sid, sid)
        if status not in ("closed", "inactive"):
            raise InvalidParameter(f"Status must be closed or inactive, got {status!r}")
        if status == "inactive" and routing != {"status": "closed"}:
            raise InvalidParameter('Routing {"status": "closed"} is required when Status is inactive')
        with self.state.store.transaction():
            for task in self.taskrouter.tasks.list():
                if (task.get("_flex") or {}).get("channel_sid") != sid:
                    continue
                if task["assignment_status"] == "assigned":
                    self.taskrouter.tasks.update(task["sid"], {"assignment_status": "wrapping"})
                elif task["assignment_status"] in ("pending", "reserved"):
                    self.taskrouter.update_task(
                        task["workspace_sid"],
                        task["sid"],
                        {"assignment_status": "canceled", "reason": f"interaction channel {status}"},
                    )
            return self.channels.update(channel["sid"], {"status": status})

    # ---- participants ----------------------------------------------------------------------------------
    def add_participant(
        self,
        interaction_sid: str,
        channel_sid: str,
        participant_type: str,
        routing_properties: dict[str, Any] | None = None,
        conversation_participant_sid: str | None = None,
    ) -> dict[str, Any]:
        channel = self.channel(interaction_sid, channel_sid)
        if participant_type not in PARTICIPANT_TYPES:
            raise InvalidParameter(
                f"Type must be one of {', '.join(PARTICIPANT_TYPES)}, got {participant_type!r}"
            )
        return self.participants.create(
            {
                "type": participant_type,
                "interaction_sid": interaction_sid,
                "channel_sid": channel["sid"],
                "routing_properties": routing_properties,
                "_status": "active",
                "_conversation_participant_sid": conversation_participant_sid,
            },
            parent=channel["sid"],
        )

    def update_participant(
        self, interaction_sid: str, channel_sid: str, sid: str, status: str
    ) -> dict[str, Any]:
        self.channel(interaction_sid, channel_sid)
        participant = self.participants.fetch(
            sid,
            channel_sid,
            path=f"/Interactions/{interaction_sid}/Channels/{channel_sid}/Participants/{sid}",
        )
        if status not in ("closed", "wrapup"):
            raise InvalidParameter(f"Status must be closed or wrapup, got {status!r}")
        with self.state.store.transaction():
            # Leaving the channel takes the agent out of the conversation and wraps up their task.
            member = participant.get("_conversation_participant_sid")
            if member and self.conversations.participants.get(member):
                self.conversations.participants.delete(member)
            task_sid = (participant.get("routing_properties") or {}).get("task_sid")
            task = self.taskrouter.tasks.get(task_sid) if task_sid else None
            if task and task["assignment_status"] == "assigned":
                self.taskrouter.tasks.update(task_sid, {"assignment_status": "wrapping"})
            return self.participants.update(sid, {"_status": status})

    # ---- invites ---------------------------------------------------------------------------------------
    def create_invite(self, interaction_sid: str, channel_sid: str, routing: Any) -> dict[str, Any]:
        channel = self.channel(interaction_sid, channel_sid)
        if channel["status"] in ("closed", "inactive"):
            raise InvalidParameter(
                f"Channel {channel_sid} is {channel['status']}; invites need an active channel"
            )
        properties = _routing_properties(routing)
        invite_sid = mint_sid("KG")
        with self.state.store.transaction():
            task = self._create_task(properties, interaction_sid, channel, invite_sid)
            routing_out = {"reservation": None, "properties": self._task_view(task)}
            return self.invites.create(
                {"interaction_sid": interaction_sid, "channel_sid": channel_sid, "routing": routing_out},
                parent=channel_sid,
                sid=invite_sid,
            )

    def _create_task(
        self,
        properties: dict[str, Any],
        interaction_sid: str,
        channel: dict[str, Any],
        invite_sid: str | None,
    ) -> dict[str, Any]:
        attributes = dict(properties.get("attributes") or {})
        # Flex adds these to every interaction task (research/twilio-api.md §5).
        attributes.update(
            conversationSid=channel["_conversation_sid"],
            flexInteractionSid=interaction_sid,
            flexInteractionChannelSid=channel["sid"],
        )
        if invite_sid:
            attributes["flexChannelInviteSid"] = invite_sid
        channel_ref = (
            properties.get("task_channel_sid")
            or properties.get("task_channel_unique_name")
            or TASK_CHANNEL_OF.get(channel["type"], "chat")
        )
        return self.taskrouter.create_task(
            properties["workspace_sid"],
            json.dumps(attributes),
            properties.get("workflow_sid"),
            channel_ref,
            properties.get("priority"),
            properties.get("timeout"),
            extra={
                "_flex": {
                    "interaction_sid": interaction_sid,
                    "channel_sid": channel["sid"],
                    "invite_sid": invite_sid,
                }
            },
        )

    def _task_view(self, task: dict[str, Any]) -> dict[str, Any]:
        return {
            "sid": task["sid"],
            "account_sid": task["account_sid"],
            "workspace_sid": task["workspace_sid"],
            "workflow_sid": task["workflow_sid"],
            "workflow_name": task["workflow_friendly_name"],
            "queue_sid": task["task_queue_sid"],
            "queue_name": task["task_queue_friendly_name"],
            "assignment_status": task["assignment_status"],
            "attributes": task["attributes"],
            "priority": task["priority"],
            "age": self.state.clock.seconds_since(task["date_created"]),
            "reason": task["reason"],
            "timeout": task["timeout"],
            "task_channel_sid": task["task_channel_sid"],
            "task_channel_unique_name": task["task_channel_unique_name"],
            "routing_target": task["routing_target"],
            "date_created": epoch(task["date_created"]),
            "date_updated": epoch(task["date_updated"]),
            "age_in_queue": 0,
            "sla": None,
            "ignore_capacity": task["ignore_capacity"],
            "virtual_start_time": epoch(task["virtual_start_time"] or task["date_created"]),
        }

    def _on_accept(self, task: dict[str, Any], reservation: dict[str, Any], worker: dict[str, Any]) -> None:
        flex = task.get("_flex")
        if not flex:
            return
        channel = self.channels.get(flex["channel_sid"])
        conversation = self.conversations.conversations.get(channel["_conversation_sid"]) if channel else None
        if channel is None or conversation is None:
            return  # the interaction or its conversation is gone: nobody to join
        identity = str(json.loads(worker["attributes"]).get("contact_uri") or worker["friendly_name"])
        identity = identity.removeprefix("client:")
        members = self.conversations.participants.list(parent=conversation["sid"], identity=identity)
        member = (
            members[0]
            if members
            else self.conversations.add_participant(
                conversation["sid"], identity, json.dumps({"member_type": "agent"})
            )
        )
        self.add_participant(
            flex["interaction_sid"],
            channel["sid"],
            "agent",
            {
                "task_sid": task["sid"],
                "worker_sid": worker["sid"],
                "reservation_sid": reservation["sid"],
            },
            member["sid"],
        )


def _routing_properties(routing: Any) -> dict[str, Any]:
    if not isinstance(routing, dict) or not isinstance(routing.get("properties"), dict):
        raise InvalidParameter('Routing must be a JSON object {"properties": {"workspace_sid": "WS…", …}}')
    properties = routing["properties"]
    if not is_sid(properties.get("workspace_sid"), "WS"):
        raise InvalidParameter("Routing.properties.workspace_sid is required and must be a WS… SID")
    if "attributes" in properties and not isinstance(properties["attributes"], dict):
        raise InvalidParameter(
            "Routing.properties.attributes must be a JSON object (it becomes the task's attributes)"
        )
    return properties


__all__ = ["FlexBackend"]
