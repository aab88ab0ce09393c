"""A Flex plugin version (`twiliox:flex:PluginVersion`): immutable on Twilio, so any change is a new one (the
program gives a new version only when the bundle's content hash changes). One that exists already with the
same URL (a lost answer, a re-run) is taken as it is. Destroy archives nothing: a past release may name it.

`kept_for_releases` is the one rule for what hosts a plugin's bundles: a service whose environments serve a
URL any version of the plugin names is kept by destroy (`Service.delete`)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flex_chat_transfer.infra.rest import FLEX, Rest
from flex_chat_transfer.infra.twiliox.base import Context, Failure, Kind, is_unknown
from flex_chat_transfer.workflow.flex_plugin import version_problem

TOKEN = "twiliox:flex:PluginVersion"
PLUGINS = f"{FLEX}/PluginService/Plugins"
FIELDS = ("plugin_sid", "version", "plugin_url", "private", "changelog")


def kept_for_releases(rest: Rest, plugin_name: str, domains: set[str]) -> list[str]:
    """The versions (as `version`) of the Flex plugin `plugin_name` whose URL is on one of `domains`. A
    release may name any of them: a version is made only to be released, and releases are immutable and never
    deleted, so a rollback to an older release loads its URL again. While this list is not empty, what serves
    those domains must stay (one read of the plugin and one paged list of its versions)."""
    plugin = rest.find(f"{PLUGINS}/{plugin_name}")
    if plugin is None:
        return []
    versions = rest.list_all(f"{PLUGINS}/{plugin['sid']}/Versions", "plugin_versions")
    return [v["version"] for v in versions if urlsplit(v.get("plugin_url") or "").hostname in domains]


class PluginVersion(Kind):
    def __init__(self) -> None:
        super().__init__(
            check_calls_twilio=False,
            token=TOKEN,
            description="An immutable version of a Flex plugin: its version string and bundle URL.",
            inputs={
                "plugin_sid": ("string", "The plugin (FP…)."),
                "version": ("string", "Semantic version, greater than the plugin's latest when made."),
                "plugin_url": ("string", "Where Flex loads the bundle from."),
                "private": ("boolean", "Flex fetches the URL with Twilio's signature (a protected asset)."),
                "changelog": ("string", "Names the stack and the bundle's content hash."),
            },
            outputs={"sid": ("string", "The FV… SID.")},
            required=("plugin_sid", "version", "plugin_url"),
            replace_on=FIELDS,
            id_format="FP…/FV…",
            leaves_imports=False,
        )

    def check(self, ctx: Context, olds: dict, news: dict) -> dict:
        version = news.get("version")
        if not is_unknown(version) and (problem := version_problem(version)):
            raise Failure("version", problem)
        return {"private": True, **news}

    @staticmethod
    def _outputs(props: dict, live: dict) -> dict:
        return {**{k: props.get(k) for k in FIELDS}, "sid": live["sid"]}

    def create(self, ctx: Context, inputs: dict) -> tuple[str, dict]:
        rest = ctx.rest()
        url = f"{PLUGINS}/{inputs['plugin_sid']}/Versions"
        existing = rest.find(f"{url}/{inputs['version']}")
        if existing is not None:
            if existing.get("plugin_url") != inputs["plugin_url"]:
                raise RuntimeError(
                    f"version {inputs['version']} exists with another URL ({existing.get('plugin_url')}); "
                    "versions are immutable (fix: set chat-transfer:plugin.version above it)",
                )
            return existing["sid"], self._outputs(inputs, existing)
        form = {
            "Version": inputs["version"],
            "PluginUrl": inputs["plugin_url"],
            "Private": str(bool(inputs.get("private", True))).lower(),
            "Changelog": inputs.get("changelog") or "",
        }
        live = rest.create(url, form, recover=lambda: rest.find(f"{url}/{inputs['version']}"))
        return live["sid"], self._outputs(inputs, live)

    def update(self, ctx: Context, id: str, olds: dict, news: dict) -> dict:
        # Every input replaces; only state of an older shape gets here.
        return {**{k: news.get(k) for k in FIELDS}, "sid": id}

    def read(self, ctx: Context, id: str, state: dict) -> tuple[str, dict, dict] | None:
        plugin_sid = state.get("plugin_sid")
        if not state:
            if "/" not in id:
                raise Failure("", f"import id {id!r}: expected FP…/FV…")
            plugin_sid, id = id.split("/", 1)
        live = ctx.rest().find(f"{PLUGINS}/{plugin_sid}/Versions/{id}")
        if live is None:
            return None
        inputs = {k: live.get(k) for k in FIELDS}
        return live["sid"], {**inputs, "sid": live["sid"]}, inputs

    def delete(self, ctx: Context, id: str, state: dict) -> None:
        ctx.log(f"plugin version {state.get('version')} ({id}): not archived (past releases name it)")
