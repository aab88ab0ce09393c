"""Serverless routes: `serverless` (the REST API), `serverless-upload` (multipart version uploads) and
`_runtime` (deployed functions and assets, served like `https://<environment domain_name>/<path>`)."""

from __future__ import annotations

from starlette.routing import Route

from flex_chat_transfer.sandbox.core.http import Product, resource, route
from flex_chat_transfer.sandbox.core.state import SandboxState
from flex_chat_transfer.sandbox.serverless import responses as r
from flex_chat_transfer.sandbox.serverless.models import ServerlessBackend
from flex_chat_transfer.sandbox.serverless.runtime_route import serve_deployed


def _backend(state: SandboxState) -> ServerlessBackend:
    return ServerlessBackend(
        state.store, build_seconds=state.settings.build_seconds, clock=state.clock, node=state.settings.node
    )


_S = "serverless"
_SVC = "/v1/Services/{service}"
_ENV = _SVC + "/Environments/{environment}"
_U = "serverless-upload"

PRODUCTS = [
    Product(
        name=_S,
        backend=_backend,
        routes=[
            *resource("/v1/Services", _S, r, "service", instance="{service}"),
            *resource(
                _SVC + "/Environments", _S, r, "environment", "list create fetch delete", "{environment}"
            ),
            *resource(_ENV + "/Deployments", _S, r, "deployment", "list create fetch"),
            *resource(_ENV + "/Variables", _S, r, "variable"),
            *resource(_ENV + "/Logs", _S, r, "log", "list fetch"),
            *resource(_SVC + "/Functions", _S, r, "function"),
            *resource(
                _SVC + "/Functions/{sid}/Versions", _S, r, "function_version", "list fetch", "{version}"
            ),
            route(
                _SVC + "/Functions/{sid}/Versions/{version}/Content", _S, GET=r.fetch_function_version_content
            ),
            *resource(_SVC + "/Assets", _S, r, "asset"),
            *resource(_SVC + "/Assets/{sid}/Versions", _S, r, "asset_version", "list fetch", "{version}"),
            *resource(_SVC + "/Builds", _S, r, "build", "list create fetch delete"),
            route(_SVC + "/Builds/{sid}/Status", _S, GET=r.fetch_build_status),
        ],
    ),
    # The upload host only creates versions; the serverless product's backend holds the state.
    Product(
        name=_U,
        routes=[
            route(_SVC + "/Functions/{sid}/Versions", _U, POST=r.create_function_version),
            route(_SVC + "/Assets/{sid}/Versions", _U, POST=r.create_asset_version),
        ],
    ),
    Product(
        name="_runtime",
        routes=[
            Route(
                "/{domain}/{path:path}",
                serve_deployed,
                methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            ),
        ],
    ),
]
