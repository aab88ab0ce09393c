"""The release of a plugin configuration (`twiliox:flex:PluginRelease`): points the account's Flex at the
`PluginConfiguration` that holds this stack's plugin version beside the others. The id is the plugin's SID.

A release cannot be deleted or changed on Twilio, so a new configuration of the same plugin is an update that
posts a new release, never a replacement (whose delete would release the account without this plugin). A
renamed plugin (a new FP…) IS a replacement: the new release comes first (its configuration, merged from the
active release, still holds the old plugin), then the old resource's delete releases the active plugins
without the old one, so a rename leaves only the new name loading. When the active release already points at
the configuration (a re-run after a lost answer), nothing is written. Read reports the release as recorded:
what is active now is the configuration's read's concern (drift), so a stale configuration is never released
again by a refresh of this resource. Destroy releases the then-active plugins without this one; it archives
nothing."""

from __future__ import annotations

from flex_chat_transfer.infra.rest import FLEX
from flex_chat_transfer.infra.twiliox.base import Context, Kind
from flex_chat_transfer.infra.twiliox.plugin_configuration import active_release, configure, named

TOKEN = "twiliox:flex:PluginRelease"
RELEASES = f"{FLEX}/PluginService/Releases"


class PluginRelease(Kind):
    def __init__(self) -> None:
        super().__init__(
            check_calls_twilio=False,
            token=TOKEN,
            description="The release of a configuration holding this plugin beside the account's others.",
            inputs={
                "plugin_sid": ("string", "The plugin (FP…) destroy takes out of the active release."),
                "configuration_sid": ("string", "The configuration (FJ…) to release."),
            },
            outputs={
                "sid": ("string", "The plugin's FP… SID."),
                "release_sid": ("string", "The FK… release this made (or found active)."),
            },
            required=("plugin_sid", "configuration_sid"),
            replace_on=("plugin_sid",),
            id_format="FP…",
            leaves_imports=False,
        )

    def _release(self, ctx: Context, props: dict) -> dict:
        rest = ctx.rest()
        active = (rest.get(RELEASES, {"PageSize": 1}).get("releases") or [None])[0]
        if active is not None and active["configuration_sid"] == props["configuration_sid"]:
            return {**props, "sid": props["plugin_sid"], "release_sid": active["sid"]}
        release = rest.post(RELEASES, {"ConfigurationId": props["configuration_sid"]})
        ctx.log(f"released {props['configuration_sid']} ({release['sid']})")
        return {**props, "sid": props["plugin_sid"], "release_sid": release["sid"]}

    def create(self, ctx: Context, inputs: dict) -> tuple[str, dict]:
        return inputs["plugin_sid"], self._release(ctx, inputs)

    def update(self, ctx: Context, id: str, olds: dict, news: dict) -> dict:
        if not self.changed(olds, news) and olds.get("release_sid"):
            return {**news, "sid": id, "release_sid": olds["release_sid"]}
        return self._release(ctx, news)

    def read(self, ctx: Context, id: str, state: dict) -> tuple[str, dict, dict] | None:
        # Releases are never deleted, and what is active is the configuration's read's to report.
        return id, {**state, "sid": id}, {k: state[k] for k in self.inputs if k in state}

    def delete(self, ctx: Context, id: str, state: dict) -> None:
        rest = ctx.rest()
        release, configured = active_release(rest)
        configured = configured or []
        if release is None or all(p["plugin_sid"] != id for p in configured):
            ctx.log("the active release does not hold this plugin: nothing to release")
            return
        ours = next(p for p in configured if p["plugin_sid"] == id)
        others = [p for p in configured if p["plugin_sid"] != id]
        label = f"{release['configuration_sid']} without {ours['unique_name']}"
        configuration = configure(rest, label, others)
        new_release = rest.post(RELEASES, {"ConfigurationId": configuration["sid"]})
        kept = ", ".join(named(others)) or "none"
        ctx.log(f"released {configuration['sid']} ({new_release['sid']}) without this plugin; kept: {kept}")
