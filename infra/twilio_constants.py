"""Twilio settings both the Pulumi program and the twiliox provider need, with no code of either: the stack
config keys the credentials are read from, the bound on concurrent Twilio calls, and the sandbox switch
(`TWILIO_SANDBOX_URL`, read here only). The shared HTTP client (`infra/client.py`) takes them from here, so
it depends on neither side."""

from __future__ import annotations

import os

from flex_chat_transfer.workflow.twilio_limits import DEFAULT_CONCURRENCY, MAX_CONCURRENCY

# Credential setting → the stack config key it is read from (the provider's config namespace is `twilio`).
CONFIG_KEYS = {
    "account_sid": "twilio:accountSid",
    "auth_token": "twilio:authToken",
    "api_key": "twilio:apiKey",
    "api_secret": "twilio:apiSecret",
}
# Also shared: DEFAULT_CONCURRENCY, MAX_CONCURRENCY (Twilio calls one provider makes at once; stack config
# twilio:concurrency, read by flex_chat_transfer.workflow.loader).
__all__ = ["CONFIG_KEYS", "DEFAULT_CONCURRENCY", "MAX_CONCURRENCY", "sandbox_url"]


def sandbox_url() -> str | None:
    """`TWILIO_SANDBOX_URL`: the local sandbox every twilio.com call goes to instead, when set."""
    return os.environ.get("TWILIO_SANDBOX_URL") or None
