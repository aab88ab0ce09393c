"""The program's side of the plugin kinds: like `resources.py`, each class takes its token, keyword
arguments and outputs from its kind's declaration (`infra.twiliox.kinds`)."""

from __future__ import annotations

import pulumi

from infra.twiliox.resources import _Resource


class PluginBundle(_Resource, token="twiliox:serverless:PluginBundle"):
    DEFAULTS = {"visibility": "protected"}
    version_sid: pulumi.Output[str]
    served_versions: pulumi.Output[list]


class Plugin(_Resource, token="twiliox:flex:Plugin"):
    sid: pulumi.Output[str]


class PluginVersion(_Resource, token="twiliox:flex:PluginVersion"):
    DEFAULTS = {"private": True}
    sid: pulumi.Output[str]


class PluginRelease(_Resource, token="twiliox:flex:PluginRelease"):
    release_sid: pulumi.Output[str]
    configuration_sid: pulumi.Output[str]
