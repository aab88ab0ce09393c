"""Serverless handlers: read Twilio's form parameters, call the models, render Twilio's JSON.

Every rendered resource carries absolute `url`/`links` on the sandbox's own address; private document fields
(names starting with `_`) never leave the sandbox.
"""

from __future__ import annotations

from typing import Any

from flex_chat_transfer.sandbox.core.errors import NotFound, missing
from flex_chat_transfer.sandbox.core.http import Ctx, public
from flex_chat_transfer.sandbox.core.state import BUILD_FAILED
from flex_chat_transfer.sandbox.serverless.models import ServerlessBackend

PRODUCT = "serverless"


def _models(ctx: Ctx) -> ServerlessBackend:
    return ctx.backend_of(PRODUCT)


def _url(ctx: Ctx, path: str) -> str:
    return ctx.url(path, product=PRODUCT)


def _links(ctx: Ctx, base: str, **parts: str) -> dict[str, str]:
    return ctx.links(base, parts, product=PRODUCT)


# ---- renderers ---
def render_service(ctx: Ctx, doc: dict[str, Any]) -> dict[str, Any]:
    base = f"/Services/{doc['sid']}"
    return {
        **public(doc),
        "url": _url(ctx, base),
        "links": _links(
            ctx, base, functions="Functions", assets="Assets", environments="Environments", builds="Builds"
        ),
    }


def render_environment(ctx: Ctx, doc: dict[str, Any]) -> dict[str, Any]:
    base = f"/Services/{doc['service_sid']}/Environments/{doc['sid']}"
    return {
        **public(doc),
        "url": _url(ctx, base),
        "links": _links(ctx, base, variables="Variables", deployments="Deployments", logs="Logs"),
    }


def _container_path(doc: dict[str, Any], kind: str) -> str:
    segment = "Functions" if kind == "function" else "Assets"
    return f"/Services/{doc['service_sid']}/{segment}/{doc['sid']}"


def render_container(ctx: Ctx, doc: dict[str, Any], kind: str) -> dict[str, Any]:
    base = _container_path(doc, kind)
    links_key = "function_versions" if kind == "function" else "asset_versions"
    return {**public(doc), "url": _url(ctx, base), "links": {links_key: _url(ctx, base + "/Versions")}}


def _version_path(doc: dict[str, Any]) -> str:
    if "function_sid" in doc:
        return f"/Services/{doc['service_sid']}/Functions/{doc['function_sid']}/Versions/{doc['sid']}"
    return f"/Services/{doc['service_sid']}/Assets/{doc['asset_sid']}/Versions/{doc['sid']}"


def render_version(ctx: Ctx, doc: dict[str, Any]) -> dict[str, Any]:
    body = {**public(doc), "url": _url(ctx, _version_path(doc))}
    body.pop("date_updated", None)  # versions are immutable: Twilio shows only date_created
    if "function_sid" in doc:
        body["links"] = {"function_version_content": _url(ctx, _version_path(doc) + "/Content")}
    return body


def _build_version(doc: dict[str, Any]) -> dict[str, Any]:
    """A version as a Build lists it: no url/links, visibility upper-case as in Twilio's examples."""
    owner = "function_sid" if "function_sid" in doc else "asset_sid"
    return {
        "sid": doc["sid"],
        "account_sid": doc["account_sid"],
        "service_sid": doc["service_sid"],
        owner: doc[owner],
        "date_created": doc["date_created"],
        "path": doc["path"],
        "visibility": doc["visibility"].upper(),
    }


# Not a Twilio field: why a build failed. The OAS build schema allows additional properties, and Twilio's own
# answer to a failed build is only `failed`, which leaves a developer guessing.
FAILURE_REASON = "sandbox_failure_reason"


def render_build(ctx: Ctx, doc: dict[str, Any]) -> dict[str, Any]:
    functions, assets = _models(ctx).build_versions(doc)
    base = f"/Services/{doc['service_sid']}/Builds/{doc['sid']}"
    return {
        **public(doc),
        "function_versions": [_build_version(v) for v in functions],
        "asset_versions": [_build_version(v) for v in assets],
        "url": _url(ctx, base),
        "links": {"build_status": _url(ctx, base + "/Status")},
        FAILURE_REASON: doc.get("_reason") if doc["status"] == "failed" else None,
    }


def render_deployment(ctx: Ctx, doc: dict[str, Any]) -> dict[str, Any]:
    path = f"/Services/{doc['service_sid']}/Environments/{doc['environment_sid']}/Deployments/{doc['sid']}"
    return {**public(doc), "url": _url(ctx, path)}


def render_variable(ctx: Ctx, doc: dict[str, Any]) -> dict[str, Any]:
    path = f"/Services/{doc['service_sid']}/Environments/{doc['environment_sid']}/Variables/{doc['sid']}"
    return {**public(doc), "url": _url(ctx, path)}


