"""Keys of the account-wide Flex configuration (`twiliox:flex:ConfigurationKeys`). Import id: the object's
path under the configuration, e.g. `ui_attributes.custom_data.features.conversation_transfer`.

Flex's `POST /Configuration` replaces top-level properties whole, so every write is read-modify-write of
`ui_attributes` that keeps every other key. Ownership: each key this resource sets is recorded in
`ui_attributes.custom_data.chat_transfer_owners` (`"<path>.<key>": ["<project>/<stack>", …]`). A different
value this stack did not set, recorded by another stack or by nobody (a hand edit, another tool), is refused
(in Check, so preview stops) unless `take_over` is true; a value not known yet (preview of a new stack)
counts as different. The same value joins its owners. What a key held before is kept in state (`previous`)
and put back on delete, and only the keys this stack still owns are touched then. The policy itself is
`infra/ownership_policy.py`, shared with the program's pre-flight.

Native messaging transfers (`ui_attributes.featureFlags.transfersConfig.enabled`) cannot run together with the
feature: a write is refused while they are on.
"""

from __future__ import annotations

import threading
from typing import Any

from flex_chat_transfer.infra.ownership_policy import (
    CONFIGURATION_URL,
    KEY_NAME,
    LEGACY_PATH,
    NATIVE_TRANSFERS_MESSAGE,
    PathError,
    applied,
    conflicts,
    found_before,
    native_transfers_enabled,
    owners,
    refusal,
    restored,
    split_path,
    swept,
    with_found,
)
from flex_chat_transfer.infra.ownership_policy import node_at as _node
from flex_chat_transfer.infra.twiliox.base import Context, Failure, Kind, is_unknown
from flex_chat_transfer.infra.twiliox.urns import parse_urn

TOKEN = "twiliox:flex:ConfigurationKeys"
_ABSENT = {"absent": True}
LEGACY_FLAGS = ("enabled", "cold_transfer", "multi_participant")
# Flex replaces ui_attributes whole: two resources of one run (flags, domain, claims) writing at once would
# each write back the other's old keys. Every read-modify-write of this process holds this lock.
_READ_MODIFY_WRITE = threading.Lock()


def _split(path: str) -> tuple[str, ...]:
    try:
        return split_path(path)
    except PathError as error:
        raise Failure("path", str(error)) from None


def owner_of(urn: str, inputs: dict) -> str:
    if inputs.get("owner"):
        return str(inputs["owner"])
    stack, project, _ = parse_urn(urn)
    return f"{project}/{stack}"


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
                full = f"{path}.{key}"
                # Set by this stack in a run whose state never learned it (killed after the write): what
                # the key held before that run is in the document's record.
                leftover = found_before(ui, full, me) if me in recorded.get(full, []) else None
                before: dict[str, Any] = {"value": node[key]} if key in node else dict(_ABSENT)
                if recorded.get(full):
                    before["owners"] = [o for o in recorded[full] if o != me]
                previous[key] = leftover or before
        new = applied(ui, path, values, me, take_over=bool(inputs.get("take_over")))
        new = with_found(new, path, {key: previous[key] for key in values}, me)
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
            me, previous = owner_of(ctx.urn, state), state.get("previous") or {}
            new = swept(restored(ui, id, previous, me), id, me, done=previous)
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
