"""A stack is pinned to the Twilio account it first deployed into.

The account SID is part of the stack's state twice: the program exports it (`accountSid`, read back by the
next run before any call) and gives it to the twiliox provider (`pinnedAccountSid`, which the engine keeps
with the provider and hands back to `refresh`, `import` and `destroy`, where no program runs). Credentials
that resolve to another account stop every command before its first Twilio call, with one line naming both
accounts and where the credentials came from.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flex_chat_transfer.infra.client import ENV_KEYS, credentials_source
from flex_chat_transfer.infra.twilio_constants import CONFIG_KEYS

OUTPUT = "accountSid"


def current_account(config: Mapping[str, Any], env: Mapping[str, str] | None = None) -> str:
    """The account SID the credentials name (stack config wins over TWILIO_ACCOUNT_SID); "" when none."""
    env = os.environ if env is None else env
    return str(config.get(CONFIG_KEYS["account_sid"]) or env.get(ENV_KEYS["account_sid"]) or "")


def pin_problem(
    pinned: str | None, config: Mapping[str, Any], env: Mapping[str, str] | None = None
) -> str | None:
    """The one line refusing credentials of another account than `pinned`, or None."""
    current = current_account(config, env)
    if not pinned or not current or current == pinned:
        return None
    return (
        f"twilio account: this stack is pinned to account {pinned} (the one it deployed into, kept in its "
        f"state), but the credentials from {credentials_source(config, env)} are for account {current}; "
        f"nothing was sent to either (fix: use the credentials of {pinned} for this stack, or a stack of its "
        f"own for {current})"
    )
