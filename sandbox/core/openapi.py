"""Hold sandbox traffic to Twilio's own OpenAPI descriptions (`sandbox/oas/`, carried by the project with
their source and checksums in `sandbox/oas/SOURCE.md`; `$TWILIO_OAI_DIR` points elsewhere), both ways.

    checker = OasChecker()
    checker.check("GET", "https://taskrouter.twilio.com/v1/Workspaces", 200, body)  # raises OasMismatch
    client = checker.client(account_sid, auth_token, sandbox_url)   # twilio Client checking every response
    checker.check_request(entry)    # a /_sandbox/requests entry -> its problems ([] valid, None unchecked)

A URL may be a twilio.com URL or a sandbox URL (`http://127.0.0.1:4010/taskrouter/v1/…`). Only 2xx JSON
responses of products the OAS describes are checked (serverless-upload and iam are not in it). A request is
checked for: an operation of that method and path, query parameters and form fields the operation names,
and (by openapi-core) the body's content type, required fields, types and enums. Uploads to
serverless-upload, which the OAS does not describe, are held to the real deployer's multipart form (`Path`,
`Visibility`, a `Content` file). Needs the dev dependency openapi-core.
"""

from __future__ import annotations

import json
import threading
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from flex_chat_transfer.sandbox.core.oas_index import (
    FORM,
    MULTIPART,
    SPEC_FILES,
    UPLOAD_FILE_FIELD,
    UPLOAD_PATH,
    UPLOAD_PRODUCT,
    UPLOAD_TEXT_FIELDS,
    UPLOAD_VISIBILITIES,
    OasIndex,
    oai_dir,
)
from flex_chat_transfer.sandbox.testing import twilio_client

__all__ = ["SPEC_FILES", "OasChecker", "OasMismatch", "oai_dir", "split_url"]

INDEX = OasIndex()


class OasMismatch(AssertionError):
    pass


@cache
def _spec(product: str):
    from openapi_core import OpenAPI

    return OpenAPI.from_dict(json.loads((oai_dir() / SPEC_FILES[product]).read_text()))


