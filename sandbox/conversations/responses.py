"""Conversations handlers."""

from __future__ import annotations

from typing import Any

from flex_chat_transfer.sandbox.conversations.models import ConversationsBackend
from flex_chat_transfer.sandbox.core.http import Ctx

PARTICIPANTS_PAGE_MAX = 100


def _b(ctx: Ctx) -> ConversationsBackend:
    return ctx.backend


def render_conversation(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    base = f"/Conversations/{d['sid']}"
    links = ctx.links(base, {"participants": "Participants", "messages": "Messages", "webhooks": "Webhooks"})
    return {**d, "url": ctx.url(base), "links": links}


def render_participant(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    return {**d, "url": ctx.url(f"/Conversations/{d['conversation_sid']}/Participants/{d['sid']}")}


def _fields(p) -> dict[str, Any]:
    names = {
        "FriendlyName": "friendly_name",
        "UniqueName": "unique_name",
        "Attributes": "attributes",
        "State": "state",
        "MessagingServiceSid": "messaging_service_sid",
    }
    return {field: p.get(param) for param, field in names.items() if p.has(param)}


def list_conversations(ctx: Ctx):
    items = _b(ctx).list_conversations(ctx.params.get("State"))
    return ctx.page(items, "conversations", "/Conversations", render_conversation, filters=["State"])


def create_conversation(ctx: Ctx):
    return 201, render_conversation(ctx, _b(ctx).create_conversation(_fields(ctx.params)))


def fetch_conversation(ctx: Ctx):
    return render_conversation(ctx, _b(ctx).conversation(ctx.path["sid"]))


def update_conversation(ctx: Ctx):
    return render_conversation(ctx, _b(ctx).update_conversation(ctx.path["sid"], _fields(ctx.params)))


def delete_conversation(ctx: Ctx):
    _b(ctx).delete_conversation(ctx.path["sid"])


def list_participants(ctx: Ctx):
    conversation = _b(ctx).conversation(ctx.path["conversation"])
    items = _b(ctx).list_participants(conversation["sid"])
    path = f"/Conversations/{conversation['sid']}/Participants"
    return ctx.page(items, "participants", path, render_participant, max_page_size=PARTICIPANTS_PAGE_MAX)


def create_participant(ctx: Ctx):
    p = ctx.params
    binding = None
    if p.get("MessagingBinding.Address"):
        binding = {
            "type": "sms",
            "address": p.get("MessagingBinding.Address"),
            "proxy_address": p.get("MessagingBinding.ProxyAddress"),
        }
    doc = _b(ctx).add_participant(ctx.path["conversation"], p.get("Identity"), p.get("Attributes"), binding)
    return 201, render_participant(ctx, doc)


def fetch_participant(ctx: Ctx):
    return render_participant(ctx, _b(ctx).participant(ctx.path["conversation"], ctx.path["sid"]))


def update_participant(ctx: Ctx):
    p = ctx.params
    changes = {f: p.get(n) for n, f in (("Attributes", "attributes"), ("Identity", "identity")) if p.has(n)}
    if p.has("LastReadMessageIndex"):
        changes["last_read_message_index"] = p.get_int("LastReadMessageIndex", minimum=0)
    return render_participant(
        ctx, _b(ctx).update_participant(ctx.path["conversation"], ctx.path["sid"], changes)
    )


def delete_participant(ctx: Ctx):
    _b(ctx).remove_participant(ctx.path["conversation"], ctx.path["sid"])
