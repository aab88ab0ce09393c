"""Serverless Service (`twiliox:serverless:Service`). Import id: `ZS…` (or the service's unique name).

Twilio keeps unique names unique per account; one held by another stack (or made by hand) is refused in Check
with the import command.

A service that hosts a Flex plugin's bundles (`hosts_plugin`: the plugin's unique name) outlives the stack's
functions: destroy keeps it, with its environments, builds and assets, while any version of that plugin names
a URL on its domains (`kept_for_releases`), because Flex releases are immutable and a rollback to an older one
loads that URL again; one line names the service and the command that deletes it by hand. The next `up` of the
same stack takes that leftover back instead of refusing its name: the name is held by a service with exactly
the friendly name this stack gives it (it names the project and stack) and no functions."""

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
from flex_chat_transfer.infra.twiliox.plugin_version import kept_for_releases
from flex_chat_transfer.workflow.twilio_limits import SERVICE_SID

TOKEN = "twiliox:serverless:Service"
FIELDS = ("unique_name", "friendly_name", "include_credentials", "ui_editable")

# Services this provider process created (one process serves one `pulumi up`): a new service holds no
# functions,
# so a Function created in it need not look for a same-name one first. SIDs are never reused.
CREATED_HERE: set[str] = set()
# Plugin services this process took back from the stack's own earlier destroy: their environment of the same
# name is the stack's leftover too (Environment takes it back instead of refusing it).
TAKEN_BACK: set[str] = set()
# unique name -> SID of the stack's own leftover plugin service that Check found holding it: Create takes that
# one back without first being refused by Twilio.
LEFT_BY_THIS_STACK: dict[str, str] = {}


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
                "hosts_plugin": (
                    "string",
                    "The Flex plugin (unique name) whose bundles it hosts: destroy keeps it while a version "
                    "of that plugin names a URL on its domains (recorded, never sent to Twilio).",
                ),
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
            if leftover := self._refuse_taken(ctx, name, news):
                LEFT_BY_THIS_STACK[name] = leftover["sid"]
        return news

    @staticmethod
    def _ours_to_take_back(rest, taken: dict, inputs: dict) -> bool:
        """Whether `taken` (holding our unique name) is this stack's own plugin service left by its destroy:
        it has exactly the friendly name this stack gives it, which names the project and stack, and no
        functions. Only plugin services qualify: the functions service's friendly name names no stack."""
        friendly = inputs.get("friendly_name")
        if not inputs.get("hosts_plugin") or is_unknown(friendly) or taken.get("friendly_name") != friendly:
            return False
        functions = rest.get(f"{SERVERLESS}/Services/{taken['sid']}/Functions", {"PageSize": 1})
        return not functions.get("functions")

    def _refuse_taken(self, ctx: Context, name: str, inputs: dict, taken: dict | None = None) -> dict | None:
        """The service holding `name` (`taken`, else looked up) when it is ours to take back; refused when
        someone else's."""
        taken = taken or ctx.rest().find(f"{SERVERLESS}/Services/{name}")
        if taken and self._ours_to_take_back(ctx.rest(), taken, inputs):
            return taken
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
        if sid := LEFT_BY_THIS_STACK.pop(inputs["unique_name"], None):
            leftover = rest.find(f"{SERVERLESS}/Services/{sid}")
            if leftover and leftover["unique_name"] == inputs["unique_name"]:
                return self._take_back(ctx, leftover, inputs)

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
            holder = rest.find(f"{SERVERLESS}/Services/{inputs['unique_name']}")
            if error.status not in (400, 409) or holder is None:
                raise
            if leftover := self._refuse_taken(ctx, inputs["unique_name"], inputs, holder):
                return self._take_back(ctx, leftover, inputs)
            raise
        if not recovered:
            CREATED_HERE.add(live["sid"])
        return live["sid"], {**self._outputs(live), **self._hosts(inputs)}

    @staticmethod
    def _hosts(props: dict) -> dict:
        return {"hosts_plugin": props["hosts_plugin"]} if props.get("hosts_plugin") else {}

    def _take_back(self, ctx: Context, taken: dict, inputs: dict) -> tuple[str, dict]:
        TAKEN_BACK.add(taken["sid"])
        ctx.log(
            f"service {inputs['unique_name']} ({taken['sid']}): this stack's own, kept by its last destroy "
            f"for plugin {inputs['hosts_plugin']}'s releases; taken back"
        )
        live = taken
        if self._form(inputs) != self._form(taken):
            live = ctx.rest().post(f"{SERVERLESS}/Services/{taken['sid']}", self._form(inputs))
        return live["sid"], {**self._outputs(live), "hosts_plugin": inputs["hosts_plugin"]}

    def update(self, ctx: Context, id: str, olds: dict, news: dict) -> dict:
        # `hosts_plugin` is the provider's, not Twilio's: a change of it alone is recorded, nothing is sent
        # (it is diffed so that state written before it existed gets it, and destroy then keeps the service).
        if not [key for key in self.changed(olds, news) if key != "hosts_plugin"]:
            return carried(id, news, bool(olds.get("adopted")), domain_base=olds.get("domain_base"))
        live = ctx.rest().post(f"{SERVERLESS}/Services/{id}", self._form(news))
        return {**self._outputs(live, bool(olds.get("adopted"))), **self._hosts(news)}

    def read(self, ctx: Context, id: str, state: dict) -> tuple[str, dict, dict] | None:
        if not state and not (SERVICE_SID.match(id) or re.match(r"^[A-Za-z0-9][A-Za-z0-9-]*$", id)):
            raise Failure("", f"import id {id!r}: expected ZS… (service SID) or the service's unique name")
        live = ctx.rest().find(f"{SERVERLESS}/Services/{id}")
        if live is None:
            return None
        outs = {**self._outputs(live, bool(state.get("adopted"))), **self._hosts(state)}
        return live["sid"], outs, {k: outs[k] for k in (*FIELDS, "hosts_plugin") if k in outs}

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
        rest = ctx.rest()
        if plugin := state.get("hosts_plugin"):
            environments = rest.list_all(f"{SERVERLESS}/Services/{id}/Environments", "environments")
            named = kept_for_releases(rest, plugin, {e["domain_name"] for e in environments})
            if named:
                ctx.log(
                    f"keeping service {id} ({state.get('unique_name')}): plugin {plugin}'s versions "
                    f"{', '.join(named)} load from it and a rollback to an older Flex release would load "
                    "them again; once none is needed, delete it by hand: "
                    f"twilio api:serverless:v1:services:remove --sid {id}"
                )
                return
        rest.delete(f"{SERVERLESS}/Services/{id}")
