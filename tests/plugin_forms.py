"""The forms the Flex plugin posts to the feature's functions, for a chat as the sandbox seed describes it
(`GET /_sandbox/seed` → `chat`: task, conversation, interaction, channel, agent_participant, worker)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def invite_form(
    chat: Mapping[str, str],
    token: str | None,
    queue_sid: str,
    queue_name: str,
    attributes: str,
    **overrides: Any,
) -> dict[str, Any]:
    """invite-participant's form: a warm transfer of the chat to queue `queue_name`, skipping its agent; the
    transferred task's attributes are `attributes` (JSON). `overrides` replace fields; None leaves one out."""
    form = {
        "Token": token,
        "taskSid": chat["task"],
        "conversationId": chat["conversation"],
        "conversationSid": chat["conversation"],
        "jsonAttributes": attributes,
        "transferTargetSid": queue_sid,
        "transferQueueName": queue_name,
        "transferWorkerName": "",
        "workersToIgnore": json.dumps({"workerSidsInConversation": [chat["worker"]]}),
        "flexInteractionSid": chat["interaction"],
        "flexInteractionChannelSid": chat["channel"],
        "removeFlexInteractionParticipantSid": "",
        "taskChannelUniqueName": "chat",
        **overrides,
    }
    return {name: value for name, value in form.items() if value is not None}


def remove_form(chat: Mapping[str, str], token: str | None, **overrides: Any) -> dict[str, Any]:
    """remove-participant's form taking the chat's agent out; `overrides` as in `invite_form`."""
    form = {
        "Token": token,
        "flexInteractionSid": chat["interaction"],
        "flexInteractionChannelSid": chat["channel"],
        "flexInteractionParticipantSid": chat["agent_participant"],
        "conversationSid": chat["conversation"],
        **overrides,
    }
    return {name: value for name, value in form.items() if value is not None}
