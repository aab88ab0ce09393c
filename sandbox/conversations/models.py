"""Conversations state and rules."""

from __future__ import annotations

import json
from typing import Any

from flex_chat_transfer.sandbox.core.errors import InvalidParameter
from flex_chat_transfer.sandbox.core.sids import is_sid, mint_sid
from flex_chat_transfer.sandbox.core.state import SandboxState
from flex_chat_transfer.sandbox.core.store import ResourceTable

CONVERSATION_ATTRIBUTES_MAX = 16 * 1024
PARTICIPANT_ATTRIBUTES_MAX = 4 * 1024
PARTICIPANTS_MAX = 1000
STATES = ("initializing", "inactive", "active", "closed")


def attributes_json(value: str | None, limit: int) -> str:
    if value is None or value == "":
        return "{}"
    if len(value.encode()) > limit:
        raise InvalidParameter(f"Attributes is {len(value.encode())} bytes, over the limit of {limit}")
    try:
        json.loads(value)
    except json.JSONDecodeError as exc:
        raise InvalidParameter(f"Attributes is not valid JSON ({exc.msg} at column {exc.colno})") from None
    return value


class ConversationsBackend:
    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.conversations = ResourceTable(state.store, "conversations.conversation", "CH")
        self.participants = ResourceTable(state.store, "conversations.participant", "MB")
        # One default conversation service and messaging service per account, as Flex has.
        self.chat_service_sid = self._stable_sid("IS")
        self.messaging_service_sid = self._stable_sid("MG")

    def _stable_sid(self, prefix: str) -> str:
        key = f"credentials.conversations.{prefix}"
        value = self.state.store.get_meta(key)
        if value is None:
            value = mint_sid(prefix)
            self.state.store.set_meta(key, value)
        return value

    def list_conversations(self, state: str | None = None) -> list[dict[str, Any]]:
        """An unknown State filter is ignored, as Twilio does."""
        found = self.conversations.list()
        return [c for c in found if c["state"] == state] if state in STATES else found

    def list_participants(self, ref: str) -> list[dict[str, Any]]:
        return self.participants.list(parent=self.conversation(ref)["sid"])

    def conversation(self, ref: str) -> dict[str, Any]:
        """By CH SID or unique name."""
        doc = self.conversations.get(ref) if is_sid(ref, "CH") else None
        if doc is None:
            found = self.conversations.list(unique_name=ref)
            doc = found[0] if found else None
        if doc is None:
            return self.conversations.fetch(ref, path=f"/Conversations/{ref}")
        return doc

    def _check_state(self, state: str | None) -> None:
        if state is not None and state not in STATES:
            raise InvalidParameter(f"State must be one of {', '.join(STATES)}, got {state!r}")

    def create_conversation(self, fields: dict[str, Any]) -> dict[str, Any]:
        self._check_state(fields.get("state"))
        with self.state.store.transaction():
            if fields.get("unique_name") and self.conversations.list(unique_name=fields["unique_name"]):
                raise InvalidParameter(f"Conversation with UniqueName {fields['unique_name']} already exists")
            return self.conversations.create(
                {
                    "account_sid": self.state.account_sid,
                    "chat_service_sid": self.chat_service_sid,
                    "messaging_service_sid": fields.get("messaging_service_sid")
                    or self.messaging_service_sid,
                    "friendly_name": fields.get("friendly_name"),
                    "unique_name": fields.get("unique_name"),
                    "attributes": attributes_json(fields.get("attributes"), CONVERSATION_ATTRIBUTES_MAX),
                    "state": fields.get("state") or "active",
                    "timers": {},
                    "bindings": None,
                }
            )

    def update_conversation(self, ref: str, changes: dict[str, Any]) -> dict[str, Any]:
        doc = self.conversation(ref)
        self._check_state(changes.get("state"))
        if "attributes" in changes:
            changes["attributes"] = attributes_json(changes["attributes"], CONVERSATION_ATTRIBUTES_MAX)
        return self.conversations.update(doc["sid"], changes)

    def delete_conversation(self, ref: str) -> None:
        self.conversations.delete(self.conversation(ref)["sid"])

    def participant(self, ref: str, sid: str) -> dict[str, Any]:
        conversation = self.conversation(ref)
        return self.participants.fetch(
            sid, conversation["sid"], path=f"/Conversations/{conversation['sid']}/Participants/{sid}"
        )

    def add_participant(
        self, ref: str, identity: str | None, attributes: str | None, binding: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        conversation = self.conversation(ref)
        if not identity and not (binding and binding.get("address")):
            raise InvalidParameter(
                "A participant needs Identity (chat) or MessagingBinding.Address (SMS/WhatsApp)"
            )
        with self.state.store.transaction():
            existing = self.participants.list(parent=conversation["sid"])
            if len(existing) >= PARTICIPANTS_MAX:
                raise InvalidParameter(
                    f"Conversation {conversation['sid']} already has {PARTICIPANTS_MAX} participants"
                )
            if identity and any(p["identity"] == identity for p in existing):
                raise InvalidParameter(
                    f"Participant with Identity {identity} already exists in the conversation"
                )
            return self.participants.create(
                {
                    "account_sid": self.state.account_sid,
                    "conversation_sid": conversation["sid"],
                    "identity": identity or None,
                    "attributes": attributes_json(attributes, PARTICIPANT_ATTRIBUTES_MAX),
                    "messaging_binding": binding,
                    "role_sid": None,
                    "last_read_message_index": None,
                    "last_read_timestamp": None,
                },
                parent=conversation["sid"],
            )

    def update_participant(self, ref: str, sid: str, changes: dict[str, Any]) -> dict[str, Any]:
        doc = self.participant(ref, sid)
        if "attributes" in changes:
            changes["attributes"] = attributes_json(changes["attributes"], PARTICIPANT_ATTRIBUTES_MAX)
        return self.participants.update(doc["sid"], changes)

    def remove_participant(self, ref: str, sid: str) -> None:
        self.participants.delete(self.participant(ref, sid)["sid"])
