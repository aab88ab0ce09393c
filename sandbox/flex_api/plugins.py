"""The Flex Plugins API's state and rules (`/v1/PluginService/…`): Plugins (FP), their Versions (FV),
Configurations (FJ) with their configured plugins, and Releases (FK).

As on Twilio: a plugin is upserted by unique name and can only be archived; versions and configurations are
immutable (create, fetch, archive); a release points the account at one configuration and is never deleted.
The active release is the newest, the first of the Releases list (lists are newest first, which is how the
Plugins CLI reads "latest" and "active"). What is still in the active release cannot be archived.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flex_chat_transfer.sandbox.core.errors import Conflict, InvalidParameter, NotFound, missing
from flex_chat_transfer.sandbox.core.state import SandboxState
from flex_chat_transfer.sandbox.core.store import ResourceTable

# The names the Plugins CLI gives plugins (their package.json name, which is also a path segment of the
# bundle's asset): an npm package name without scope. The sandbox holds the API to the same rule.
PLUGIN_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,213}$")
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
CHANGELOG_MAX = 1000
# Flex loads a release's plugins in phases; the Plugins CLI always configures phase 3.
DEFAULT_PHASE = 3


def newest_first(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return list(reversed(docs))


class PluginService:
    def __init__(self, state: SandboxState) -> None:
        self.state = state
        store = state.store
        self.plugins = ResourceTable(store, "flex.plugin", "FP")
        self.versions = ResourceTable(store, "flex.plugin_version", "FV")
        self.configurations = ResourceTable(store, "flex.plugin_configuration", "FJ")
        self.releases = ResourceTable(store, "flex.plugin_release", "FK")

    # ---- plugins -------------------------------------------------------------------------------------------
    def list_plugins(self) -> list[dict[str, Any]]:
        return newest_first(self.plugins.list())

    def plugin(self, ref: str) -> dict[str, Any]:
        """By FP… SID or unique name (the Plugins CLI fetches `Plugins/<unique name>`)."""
        found = self.plugins.get(ref) or next(iter(self.plugins.list(unique_name=ref)), None)
        if found is None:
            raise NotFound(f"/PluginService/Plugins/{ref}")
        return found

    def create_plugin(self, unique_name: str, friendly_name: str | None, description: str | None) -> dict:
        if not PLUGIN_NAME.match(unique_name):
            raise InvalidParameter(
                f"UniqueName {unique_name!r} is not a valid plugin name: lowercase letters, digits, '-', '_' "
                "or '.', starting with a letter or digit, at most 214 characters"
            )
        with self.state.store.transaction():
            if self.plugins.list(unique_name=unique_name):
                raise Conflict(f"Plugin with UniqueName {unique_name!r} already exists")
            return self.plugins.create(
                {
                    "account_sid": self.state.account_sid,
                    "unique_name": unique_name,
                    "friendly_name": friendly_name or unique_name,
                    "description": description or "",
                    "archived": False,
                }
            )

    def update_plugin(self, ref: str, friendly_name: str | None, description: str | None) -> dict[str, Any]:
        plugin = self.plugin(ref)
        changes = {
            k: v for k, v in (("friendly_name", friendly_name), ("description", description)) if v is not None
        }
        return self.plugins.update(plugin["sid"], changes) if changes else plugin

    def archive_plugin(self, ref: str) -> dict[str, Any]:
        with self.state.store.transaction():
            plugin = self.plugin(ref)
            if plugin["sid"] in {p["plugin_sid"] for p in self.active_plugins()}:
                raise InvalidParameter(
                    f"Plugin {plugin['unique_name']} is in the active release and cannot be archived; "
                    "release a configuration without it first"
                )
            return self.plugins.update(plugin["sid"], {"archived": True})

    # ---- versions ------------------------------------------------------------------------------------------
    def list_versions(self, plugin_ref: str) -> list[dict[str, Any]]:
        return newest_first(self.versions.list(parent=self.plugin(plugin_ref)["sid"]))

    def version(self, plugin_ref: str, ref: str) -> dict[str, Any]:
        """By FV… SID or version string."""
        plugin = self.plugin(plugin_ref)
        found = self.versions.get(ref, plugin["sid"]) or next(
            iter(self.versions.list(parent=plugin["sid"], version=ref)), None
        )
        if found is None:
            raise NotFound(f"/PluginService/Plugins/{plugin['sid']}/Versions/{ref}")
        return found

    def create_version(
        self,
        plugin_ref: str,
        version: str,
        plugin_url: str,
        changelog: str | None,
        private: bool,
        cli_version: str | None,
        validate_status: str | None,
    ) -> dict[str, Any]:
        if not SEMVER.match(version):
            raise InvalidParameter(f"Version {version!r} is not a semantic version such as 1.2.3")
        if not re.match(r"^https?://[^\s/]+/\S*$", plugin_url):
            raise InvalidParameter(f"PluginUrl {plugin_url!r} is not an http(s) URL")
        if changelog is not None and len(changelog) > CHANGELOG_MAX:
            raise InvalidParameter(f"Changelog is longer than {CHANGELOG_MAX} characters")
        with self.state.store.transaction():
            plugin = self.plugin(plugin_ref)
            if plugin["archived"]:
                raise InvalidParameter(
                    f"Plugin {plugin['unique_name']} is archived: it takes no new versions"
                )
            if self.versions.list(parent=plugin["sid"], version=version):
                raise Conflict(f"Plugin {plugin['unique_name']} already has a version {version}")
            return self.versions.create(
                {
                    "account_sid": self.state.account_sid,
                    "plugin_sid": plugin["sid"],
                    "version": version,
                    "plugin_url": plugin_url,
                    "changelog": changelog or "",
                    "private": private,
                    "archived": False,
                    "validated": validate_status == "Success",
                    "_cli_version": cli_version,
                },
                parent=plugin["sid"],
            )

    def archive_version(self, plugin_ref: str, ref: str) -> dict[str, Any]:
        with self.state.store.transaction():
            version = self.version(plugin_ref, ref)
            if version["sid"] in {p["plugin_version_sid"] for p in self.active_plugins()}:
                raise InvalidParameter(
                    f"Plugin version {version['version']} is in the active release and cannot be archived"
                )
            return self.versions.update(version["sid"], {"archived": True})

    # ---- configurations ------------------------------------------------------------------------------------
    def list_configurations(self) -> list[dict[str, Any]]:
        return newest_first(self.configurations.list())

    def configuration(self, ref: str) -> dict[str, Any]:
        found = self.configurations.get(ref)
        if found is None:
            raise NotFound(f"/PluginService/Configurations/{ref}")
        return found

    def create_configuration(self, name: str, plugins_raw: list[str], description: str | None) -> dict:
        """`plugins_raw`: the repeated `Plugins` form values, each a JSON object string
        `{"plugin_version": "FV…", "phase": 3}`. One version per plugin."""
        entries = []
        for raw in plugins_raw:
            try:
                entry = json.loads(raw)
            except json.JSONDecodeError:
                entry = None
            if not isinstance(entry, dict) or not isinstance(entry.get("plugin_version"), str):
                raise InvalidParameter(
                    f"Plugins entry {raw!r} must be a JSON object such as "
                    '{"plugin_version": "FV…", "phase": 3}'
                )
            entries.append(entry)
        with self.state.store.transaction():
            configured = []
            seen_plugins: set[str] = set()
            for entry in entries:
                version = self.versions.get(entry["plugin_version"])
                if version is None:
                    raise NotFound(f"/PluginService/PluginVersions/{entry['plugin_version']}")
                plugin = self.plugins.get(version["plugin_sid"])
                if version["archived"] or plugin["archived"]:
                    raise InvalidParameter(
                        f"Plugin version {version['sid']} ({plugin['unique_name']}@{version['version']}) is "
                        "archived and cannot be configured"
                    )
                if plugin["sid"] in seen_plugins:
                    raise InvalidParameter(
                        f"Plugin {plugin['unique_name']} appears more than once in Plugins: one version each"
                    )
                seen_plugins.add(plugin["sid"])
                phase = entry.get("phase", DEFAULT_PHASE)
                if not isinstance(phase, int) or isinstance(phase, bool) or phase < 0:
                    raise InvalidParameter(f"Plugins entry phase {phase!r} must be a non-negative integer")
                configured.append(
                    {"plugin_sid": plugin["sid"], "plugin_version_sid": version["sid"], "phase": phase}
                )
            return self.configurations.create(
                {
                    "account_sid": self.state.account_sid,
                    "name": name,
                    "description": description or "",
                    "archived": False,
                    "_plugins": configured,
                }
            )

    def configured_plugins(self, configuration_ref: str) -> list[dict[str, Any]]:
        """The configuration's plugins, each joined with its plugin and version as they are now."""
        configuration = self.configuration(configuration_ref)
        out = []
        for entry in configuration["_plugins"]:
            plugin = self.plugins.get(entry["plugin_sid"]) or {}
            version = self.versions.get(entry["plugin_version_sid"]) or {}
            out.append(
                {
                    "sid": entry["plugin_sid"],  # the list is paged by plugin SID
                    "account_sid": self.state.account_sid,
                    "configuration_sid": configuration["sid"],
                    "plugin_sid": entry["plugin_sid"],
                    "plugin_version_sid": entry["plugin_version_sid"],
                    "phase": entry["phase"],
                    "plugin_url": version.get("plugin_url"),
                    "unique_name": plugin.get("unique_name"),
                    "friendly_name": plugin.get("friendly_name"),
                    "description": plugin.get("description"),
                    "plugin_archived": plugin.get("archived", False),
                    "version": version.get("version"),
                    "changelog": version.get("changelog"),
                    "plugin_version_archived": version.get("archived", False),
                    "private": version.get("private", True),
                    "date_created": configuration["date_created"],
                }
            )
        return out

    def configured_plugin(self, configuration_ref: str, plugin_ref: str) -> dict[str, Any]:
        for entry in self.configured_plugins(configuration_ref):
            if plugin_ref in (entry["plugin_sid"], entry["unique_name"]):
                return entry
        raise NotFound(f"/PluginService/Configurations/{configuration_ref}/Plugins/{plugin_ref}")

    def archive_configuration(self, ref: str) -> dict[str, Any]:
        with self.state.store.transaction():
            configuration = self.configuration(ref)
            active = self.active_release()
            if active is not None and active["configuration_sid"] == configuration["sid"]:
                raise InvalidParameter(
                    f"Configuration {configuration['sid']} is the active release's and cannot be archived"
                )
            return self.configurations.update(configuration["sid"], {"archived": True})

    # ---- releases ------------------------------------------------------------------------------------------
    def list_releases(self) -> list[dict[str, Any]]:
        return newest_first(self.releases.list())

    def release(self, sid: str) -> dict[str, Any]:
        return self.releases.fetch(sid, path=f"/PluginService/Releases/{sid}")

    def create_release(self, configuration_id: str) -> dict[str, Any]:
        if not configuration_id:
            raise missing("ConfigurationId")
        with self.state.store.transaction():
            configuration = self.configuration(configuration_id)
            if configuration["archived"]:
                raise InvalidParameter(
                    f"Configuration {configuration['sid']} is archived and cannot be released"
                )
            for entry in self.configured_plugins(configuration["sid"]):
                if entry["plugin_archived"] or entry["plugin_version_archived"]:
                    raise InvalidParameter(
                        f"Configuration {configuration['sid']} holds archived plugin "
                        f"{entry['unique_name']}@{entry['version']} and cannot be released"
                    )
            return self.releases.create(
                {"account_sid": self.state.account_sid, "configuration_sid": configuration["sid"]}
            )

    def active_release(self) -> dict[str, Any] | None:
        releases = self.list_releases()
        return releases[0] if releases else None

    def active_plugins(self) -> list[dict[str, Any]]:
        active = self.active_release()
        return self.configured_plugins(active["configuration_sid"]) if active else []
