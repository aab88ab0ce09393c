"""The kinds that release a Flex plugin as code, registered in the provider's KINDS in one line."""

from __future__ import annotations

from flex_chat_transfer.infra.twiliox.plugin import Plugin
from flex_chat_transfer.infra.twiliox.plugin_bundle import PluginBundle
from flex_chat_transfer.infra.twiliox.plugin_configuration import PluginConfiguration
from flex_chat_transfer.infra.twiliox.plugin_release import PluginRelease
from flex_chat_transfer.infra.twiliox.plugin_version import PluginVersion

PLUGIN_KINDS = (PluginBundle(), Plugin(), PluginVersion(), PluginConfiguration(), PluginRelease())
