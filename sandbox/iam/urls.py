"""IAM routes (https://iam.twilio.com/v1/…)."""

from __future__ import annotations

from flex_chat_transfer.sandbox.core.http import Product, route
from flex_chat_transfer.sandbox.iam import responses as r
from flex_chat_transfer.sandbox.iam.models import IamBackend

P = "iam"
PRODUCTS = [
    Product(
        name=P,
        backend=IamBackend,
        routes=[route("/v1/Accounts/{account}/Tokens/validate", P, POST=r.validate_token)],
    )
]
