"""Serverless Service (`twiliox:serverless:Service`). Import id: `ZS…` (or the service's unique name).

Twilio keeps unique names unique per account; one held by another stack (or made by hand) is refused in Check
with the import command."""

from __future__ import annotations

import re

from flex_chat_transfer.infra.rest import SERVERLESS, TwilioApiError
from flex_chat_transfer.infra.twiliox.base import (
    FOUND_SCHEMA,
    Context,
    Failure,
    Kind,
    carried,
    found,
    is_unknown,
)
from flex_chat_transfer.infra.twiliox.ownership import refuse
from flex_chat_transfer.workflow.twilio_limits import SERVICE_SID

TOKEN = "twiliox:serverless:Service"
FIELDS = ("unique_name", "friendly_name", "include_credentials", "ui_editable")

# Services this provider process created (one process serves one `pulumi up`): a new service holds no
# functions,
# so a Function created in it need not look for a same-name one first. SIDs are never reused.
CREATED_HERE: set[str] = set()


class Service(Kind):
    def __init__(self) -> None:
        super().__init__(
            token=TOKEN,
            description="A Twilio Serverless (Functions) service.",
            inputs={
                "unique_name": ("string", "Unique per account; part of the domain."),
                "friendly_name": ("string", "Display name."),
                "include_credentials": ("boolean", "Functions get ACCOUNT_SID/AUTH_TOKEN in context."),
                "ui_editable": ("boolean", "Whether the Console may edit the functions."),
            },
            outputs={
                "sid": ("string", "The ZS… SID."),
                "domain_base": ("string", "The domain's base."),
                "found": FOUND_SCHEMA,
            },
            required=("unique_name", "friendly_name"),
            replace_on=("unique_name",),
            id_format="ZS…",
            restorable=("friendly_name", "include_credentials", "ui_editable"),
        )

    def check(self, ctx: Context, olds: dict, news: dict) -> dict:
        name = news.get("unique_name")
        if not is_unknown(name) and (not isinstance(name, str) or not 1 <= len(name) <= 50):
            raise Failure(
                "unique_name", f"{name!r} must be 1-50 characters (fix: chat-transfer:functions.serviceName)"
            )
        news = {"include_credentials": True, "ui_editable": False, **news}
        if olds.get("unique_name") != name and not is_unknown(name):
            self._refuse_taken(ctx, name)
        return news

    def _refuse_taken(self, ctx: Context, name: str) -> None:
        taken = ctx.rest().find(f"{SERVERLESS}/Services/{name}")
        if taken:
            raise refuse(
                ctx.urn,
                TOKEN,
                f"Functions service {name!r} ({taken['sid']})",
                taken["sid"],
                "set chat-transfer:functions.serviceName to another name",
            )

    @staticmethod
    def _form(props: dict) -> dict:
        return {
            "FriendlyName": props["friendly_name"],
            "IncludeCredentials": str(bool(props.get("include_credentials", True))).lower(),
            "UiEditable": str(bool(props.get("ui_editable", False))).lower(),
        }

    @staticmethod
    def _outputs(live: dict, adopted: bool = False) -> dict:
        outs = {**{k: live[k] for k in FIELDS}, "sid": live["sid"], "domain_base": live.get("domain_base")}
        if adopted:
            outs["adopted"] = True
        return outs

    def create(self, ctx: Context, inputs: dict) -> tuple[str, dict]:
        rest = ctx.rest()
        # Check looked the name up; Twilio keeps unique names unique, so a service made since is refused by
        # Twilio itself (answered below with the same line), no second look-up on the way.
        recovered = []

        def find() -> dict | None:
            recovered.append(True)
            return rest.find(f"{SERVERLESS}/Services/{inputs['unique_name']}")

        try:
            live = rest.create(
                f"{SERVERLESS}/Services",
                {"UniqueName": inputs["unique_name"], **self._form(inputs)},
                recover=find,
            )
        except TwilioApiError as error:
            if error.status in (400, 409) and rest.find(f"{SERVERLESS}/Services/{inputs['unique_name']}"):
                self._refuse_taken(ctx, inputs["unique_name"])
            raise
        if not recovered:
            CREATED_HERE.add(live["sid"])
        return live["sid"], self._outputs(live)

    def update(self, ctx: Context, id: str, olds: dict, news: dict) -> dict:
        if not self.changed(olds, news):
            return carried(id, news, bool(olds.get("adopted")), domain_base=olds.get("domain_base"))
        live = ctx.rest().post(f"{SERVERLESS}/Services/{id}", self._form(news))
        return self._outputs(live, bool(olds.get("adopted")))

    def read(self, ctx: Context, id: str, state: dict) -> tuple[str, dict, dict] | None:
        if not state and not (SERVICE_SID.match(id) or re.match(r"^[A-Za-z0-9][A-Za-z0-9-]*$", id)):
            raise Failure("", f"import id {id!r}: expected ZS… (service SID) or the service's unique name")
        live = ctx.rest().find(f"{SERVERLESS}/Services/{id}")
        if live is None:
            return None
        outs = self._outputs(live, bool(state.get("adopted")))
        return live["sid"], outs, {k: outs[k] for k in FIELDS}

    def give_back(self, ctx: Context, id: str, state: dict) -> None:
        live = ctx.rest().find(f"{SERVERLESS}/Services/{id}")
        if live is None:
            return
        form = self._form({**state, **(found(state) or {})})
        if form != self._form(live):
            ctx.rest().post(f"{SERVERLESS}/Services/{id}", form)
        ctx.log(f"service {id}: left in place with what it serves (not this stack's)")

    def delete(self, ctx: Context, id: str, state: dict) -> None:
        if state.get("adopted"):
            ctx.log(f"leaving service {id} in place (the old version adopted it; it predates this stack)")
            return
        ctx.rest().delete(f"{SERVERLESS}/Services/{id}")
