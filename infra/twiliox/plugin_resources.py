"""The program's side of the plugin kinds (same style as resources.py): typed resource classes whose keyword
arguments are the provider's property names."""

from __future__ import annotations

import pulumi

from infra.twiliox import PACKAGE
from infra.twiliox.resources import _Resource


class PluginBundle(_Resource):
    TOKEN = f"{PACKAGE}:serverless:PluginBundle"
    OUTPUTS = ("sid", "asset_sid", "version_sid", "served_versions")
    version_sid: pulumi.Output[str]
    served_versions: pulumi.Output[list]

    def __init__(
        self,
        name: str,
        service_sid: pulumi.Input[str],
        path: str,
        content_hash: str,
        source: str,
        visibility: str = "protected",
        map_source: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "map_source": map_source,
            "service_sid": service_sid,
            "path": path,
            "content_hash": content_hash,
            "source": source,
            "visibility": visibility,
        }
        super().__init__(name, props, opts)


class Plugin(_Resource):
    TOKEN = f"{PACKAGE}:flex:Plugin"
    OUTPUTS = ("sid",)
    sid: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        unique_name: str,
        friendly_name: str | None = None,
        description: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {"unique_name": unique_name, "friendly_name": friendly_name, "description": description}
        super().__init__(name, props, opts)


class PluginVersion(_Resource):
    TOKEN = f"{PACKAGE}:flex:PluginVersion"
    OUTPUTS = ("sid",)
    sid: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        plugin_sid: pulumi.Input[str],
        version: str,
        plugin_url: pulumi.Input[str],
        changelog: str,
        private: bool = True,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "plugin_sid": plugin_sid,
            "version": version,
            "plugin_url": plugin_url,
            "changelog": changelog,
            "private": private,
        }
        super().__init__(name, props, opts)


class PluginRelease(_Resource):
    TOKEN = f"{PACKAGE}:flex:PluginRelease"
    OUTPUTS = ("sid", "release_sid", "configuration_sid", "kept")
    release_sid: pulumi.Output[str]
    configuration_sid: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        plugin_sid: pulumi.Input[str],
        plugin_version_sid: pulumi.Input[str],
        label: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {"plugin_sid": plugin_sid, "plugin_version_sid": plugin_version_sid, "label": label}
        super().__init__(name, props, opts)
