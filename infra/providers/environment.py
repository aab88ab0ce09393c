"""Serverless Environment (Twilio has no update: any change replaces it). An environment with the same
unique name
in the service is adopted."""

from __future__ import annotations

import pulumi
from pulumi import dynamic

from infra.providers.base import TwilioProvider, diff_inputs
from infra.rest import SERVERLESS

FIELDS = ("service_sid", "unique_name", "domain_suffix")


def _url(service_sid: str, sid: str | None = None) -> str:
    base = f"{SERVERLESS}/Services/{service_sid}/Environments"
    return f"{base}/{sid}" if sid else base


def _outputs(live: dict, adopted: bool) -> dict:
    return {
        **{k: live.get(k) for k in FIELDS},
        "sid": live["sid"],
        "domain_name": live["domain_name"],
        "adopted": adopted,
    }


class EnvironmentProvider(TwilioProvider):
    def check(self, olds: dict, news: dict) -> dynamic.CheckResult:
        failures = []
        name = news.get("unique_name")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            failures.append(
                dynamic.CheckFailure(
                    "unique_name",
                    f"{name!r} must be 1-100 characters (fix: chat-transfer:functions.environment)",
                )
            )
        suffix = news.get("domain_suffix")
        if suffix is not None and (len(suffix) > 16 or not suffix.replace("-", "").isalnum()):
            failures.append(
                dynamic.CheckFailure(
                    "domain_suffix",
                    f"{suffix!r} must be ≤16 letters, digits or '-' (fix: shorten the environment)",
                )
            )
        return dynamic.CheckResult(news, failures)

    def diff(self, id: str, olds: dict, news: dict) -> dynamic.DiffResult:
        return diff_inputs(olds, news, replace_keys=FIELDS)

    @staticmethod
    def _find(rest, service_sid: str, unique_name: str) -> dict | None:
        return next(
            (e for e in rest.list_all(_url(service_sid), "environments") if e["unique_name"] == unique_name),
            None,
        )

    def create(self, props: dict) -> dynamic.CreateResult:
        rest = self.rest()
        service_sid = props["service_sid"]
        for env in rest.list_all(_url(service_sid), "environments"):
            if env["unique_name"] == props["unique_name"]:
                pulumi.log.info(f"adopting existing environment {env['unique_name']!r} ({env['sid']})")
                return dynamic.CreateResult(env["sid"], _outputs(env, True))
        form = {"UniqueName": props["unique_name"]}
        if props.get("domain_suffix"):
            form["DomainSuffix"] = props["domain_suffix"]
        live = rest.create(
            _url(service_sid), form, recover=lambda: self._find(rest, service_sid, props["unique_name"])
        )
        return dynamic.CreateResult(live["sid"], _outputs(live, False))

    def read(self, id: str, props: dict) -> dynamic.ReadResult:
        live = self.rest().find(_url(props["service_sid"], id))
        if live is None:
            return dynamic.ReadResult("", {})
        outs = _outputs(live, bool(props.get("adopted")))
        return dynamic.ReadResult(id, outs, {k: outs[k] for k in FIELDS if outs[k] is not None})

    def delete(self, id: str, props: dict) -> None:
        if not props.get("adopted"):
            self.rest().delete(_url(props["service_sid"], id))


class Environment(dynamic.Resource):
    sid: pulumi.Output[str]
    domain_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        service_sid: pulumi.Input[str],
        unique_name: pulumi.Input[str],
        domain_suffix: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            EnvironmentProvider(),
            name,
            {
                "service_sid": service_sid,
                "unique_name": unique_name,
                "domain_suffix": domain_suffix,
                "sid": None,
                "domain_name": None,
                "adopted": None,
            },
            opts,
        )