# ---- services ---
def list_services(ctx: Ctx):
    return ctx.page(_models(ctx).list_services(), "services", "/Services", render_service)


def create_service(ctx: Ctx):
    p = ctx.params
    doc = _models(ctx).create_service(
        ctx.account_sid,
        p.require("UniqueName"),
        p.require("FriendlyName"),
        include_credentials=p.get_bool("IncludeCredentials", True),
        ui_editable=p.get_bool("UiEditable", False),
    )
    return 201, render_service(ctx, doc)


def fetch_service(ctx: Ctx):
    return render_service(ctx, _models(ctx).service(ctx.path["service"]))


def update_service(ctx: Ctx):
    p = ctx.params
    changes = {
        field: value
        for field, value in (
            ("friendly_name", p.get("FriendlyName")),
            ("include_credentials", p.get_bool("IncludeCredentials")),
            ("ui_editable", p.get_bool("UiEditable")),
        )
        if value is not None
    }
    return render_service(ctx, _models(ctx).update_service(ctx.path["service"], changes))


def delete_service(ctx: Ctx):
    _models(ctx).delete_service(ctx.path["service"])


# ---- environments ---
def list_environments(ctx: Ctx):
    service = _models(ctx).service(ctx.path["service"])
    items = _models(ctx).list_environments(service["sid"])
    return ctx.page(items, "environments", f"/Services/{service['sid']}/Environments", render_environment)


def create_environment(ctx: Ctx):
    doc = _models(ctx).create_environment(
        ctx.path["service"], ctx.params.require("UniqueName"), ctx.params.get("DomainSuffix")
    )
    return 201, render_environment(ctx, doc)


def fetch_environment(ctx: Ctx):
    return render_environment(ctx, _models(ctx).environment(ctx.path["service"], ctx.path["environment"]))


def delete_environment(ctx: Ctx):
    _models(ctx).delete_environment(ctx.path["service"], ctx.path["environment"])


# ---- functions and assets ---
def _containers(kind: str):
    key = "functions" if kind == "function" else "assets"
    segment = "Functions" if kind == "function" else "Assets"

    def list_(ctx: Ctx):
        service = _models(ctx).service(ctx.path["service"])
        return ctx.page(
            _models(ctx).list_containers(kind, service["sid"]),
            key,
            f"/Services/{service['sid']}/{segment}",
            lambda c, d: render_container(c, d, kind),
        )

    def create(ctx: Ctx):
        doc = _models(ctx).create_container(kind, ctx.path["service"], ctx.params.require("FriendlyName"))
        return 201, render_container(ctx, doc, kind)

    def fetch(ctx: Ctx):
        return render_container(ctx, _models(ctx).container(kind, ctx.path["service"], ctx.path["sid"]), kind)

    def update(ctx: Ctx):
        name = ctx.params.require("FriendlyName")
        doc = _models(ctx).rename_container(kind, ctx.path["service"], ctx.path["sid"], name)
        return render_container(ctx, doc, kind)

    def delete(ctx: Ctx):
        _models(ctx).delete_container(kind, ctx.path["service"], ctx.path["sid"])

    def list_versions(ctx: Ctx):
        parent = _models(ctx).container(kind, ctx.path["service"], ctx.path["sid"])
        return ctx.page(
            _models(ctx).list_versions(kind, ctx.path["service"], parent["sid"]),
            f"{kind}_versions",
            _container_path(parent, kind) + "/Versions",
            render_version,
        )

    def fetch_version(ctx: Ctx):
        return render_version(
            ctx, _models(ctx).version(kind, ctx.path["service"], ctx.path["sid"], ctx.path["version"])
        )

    def create_version(ctx: Ctx):
        """Upload host: multipart Path, Visibility and Content (a file part)."""
        p = ctx.params
        upload = p.files.get("Content")
        if upload is None:
            content = p.get("Content")
            if content is None:
                raise missing("Content")
            data = content.encode()
        else:
            data = upload.data
        doc = _models(ctx).create_version(
            kind, ctx.path["service"], ctx.path["sid"], p.require("Path"), p.require("Visibility"), data
        )
        return 201, render_version(ctx, doc)

    return list_, create, fetch, update, delete, list_versions, fetch_version, create_version


(
    list_functions,
    create_function,
    fetch_function,
    update_function,
    delete_function,
    list_function_versions,
    fetch_function_version,
    create_function_version,
) = _containers("function")
(
    list_assets,
    create_asset,
    fetch_asset,
    update_asset,
    delete_asset,
    list_asset_versions,
    fetch_asset_version,
    create_asset_version,
) = _containers("asset")


