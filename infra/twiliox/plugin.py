"""A Flex plugin (`twiliox:flex:Plugin`), upserted by unique name as the Plugins CLI does: one that exists
already is taken as it is. Import id: `FP…` or the unique name.

Destroy never archives it: archiving is permanent, and a past release (a rollback) may still name it; destroy
of the release takes it out of the active release instead."""

from __future__ import annotations

from flex_chat_transfer.infra.rest import FLEX
from flex_chat_transfer.infra.twiliox.base import Context, Failure, Kind, carried, is_unknown
from flex_chat_transfer.workflow.flex_plugin import name_problem

TOKEN = "twiliox:flex:Plugin"
PLUGINS = f"{FLEX}/PluginService/Plugins"
FIELDS = ("unique_name", "friendly_name", "description")


class Plugin(Kind):
    def __init__(self) -> None:
        super().__init__(
            check_calls_twilio=False,
            token=TOKEN,
            description="A Flex plugin (its name); its versions are PluginVersion resources.",
            inputs={
                "unique_name": ("string", "The plugin's unique name (its package.json name)."),
                "friendly_name": ("string", "Display name."),
                "description": ("string", "Description."),
            },
            outputs={"sid": ("string", "The FP… SID.")},
            required=("unique_name",),
            replace_on=("unique_name",),
            id_format="FP… or unique name",
            leaves_imports=False,
        )

    def check(self, ctx: Context, olds: dict, news: dict) -> dict:
        name = news.get("unique_name")
        if not is_unknown(name) and (problem := name_problem(name)):
            raise Failure("unique_name", problem)
        return news

    @staticmethod
    def _form(props: dict) -> dict:
        return {
            key: props[field]
            for key, field in (("FriendlyName", "friendly_name"), ("Description", "description"))
            if props.get(field) is not None
        }

    @staticmethod
    def _outputs(live: dict) -> dict:
        return {**{k: live.get(k) for k in FIELDS}, "sid": live["sid"]}

    def create(self, ctx: Context, inputs: dict) -> tuple[str, dict]:
        rest = ctx.rest()
        name = inputs["unique_name"]
        live = rest.find(f"{PLUGINS}/{name}")
        if live is None:
            form = {"UniqueName": name, **self._form(inputs)}
            live = rest.create(PLUGINS, form, recover=lambda: rest.find(f"{PLUGINS}/{name}"))
        else:
            ctx.log(f"plugin {name} ({live['sid']}) exists: its versions are kept, ours are added")
            wanted = self._form(inputs)
            given = [f for f in ("friendly_name", "description") if inputs.get(f) is not None]
            if any(live.get(f) != inputs[f] for f in given):
                live = rest.post(f"{PLUGINS}/{live['sid']}", wanted)
        return live["sid"], self._outputs(live)

    def update(self, ctx: Context, id: str, olds: dict, news: dict) -> dict:
        wanted = self._form(news)
        if not self.changed(olds, news) or not wanted:
            return carried(id, news)
        return self._outputs(ctx.rest().post(f"{PLUGINS}/{id}", wanted))

    def read(self, ctx: Context, id: str, state: dict) -> tuple[str, dict, dict] | None:
        live = ctx.rest().find(f"{PLUGINS}/{id}")
        if live is None:
            return None
        outs = self._outputs(live)
        inputs = {k: outs[k] for k in FIELDS if k in state or not state}
        return live["sid"], outs, inputs

    def delete(self, ctx: Context, id: str, state: dict) -> None:
        ctx.log(f"plugin {state.get('unique_name')} ({id}): not archived (permanent; past releases name it)")
