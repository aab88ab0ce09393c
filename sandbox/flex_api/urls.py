"""Flex routes (https://flex-api.twilio.com/v1/…)."""

from __future__ import annotations

from sandbox.core.http import Product, route
from sandbox.flex_api import responses as r
from sandbox.flex_api.models import FlexBackend

P = "flex-api"
CH = "/v1/Interactions/{interaction}/Channels/{channel}"
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
        ],
    )
]
