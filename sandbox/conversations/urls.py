"""Conversations routes (https://conversations.twilio.com/v1/…)."""

from __future__ import annotations

from flex_chat_transfer.sandbox.conversations import responses as r
from flex_chat_transfer.sandbox.conversations.models import ConversationsBackend
from flex_chat_transfer.sandbox.core.http import Product, resource

P = "conversations"
PRODUCTS = [
    Product(
        name=P,
        backend=ConversationsBackend,
        routes=[
            *resource("/v1/Conversations", P, r, "conversation"),
            *resource("/v1/Conversations/{conversation}/Participants", P, r, "participant"),
        ],
    )
]
