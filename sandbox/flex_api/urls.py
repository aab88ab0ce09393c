"""Flex routes (https://flex-api.twilio.com/v1/…)."""

from __future__ import annotations

from flex_chat_transfer.sandbox.core.http import Product, route
from flex_chat_transfer.sandbox.flex_api import plugin_responses as pr
from flex_chat_transfer.sandbox.flex_api import responses as r
from flex_chat_transfer.sandbox.flex_api.models import FlexBackend

P = "flex-api"
CH = "/v1/Interactions/{interaction}/Channels/{channel}"
PS = "/v1/PluginService"
PRODUCTS = [
    Product(
        name=P,
        backend=FlexBackend,
        routes=[
            route("/v1/Configuration", P, GET=r.fetch_configuration, POST=r.update_configuration),
            route("/v1/Interactions", P, POST=r.create_interaction),
            route("/v1/Interactions/{interaction}", P, GET=r.fetch_interaction),
            route("/v1/Interactions/{interaction}/Channels", P, GET=r.list_channels),
            route(CH, P, GET=r.fetch_channel, POST=r.update_channel),
            route(f"{CH}/Participants", P, GET=r.list_participants, POST=r.create_participant),
            route(f"{CH}/Participants/{{sid}}", P, POST=r.update_participant),
            route(f"{CH}/Invites", P, GET=r.list_invites, POST=r.create_invite),
            route(f"{PS}/Plugins", P, GET=pr.list_plugins, POST=pr.create_plugin),
            route(f"{PS}/Plugins/{{sid}}", P, GET=pr.fetch_plugin, POST=pr.update_plugin),
            route(f"{PS}/Plugins/{{sid}}/Archive", P, POST=pr.archive_plugin),
            route(f"{PS}/Plugins/{{plugin}}/Versions", P, GET=pr.list_versions, POST=pr.create_version),
            route(f"{PS}/Plugins/{{plugin}}/Versions/{{sid}}", P, GET=pr.fetch_version),
            route(f"{PS}/Plugins/{{plugin}}/Versions/{{sid}}/Archive", P, POST=pr.archive_version),
            route(f"{PS}/Configurations", P, GET=pr.list_configurations, POST=pr.create_configuration),
            route(f"{PS}/Configurations/{{sid}}", P, GET=pr.fetch_configuration),
            route(f"{PS}/Configurations/{{sid}}/Archive", P, POST=pr.archive_configuration),
            route(f"{PS}/Configurations/{{configuration}}/Plugins", P, GET=pr.list_configured_plugins),
            route(
                f"{PS}/Configurations/{{configuration}}/Plugins/{{plugin}}", P, GET=pr.fetch_configured_plugin
            ),
            route(f"{PS}/Releases", P, GET=pr.list_releases, POST=pr.create_release),
            route(f"{PS}/Releases/{{sid}}", P, GET=pr.fetch_release),
        ],
    )
]
