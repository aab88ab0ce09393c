"""How a product's handlers see a request (`Ctx`) and how they are declared (`route`, `Product`).

A handler is a plain (sync) function `handler(ctx) -> result`, run in a worker thread so SQLite and routing
work never block the event loop. The result is one of:
    dict                     -> 200 JSON
    (status, dict | None)    -> that status, JSON body (None -> empty body)
    None                     -> 204 empty body
    starlette Response       -> sent as is
Raise a `TwilioError` for an error response.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from flex_chat_transfer.sandbox.core.errors import (
    InternalError,
    InvalidParameter,
    MethodNotAllowed,
    TwilioError,
)
from flex_chat_transfer.sandbox.core.oas_index import OasIndex
from flex_chat_transfer.sandbox.core.paging import MAX_PAGE_SIZE, paginate
from flex_chat_transfer.sandbox.core.params import Params, parse_request

if TYPE_CHECKING:
    from flex_chat_transfer.sandbox.core.state import SandboxState

Handler = Callable[["Ctx"], Any]
logger = logging.getLogger("sandbox")


@dataclass
class Ctx:
    request: Request
    params: Params
    path: dict[str, str]
    product: str
    state: SandboxState

    @property
    def base_url(self) -> str:
        """scheme://host:port as the client reached us, so returned URLs work for it."""
        host = self.request.headers.get("host") or f"{self.request.url.hostname}:{self.request.url.port}"
        return f"{self.request.url.scheme}://{host}"

    def url(self, path: str, product: str | None = None) -> str:
        """Absolute URL of a `/v1…`-less API path on this sandbox: url("/Workspaces/WS…")."""
        return f"{self.base_url}/{product or self.product}/v1{path}"

    def page(
        self,
        items: Sequence[dict[str, Any]],
        key: str,
        path: str,
        render: Callable[[Ctx, dict[str, Any]], dict[str, Any]],
        *,
        filters: Sequence[str] = (),
        max_page_size: int = MAX_PAGE_SIZE,
    ) -> dict[str, Any]:
        """The page the request asks for of a list answer: `items` under `key`, each `render(ctx, item)`,
        and page links on this product's `path` (`/v1`-less) that carry the `filters` given."""
        return paginate(
            items,
            key=key,
            params=self.params,
            page_url=self.url(path),
            render=lambda item: render(self, item),
            filters=filters,
            max_page_size=max_page_size,
        )

    def links(self, base: str, parts: Mapping[str, str], product: str | None = None) -> dict[str, str]:
        """A resource's `links`: each name → the absolute URL of `<base>/<part>` (`product` as in `url`)."""
        return {name: self.url(f"{base}/{part}", product) for name, part in parts.items()}

    @property
    def backend(self) -> Any:
        return self.state.backends[self.product]

    def backend_of(self, product: str) -> Any:
        return self.state.backends[product]

    @property
    def account_sid(self) -> str:
        return self.state.account_sid

    @property
    def settings(self):
        return self.state.settings


