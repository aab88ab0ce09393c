"""No adoption by name: a create whose name is already taken by an object this stack does not hold is refused
in Check (so `pulumi preview` stops too), with the exact `pulumi import` command that would hand it to this
stack; Create looks once more (the object may have appeared since) and refuses the same way."""

from __future__ import annotations

from flex_chat_transfer.infra.rest import Rest
from flex_chat_transfer.infra.twiliox import PACKAGE, PROVIDER_NAME
from flex_chat_transfer.infra.twiliox.base import Context, NotOurs
from flex_chat_transfer.infra.twiliox.urns import parse_urn


def import_command(urn: str, token: str, import_id: str) -> str:
    stack, project, name = parse_urn(urn)
    provider = f"urn:pulumi:{stack}::{project}::pulumi:providers:{PACKAGE}::{PROVIDER_NAME}"
    return f"pulumi import --stack {stack} {token} {name} {import_id} --provider {PROVIDER_NAME}={provider}"


def refuse(urn: str, token: str, what: str, import_id: str, rename: str) -> NotOurs:
    return NotOurs(
        f"{what} already exists and this stack does not hold it; nothing was written "
        f"(fix: `{import_command(urn, token, import_id)}` to manage it from this stack, or {rename})"
    )


def same_friendly_name(rest: Rest, url: str, key: str, name: str) -> list[dict]:
    """The objects of a TaskRouter list (`key` in its pages) whose friendly name is exactly `name` (Twilio's
    FriendlyName filter is not exact)."""
    return [o for o in rest.list_all(url, key, {"FriendlyName": name}) if o.get("friendly_name") == name]


def refuse_if_taken(
    ctx: Context, token: str, noun: str, workspace_sid: str, taken: list[dict], name: str, rename: str
) -> None:
    """Refuse a workspace object (workflow, task queue) whose friendly name another object already has."""
    if taken:
        sid = taken[0]["sid"]
        what = f"{noun} {name!r} ({sid}, workspace {workspace_sid})"
        raise refuse(ctx.urn, token, what, f"{workspace_sid}/{sid}", rename)
