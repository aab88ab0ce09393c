"""Serverless Environment (`twiliox:serverless:Environment`). Import id: `ZS…/ZE…`. Twilio has no update: any
input change replaces it. A same-name environment in the service that this stack does not hold is refused,
except in a plugin service this stack just took back from its own destroy (`service.TAKEN_BACK`): that one is
the stack's leftover too, taken back as it is."""

from __future__ import annotations

from flex_chat_transfer.infra.rest import SERVERLESS, find_environment
from flex_chat_transfer.infra.twiliox.base import (
    FOUND_SCHEMA,
    Context,
    Failure,
    Kind,
    carried,
    found,
    import_sids,
    is_unknown,
)
from flex_chat_transfer.infra.twiliox.ownership import refuse

TOKEN = "twiliox:serverless:Environment"
FIELDS = ("service_sid", "unique_name", "domain_suffix")


def _url(service_sid: str, sid: str | None = None) -> str:
    base = f"{SERVERLESS}/Services/{service_sid}/Environments"
    return f"{base}/{sid}" if sid else base


class Environment(Kind):
    def __init__(self) -> None:
        super().__init__(
            token=TOKEN,
            description="An environment of a Serverless service (its domain and deployed build).",
            inputs={
                "service_sid": ("string", "The service (ZS…)."),
                "unique_name": ("string", "Unique within the service."),
                "domain_suffix": ("string", "Suffix of the environment's domain (≤16 characters)."),
            },
            outputs={
                "sid": ("string", "The ZE… SID."),
                "domain_name": ("string", "The environment's domain."),
                "build_sid": ("string", "The build (ZB…) it served when last read."),
                "found": FOUND_SCHEMA,
            },
            required=("service_sid", "unique_name"),
            replace_on=FIELDS,
            id_format="ZS…/ZE…",
        )

    def check(self, ctx: Context, olds: dict, news: dict) -> dict:
        name = news.get("unique_name")
        if not is_unknown(name) and (not isinstance(name, str) or not 1 <= len(name) <= 100):
            raise Failure(
                "unique_name", f"{name!r} must be 1-100 characters (fix: chat-transfer:functions.environment)"
            )
        suffix = news.get("domain_suffix")
        if (
            suffix is not None
            and not is_unknown(suffix)
            and (len(suffix) > 16 or not suffix.replace("-", "").isalnum())
        ):
            raise Failure("domain_suffix", f"{suffix!r} must be ≤16 letters, digits or '-'")
        service_sid = news.get("service_sid")
        # A new service (SID unknown in preview, or made by this process) holds no environment yet.
        from flex_chat_transfer.infra.twiliox.service import CREATED_HERE, TAKEN_BACK

        if (
            (olds.get("unique_name"), olds.get("service_sid")) != (name, service_sid)
            and not is_unknown(service_sid)
            and service_sid not in CREATED_HERE
            and service_sid not in TAKEN_BACK
        ):
            self._refuse_taken(ctx, service_sid, name)
        return news

    def _refuse_taken(self, ctx: Context, service_sid: str, name: str) -> None:
        taken = find_environment(ctx.rest(), service_sid, name)
        if taken:
            raise refuse(
                ctx.urn,
                TOKEN,
                f"environment {name!r} ({taken['sid']}) of service {service_sid}",
                f"{service_sid}/{taken['sid']}",
                "set chat-transfer:functions.environment to another name",
            )

    @staticmethod
    def _outputs(live: dict, adopted: bool = False) -> dict:
        outs = {
            **{k: live.get(k) for k in FIELDS},
            "sid": live["sid"],
            "domain_name": live["domain_name"],
            "build_sid": live.get("build_sid"),
        }
        if adopted:
            outs["adopted"] = True
        return {k: v for k, v in outs.items() if v is not None}

    def create(self, ctx: Context, inputs: dict) -> tuple[str, dict]:
        rest = ctx.rest()
        service_sid = inputs["service_sid"]
        from flex_chat_transfer.infra.twiliox.service import CREATED_HERE, TAKEN_BACK

        if service_sid in TAKEN_BACK and (
            leftover := find_environment(rest, service_sid, inputs["unique_name"])
        ):
            ctx.log(f"environment {inputs['unique_name']} ({leftover['sid']}) of that service: taken back")
            return leftover["sid"], self._outputs(leftover)
        if service_sid not in CREATED_HERE:
            self._refuse_taken(ctx, service_sid, inputs["unique_name"])
        form = {"UniqueName": inputs["unique_name"]}
        if inputs.get("domain_suffix"):
            form["DomainSuffix"] = inputs["domain_suffix"]
        live = rest.create(
            _url(service_sid), form, recover=lambda: find_environment(rest, service_sid, form["UniqueName"])
        )
        return live["sid"], self._outputs(live)

    def update(self, ctx: Context, id: str, olds: dict, news: dict) -> dict:
        # Only reached with nothing Twilio could change (every input replaces): legacy state being rewritten.
        return carried(id, news, bool(olds.get("adopted")), domain_name=olds.get("domain_name"))

    def read(self, ctx: Context, id: str, state: dict) -> tuple[str, dict, dict] | None:
        service_sid = state.get("service_sid")
        if not state:
            service_sid, id = import_sids(id, ("ZS", "ZE"), "service SID / environment SID")
        live = ctx.rest().find(_url(service_sid, id))
        if live is None:
            return None
        outs = self._outputs(live, bool(state.get("adopted")))
        return id, outs, {k: outs[k] for k in FIELDS if k in outs}

    def found_values(self, outputs: dict, inputs: dict) -> dict:
        # The build it served at import: destroy deploys it again (no new build), so what it served then
        # answers again, whatever this stack deployed since.
        return {"build_sid": outputs.get("build_sid")}

    def give_back(self, ctx: Context, id: str, state: dict) -> None:
        build_sid = (found(state) or {}).get("build_sid")
        live = ctx.rest().find(_url(state["service_sid"], id))
        if live is None:
            return
        if build_sid and live.get("build_sid") != build_sid:
            ctx.rest().create(f"{_url(state['service_sid'], id)}/Deployments", {"BuildSid": build_sid})
            ctx.log(f"environment {id}: serves build {build_sid} again, as when it was imported")
        elif not build_sid and live.get("build_sid"):
            ctx.log(
                f"environment {id}: served no build when imported; Twilio cannot undeploy, so it keeps "
                f"serving {live.get('build_sid')}"
            )
        ctx.log(f"environment {id}: left in place (not this stack's)")

    def delete(self, ctx: Context, id: str, state: dict) -> None:
        if state.get("adopted"):
            ctx.log(f"leaving environment {id} in place (the old version adopted it; it predates this stack)")
            return
        ctx.rest().delete(_url(state["service_sid"], id))
