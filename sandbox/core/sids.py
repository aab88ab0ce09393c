"""SIDs: two upper-case letters and 32 lower-case hex digits, like Twilio's."""

from __future__ import annotations

import re
import uuid

SID_PATTERN = re.compile(r"^[A-Z]{2}[0-9a-f]{32}$")


def mint_sid(prefix: str) -> str:
    if len(prefix) != 2 or not prefix.isupper():
        raise ValueError(f"SID prefix must be two upper-case letters, got {prefix!r}")
    return prefix + uuid.uuid4().hex


def is_sid(value: object, prefix: str | None = None) -> bool:
    if not isinstance(value, str) or not SID_PATTERN.match(value):
        return False
    return prefix is None or value.startswith(prefix)
