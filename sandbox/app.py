"""Assembles the sandbox: every product mounted under its host's first label, the control API, middleware."""

from __future__ import annotations

import importlib
import importlib.util

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.routing import Mount

from flex_chat_transfer.sandbox.core.errors import MethodNotAllowed, NotFound
from flex_chat_transfer.sandbox.core.http import Product, error_response
from flex_chat_transfer.sandbox.core.middleware import SandboxMiddleware
from flex_chat_transfer.sandbox.core.state import SandboxState, Settings
from flex_chat_transfer.sandbox.core.store import Store
from flex_chat_transfer.sandbox.seeds import apply_seed

# Each module exposes PRODUCTS: list[Product]. A product whose package is not there yet is skipped.
PRODUCT_MODULES = (
    "flex_chat_transfer.sandbox.taskrouter.urls",
    "flex_chat_transfer.sandbox.flex_api.urls",
    "flex_chat_transfer.sandbox.conversations.urls",
    "flex_chat_transfer.sandbox.iam.urls",
    "flex_chat_transfer.sandbox.serverless.urls",
    "flex_chat_transfer.sandbox.control",
)


def load_products(modules: tuple[str, ...] = PRODUCT_MODULES) -> list[Product]:
    products: list[Product] = []
    for name in modules:
        if importlib.util.find_spec(name.rsplit(".", 1)[0]) is None:
            continue
        if importlib.util.find_spec(name) is None:
            continue
        products.extend(importlib.import_module(name).PRODUCTS)
    return products


async def _not_found(request: Request, exc: HTTPException):
    if exc.status_code == 405:
        return error_response(MethodNotAllowed())
    path = request.url.path.split("/v1", 1)[-1] if "/v1/" in request.url.path else request.url.path
    return error_response(NotFound(path))


def create_app(
    settings: Settings, state: SandboxState | None = None, modules: tuple[str, ...] = PRODUCT_MODULES
) -> Starlette:
    """The ASGI app over `settings.db`; seeds `settings.seed` when the database has never been seeded.
    `modules` narrows the products (tests of one product)."""
    if state is None:
        state = SandboxState(settings=settings, store=Store(settings.db))
    _ = state.account_sid, state.auth_token  # mint once, before requests race for them
    products = load_products(modules)
    for product in products:
        if product.backend is not None:
            state.backends[product.name] = product.backend(state)
    app = Starlette(
        routes=[Mount(f"/{p.name}", routes=p.routes) for p in products],
        exception_handlers={404: _not_found, 405: _not_found},
        middleware=[Middleware(SandboxMiddleware, state=state)],
    )
    app.state.sandbox = state
    if settings.seed and state.store.get_meta("seed.name") is None:
        apply_seed(state, settings.seed)
    return app