def public(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A stored document as Twilio shows it: without the `_`-prefixed keys the sandbox keeps for itself."""
    return {k: v for k, v in doc.items() if not k.startswith("_")}


@dataclass
class Product:
    """One Twilio product: its URL prefix (the host's first label), its routes (paths start with /v1) and the
    factory of its backend (models), called once with the SandboxState."""

    name: str
    routes: list[BaseRoute]
    backend: Callable[[SandboxState], Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def error_response(error: TwilioError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


def to_response(result: Any) -> Response:
    if isinstance(result, Response):
        return result
    if result is None:
        return Response(status_code=204)
    if isinstance(result, tuple):
        status, body = result
        return Response(status_code=status) if body is None else JSONResponse(body, status_code=status)
    return JSONResponse(result)


# Read once per process, and only by a strict sandbox (`twilio-sandbox serve --strict`).
OAS_INDEX = OasIndex()


def refuse_unknown_names(request: Request, params: Params, product: str) -> None:
    """Strict mode: a query parameter or form field the OAS operation does not name is a 400/20001, where
    Twilio would silently ignore it (and so would hide a client's typo)."""
    if product not in OAS_INDEX.products():
        return
    path = request.url.path.removeprefix(f"/{product}")
    operation = OAS_INDEX.operation(product, request.method, path)
    if operation is None:
        return  # an operation Twilio's OAS lacks is the handler's to answer (404/405)
    query = {name for name, _ in request.query_params.multi_items()}
    if isinstance(params.json_body, dict):
        body = set(params.json_body)
    else:
        form = params.items[len(request.query_params.multi_items()) :]  # parse_request puts the query first
        body = {name for name, _ in form} | set(params.files)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower() or None
    unknown = operation.unknown(query, body, content_type)
    if unknown:
        raise InvalidParameter(
            f"Unknown {', '.join(unknown)} for {request.method} {operation.template}; "
            "Twilio's API does not take it (fix: remove it, or check its spelling against the API reference)"
        )


def route(path: str, product: str, **handlers: Handler) -> Route:
    """A route answering the given methods (GET=…, POST=…, DELETE=…); other methods get 405/20004."""

    async def endpoint(request: Request) -> Response:
        handler = handlers.get(request.method) or (handlers.get("GET") if request.method == "HEAD" else None)
        try:
            if handler is None:
                raise MethodNotAllowed()
            params = await parse_request(request)
            if request.app.state.sandbox.settings.strict:
                refuse_unknown_names(request, params, product)
            ctx = Ctx(request, params, dict(request.path_params), product, request.app.state.sandbox)
            return to_response(await run_in_threadpool(handler, ctx))
        except TwilioError as error:
            return error_response(error)
        except Exception as error:  # a sandbox bug: answer like Twilio's 500, keep the traceback on stderr
            logger.exception("%s %s failed", request.method, request.url.path)
            return error_response(InternalError(f"{type(error).__name__}: {error}"))

    methods = sorted({*handlers, "GET", "POST", "DELETE"})
    built = Route(path, endpoint, methods=methods)
    built.handled_methods = frozenset(handlers)  # type: ignore[attr-defined]  # read by core/coverage.py
    return built


# Twilio's five kinds of operation by where they answer (the collection or one instance) and by which method.
_ON_COLLECTION = {"list": "GET", "create": "POST"}
_ON_INSTANCE = {"fetch": "GET", "update": "POST", "delete": "DELETE"}


def resource(
    collection: str,
    product: str,
    responses: ModuleType,
    singular: str,
    operations: str = "list create fetch update delete",
    instance: str = "{sid}",
    plural: str = "",
) -> list[Route]:
    """The two routes of a REST resource as Twilio lays them out: `collection` (GET lists, POST creates) and
    `collection/<instance>` (GET fetches, POST updates, DELETE deletes), for the `operations` offered. Each is
    answered by the `responses` function named like Twilio's operation: the singular "workflow" routes
    list_workflows (the plural: `plural`, or the singular and an s), create_workflow, fetch_workflow, … (a
    missing one fails at import)."""
    offered = operations.split()
    unknown = set(offered) - {*_ON_COLLECTION, *_ON_INSTANCE}
    if unknown:
        raise ValueError(f"resource {collection}: no such operation {sorted(unknown)}")

    def handler(operation: str) -> Handler:
        noun = (plural or f"{singular}s") if operation == "list" else singular
        return getattr(responses, f"{operation}_{noun}")

    def answering(on: dict[str, str]) -> dict[str, Handler]:
        return {method: handler(operation) for operation, method in on.items() if operation in offered}

    routes = [(collection, answering(_ON_COLLECTION)), (f"{collection}/{instance}", answering(_ON_INSTANCE))]
    return [route(path, product, **answered) for path, answered in routes if answered]
