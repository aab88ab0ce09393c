"""IAM handlers."""

from __future__ import annotations

from flex_chat_transfer.sandbox.core.errors import NotFound
from flex_chat_transfer.sandbox.core.http import Ctx


def validate_token(ctx: Ctx):
    account = ctx.path["account"]
    if account != ctx.account_sid:
        raise NotFound(f"/Accounts/{account}/Tokens/validate")
    body = ctx.params.json_body if isinstance(ctx.params.json_body, dict) else {}
    token = body.get("token") if body else ctx.params.get("token") or ctx.params.get("Token")
    return ctx.backend.validate(account, token)
