"""Serverless Deployment (`twiliox:serverless:Deployment`): points an environment at a completed build.
Import id: `ZS…/ZE…/ZD…`.

Created only after its Build succeeded (it depends on the build's SID). Twilio cannot remove a deployment;
deleting this resource leaves the environment as is (the Environment's deletion takes it along)."""

from __future__ import annotations

from flex_chat_transfer.infra.rest import SERVERLESS
from flex_chat_transfer.infra.twiliox.base import Context, Kind, carried, import_sids

TOKEN = "twiliox:serverless:Deployment"
FIELDS = ("service_sid", "environment_sid", "build_sid")


def _url(props: dict) -> str:
    return f"{SERVERLESS}/Services/{props['service_sid']}/Environments/{props['environment_sid']}"


class Deployment(Kind):
    def __init__(self) -> None:
        super().__init__(
            check_calls_twilio=False,
            token=TOKEN,
            description="The build an environment serves.",
            inputs={
                "service_sid": ("string", "The service (ZS…)."),
                "environment_sid": ("string", "The environment (ZE…)."),
                "build_sid": ("string", "The build (ZB…) to serve."),
            },
            outputs={"sid": ("string", "The ZD… SID.")},
            required=FIELDS,
            replace_on=("service_sid", "environment_sid"),
            id_format="ZS…/ZE…/ZD…",
        )

    def _deploy(self, ctx: Context, props: dict) -> dict:
        live = ctx.rest().create(f"{_url(props)}/Deployments", {"BuildSid": props["build_sid"]})
        return {**{k: props[k] for k in FIELDS}, "sid": live["sid"]}

    def create(self, ctx: Context, inputs: dict) -> tuple[str, dict]:
        outs = self._deploy(ctx, inputs)
        return outs["sid"], outs

    def update(self, ctx: Context, id: str, olds: dict, news: dict) -> dict:
        if not self.changed(olds, news):
            return carried(id, news)
        return self._deploy(ctx, news)

    def read(self, ctx: Context, id: str, state: dict) -> tuple[str, dict, dict] | None:
        props = dict(state)
        if not state:
            sids = import_sids(id, ("ZS", "ZE", "ZD"), "service / environment / deployment")
            props["service_sid"], props["environment_sid"], id = sids
        environment = ctx.rest().find(_url(props))
        if environment is None:
            return None
        outs = {**props, "build_sid": environment.get("build_sid"), "sid": id}
        return id, outs, {k: outs[k] for k in FIELDS}

    def delete(self, ctx: Context, id: str, state: dict) -> None:
        return None