def fetch_function_version_content(ctx: Ctx):
    models = _models(ctx)
    doc = models.version("function", ctx.path["service"], ctx.path["sid"], ctx.path["version"])
    return {
        "sid": doc["sid"],
        "account_sid": doc["account_sid"],
        "service_sid": doc["service_sid"],
        "function_sid": doc["function_sid"],
        "content": models.version_content(doc).decode("utf-8", errors="replace"),
        "url": _url(ctx, _version_path(doc) + "/Content"),
    }


# ---- builds ---
def list_builds(ctx: Ctx):
    service = _models(ctx).service(ctx.path["service"])
    items = _models(ctx).list_builds(service["sid"])
    return ctx.page(items, "builds", f"/Services/{service['sid']}/Builds", render_build)


def create_build(ctx: Ctx):
    models = _models(ctx)
    p = ctx.params
    doc = models.create_build(
        ctx.path["service"],
        p.get_list("FunctionVersions"),
        p.get_list("AssetVersions"),
        p.get("Dependencies"),
        p.get("Runtime"),
        injected_failure=lambda: _injected_build_failure(ctx),
    )
    models.start_checks(doc["sid"])
    return 201, render_build(ctx, doc)


def _injected_build_failure(ctx: Ctx) -> str | None:
    """A `build-failed` fault matching this request's path (POST /_sandbox/faults): its reason, or None."""
    fault = ctx.state.take_fault(ctx.request.url.path, (BUILD_FAILED,))
    return fault.reason if fault else None


def fetch_build(ctx: Ctx):
    return render_build(ctx, _models(ctx).build(ctx.path["service"], ctx.path["sid"]))


def fetch_build_status(ctx: Ctx):
    doc = _models(ctx).build(ctx.path["service"], ctx.path["sid"])
    return {
        "sid": doc["sid"],
        "account_sid": doc["account_sid"],
        "service_sid": doc["service_sid"],
        "status": doc["status"],
        "url": _url(ctx, f"/Services/{doc['service_sid']}/Builds/{doc['sid']}/Status"),
    }


def delete_build(ctx: Ctx):
    _models(ctx).delete_build(ctx.path["service"], ctx.path["sid"])


def _environment_path(ctx: Ctx) -> tuple[str, str]:
    """The environment the request names (404 when it is not there): its SID and its `/v1`-less path."""
    environment = _models(ctx).environment(ctx.path["service"], ctx.path["environment"])
    return environment["sid"], f"/Services/{environment['service_sid']}/Environments/{environment['sid']}"


# ---- deployments ---
def list_deployments(ctx: Ctx):
    sid, path = _environment_path(ctx)
    items = _models(ctx).list_deployments(ctx.path["service"], sid)
    return ctx.page(items, "deployments", f"{path}/Deployments", render_deployment)


def create_deployment(ctx: Ctx):
    ctx.params.get_bool("IsPlugin")  # accepted and validated; plugins have no other effect here
    doc = _models(ctx).create_deployment(
        ctx.path["service"], ctx.path["environment"], ctx.params.get("BuildSid")
    )
    return 201, render_deployment(ctx, doc)


def fetch_deployment(ctx: Ctx):
    doc = _models(ctx).deployment(ctx.path["service"], ctx.path["environment"], ctx.path["sid"])
    return render_deployment(ctx, doc)


# ---- variables ---
def list_variables(ctx: Ctx):
    sid, path = _environment_path(ctx)
    items = _models(ctx).list_variables(ctx.path["service"], sid)
    return ctx.page(items, "variables", f"{path}/Variables", render_variable)


def create_variable(ctx: Ctx):
    doc = _models(ctx).create_variable(
        ctx.path["service"], ctx.path["environment"], ctx.params.require("Key"), ctx.params.require("Value")
    )
    return 201, render_variable(ctx, doc)


def fetch_variable(ctx: Ctx):
    return render_variable(
        ctx, _models(ctx).variable(ctx.path["service"], ctx.path["environment"], ctx.path["sid"])
    )


def update_variable(ctx: Ctx):
    doc = _models(ctx).update_variable(
        ctx.path["service"],
        ctx.path["environment"],
        ctx.path["sid"],
        ctx.params.get("Key"),
        ctx.params.get("Value"),
    )
    return render_variable(ctx, doc)


def delete_variable(ctx: Ctx):
    _models(ctx).delete_variable(ctx.path["service"], ctx.path["environment"], ctx.path["sid"])


# ---- logs: the sandbox keeps none, so lists are empty and fetches 404 ---
def list_logs(ctx: Ctx):
    _, path = _environment_path(ctx)
    filters = ("FunctionSid", "StartDate", "EndDate")
    return ctx.page([], "logs", f"{path}/Logs", lambda ctx, doc: doc, filters=filters)


def fetch_log(ctx: Ctx):
    _, path = _environment_path(ctx)
    raise NotFound(f"{path}/Logs/{ctx.path['sid']}")
