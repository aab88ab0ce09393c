"""The release of one Flex plugin version beside the others (`twiliox:flex:PluginRelease`): a plugin
configuration made of the ACTIVE release's plugins with this plugin set to this version, every other plugin
kept at its version, then a release of it. The active release is read when the release is made (the first of
the Releases list, as the Plugins CLI reads it), so a plugin released by hand or by another tool since the
last up is kept: merge, never clobber.

Configurations and releases are immutable on Twilio, so each change makes a new pair; the id is the plugin's
SID. Read reports which version of the plugin the active release holds (none after someone released a
configuration without it: drift, which the next up puts back). Destroy releases the then-active plugins
without this one; it archives nothing."""

from __future__ import annotations

import json

from flex_chat_transfer.infra.rest import FLEX, Rest
from flex_chat_transfer.infra.twiliox.base import Context, Kind, carried

TOKEN = "twiliox:flex:PluginRelease"
PLUGIN_SERVICE = f"{FLEX}/PluginService"
# Flex loads a release's plugins in phases; the Plugins CLI configures phase 3.
PHASE = 3
NAME_MAX = 100


def active_release(rest: Rest) -> tuple[dict | None, list[dict]]:
    """(the active release, its configured plugins), or (None, [])."""
    releases = rest.get(f"{PLUGIN_SERVICE}/Releases", {"PageSize": 1}).get("releases") or []
    if not releases:
        return None, []
    configured = rest.list_all(
        f"{PLUGIN_SERVICE}/Configurations/{releases[0]['configuration_sid']}/Plugins", "plugins"
    )
    return releases[0], configured


class PluginRelease(Kind):
    def __init__(self) -> None:
        super().__init__(
            check_calls_twilio=False,
            token=TOKEN,
            description="The active release holding this plugin version beside the account's other plugins.",
            inputs={
                "plugin_sid": ("string", "The plugin (FP…)."),
                "plugin_version_sid": ("string", "The version (FV…) to release."),
                "label": ("string", "Names the configurations this makes (the stack, the plugin)."),
            },
            outputs={
                "sid": ("string", "The plugin's FP… SID."),
                "release_sid": ("string", "The FK… release this made (or found holding the version)."),
                "configuration_sid": ("string", "The FJ… configuration released."),
                "kept": ("array", "The other plugins kept in it, as name@version."),
            },
            required=("plugin_sid", "plugin_version_sid"),
            replace_on=("plugin_sid",),
            id_format="FP…",
            not_diffed=("label",),
            leaves_imports=False,
        )

    def _release(self, ctx: Context, props: dict) -> dict:
        rest = ctx.rest()
        release, configured = active_release(rest)
        ours = next((p for p in configured if p["plugin_sid"] == props["plugin_sid"]), None)
        others = [p for p in configured if p["plugin_sid"] != props["plugin_sid"]]
        kept = [f"{p['unique_name']}@{p['version']}" for p in others]
        if (
            release is not None
            and ours is not None
            and ours["plugin_version_sid"] == props["plugin_version_sid"]
        ):
            # Already released (a re-run after a lost answer, or released by hand): nothing to write.
            return {
                **props,
                "sid": props["plugin_sid"],
                "release_sid": release["sid"],
                "configuration_sid": release["configuration_sid"],
                "kept": kept,
            }
        entries = [
            {"plugin_version": p["plugin_version_sid"], "phase": p.get("phase", PHASE)} for p in others
        ]
        entries.append({"plugin_version": props["plugin_version_sid"], "phase": PHASE})
        configuration, release = self._configure_and_release(
            rest, f"{props.get('label') or 'chat-transfer'}", entries
        )
        ctx.log(
            f"released {configuration['sid']} ({release['sid']}): this plugin's version "
            f"{props['plugin_version_sid']}; kept: {', '.join(kept) or 'none'}"
        )
        return {
            **props,
            "sid": props["plugin_sid"],
            "release_sid": release["sid"],
            "configuration_sid": configuration["sid"],
            "kept": kept,
        }

    @staticmethod
    def _configure_and_release(rest: Rest, name: str, entries: list[dict]) -> tuple[dict, dict]:
        configuration = rest.post(
            f"{PLUGIN_SERVICE}/Configurations",
            [("Name", name[:NAME_MAX])] + [("Plugins", json.dumps(entry)) for entry in entries],
        )
        release = rest.post(f"{PLUGIN_SERVICE}/Releases", {"ConfigurationId": configuration["sid"]})
        return configuration, release

    def create(self, ctx: Context, inputs: dict) -> tuple[str, dict]:
        return inputs["plugin_sid"], self._release(ctx, inputs)

    def update(self, ctx: Context, id: str, olds: dict, news: dict) -> dict:
        if not self.changed(olds, news) and olds.get("release_sid"):
            return carried(
                id,
                news,
                release_sid=olds.get("release_sid"),
                configuration_sid=olds.get("configuration_sid"),
                kept=olds.get("kept") or [],
            )
        return self._release(ctx, news)

    def read(self, ctx: Context, id: str, state: dict) -> tuple[str, dict, dict] | None:
        release, configured = active_release(ctx.rest())
        ours = next((p for p in configured if p["plugin_sid"] == id), None)
        live_version = ours["plugin_version_sid"] if ours else None
        if live_version != state.get("plugin_version_sid"):
            released = f"version {live_version}" if live_version else "no version of it"
            ctx.log(
                f"drift: the active release {release['sid'] if release else '(none)'} holds {released}; "
                "the next up releases this stack's version beside the others"
            )
        inputs = {
            "plugin_sid": id,
            "plugin_version_sid": live_version,
            **({"label": state["label"]} if "label" in state else {}),
        }
        outs = {**state, **inputs, "sid": id}
        if release is not None:
            outs.update(release_sid=release["sid"], configuration_sid=release["configuration_sid"])
        return id, outs, inputs

    def delete(self, ctx: Context, id: str, state: dict) -> None:
        rest = ctx.rest()
        release, configured = active_release(rest)
        if release is None or all(p["plugin_sid"] != id for p in configured):
            ctx.log("the active release does not hold this plugin: nothing to release")
            return
        others = [p for p in configured if p["plugin_sid"] != id]
        entries = [
            {"plugin_version": p["plugin_version_sid"], "phase": p.get("phase", PHASE)} for p in others
        ]
        label = f"{state.get('label') or 'chat-transfer'} (removed)"
        configuration, new_release = self._configure_and_release(rest, label, entries)
        kept = ", ".join(f"{p['unique_name']}@{p['version']}" for p in others) or "none"
        ctx.log(f"released {configuration['sid']} ({new_release['sid']}) without this plugin; kept: {kept}")
