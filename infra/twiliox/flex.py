"""Keys of the account-wide Flex configuration (`twiliox:flex:ConfigurationKeys`). Import id: the object's
path
under the configuration, e.g. `ui_attributes.custom_data.features.conversation_transfer`.

Flex's `POST /Configuration` replaces top-level properties whole, so every write is read-modify-write of
`ui_attributes` that keeps every other key. Ownership: each key this resource sets is recorded in
`ui_attributes.custom_data.chat_transfer_owners` (`"<path>.<key>": ["<project>/<stack>", …]`). A different
value this stack did not set, recorded by another stack or by nobody (a hand edit, another tool), is refused
(in Check, so preview stops) unless `take_over` is true; a value not known yet (preview of a new stack)
counts as different. The same value joins its owners. What a key held before is kept in state (`previous`)
and put back on delete, and only the keys this stack still owns are touched then.

Native messaging transfers (`ui_attributes.featureFlags.transfersConfig.enabled`) cannot run together with the
feature: a write is refused while they are on.
"""

from __future__ import annotations

import copy
import re
import threading
from typing import Any

from infra.rest import FLEX
from infra.twiliox.base import Context, Failure, Kind, is_unknown
from infra.twiliox.ownership import parse_urn

CONFIGURATION_URL = f"{FLEX}/Configuration"

TOKEN = "twiliox:flex:ConfigurationKeys"
OWNERS_PATH = ("custom_data", "chat_transfer_owners")
NATIVE_TRANSFERS_MESSAGE = (
    "flex configuration: native messaging transfers are on "
    "(ui_attributes.featureFlags.transfersConfig.enabled) and cannot run together with the "
    "chat-transfer feature (fix: turn off Transfers under Flex > Channel management, or do not "
    "deploy this stack)"
)
_ABSENT = {"absent": True}
LEGACY_PATH = "ui_attributes.custom_data.features.conversation_transfer"
LEGACY_FLAGS = ("enabled", "cold_transfer", "multi_participant")
# Flex replaces ui_attributes whole: two resources of one run (flags, domain, claims) writing at once would
# each write back the other's old keys. Every read-modify-write of this process holds this lock.
_READ_MODIFY_WRITE = threading.Lock()
# A key this resource may set: one object member, so no dots (owner records are dotted paths).
KEY_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")


def native_transfers_enabled(ui_attributes: dict) -> bool:
    transfers = (ui_attributes.get("featureFlags") or {}).get("transfersConfig") or {}
    return transfers.get("enabled") is True


def _split(path: str) -> tuple[str, ...]:
    parts = tuple(path.split("."))
    if len(parts) < 2 or parts[0] != "ui_attributes" or not all(parts):
        raise Failure(
            "path", f"{path!r} must be a dotted path under ui_attributes, e.g. ui_attributes.custom_data.x"
        )
    return parts[1:]


def _node(tree: dict, keys: tuple[str, ...], create: bool = False) -> dict | None:
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
    recorded = _node(ui_attributes, OWNERS_PATH) or {}
    return {k: ([v] if isinstance(v, str) else [str(x) for x in v or []]) for k, v in recorded.items()}


def conflicts(ui_attributes: dict, path: str, values: dict, me: str) -> list[str]:
    """Keys holding a different value this stack did not set, each as `<path>.<key> (<who set it>)`: set by
    another stack (setting the same value joins its owners instead), or by no stack at all. A value not known
    yet (`UNKNOWN`, preview of a new stack) is different from whatever is there."""
    recorded = owners(ui_attributes)
    node = _node(ui_attributes, _split(path)) or {}
    out = []
    for key, value in values.items():
        full = f"{path}.{key}"
        setters = recorded.get(full, [])
        if key not in node or me in setters or (node[key] == value and not is_unknown(value)):
            continue
        others = [o for o in setters if o != me]
        who = f"set by {', '.join(others)}" if others else f"holds {_shown(node[key])}, set by no stack"
        out.append(f"{full} ({who})")
    return out


