"""A Flex plugin configuration holding one plugin version beside the others
(`twiliox:flex:PluginConfiguration`): made of the ACTIVE release's plugins (the first of the Releases list, as
the Plugins CLI reads it, read when the configuration is made) with this plugin set to this version, every
other plugin kept at its version and phase, so a plugin released by hand or by another tool since the last up
is kept: merge, never clobber. The `PluginRelease` then releases it.

Configurations are immutable on Twilio: any input change replaces it, and delete writes nothing. When the
active configuration already holds this version (a re-run after a lost answer, or released so by hand), it is
taken as it is instead of made again.

Read is where drift shows: when the active configuration is this one or holds this version, nothing changed;
else (someone released a configuration without this version) its `plugin_version_sid` comes back as the one
the active release holds (or none), so the next up makes a NEW configuration merged from the then-active
release, which the release then releases. A stale configuration is never released again."""

from __future__ import annotations

import json

from flex_chat_transfer.infra.rest import FLEX, Rest
from flex_chat_transfer.infra.twiliox.base import Context, Kind

TOKEN = "twiliox:flex:PluginConfiguration"
PLUGIN_SERVICE = f"{FLEX}/PluginService"
# Flex loads a release's plugins in phases; the Plugins CLI configures phase 3.
PHASE = 3
NAME_MAX = 100


def active_release(rest: Rest, known: str | None = None) -> tuple[dict | None, list[dict] | None]:
    """(the active release, its configured plugins), or (None, []). The plugins are not listed (None) when the
    active release's configuration is `known`: the caller knows what it holds."""
    releases = rest.get(f"{PLUGIN_SERVICE}/Releases", {"PageSize": 1}).get("releases") or []
    if not releases:
        return None, []
    if known is not None and releases[0]["configuration_sid"] == known:
        return releases[0], None
    configured = rest.list_all(
        f"{PLUGIN_SERVICE}/Configurations/{releases[0]['configuration_sid']}/Plugins", "plugins"
    )
    return releases[0], configured


def configure(rest: Rest, name: str, others: list[dict], version_sid: str | None = None) -> dict:
    """A new configuration of `others` (configured plugins, each at its version and phase), plus
    `version_sid` at the CLI's phase when given."""
    entries = [{"plugin_version": p["plugin_version_sid"], "phase": p.get("phase", PHASE)} for p in others]
    if version_sid is not None:
        entries.append({"plugin_version": version_sid, "phase": PHASE})
    return rest.post(
        f"{PLUGIN_SERVICE}/Configurations",
        [("Name", name[:NAME_MAX])] + [("Plugins", json.dumps(entry)) for entry in entries],
    )


def named(plugins: list[dict]) -> list[str]:
    return [f"{p['unique_name']}@{p['version']}" for p in plugins]


class PluginConfiguration(Kind):
    def __init__(self) -> None:
        super().__init__(
            check_calls_twilio=False,
            token=TOKEN,
            description="The active release's plugins with this plugin set to one version.",
            inputs={
                "plugin_sid": ("string", "The plugin (FP…)."),
                "plugin_version_sid": ("string", "The version (FV…) it holds."),
                "label": ("string", "Its name (the stack, the plugin and version)."),
            },
            outputs={
                "sid": ("string", "The FJ… SID."),
                "kept": ("array", "The other plugins kept in it, as name@version."),
            },
            required=("plugin_sid", "plugin_version_sid"),
            replace_on=("plugin_sid", "plugin_version_sid"),
            id_format="FJ…",
            not_diffed=("label",),
            leaves_imports=False,
        )

    def create(self, ctx: Context, inputs: dict) -> tuple[str, dict]:
        rest = ctx.rest()
        release, configured = active_release(rest)
        configured = configured or []
        ours = next((p for p in configured if p["plugin_sid"] == inputs["plugin_sid"]), None)
        others = [p for p in configured if p["plugin_sid"] != inputs["plugin_sid"]]
        outs = {**inputs, "kept": named(others)}
        if release is not None and ours and ours["plugin_version_sid"] == inputs["plugin_version_sid"]:
            return release["configuration_sid"], {**outs, "sid": release["configuration_sid"]}
        label = inputs.get("label") or "chat-transfer"
        configuration = configure(rest, label, others, inputs["plugin_version_sid"])
        ctx.log(
            f"configuration {configuration['sid']}: this plugin's version {inputs['plugin_version_sid']}; "
            f"kept: {', '.join(outs['kept']) or 'none'}"
        )
        return configuration["sid"], {**outs, "sid": configuration["sid"]}

    def update(self, ctx: Context, id: str, olds: dict, news: dict) -> dict:
        # Only the label (not diffed) can change without a replacement: nothing to send.
        return {**olds, **news, "sid": id}

    def read(self, ctx: Context, id: str, state: dict) -> tuple[str, dict, dict] | None:
        release, configured = active_release(ctx.rest(), known=id)
        live_version = state.get("plugin_version_sid")
        if configured is not None:  # the active configuration is not this one: does it hold this version?
            ours = next((p for p in configured if p["plugin_sid"] == state.get("plugin_sid")), None)
            if ours is None or ours["plugin_version_sid"] != live_version:
                live_version = ours["plugin_version_sid"] if ours else None
                released = f"version {live_version}" if live_version else "no version of it"
                ctx.log(
                    f"drift: the active release {release['sid'] if release else '(none)'} holds {released}; "
                    "the next up configures its plugins with this stack's version and releases that"
                )
        inputs = {k: state[k] for k in self.inputs if k in state}
        inputs["plugin_version_sid"] = live_version
        return id, {**state, **inputs, "sid": id}, inputs

    def delete(self, ctx: Context, id: str, state: dict) -> None:
        # Immutable, and a past release may name it; the release's delete drops the plugin from the active.
        return None
