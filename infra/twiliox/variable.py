"""Serverless environment Variable (`twiliox:serverless:Variable`). Import id: `ZS…/ZE…/ZV…`.

A value passed as a secret stays a secret in state; Check enforces Twilio's 450-byte value and
128-character key
limits before any write."""

from __future__ import annotations

import re

from flex_chat_transfer.infra.rest import SERVERLESS
from flex_chat_transfer.infra.twiliox.base import (
    FOUND_SCHEMA,
    Context,
    Failure,
    Kind,
    found,
    import_sids,
    is_unknown,
)

TOKEN = "twiliox:serverless:Variable"
MAX_VALUE_BYTES = 450
MAX_KEY_CHARS = 128
KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
FIELDS = ("service_sid", "environment_sid", "key", "value")
RESERVED = {"ACCOUNT_SID", "AUTH_TOKEN"}  # Twilio injects these itself


def _url(props: dict, sid: str | None = None) -> str:
    base = f"{SERVERLESS}/Services/{props['service_sid']}/Environments/{props['environment_sid']}/Variables"
    return f"{base}/{sid}" if sid else base


def value_problem(key: str, value: str) -> str | None:
    size = len(value.encode())
    if size > MAX_VALUE_BYTES:
        return f"variable {key}: value is {size} bytes, Twilio allows {MAX_VALUE_BYTES} (fix: shorten it)"
    return None


class Variable(Kind):
    def __init__(self) -> None:
        super().__init__(
            check_calls_twilio=False,
            token=TOKEN,
            description="One environment variable of a Serverless environment.",
            inputs={
                "service_sid": ("string", "The service (ZS…)."),
                "environment_sid": ("string", "The environment (ZE…)."),
                "key": ("string", "The variable's name."),
                "value": ("string", "The value (≤450 bytes); pass a secret to keep it secret in state."),
                "attached": (
                    "boolean",
                    "The environment is not this stack's (functions.attachTo): a variable already there "
                    "with this key is set, its value kept in `found` and put back by destroy.",
                ),
            },
            outputs={"sid": ("string", "The ZV… SID."), "found": FOUND_SCHEMA},
            required=FIELDS,
            replace_on=("service_sid", "environment_sid", "key"),
            id_format="ZS…/ZE…/ZV…",
            restorable=("value",),
            not_diffed=("attached",),
        )

    def check(self, ctx: Context, olds: dict, news: dict) -> dict:
        key, value = news.get("key"), news.get("value")
        if not isinstance(key, str) or not KEY.match(key) or len(key) > MAX_KEY_CHARS or key in RESERVED:
            raise Failure(
                "key",
                f"{key!r} is not a usable variable name (fix: letters, digits and '_', ≤{MAX_KEY_CHARS} "
                "characters, not ACCOUNT_SID/AUTH_TOKEN)",
            )
        if not is_unknown(value):
            if not isinstance(value, str):
                raise Failure("value", f"variable {key}: value must be a string")
            if problem := value_problem(key, value):
                raise Failure("value", problem)
        return news

    @staticmethod
    def _with_key(rest, inputs: dict) -> dict | None:
        """The environment's variable with this key, if there is one (Twilio keeps keys unique there)."""
        return next((v for v in rest.list_all(_url(inputs), "variables") if v["key"] == inputs["key"]), None)

    def create(self, ctx: Context, inputs: dict) -> tuple[str, dict]:
        rest = ctx.rest()
        if inputs.get("attached") is True:
            there = self._with_key(rest, inputs)
            if there is not None:
                if there["value"] != inputs["value"]:
                    rest.post(_url(inputs, there["sid"]), {"Key": inputs["key"], "Value": inputs["value"]})
                outs = {**{k: inputs[k] for k in FIELDS}, "sid": there["sid"]}
                return there["sid"], {**outs, "attached": True, "found": {"value": there["value"]}}
        live = rest.create(
            _url(inputs),
            {"Key": inputs["key"], "Value": inputs["value"]},
            recover=lambda: self._with_key(rest, inputs),
        )
        return live["sid"], {**{k: inputs[k] for k in FIELDS}, "sid": live["sid"]}

    def update(self, ctx: Context, id: str, olds: dict, news: dict) -> dict:
        if self.changed(olds, news):
            ctx.rest().post(_url(news, id), {"Key": news["key"], "Value": news["value"]})
        return {**{k: news[k] for k in FIELDS}, "sid": id}

    def read(self, ctx: Context, id: str, state: dict) -> tuple[str, dict, dict] | None:
        props = dict(state)
        if not state:
            sids = import_sids(id, ("ZS", "ZE", "ZV"), "service / environment / variable")
            props["service_sid"], props["environment_sid"], id = sids
        live = ctx.rest().find(_url(props, id))
        if live is None:
            return None
        outs = {**props, "key": live["key"], "value": live["value"], "sid": id}
        return id, outs, {k: outs[k] for k in FIELDS}

    def give_back(self, ctx: Context, id: str, state: dict) -> None:
        before = (found(state) or {}).get("value")
        live = ctx.rest().find(_url(state, id))
        if live is None or before is None:
            return
        if live.get("value") != before:
            ctx.rest().post(_url(state, id), {"Key": state["key"], "Value": before})
        ctx.log(f"variable {state['key']}: value put back as found; left in place (not this stack's)")

    def delete(self, ctx: Context, id: str, state: dict) -> None:
        ctx.rest().delete(_url(state, id))