def split_url(url: str) -> tuple[str | None, str, dict[str, list[str]]]:
    """(product, /v1… path, query) for a twilio.com or sandbox URL."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    query = parse_qs(parts.query)
    if host.endswith(".twilio.com"):
        return host.split(".", 1)[0], parts.path, query
    product, _, rest = parts.path.lstrip("/").partition("/")
    return product, "/" + rest, query


class OasChecker:
    def __init__(self) -> None:
        self.checked: list[tuple[str, str, int]] = []  # (method, path, status) of every checked response
        self._lock = threading.Lock()

    def check(self, method: str, url: str, status: int, body: bytes | str,
              content_type: str = "application/json") -> bool:
        """Raise OasMismatch naming the operation and the first schema error; False when not checkable."""
        from openapi_core.testing import MockRequest, MockResponse

        product, path, query = split_url(url)
        if product not in SPEC_FILES or not 200 <= status < 300 or status == 204:
            return False
        spec = _spec(product)
        data = body.encode() if isinstance(body, str) else body
        request = MockRequest(f"https://{product}.twilio.com", method.lower(), path,
                              args={k: v[-1] for k, v in query.items()})
        response = MockResponse(data, status_code=status, content_type=content_type.split(";")[0])
        try:
            spec.validate_response(request, response)
        except Exception as error:  # openapi-core raises several unrelated classes
            detail = _first_error(error)
            raise OasMismatch(f"{method} {path} -> {status} does not match Twilio's OAS: {detail}") from None
        with self._lock:
            self.checked.append((method.upper(), path, status))
        return True

    def check_request(self, entry: dict[str, Any]) -> list[str] | None:
        """The problems of one logged request (`GET /_sandbox/requests` entry) against Twilio's contract:
        [] when it holds, None when no contract describes its product (iam, deployed functions)."""
        product, method = entry["product"], entry["method"].upper()
        path = entry["path"].removeprefix(f"/{product}")
        if product == UPLOAD_PRODUCT:
            return _upload_problems(method, path, entry.get("content_type"), entry.get("body"))
        if product not in SPEC_FILES:
            return None
        operation = INDEX.operation(product, method, path)
        if operation is None:
            known = INDEX.path_operations(product, path)
            takes = f" (that path takes {', '.join(sorted(known[0]))})" if known and known[0] else ""
            return [f"Twilio's OAS has no operation {method} {path}{takes}"]
        query = entry.get("query") or {}
        body = entry.get("body")
        content_type = entry.get("content_type")
        body_names = set(body) if isinstance(body, dict) else set()
        problems = [
            f"{name} is not in Twilio's OAS for {method} {operation.template}"
            for name in operation.unknown(set(query), body_names, content_type)
        ]
        problem = self._openapi_problem(product, method, path, query, content_type, body)
        if problem:
            problems.append(problem)
        return problems

    def _openapi_problem(self, product: str, method: str, path: str, query: dict[str, Any],
                         content_type: str | None, body: Any) -> str | None:
        from openapi_core.testing import MockRequest
        from werkzeug.datastructures import ImmutableMultiDict

        data: bytes | None = None
        if body is not None and content_type == FORM and isinstance(body, dict):
            data = urlencode(body, doseq=True).encode()
        elif body is not None and content_type == "application/json":
            data = json.dumps(body).encode()
        elif isinstance(body, str):
            data = body.encode()
        request = MockRequest(
            f"https://{product}.twilio.com", method.lower(), path,
            args=ImmutableMultiDict(_pairs(query)),
            # The OAS demands Basic auth; any credentials will do.
            headers={"Authorization": "Basic c2FuZGJveDpzYW5kYm94"},
            data=data, content_type=content_type or "",
        )
        try:
            _spec(product).validate_request(request)
        except Exception as error:  # openapi-core raises several unrelated classes
            return f"{method} {path} does not match Twilio's OAS: {_request_error(error)}"
        return None

    def client(self, account_sid: str, auth_token: str, sandbox_url: str):
        """A twilio Client on the sandbox (flex_chat_transfer.sandbox.testing.twilio_client) that checks every
        response."""
        def check(method: str, url: str, response: Any) -> None:
            content_type = (response.headers or {}).get("content-type", "application/json")
            self.check(method, url, response.status_code, response.text, content_type)

        return twilio_client(sandbox_url, account_sid, auth_token, on_response=check)


def _first_error(error: Exception) -> str:
    inner: Any = error
    while getattr(inner, "schema_errors", None) is None and getattr(inner, "__cause__", None) is not None:
        inner = inner.__cause__
    schema_errors = getattr(inner, "schema_errors", None)
    if schema_errors:
        first = schema_errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "$"
        return f"at {where}: {first.message}"
    return f"{type(error).__name__}: {error}"


def _pairs(fields: dict[str, Any]) -> list[tuple[str, str]]:
    return [(k, str(v)) for k, values in fields.items()
            for v in (values if isinstance(values, list) else [values])]


def _request_error(error: Exception) -> str:
    """The innermost useful line of an openapi-core request error (schema errors, cast errors, missing
    content type), e.g. `Request body validation error: 'FriendlyName' is a required property`."""
    lines: list[str] = []
    seen: set[int] = set()
    inner: BaseException | None = error
    while inner is not None and id(inner) not in seen:
        seen.add(id(inner))
        schema_errors = getattr(inner, "schema_errors", None)
        if schema_errors:  # the precise line says it all: drop the wrappers' restatements of the value
            first = schema_errors[0]
            where = "/".join(str(p) for p in first.absolute_path)
            return f"{where + ': ' if where else ''}{first.message}"
        lines.append(str(inner))
        inner = inner.__cause__ or inner.__context__
    kept: list[str] = []
    for line in lines:  # each wrapper restates its cause: keep a line only when it says something new
        if line and not any(line in earlier for earlier in kept):
            kept.append(line)
    return " | ".join(kept)


def _upload_problems(method: str, path: str, content_type: str | None, body: Any) -> list[str]:
    """The Serverless upload host, held to the form @twilio-labs/serverless-api sends."""
    if method != "POST" or not UPLOAD_PATH.match(path):
        return [f"{method} {path} is not an upload the Serverless deployer makes "
                "(POST /v1/Services/ZS…/Functions|Assets/ZH…/Versions)"]
    problems = []
    if content_type != MULTIPART:
        problems.append(f"upload {path} is {content_type or 'without a body'}, not {MULTIPART}")
    fields = body if isinstance(body, dict) else {}
    for name in UPLOAD_TEXT_FIELDS:
        if not isinstance(fields.get(name), str) or not fields[name]:
            problems.append(f"upload {path} lacks the text field {name}")
    if isinstance(fields.get("Visibility"), str) and fields["Visibility"] not in UPLOAD_VISIBILITIES:
        problems.append(f"upload {path}: Visibility {fields['Visibility']!r} is not one of "
                        f"{', '.join(UPLOAD_VISIBILITIES)}")
    content = fields.get(UPLOAD_FILE_FIELD)
    if not isinstance(content, dict) or not content.get("filename"):
        problems.append(f"upload {path} lacks {UPLOAD_FILE_FIELD} as a file part (with a filename)")
    known = {*UPLOAD_TEXT_FIELDS, UPLOAD_FILE_FIELD}
    problems += [f"upload {path}: field {name} is not in the deployer's form" for name in fields
                 if name not in known]
    return problems
