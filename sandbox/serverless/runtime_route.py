"""`/_runtime/<environment domain_name>/<path>`: what Twilio serves at `https://<domain_name>/<path>`.

The environment's deployed build decides: a function runs in the Node runtime host, an asset is returned as
stored. Visibility as on Twilio: public for anyone; protected only with a valid X-Twilio-Signature (401
otherwise), or, for an asset, the account's own credentials (HTTP Basic: how a private Flex plugin's bundle is
fetched with credentials injected); private never over HTTP (404).
"""

from __future__ import annotations

import base64
import hmac
import json
import mimetypes
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from flex_chat_transfer.sandbox.core.errors import ContextTooLarge, NotFound, TwilioError
from flex_chat_transfer.sandbox.core.http import error_response
from flex_chat_transfer.sandbox.serverless.invoke import Invocation, RuntimeHostError, invoke, signature_valid
from flex_chat_transfer.sandbox.serverless.models import ServerlessBackend

# Twilio refuses to run a function whose context (variables, credentials, domain, path) exceeds 3 KB (82006).
CONTEXT_MAX_BYTES = 3 * 1024
UNAUTHORIZED = "Unauthorized - you are not authenticated to perform this request"


async def serve_deployed(request: Request) -> Response:
    state = request.app.state.sandbox
    models: ServerlessBackend = state.backends["serverless"]
    domain = request.path_params["domain"]
    path = "/" + request.path_params["path"]
    try:
        found = await run_in_threadpool(_lookup, models, domain, path)
        if found is None:
            raise NotFound(f"{path} on {domain}")
        service, environment, build, version, kind = found
        if version["visibility"] == "private":
            raise NotFound(f"{path} on {domain}")
        form = await _form(request)
        if (
            version["visibility"] == "protected"
            and not (kind == "asset" and _account_basic(request, state.account_sid, state.auth_token))
            and not await _signed(request, state.auth_token, domain, path, form)
        ):
            return JSONResponse({"message": UNAUTHORIZED, "status": 401}, status_code=401)
        if kind == "asset":
            content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
            return Response(models.version_content(version), media_type=content_type)
        context = await run_in_threadpool(_context, models, state, service, environment, domain, path)
        build_dir = await run_in_threadpool(models.materialised_dir, build["sid"])
        result = await invoke(
            Invocation(
                build_dir=build_dir,
                function_path=path,
                context=context,
                event=await _event(request, form),
                headers=dict(request.headers),
                method=request.method,
                sandbox_url=f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}",
            ),
            node=state.settings.node,
        )
    except TwilioError as error:
        return error_response(error)
    except RuntimeHostError as error:
        return JSONResponse({"message": str(error), "status": 500}, status_code=500)
    headers = {k: v for k, v in result.headers.items() if k.lower() != "content-length"}
    return Response(result.body, status_code=result.status, headers=headers)


def _lookup(models: ServerlessBackend, domain: str, path: str) -> tuple | None:
    deployed = models.deployed(domain)
    if deployed is None:
        return None
    service, environment, build = deployed
    functions, assets = models.build_versions(build)
    for kind, versions in (("function", functions), ("asset", assets)):
        for version in versions:
            if version["path"] == path:
                return service, environment, build, version, kind
    return None


def _context(
    models: ServerlessBackend, state, service: dict, environment: dict, domain: str, path: str
) -> dict[str, str]:
    variables = models.list_variables(service["sid"], environment["sid"])
    context = {v["key"]: v["value"] for v in variables}
    if service["include_credentials"]:
        context.update(ACCOUNT_SID=state.account_sid, AUTH_TOKEN=state.auth_token)
    context.update(
        DOMAIN_NAME=domain, PATH=path, SERVICE_SID=service["sid"], ENVIRONMENT_SID=environment["sid"]
    )
    size = len(json.dumps(context).encode())
    if size > CONTEXT_MAX_BYTES:
        raise ContextTooLarge(
            f"{size} bytes in environment {environment['sid']} (fix: shorten its variables)"
        )
    return context


def _account_basic(request: Request, account_sid: str, auth_token: str) -> bool:
    """HTTP Basic with the account SID and auth token."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return False
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    return hmac.compare_digest(user, account_sid) and hmac.compare_digest(password, auth_token)


async def _form(request: Request):
    """Form fields for form posts (the params Twilio signs), else None."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.method in ("POST", "PUT", "PATCH") and content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        return await request.form()
    return None


async def _event(request: Request, form) -> dict[str, Any]:
    """Query, then form fields or a JSON object body: what `event` holds in a Twilio Function."""
    event: dict[str, Any] = {}
    for source in (request.query_params, form):
        if source is None:
            continue
        for key in source:
            values = [v for v in source.getlist(key) if isinstance(v, str)]
            if values:
                event[key] = values[0] if len(values) == 1 else values
    if form is None and request.method in ("POST", "PUT", "PATCH"):
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else None
        except json.JSONDecodeError:
            body = None
        if isinstance(body, dict):
            event.update(body)
    return event


async def _signed(request: Request, auth_token: str, domain: str, path: str, form) -> bool:
    """The caller may have signed the sandbox address it called or the real `https://<domain>/<path>`."""
    query = request.url.query
    public_url = f"https://{domain}{path}" + (f"?{query}" if query else "")
    params: Any = form if form is not None else {}
    if form is None and "bodySHA256=" in query:
        # a JSON body is signed through its hash in the URL; the validator hashes the raw body it is given
        params = (await request.body()).decode("utf-8", errors="replace")
    return signature_valid(
        auth_token, [str(request.url), public_url], params, request.headers.get("x-twilio-signature")
    )
