"""Serverless Service. Adopts a service that already has our unique name (Twilio keeps those unique per
account)
and leaves an adopted one in place on destroy."""

from __future__ import annotations

import pulumi
from pulumi import dynamic

from infra.providers.base import TwilioProvider, diff_inputs
from infra.rest import SERVERLESS

FIELDS = ("unique_name", "friendly_name", "include_credentials", "ui_editable")

# Services this provider process created (one process serves one `pulumi up`). A service held no functions
# when it was created, so a Function created in it has nothing to adopt and need not list the service's
# functions first (on a cold deploy that was one list call per function). SIDs are never reused.
CREATED_HERE: set[str] = set()


def _outputs(live: dict, adopted: bool) -> dict:
    return {
        **{k: live[k] for k in FIELDS},
        "sid": live["sid"],
        "domain_base": live.get("domain_base"),
        "adopted": adopted,
    }


class ServiceProvider(TwilioProvider):
    def check(self, olds: dict, news: dict) -> dynamic.CheckResult:
        failures = []
        name = news.get("unique_name")
        if not isinstance(name, str) or not 1 <= len(name) <= 50:
            failures.append(
                dynamic.CheckFailure(
                    "unique_name",
                    f"{name!r} must be 1-50 characters (fix: chat-transfer:functions.serviceName)",
                )
            )
        return dynamic.CheckResult(news, failures)

    def diff(self, id: str, olds: dict, news: dict) -> dynamic.DiffResult:
        return diff_inputs(olds, news, replace_keys=("unique_name",))

    def _form(self, props: dict) -> dict:
        return {
            "FriendlyName": props["friendly_name"],
            "IncludeCredentials": str(bool(props["include_credentials"])).lower(),
            "UiEditable": str(bool(props["ui_editable"])).lower(),
        }

    def create(self, props: dict) -> dynamic.CreateResult:
        rest = self.rest()
        existing = rest.find(f"{SERVERLESS}/Services/{props['unique_name']}")
        if existing:
            pulumi.log.info(f"adopting existing service {props['unique_name']!r} ({existing['sid']})")
            live = rest.post(f"{SERVERLESS}/Services/{existing['sid']}", self._form(props))
            return dynamic.CreateResult(live["sid"], _outputs(live, True))
        recovered = []

        def find() -> dict | None:
            recovered.append(True)
            return rest.find(f"{SERVERLESS}/Services/{props['unique_name']}")

        live = rest.create(
            f"{SERVERLESS}/Services", {"UniqueName": props["unique_name"], **self._form(props)}, recover=find
        )
        if not recovered:  # what a lost answer's look-up finds may not be ours alone
            CREATED_HERE.add(live["sid"])
        return dynamic.CreateResult(live["sid"], _outputs(live, False))

    def update(self, id: str, olds: dict, news: dict) -> dynamic.UpdateResult:
        live = self.rest().post(f"{SERVERLESS}/Services/{id}", self._form(news))
        return dynamic.UpdateResult(_outputs(live, bool(olds.get("adopted"))))

    def read(self, id: str, props: dict) -> dynamic.ReadResult:
        live = self.rest().find(f"{SERVERLESS}/Services/{id}")
        if live is None:
            return dynamic.ReadResult("", {})
        outs = _outputs(live, bool(props.get("adopted")))
        return dynamic.ReadResult(id, outs, {k: outs[k] for k in FIELDS})

    def delete(self, id: str, props: dict) -> None:
        if props.get("adopted"):
            pulumi.log.info(f"leaving adopted service {id} in place (it existed before this stack)")
            return
        self.rest().delete(f"{SERVERLESS}/Services/{id}")


class Service(dynamic.Resource):
    sid: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        unique_name: pulumi.Input[str],
        friendly_name: pulumi.Input[str],
        include_credentials: bool = True,
        ui_editable: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            ServiceProvider(),
            name,
            {
                "unique_name": unique_name,
                "friendly_name": friendly_name,
                "include_credentials": include_credentials,
                "ui_editable": ui_editable,
                "sid": None,
                "domain_base": None,
                "adopted": None,
            },
            opts,
        )
