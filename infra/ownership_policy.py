"""The Flex configuration ownership policy, shared by the program (its pre-flight tells whether the functions'
domain key is this stack's before anything is written) and the provider's `ConfigurationKeys` kind (which
enforces it on every write). Pure functions of the `ui_attributes` document; no Twilio calls.

Ownership: each key a stack sets is recorded in `ui_attributes.custom_data.chat_transfer_owners`
(`"<path>.<key>": ["<project>/<stack>", …]`). A different value this stack did not set, recorded by another
stack or by nobody (a hand edit, another tool), is a conflict; a value not known yet (`UNKNOWN`, preview of a
new stack) counts as different. The same value joins its owners.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from flex_chat_transfer.infra.rest import FLEX
from flex_chat_transfer.workflow.twilio_limits import FLEX_KEY_NAME


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


# A value not known yet (an output of a resource still to be created, during preview).
UNKNOWN: Any = _Unknown()


def is_unknown(value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(is_unknown(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(is_unknown(v) for v in value)
    return False


CONFIGURATION_URL = f"{FLEX}/Configuration"

OWNERS_PATH = ("custom_data", "chat_transfer_owners")
# What a key held before a stack set it, per stack (`"<path>.<key>": {"<project>/<stack>": {"value": …} |
# {"absent": true}}`), written in the same Flex write as the value: a run killed after that write, whose state
# never learned it, still gives the key back right (the stack's state holds the same as `previous`).
FOUND_PATH = ("custom_data", "chat_transfer_found")
NATIVE_TRANSFERS_MESSAGE = (
    "flex configuration: native messaging transfers are on "
    "(ui_attributes.featureFlags.transfersConfig.enabled) and cannot run together with the "
    "chat-transfer feature (fix: turn off Transfers under Flex > Channel management, or do not "
    "deploy this stack)"
)
LEGACY_PATH = "ui_attributes.custom_data.features.conversation_transfer"
# A key a stack may set: one object member, so no dots (owner records are dotted paths).
KEY_NAME = FLEX_KEY_NAME


def native_transfers_enabled(ui_attributes: dict) -> bool:
    transfers = (ui_attributes.get("featureFlags") or {}).get("transfersConfig") or {}
    return transfers.get("enabled") is True


class PathError(ValueError):
    """A path that is not a dotted path under ui_attributes (the provider's Check reports it on `path`)."""


def split_path(path: str) -> tuple[str, ...]:
    parts = tuple(path.split("."))
    if len(parts) < 2 or parts[0] != "ui_attributes" or not all(parts):
        raise PathError(
            f"{path!r} must be a dotted path under ui_attributes, e.g. ui_attributes.custom_data.x"
        )
    return parts[1:]


def node_at(tree: dict, keys: tuple[str, ...], create: bool = False) -> dict | None:
    node = tree
    for key in keys:
        child = node.get(key) if isinstance(node, dict) else None
        if not isinstance(child, dict):
            if not create:
                return None
            child = node[key] = {}
        node = child
    return node


def owners(ui_attributes: dict) -> dict[str, list[str]]:
    """`"<path>.<key>"` → the stacks that set it (a plain string from a hand edit counts as one owner)."""
    recorded = node_at(ui_attributes, OWNERS_PATH) or {}
    return {k: ([v] if isinstance(v, str) else [str(x) for x in v or []]) for k, v in recorded.items()}


def conflicts(ui_attributes: dict, path: str, values: dict, me: str) -> list[str]:
    """Keys holding a different value this stack did not set, each as `<path>.<key> (<who set it>)`: set by
    another stack (setting the same value joins its owners instead), or by no stack at all. A value not known
    yet (`UNKNOWN`, preview of a new stack) is different from whatever is there."""
    recorded = owners(ui_attributes)
    node = node_at(ui_attributes, split_path(path)) or {}
    out = []
    for key, value in values.items():
        full = f"{path}.{key}"
        setters = recorded.get(full, [])
        if key not in node or me in setters or (node[key] == value and not is_unknown(value)):
            continue
        others = [o for o in setters if o != me]
        who = f"set by {', '.join(others)}" if others else f"holds {shown(node[key])}, set by no stack"
        out.append(f"{full} ({who})")
    return out


def shown(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def refusal(taken: list[str]) -> str:
    return (
        f"flex configuration: {', '.join(taken)} is not this stack's to change; nothing was written "
        "(fix: set chat-transfer:flexTakeOver to true to take it over (destroy puts the value back), "
        "or destroy that stack first)"
    )


def applied(ui_attributes: dict, path: str, values: dict, me: str, take_over: bool = False) -> dict:
    """A copy with our values set and us among their owners (the only one after a take-over)."""
    merged = copy.deepcopy(ui_attributes)
    node = node_at(merged, split_path(path), create=True)
    recorded = node_at(merged, OWNERS_PATH, create=True)
    for key, value in values.items():
        full = f"{path}.{key}"
        before = owners(merged).get(full, [])
        agreed = node.get(key) == value and not take_over
        node[key] = value
        recorded[full] = [*[o for o in before if o != me and agreed], me]
    return merged


def found_before(ui_attributes: dict, full: str, me: str) -> dict | None:
    """What `full` held before `me` set it, as recorded in the document (None when not recorded)."""
    record = (node_at(ui_attributes, FOUND_PATH) or {}).get(full)
    before = record.get(me) if isinstance(record, dict) else None
    return dict(before) if isinstance(before, dict) else None


def with_found(ui_attributes: dict, path: str, previous: dict, me: str) -> dict:
    """A copy recording, for each key of `previous`, what it held before `me` set it (see FOUND_PATH)."""
    merged = copy.deepcopy(ui_attributes)
    record = node_at(merged, FOUND_PATH, create=True)
    for key, before in previous.items():
        entry = record.get(f"{path}.{key}")
        entry = record[f"{path}.{key}"] = entry if isinstance(entry, dict) else {}
        entry[me] = before
    return merged


def _forget_found(tree: dict, full: str, me: str) -> None:
    record = node_at(tree, FOUND_PATH)
    entry = record.get(full) if record is not None else None
    if isinstance(entry, dict):
        entry.pop(me, None)
        if not entry:
            record.pop(full)


def swept(ui_attributes: dict, path: str, me: str, done: Iterable[str]) -> dict:
    """A copy where no key directly under `path` (other than `done`) is still owned by `me`: left over by a
    run killed after its write. A key with a recorded previous value gets it back (as `restored`); without
    one, only `me` leaves its owners."""
    merged = copy.deepcopy(ui_attributes)
    leftovers = {}
    for full, setters in owners(merged).items():
        parent, _, key = full.rpartition(".")
        if parent == path and key not in done and me in setters:
            leftovers[key] = found_before(merged, full, me)
    known = {key: before for key, before in leftovers.items() if before is not None}
    merged = restored(merged, path, known, me) if known else merged
    recorded = node_at(merged, OWNERS_PATH)
    for key in (k for k, before in leftovers.items() if before is None):
        full = f"{path}.{key}"
        others = [o for o in (recorded or {}).get(full, []) if o != me]
        if recorded is not None and others:
            recorded[full] = others
        elif recorded is not None:
            recorded.pop(full, None)
    prune(merged, OWNERS_PATH)
    return merged


def restored(ui_attributes: dict, path: str, previous: dict, me: str) -> dict:
    """A copy without us among the owners of the keys in `previous`; a key nobody else owns gets its previous
    value (and owners) back, or goes. A key we no longer own (taken over since) is not touched. Objects we
    leave empty are removed."""
    merged = copy.deepcopy(ui_attributes)
    keys = split_path(path)
    recorded = node_at(merged, OWNERS_PATH, create=True)
    current = owners(merged)
    node = node_at(merged, keys)
    for key, before in previous.items():
        full = f"{path}.{key}"
        if me not in current.get(full, []):
            continue
        _forget_found(merged, full, me)
        others = [o for o in current[full] if o != me]
        if others:
            recorded[full] = others
            continue
        if node is not None:
            if before.get("absent"):
                node.pop(key, None)
            else:
                node[key] = before.get("value")
        if before.get("owners"):
            recorded[full] = list(before["owners"])
        else:
            recorded.pop(full, None)
    prune(merged, keys)
    prune(merged, OWNERS_PATH)
    prune(merged, FOUND_PATH)
    return merged


def prune(tree: dict, keys: tuple[str, ...]) -> None:
    for depth in range(len(keys), 0, -1):
        parent = node_at(tree, keys[: depth - 1])
        if parent is not None and parent.get(keys[depth - 1]) == {}:
            parent.pop(keys[depth - 1])