def _shown(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def refusal(taken: list[str]) -> str:
    return (
        f"flex configuration: {', '.join(taken)} is not this stack's to change; nothing was written "
        "(fix: set chat-transfer:flexTakeOver to true to take it over (destroy puts the value back), "
        "or destroy that stack first)"
    )


def owner_of(urn: str, inputs: dict) -> str:
    if inputs.get("owner"):
        return str(inputs["owner"])
    stack, project, _ = parse_urn(urn)
    return f"{project}/{stack}"


def applied(ui_attributes: dict, path: str, values: dict, me: str, take_over: bool = False) -> dict:
    """A copy with our values set and us among their owners (the only one after a take-over)."""
    merged = copy.deepcopy(ui_attributes)
    node = _node(merged, _split(path), create=True)
    recorded = _node(merged, OWNERS_PATH, create=True)
    for key, value in values.items():
        full = f"{path}.{key}"
        before = owners(merged).get(full, [])
        agreed = node.get(key) == value and not take_over
        node[key] = value
        recorded[full] = [*[o for o in before if o != me and agreed], me]
    return merged


def restored(ui_attributes: dict, path: str, previous: dict, me: str) -> dict:
    """A copy without us among the owners of the keys in `previous`; a key nobody else owns gets its previous
    value (and owners) back, or goes. A key we no longer own (taken over since) is not touched. Objects we
    leave empty are removed."""
    merged = copy.deepcopy(ui_attributes)
    keys = _split(path)
    recorded = _node(merged, OWNERS_PATH, create=True)
    current = owners(merged)
    node = _node(merged, keys)
    for key, before in previous.items():
        full = f"{path}.{key}"
        if me not in current.get(full, []):
            continue
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
    _prune(merged, keys)
    _prune(merged, OWNERS_PATH)
    return merged


def _prune(tree: dict, keys: tuple[str, ...]) -> None:
    for depth in range(len(keys), 0, -1):
        parent = _node(tree, keys[: depth - 1])
        if parent is not None and parent.get(keys[depth - 1]) == {}:
            parent.pop(keys[depth - 1])


class ConfigurationKeys(Kind):
    def __init__(self) -> None:
        super().__init__(
            token=TOKEN,
            description="Keys of one object of the account's Flex configuration, with ownership records.",
            inputs={
                "path": ("string", "Dotted path of the object, e.g. ui_attributes.custom_data.features.x."),
                "values": ("object", "The keys this resource sets in that object, with their values."),
                "owner": ("string", "Who sets them (default <project>/<stack>)."),
                "take_over": ("boolean", "Overwrite keys another stack recorded (default false)."),
            },
            outputs={"previous": ("object", "What each key held before (restored on delete).")},
            required=("path", "values"),
            replace_on=("path",),
            id_format="ui_attributes.<path>",
            leaves_imports=False,
        )

    def check(self, ctx: Context, olds: dict, news: dict) -> dict:
        path, values = news.get("path"), news.get("values")
        if not isinstance(path, str):
            raise Failure("path", "must be a string")
        _split(path)
        if is_unknown(values) and not isinstance(values, dict):
            return {"take_over": False, **news}  # known at create; _write checks ownership then
        if not isinstance(values, dict) or not values:
            raise Failure("values", "must be a non-empty object")
        for key in values:
            if not isinstance(key, str) or not KEY_NAME.match(key):
                raise Failure(
                    f"values.{key}", f"{key!r} is not a key name (fix: letters, digits, _ and -, no dots)"
                )
        news = {"take_over": False, **news}
        old_values = (olds.get("values") or {}) if olds.get("path") == path else {}
        new_keys = [k for k in values if k not in old_values or old_values[k] != values[k]]
        if new_keys and not news["take_over"]:
            ui = (ctx.read_once(CONFIGURATION_URL).get("ui_attributes")) or {}
            taken = conflicts(ui, path, {k: values[k] for k in new_keys}, owner_of(ctx.urn, news))
            if taken:
                raise Failure("", refusal(taken))
        return news

    def _configuration(self, ctx: Context) -> tuple[dict, dict]:
        config = ctx.rest().get(CONFIGURATION_URL)
        return config, config.get("ui_attributes") or {}

    def _post(self, ctx: Context, config: dict, ui_attributes: dict) -> None:
        ctx.rest().call(
            "POST",
            CONFIGURATION_URL,
            json_body=True,
            data={"account_sid": config["account_sid"], "ui_attributes": ui_attributes},
        )

    def _write(self, ctx: Context, inputs: dict, previous: dict) -> dict:
        config, ui = self._configuration(ctx)
        if native_transfers_enabled(ui):
            raise RuntimeError(NATIVE_TRANSFERS_MESSAGE)
        path, values, me = inputs["path"], dict(inputs["values"]), owner_of(ctx.urn, inputs)
        taken = conflicts(ui, path, values, me)
        if taken and not inputs.get("take_over"):
            raise RuntimeError(refusal(taken))
        node = _node(ui, _split(path)) or {}
        recorded = owners(ui)
        previous = dict(previous)
        for key in values:
            if key not in previous:
                before: dict[str, Any] = {"value": node[key]} if key in node else dict(_ABSENT)
                if recorded.get(f"{path}.{key}"):
                    before["owners"] = [o for o in recorded[f"{path}.{key}"] if o != me]
                previous[key] = before
        new = applied(ui, path, values, me, take_over=bool(inputs.get("take_over")))
        if new != ui:
            self._post(ctx, config, new)
        return {**inputs, "previous": previous}

    def create(self, ctx: Context, inputs: dict) -> tuple[str, dict]:
        with _READ_MODIFY_WRITE:
            return inputs["path"], self._write(ctx, inputs, {})

    def update(self, ctx: Context, id: str, olds: dict, news: dict) -> dict:
        with _READ_MODIFY_WRITE:
            return self._update(ctx, id, olds, news)

    def _update(self, ctx: Context, id: str, olds: dict, news: dict) -> dict:
        previous = dict(olds.get("previous") or {})
        dropped = {k: v for k, v in previous.items() if k not in news["values"]}
        if dropped:  # keys no longer set: give them back first
            config, ui = self._configuration(ctx)
            self._post(ctx, config, restored(ui, id, dropped, owner_of(ctx.urn, olds)))
        return self._write(ctx, news, {k: v for k, v in previous.items() if k not in dropped})

    def read(self, ctx: Context, id: str, state: dict) -> tuple[str, dict, dict] | None:
        _, ui = self._configuration(ctx)
        node = _node(ui, _split(id))
        if node is None:
            return None
        if state:
            values = {k: node[k] for k in (state.get("values") or {}) if k in node}
            if not values:
                return None
            outs = {**state, "values": values}
            return id, outs, {k: outs[k] for k in self.inputs if k in outs}
        # Import: the keys this object holds now; what they held "before" is what they hold now.
        values = {k: v for k, v in node.items() if not isinstance(v, dict)}
        inputs = {"path": id, "values": values, "take_over": False}
        return id, {**inputs, "previous": {k: {"value": v} for k, v in values.items()}}, inputs

    def delete(self, ctx: Context, id: str, state: dict) -> None:
        with _READ_MODIFY_WRITE:
            config, ui = self._configuration(ctx)
            new = restored(ui, id, state.get("previous") or {}, owner_of(ctx.urn, state))
            if new != ui:
                self._post(ctx, config, new)

    def upgrade_state(self, state: dict) -> dict:
        """State of the old dynamic `FlexFlags` (three booleans at one fixed path, created by that stack)."""
        if "path" in state:
            return state
        values = {k: state[k] for k in LEGACY_FLAGS if k in state}
        return {
            "path": LEGACY_PATH,
            "values": values,
            "take_over": False,
            "previous": {k: dict(_ABSENT) for k in values},
        }
