"""Flex handlers."""

from __future__ import annotations

from typing import Any

from flex_chat_transfer.sandbox.core.errors import missing
from flex_chat_transfer.sandbox.core.http import Ctx, public
from flex_chat_transfer.sandbox.flex_api.models import FlexBackend


def _b(ctx: Ctx) -> FlexBackend:
    return ctx.backend


def render_configuration(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    return {**{k: v for k, v in public(d).items() if k != "sid"}, "url": ctx.url("/Configuration")}


def render_interaction(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    base = f"/Interactions/{d['sid']}"
    out = {k: v for k, v in public(d).items() if k not in ("date_created", "date_updated")}
    return {**out, "url": ctx.url(base), "links": {"channels": ctx.url(f"{base}/Channels")}}


def render_channel(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    base = f"/Interactions/{d['interaction_sid']}/Channels/{d['sid']}"
    out = {k: v for k, v in public(d).items() if k not in ("date_created", "date_updated")}
    links = ctx.links(base, {"participants": "Participants", "invites": "Invites", "transfers": "Transfers"})
    return {**out, "url": ctx.url(base), "links": links}


def render_participant(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    base = f"/Interactions/{d['interaction_sid']}/Channels/{d['channel_sid']}/Participants/{d['sid']}"
    out = {k: v for k, v in public(d).items() if k not in ("date_created", "date_updated")}
    return {**out, "url": ctx.url(base)}


def render_invite(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    base = f"/Interactions/{d['interaction_sid']}/Channels/{d['channel_sid']}/Invites/{d['sid']}"
    out = {k: v for k, v in public(d).items() if k not in ("date_created", "date_updated")}
    return {**out, "url": ctx.url(base)}


def fetch_configuration(ctx: Ctx):
    return render_configuration(ctx, _b(ctx).configuration())


def update_configuration(ctx: Ctx):
    return render_configuration(ctx, _b(ctx).set_configuration(ctx.params.json_body))


def create_interaction(ctx: Ctx):
    p = ctx.params
    return render_interaction(ctx, _b(ctx).create_interaction(p.get_json("Channel"), p.get_json("Routing")))


def fetch_interaction(ctx: Ctx):
    return render_interaction(ctx, _b(ctx).interaction(ctx.path["interaction"]))


def list_channels(ctx: Ctx):
    interaction = _b(ctx).interaction(ctx.path["interaction"])
    items = _b(ctx).list_channels(interaction["sid"])
    return ctx.page(items, "channels", f"/Interactions/{interaction['sid']}/Channels", render_channel)


def fetch_channel(ctx: Ctx):
    return render_channel(ctx, _b(ctx).channel(ctx.path["interaction"], ctx.path["channel"]))


def update_channel(ctx: Ctx):
    p = ctx.params
    doc = _b(ctx).update_channel(
        ctx.path["interaction"], ctx.path["channel"], p.require("Status"), p.get_json("Routing")
    )
    return render_channel(ctx, doc)


def _channel(ctx: Ctx) -> tuple[dict[str, Any], str]:
    """The interaction channel the request names (404 when it is not there) and its `/v1`-less path."""
    channel = _b(ctx).channel(ctx.path["interaction"], ctx.path["channel"])
    return channel, f"/Interactions/{channel['interaction_sid']}/Channels/{channel['sid']}"


def list_participants(ctx: Ctx):
    channel, path = _channel(ctx)
    items = _b(ctx).list_participants(channel["interaction_sid"], channel["sid"])
    return ctx.page(items, "participants", f"{path}/Participants", render_participant)


def create_participant(ctx: Ctx):
    p = ctx.params
    routing = p.get_json("RoutingProperties")
    doc = _b(ctx).add_participant(
        ctx.path["interaction"],
        ctx.path["channel"],
        p.require("Type"),
        routing if isinstance(routing, dict) else None,
    )
    return render_participant(ctx, doc)


def update_participant(ctx: Ctx):
    doc = _b(ctx).update_participant(
        ctx.path["interaction"], ctx.path["channel"], ctx.path["sid"], ctx.params.require("Status")
    )
    return render_participant(ctx, doc)


def list_invites(ctx: Ctx):
    channel, path = _channel(ctx)
    items = _b(ctx).list_invites(channel["interaction_sid"], channel["sid"])
    return ctx.page(items, "invites", f"{path}/Invites", render_invite)


def create_invite(ctx: Ctx):
    routing = ctx.params.get_json("Routing")
    if routing is None:
        raise missing("Routing")
    # The OAS documents 200 (not 201) for invite creation.
    return render_invite(ctx, _b(ctx).create_invite(ctx.path["interaction"], ctx.path["channel"], routing))
