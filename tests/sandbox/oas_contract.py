"""Shared test helper: check a sandbox answer against Twilio's OpenAPI description (../shared/twilio-oai/).

    from oas_contract import assert_matches_oas
    assert_matches_oas("GET", "http://127.0.0.1:4010/serverless/v1/Services", 200, body_bytes)

The sandbox URL `…/<product>/v1/…` is mapped back to `https://<product>.twilio.com/v1/…`, the operation is
found in that product's OAS file, and openapi-core validates status and JSON body against it.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

OAI_DIR = Path(
    os.environ.get("TWILIO_OAI_DIR", Path(__file__).resolve().parents[3] / "shared" / "twilio-oai")
)
OAS_FILES = {
    "serverless": "twilio_serverless_v1.json",
    "taskrouter": "twilio_taskrouter_v1.json",
    "flex-api": "twilio_flex_v1.json",
    "conversations": "twilio_conversations_v1.json",
}


@functools.cache
def openapi_for(product: str) -> OpenAPI:
    return OpenAPI.from_dict(json.loads((OAI_DIR / OAS_FILES[product]).read_text()))


def assert_matches_oas(
    method: str, url: str, status: int, body: bytes, content_type: str = "application/json"
) -> None:
    """Raise AssertionError naming the operation and the first schema errors when the answer does not fit."""
    parts = urlsplit(url)
    product, _, api_path = parts.path.lstrip("/").partition("/")
    product = "serverless" if product == "serverless-upload" else product
    request = MockRequest(
        f"https://{product}.twilio.com",
        method.lower(),
        "/" + api_path,
        args={k: v[0] for k, v in parse_qs(parts.query).items()},
    )
    response = MockResponse(body, status_code=status, content_type=content_type if body else None)
    errors = list(openapi_for(product).iter_response_errors(request, response))
    if errors:
        details = "; ".join(_describe(e) for e in errors)
        raise AssertionError(f"{method} {parts.path} ({status}) does not match Twilio's OAS: {details}")


def _describe(error: Exception) -> str:
    causes = getattr(error, "schema_errors", None) or getattr(
        getattr(error, "__cause__", None), "schema_errors", None
    )
    if causes:
        return f"{error}: " + ", ".join(f"{'/'.join(map(str, c.path))}: {c.message}" for c in causes[:5])
    return f"{type(error).__name__}: {error}" + (f" ({error.__cause__})" if error.__cause__ else "")
