"""The request log behind `GET /_sandbox/requests` (DESIGN.md "Sandbox control, credentials and request log").

Each entry keeps what a contract check needs: method, product, path, status, time, the query, the body's
media type and the body as received (form fields, with a repeated field as a list; or the JSON document; or
multipart text fields, with each uploaded file shown as `{"filename", "content_type", "bytes"}` and never its
contents). Secrets are replaced by `***` before anything is stored: fields named like a token, password or
secret (but not `PageToken`, a paging cursor) at any depth, and the `Value` of a Serverless Variable, which is
where Functions keep theirs. The log is bounded: the newest MAX_ENTRIES entries, each string cut at
MAX_STRING characters; the summary counts every request ever logged.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

MAX_ENTRIES = 10_000
MAX_STRING = 2_000
# Form and JSON bodies above this are logged as their size only (multipart keeps its text fields).
MAX_BODY_BYTES = 1_000_000
REDACTED = "***"

# Products whose non-GET requests count as writes in the summary.
TWILIO_PRODUCTS = ("taskrouter", "serverless", "serverless-upload", "flex-api", "conversations", "iam")

_SECRET_NAME = re.compile(r"(token|password|passwd|secret)$", re.IGNORECASE)
_NOT_SECRET = {"pagetoken"}
_VARIABLE_PATH = re.compile(r"/Environments/[^/]+/Variables(/[^/]+)?$")

Body = dict[str, Any] | list[Any] | str | None


def is_secret_name(name: str) -> bool:
    """AuthToken, auth_token, Token, FlexToken, ApiSecret, api_secret, Password… (not PageToken)."""
    plain = name.replace("_", "").replace("-", "")
    return plain.lower() not in _NOT_SECRET and bool(_SECRET_NAME.search(plain))


@dataclass(frozen=True)
class LoggedRequest:
    id: int
    method: str
    product: str
    path: str
    status: int
    ms: float
    query: dict[str, Any]
    content_type: str | None
    body: Body

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "method": self.method,
            "product": self.product,
            "path": self.path,
            "status": self.status,
            "ms": round(self.ms, 2),
            "query": self.query,
            "content_type": self.content_type,
            "body": self.body,
        }


class RequestLog:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._entries: deque[LoggedRequest] = deque(maxlen=max_entries)
        self._total = 0
        self._writes = 0
        self._by: dict[str, int] = {}

    def add(
        self,
        method: str,
        product: str,
        path: str,
        status: int,
        ms: float,
        query_string: bytes = b"",
        content_type: str | None = None,
        body: bytes = b"",
    ) -> None:
        query = redact(_pairs_to_fields(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)))
        media_type = content_type.split(";", 1)[0].strip().lower() if content_type else None
        try:
            media_type, parsed = read_body(content_type, body)
            if isinstance(parsed, dict) and product == "serverless" and _VARIABLE_PATH.search(path):
                parsed = {k: REDACTED if k == "Value" else v for k, v in parsed.items()}
            parsed = redact(parsed)
        except Exception:  # a hostile body (too deep, broken multipart) is still logged, as its size
            parsed = f"<{len(body)} bytes that could not be read>"
        key = f"{product} {method}"
        with self._lock:
            self._total += 1
            self._writes += product in TWILIO_PRODUCTS and method not in ("GET", "HEAD")
            self._by[key] = self._by.get(key, 0) + 1
            self._entries.append(
                LoggedRequest(self._total, method, product, path, status, ms, query, media_type, parsed)
            )

    def since(self, after: int | None = None) -> list[LoggedRequest]:
        with self._lock:
            return [e for e in self._entries if after is None or e.id > after]

    def summary(self) -> dict[str, Any]:
        with self._lock:
            return {"total": self._total, "writes": self._writes, "by": dict(self._by)}


def read_body(content_type: str | None, body: bytes) -> tuple[str | None, Body]:
    """(media type, body as logged) of a request body; (None, None) when there is none."""
    media_type = content_type.split(";", 1)[0].strip().lower() if content_type else None
    if not body:
        return media_type, None
    if media_type == "multipart/form-data" and content_type:
        return media_type, _multipart(content_type, body)  # files are kept as their size: any size will do
    if len(body) > MAX_BODY_BYTES:
        return media_type, f"<{len(body)} bytes, not logged>"
    if media_type == "application/x-www-form-urlencoded":
        pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        return media_type, _pairs_to_fields(pairs)
    if media_type == "application/json":
        try:
            return media_type, _cut(json.loads(body))
        except (ValueError, RecursionError):
            return media_type, _cut(body.decode("utf-8", "replace"))
    return media_type, f"<{len(body)} bytes of {media_type or 'unknown type'}>"


def _multipart(content_type: str, body: bytes) -> dict[str, Any]:
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    pairs: list[tuple[str, Any]] = []
    for part in message.iter_parts() if message.is_multipart() else ():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        data = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            pairs.append((str(name), {"filename": filename, "content_type": part.get_content_type(),
                                      "bytes": len(data)}))
        else:
            pairs.append((str(name), data.decode("utf-8", "replace")))
    return _pairs_to_fields(pairs)


def _pairs_to_fields(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Form pairs as a mapping; a field sent more than once (Twilio's arrays) becomes a list."""
    fields: dict[str, Any] = {}
    for name, value in pairs:
        value = _cut(value)
        if name not in fields:
            fields[name] = value
        elif isinstance(fields[name], list):
            fields[name].append(value)
        else:
            fields[name] = [fields[name], value]
    return fields


def _cut(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_STRING:
        return value[:MAX_STRING] + f"…[{len(value) - MAX_STRING} more characters]"
    if isinstance(value, dict):
        return {k: _cut(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cut(v) for v in value]
    return value


def redact(value: Any) -> Any:
    """`value` with every secret-named field's value replaced by ***, at any depth."""
    if isinstance(value, dict):
        return {
            k: (REDACTED if isinstance(k, str) and is_secret_name(k) and v not in (None, "") else redact(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value
