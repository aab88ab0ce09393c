"""One Serverless environment Variable per key. Values are secrets in state when the caller passes them as
`pulumi.Output.secret`; `check` enforces Twilio's 450-byte value and 128-character key limits before any
write.
A key we stop managing is a resource that disappears from the program, so Pulumi deletes it."""

from __future__ import annotations

import re

import pulumi
from pulumi import dynamic

from infra.providers.base import TwilioProvider, diff_inputs, is_unknown
from infra.rest import SERVERLESS

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


class VariableProvider(TwilioProvider):
    def check(self, olds: dict, news: dict) -> dynamic.CheckResult:
        failures = []
        key, value = news.get("key"), news.get("value")
        if not isinstance(key, str) or not KEY.match(key) or len(key) > MAX_KEY_CHARS or key in RESERVED:
            failures.append(
                dynamic.CheckFailure(
                    "key",
                    f"{key!r} is not a usable variable name (fix: letters, digits and '_', ≤{MAX_KEY_CHARS} "
                    "characters, not ACCOUNT_SID/AUTH_TOKEN)",
                )
            )
        if not is_unknown(value):
            if not isinstance(value, str):
                failures.append(dynamic.CheckFailure("value", f"variable {key}: value must be a string"))
            elif problem := value_problem(str(key), value):
                failures.append(dynamic.CheckFailure("value", problem))
        return dynamic.CheckResult(news, failures)

    def diff(self, id: str, olds: dict, news: dict) -> dynamic.DiffResult:
        return diff_inputs(olds, news, replace_keys=("service_sid", "environment_sid", "key"))

    def create(self, props: dict) -> dynamic.CreateResult:
        rest = self.rest()
        existing = [v for v in rest.list_all(_url(props), "variables") if v["key"] == props["key"]]
        form = {"Key": props["key"], "Value": props["value"]}
        if existing and existing[0]["value"] == props["value"]:
            live = existing[0]
        elif existing:
            live = rest.post(_url(props, existing[0]["sid"]), form)
        else:
            live = rest.create(
                _url(props),
                form,
                recover=lambda: next(
                    (v for v in rest.list_all(_url(props), "variables") if v["key"] == props["key"]), None
                ),
            )
        return dynamic.CreateResult(live["sid"], {**{k: props[k] for k in FIELDS}, "sid": live["sid"]})

    def update(self, id: str, olds: dict, news: dict) -> dynamic.UpdateResult:
        self.rest().post(_url(news, id), {"Key": news["key"], "Value": news["value"]})
        return dynamic.UpdateResult({**{k: news[k] for k in FIELDS}, "sid": id})

    def read(self, id: str, props: dict) -> dynamic.ReadResult:
        live = self.rest().find(_url(props, id))
        if live is None:
            return dynamic.ReadResult("", {})
        outs = {**props, "key": live["key"], "value": live["value"]}
        return dynamic.ReadResult(id, outs, {k: outs[k] for k in FIELDS})

    def delete(self, id: str, props: dict) -> None:
        self.rest().delete(_url(props, id))


class Variable(dynamic.Resource):
    sid: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        service_sid: pulumi.Input[str],
        environment_sid: pulumi.Input[str],
        key: str,
        value: pulumi.Input[str],
        secret: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        if secret:
            value = pulumi.Output.secret(value)
            opts = pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(additional_secret_outputs=["value"])
            )
        super().__init__(
            VariableProvider(),
            name,
            {
                "service_sid": service_sid,
                "environment_sid": environment_sid,
                "key": key,
                "value": value,
                "sid": None,
            },
            opts,
        )
