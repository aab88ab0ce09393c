"""Flex Plugins API handlers (`/v1/PluginService/…`): the fields each answer carries are those Twilio's OAS
documents for it (`flex.v1.plugin`, `flex.v1.plugin.plugin_version`, `flex.v1.plugin_configuration`,
`…configured_plugin`, `flex.v1.plugin_release`)."""

from __future__ import annotations

from typing import Any

from flex_chat_transfer.sandbox.core.http import Ctx
from flex_chat_transfer.sandbox.flex_api.plugins import PluginService

BASE = "/PluginService"


def _s(ctx: Ctx) -> PluginService:
    return ctx.backend.plugins


def _pick(doc: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: doc.get(k) for k in keys}


def render_plugin(ctx: Ctx, d: dict[str, Any], archive: bool = False) -> dict[str, Any]:
    base = f"{BASE}/Plugins/{d['sid']}"
    out = _pick(
        d,
        "sid",
        "account_sid",
        "unique_name",
        "friendly_name",
        "description",
        "archived",
        "date_created",
        "date_updated",
    )
    out["url"] = ctx.url(base)
    if not archive:
        out["links"] = {"plugin_versions": ctx.url(f"{base}/Versions")}
    return out


def render_version(ctx: Ctx, d: dict[str, Any], archive: bool = False) -> dict[str, Any]:
    keys = ["sid", "plugin_sid", "account_sid", "version", "plugin_url", "changelog", "private", "archived"]
    out = _pick(d, *keys, *([] if archive else ["validated"]), "date_created")
    out["url"] = ctx.url(f"{BASE}/Plugins/{d['plugin_sid']}/Versions/{d['sid']}")
    return out


def render_configuration(ctx: Ctx, d: dict[str, Any], archive: bool = False) -> dict[str, Any]:
    base = f"{BASE}/Configurations/{d['sid']}"
    out = _pick(d, "sid", "account_sid", "name", "description", "archived", "date_created")
    out["url"] = ctx.url(base)
    if not archive:
        out["links"] = {"plugins": ctx.url(f"{base}/Plugins")}
    return out


def render_configured_plugin(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in d.items() if k != "sid"}
    out["url"] = ctx.url(f"{BASE}/Configurations/{d['configuration_sid']}/Plugins/{d['plugin_sid']}")
    return out


def render_release(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    out = _pick(d, "sid", "account_sid", "configuration_sid", "date_created")
    out["url"] = ctx.url(f"{BASE}/Releases/{d['sid']}")
    return out


# ---- plugins -------------------------------------------------------------------------------------
def list_plugins(ctx: Ctx):
    return ctx.page(_s(ctx).list_plugins(), "plugins", f"{BASE}/Plugins", render_plugin)


def create_plugin(ctx: Ctx):
    p = ctx.params
    doc = _s(ctx).create_plugin(p.require("UniqueName"), p.get("FriendlyName"), p.get("Description"))
    return 201, render_plugin(ctx, doc)


def fetch_plugin(ctx: Ctx):
    return render_plugin(ctx, _s(ctx).plugin(ctx.path["sid"]))


def update_plugin(ctx: Ctx):
    p = ctx.params
    return render_plugin(
        ctx, _s(ctx).update_plugin(ctx.path["sid"], p.get("FriendlyName"), p.get("Description"))
    )


def archive_plugin(ctx: Ctx):
    return render_plugin(ctx, _s(ctx).archive_plugin(ctx.path["sid"]), archive=True)


# ---- versions ------------------------------------------------------------------------------------
def list_versions(ctx: Ctx):
    plugin = _s(ctx).plugin(ctx.path["plugin"])
    path = f"{BASE}/Plugins/{plugin['sid']}/Versions"
    return ctx.page(_s(ctx).list_versions(plugin["sid"]), "plugin_versions", path, render_version)


def create_version(ctx: Ctx):
    p = ctx.params
    doc = _s(ctx).create_version(
        ctx.path["plugin"],
        p.require("Version"),
        p.require("PluginUrl"),
        p.get("Changelog"),
        p.get_bool("Private", True),
        p.get("CliVersion"),
        p.get("ValidateStatus"),
    )
    return 201, render_version(ctx, doc)


def fetch_version(ctx: Ctx):
    return render_version(ctx, _s(ctx).version(ctx.path["plugin"], ctx.path["sid"]))


def archive_version(ctx: Ctx):
    return render_version(ctx, _s(ctx).archive_version(ctx.path["plugin"], ctx.path["sid"]), archive=True)


# ---- configurations ------------------------------------------------------------------------------
def list_configurations(ctx: Ctx):
    return ctx.page(
        _s(ctx).list_configurations(), "configurations", f"{BASE}/Configurations", render_configuration
    )


def create_configuration(ctx: Ctx):
    p = ctx.params
    doc = _s(ctx).create_configuration(p.require("Name"), p.get_list("Plugins"), p.get("Description"))
    return 201, render_configuration(ctx, doc)


def fetch_configuration(ctx: Ctx):
    return render_configuration(ctx, _s(ctx).configuration(ctx.path["sid"]))


def archive_configuration(ctx: Ctx):
    return render_configuration(ctx, _s(ctx).archive_configuration(ctx.path["sid"]), archive=True)


def list_configured_plugins(ctx: Ctx):
    configuration = _s(ctx).configuration(ctx.path["configuration"])
    path = f"{BASE}/Configurations/{configuration['sid']}/Plugins"
    items = _s(ctx).configured_plugins(configuration["sid"])
    return ctx.page(items, "plugins", path, render_configured_plugin)


def fetch_configured_plugin(ctx: Ctx):
    doc = _s(ctx).configured_plugin(ctx.path["configuration"], ctx.path["plugin"])
    return render_configured_plugin(ctx, doc)


# ---- releases ------------------------------------------------------------------------------------
def list_releases(ctx: Ctx):
    return ctx.page(_s(ctx).list_releases(), "releases", f"{BASE}/Releases", render_release)


def create_release(ctx: Ctx):
    return 201, render_release(ctx, _s(ctx).create_release(ctx.params.require("ConfigurationId")))


def fetch_release(ctx: Ctx):
    return render_release(ctx, _s(ctx).release(ctx.path["sid"]))
