"""Check sandbox responses against Twilio's own OpenAPI descriptions (`sandbox/oas/`, carried by the
project with their source and checksums in `sandbox/oas/SOURCE.md`; `$TWILIO_OAI_DIR` points elsewhere).

    checker = OasChecker()
    checker.check("GET", "https://taskrouter.twilio.com/v1/Workspaces", 200, body)  # raises OasMismatch
    client = checker.client(account_sid, auth_token, sandbox_url)   # twilio Client checking every response

A URL may be a twilio.com URL or a sandbox URL (`http://127.0.0.1:4010/taskrouter/v1/…`). Only 2xx JSON
responses of products the OAS describes are checked (serverless-upload and iam are not in it). Needs the
dev dependency openapi-core.
"""

from __future__ import annotations

import json
import os
import threading
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox.testing import twilio_client

SPEC_FILES = {
    "taskrouter": "twilio_taskrouter_v1.json",
    "serverless": "twilio_serverless_v1.json",
    "flex-api": "twilio_flex_v1.json",
    "conversations": "twilio_conversations_v1.json",
}


def oai_dir() -> Path:
    configured = os.environ.get("TWILIO_OAI_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[1] / "oas"


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

    def client(self, account_sid: str, auth_token: str, sandbox_url: str):
        """A twilio Client on the sandbox (sandbox.testing.twilio_client) that checks every response."""
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
