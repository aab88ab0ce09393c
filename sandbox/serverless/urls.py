"""Serverless routes: `serverless` (the REST API), `serverless-upload` (multipart version uploads) and
`_runtime` (deployed functions and assets, served like `https://<environment domain_name>/<path>`)."""

from __future__ import annotations

from starlette.routing import Route

from flex_chat_transfer.sandbox.core.http import Product, route
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
            route("/v1/Services", _S, GET=r.list_services, POST=r.create_service),
            route(_SVC, _S, GET=r.fetch_service, POST=r.update_service, DELETE=r.delete_service),
            route(_SVC + "/Environments", _S, GET=r.list_environments, POST=r.create_environment),
            route(_ENV, _S, GET=r.fetch_environment, DELETE=r.delete_environment),
            route(_ENV + "/Deployments", _S, GET=r.list_deployments, POST=r.create_deployment),
            route(_ENV + "/Deployments/{sid}", _S, GET=r.fetch_deployment),
            route(_ENV + "/Variables", _S, GET=r.list_variables, POST=r.create_variable),
            route(
                _ENV + "/Variables/{sid}",
                _S,
                GET=r.fetch_variable,
                POST=r.update_variable,
                DELETE=r.delete_variable,
            ),
            route(_ENV + "/Logs", _S, GET=r.list_logs),
            route(_ENV + "/Logs/{sid}", _S, GET=r.fetch_log),
            route(_SVC + "/Functions", _S, GET=r.list_functions, POST=r.create_function),
            route(
                _SVC + "/Functions/{sid}",
                _S,
                GET=r.fetch_function,
                POST=r.update_function,
                DELETE=r.delete_function,
            ),
            route(_SVC + "/Functions/{sid}/Versions", _S, GET=r.list_function_versions),
            route(_SVC + "/Functions/{sid}/Versions/{version}", _S, GET=r.fetch_function_version),
            route(
                _SVC + "/Functions/{sid}/Versions/{version}/Content", _S, GET=r.fetch_function_version_content
            ),
            route(_SVC + "/Assets", _S, GET=r.list_assets, POST=r.create_asset),
            route(_SVC + "/Assets/{sid}", _S, GET=r.fetch_asset, POST=r.update_asset, DELETE=r.delete_asset),
            route(_SVC + "/Assets/{sid}/Versions", _S, GET=r.list_asset_versions),
            route(_SVC + "/Assets/{sid}/Versions/{version}", _S, GET=r.fetch_asset_version),
            route(_SVC + "/Builds", _S, GET=r.list_builds, POST=r.create_build),
            route(_SVC + "/Builds/{sid}", _S, GET=r.fetch_build, DELETE=r.delete_build),
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
