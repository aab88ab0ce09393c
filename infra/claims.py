"""Which stack manages which Twilio object, recorded where every stack of an account can read it.

Each stack records the objects it manages (its workflow and declared queues; the Functions service it created
or imported; the environment it deploys to or attaches to) in the account's Flex configuration, under
`ui_attributes.custom_data.chat_transfer_claims` as `{"<SID>": "<project>/<stack>"}`, through an ordinary
`twiliox:flex:ConfigurationKeys` resource: the key is set by `pulumi up`, recorded in the owner records like
the feature flags, and removed by `pulumi destroy`. The Flex configuration is the one account-wide document
every Flex account has and every stack already reads (its feature flags live there), whatever backend holds
the stack's state.

Another stack then refuses, before any write, to import an object claimed here (the provider's import read) or
to attach to a claimed environment (the program's pre-flight), with one line naming the stack that holds it.
Imported objects are claimed by the first `pulumi up` after the import; an import is read-only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

CLAIMS_KEY = "chat_transfer_claims"
CLAIMS_PATH = f"ui_attributes.custom_data.{CLAIMS_KEY}"
_SID = re.compile(r"\b[A-Z]{2}[0-9a-f]{32}\b")


def claims(ui_attributes: Mapping[str, Any]) -> dict[str, str]:
    """SID → the stack (`<project>/<stack>`) that manages it."""
    custom = ui_attributes.get("custom_data") if isinstance(ui_attributes, Mapping) else None
    recorded = custom.get(CLAIMS_KEY) if isinstance(custom, Mapping) else None
    if not isinstance(recorded, Mapping):
        return {}
    return {str(sid): str(owner) for sid, owner in recorded.items() if isinstance(owner, str)}


def held_elsewhere(ui_attributes: Mapping[str, Any], sids: Iterable[str], me: str) -> tuple[str, str] | None:
    """(SID, stack) for the first of `sids` another stack claims, else None."""
    recorded = claims(ui_attributes)
    for sid in sids:
        owner = recorded.get(sid)
        if owner is not None and owner != me:
            return sid, owner
    return None


def sids_in(text: str) -> list[str]:
    """The Twilio SIDs in an import id or a path (`ZS…/ZE…/ZV…`)."""
    return _SID.findall(text)


def held_line(what: str, sid: str, owner: str, action: str) -> str:
    return (
        f"{what}: {sid} is managed by stack {owner}; {action}, nothing was written (fix: leave it to "
        f"{owner}, or destroy {owner} first; a stack manages an object alone)"
    )
