"""Conversations routes (https://conversations.twilio.com/v1/…)."""

from __future__ import annotations

from flex_chat_transfer.sandbox.conversations import responses as r
from flex_chat_transfer.sandbox.conversations.models import ConversationsBackend
from flex_chat_transfer.sandbox.core.http import Product, route

P = "conversations"
PRODUCTS = [
    Product(
        name=P,
        backend=ConversationsBackend,
        routes=[
            route("/v1/Conversations", P, GET=r.list_conversations, POST=r.create_conversation),
            route(
                "/v1/Conversations/{sid}",
                P,
                GET=r.fetch_conversation,
                POST=r.update_conversation,
                DELETE=r.delete_conversation,
            ),
            route(
                "/v1/Conversations/{conversation}/Participants",
                P,
                GET=r.list_participants,
                POST=r.create_participant,
            ),
            route(
                "/v1/Conversations/{conversation}/Participants/{sid}",
                P,
                GET=r.fetch_participant,
                POST=r.update_participant,
                DELETE=r.delete_participant,
            ),
        ],
    )
]
