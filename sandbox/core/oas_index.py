"""Which operations, query parameters and form fields Twilio's OpenAPI files (`sandbox/oas/`) name, read with
the standard library only, so the running sandbox can use it (strict mode) as well as the request checks of
the test suites (`sandbox/core/openapi.py`).

    index = OasIndex()
    operation = index.operation("taskrouter", "POST", "/v1/Workspaces/WS…/Workflows")
    operation.unknown(query={"PageSize"}, body={"FriendlyName", "Bogus"}, content_type=…)  # ["Bogus"]

The Serverless upload host (`serverless-upload`) is not in the OAS (sandbox/oas/SOURCE.md); it is described
here by the form the real deployer sends (@twilio-labs/serverless-api: multipart `Path`, `Visibility`, and
`Content` as a file part), so strict mode and the checks hold it to that.
"""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SPEC_FILES = {
    "taskrouter": "twilio_taskrouter_v1.json",
    "serverless": "twilio_serverless_v1.json",
    "flex-api": "twilio_flex_v1.json",
    "conversations": "twilio_conversations_v1.json",
}
UPLOAD_PRODUCT = "serverless-upload"
UPLOAD_PATH = re.compile(r"^/v1/Services/[^/]+/(Functions|Assets)/[^/]+/Versions$")
UPLOAD_TEXT_FIELDS = ("Path", "Visibility")
UPLOAD_FILE_FIELD = "Content"
UPLOAD_VISIBILITIES = ("public", "protected", "private")
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


def oai_dir() -> Path:
    configured = os.environ.get("TWILIO_OAI_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[1] / "oas"


@dataclass(frozen=True)
class Operation:
    product: str
    method: str
    template: str  # the OAS path, e.g. /v1/Workspaces/{WorkspaceSid}/Workflows
    query: frozenset[str]
    # media type -> the form fields (or JSON properties) its schema names; None: the schema names none
    # (e.g. Flex Configuration's raw JSON), so any are allowed
    body: dict[str, frozenset[str] | None]

    def unknown(self, query: set[str] | frozenset[str], body: set[str] | frozenset[str],
                content_type: str | None) -> list[str]:
        """Names the operation does not declare: query parameters, then body fields of `content_type`."""
        names = [f"query parameter {name}" for name in sorted(query) if name not in self.query]
        if self.body and content_type not in self.body:
            return names  # a body of another media type: that is the finding, not each of its names
        declared = self.body.get(content_type or "", frozenset()) if self.body else frozenset()
        if declared is not None:
            names += [f"field {name}" for name in sorted(body) if name not in declared]
        return names


class OasIndex:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tables: dict[str, list[tuple[re.Pattern[str], int, str, dict[str, Operation]]]] = {}

    def products(self) -> tuple[str, ...]:
        return (*SPEC_FILES, UPLOAD_PRODUCT)

    def operation(self, product: str, method: str, path: str) -> Operation | None:
        """The operation `method path` (`/v1/…`, a concrete path) of `product`; None when the OAS has none."""
        for operations in self.path_operations(product, path):
            return operations.get(method.upper())
        return None

    def path_operations(self, product: str, path: str) -> list[dict[str, Operation]]:
        """The operations by method of the one OAS path `path` matches ([] when none); a literal segment wins
        over a parameter (`/Workers/Statistics` over `/Workers/{Sid}`)."""
        for pattern, _, _, operations in self._table(product):
            if pattern.match(path):
                return [operations]
        return []

    def _table(self, product: str):
        with self._lock:
            if product not in self._tables:
                self._tables[product] = _build_table(product)
            return self._tables[product]


def _build_table(product: str) -> list[tuple[re.Pattern[str], int, str, dict[str, Operation]]]:
    if product == UPLOAD_PRODUCT:
        body = {MULTIPART: frozenset((*UPLOAD_TEXT_FIELDS, UPLOAD_FILE_FIELD))}
        operations = {"POST": Operation(product, "POST", UPLOAD_PATH.pattern, frozenset(), body)}
        return [(UPLOAD_PATH, 0, UPLOAD_PATH.pattern, operations)]
    if product not in SPEC_FILES:
        return []
    spec = _spec_json(product)
    table = []
    for template, item in spec.get("paths", {}).items():
        shared = item.get("parameters", [])
        operations: dict[str, Operation] = {}
        for method, op in item.items():
            if method.upper() not in ("GET", "POST", "PUT", "DELETE", "PATCH") or not isinstance(op, dict):
                continue
            params = [_resolve(spec, p) for p in [*shared, *op.get("parameters", [])]]
            query = frozenset(p["name"] for p in params if p.get("in") == "query")
            body: dict[str, frozenset[str] | None] = {}
            contents = _resolve(spec, op.get("requestBody", {})).get("content") or {}
            for media_type, content in contents.items():
                schema = _resolve(spec, content.get("schema") or {})
                properties = schema.get("properties")
                body[media_type] = frozenset(properties) if properties else None
            operations[method.upper()] = Operation(product, method.upper(), template, query, body)
        segments = template.strip("/").split("/")
        literal = sum(1 for s in segments if not s.startswith("{"))
        regex = "^/" + "/".join("[^/]+" if s.startswith("{") else re.escape(s) for s in segments) + "$"
        table.append((re.compile(regex), literal, template, operations))
    table.sort(key=lambda row: -row[1])
    return table


@cache
def _spec_json(product: str) -> dict:
    return json.loads((oai_dir() / SPEC_FILES[product]).read_text())


def _resolve(spec: dict, node: dict) -> dict:
    while isinstance(node, dict) and "$ref" in node:
        target: object = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]  # type: ignore[index]
        node = target  # type: ignore[assignment]
    return node
