"""Request input the way Twilio reads it: form fields (repeated keys for arrays), JSON-string fields,
`true`/`false` booleans, multipart uploads, and a raw JSON body where an API takes one.

Every bad value raises InvalidParameter (400/20001) with one line naming the parameter and the fix.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flex_chat_transfer.sandbox.core.errors import InvalidParameter, missing

_TRUE = {"true", "1", "yes", "True"}
_FALSE = {"false", "0", "no", "False"}


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Params:
    items: list[tuple[str, str]] = field(default_factory=list)
    files: dict[str, Upload] = field(default_factory=dict)
    json_body: Any = None

    def has(self, name: str) -> bool:
        return any(k == name for k, _ in self.items)

    def get(self, name: str, default: str | None = None) -> str | None:
        for key, value in self.items:
            if key == name:
                return value
        return default

    def require(self, name: str) -> str:
        value = self.get(name)
        if value is None or value == "":
            raise missing(name)
        return value

    def get_list(self, name: str) -> list[str]:
        return [v for k, v in self.items if k == name]

    def get_bool(self, name: str, default: bool | None = None) -> bool | None:
        value = self.get(name)
        if value is None:
            return default
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise InvalidParameter(f"{name} must be true or false, got {value!r}")

    def get_int(
        self, name: str, default: int | None = None, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        value = self.get(name)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except ValueError:
            raise InvalidParameter(f"{name} must be an integer, got {value!r}") from None
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            raise InvalidParameter(f"{name} must be between {minimum} and {maximum}, got {number}")
        return number

    def get_json(self, name: str, default: Any = None) -> Any:
        """A form field holding a JSON string (Attributes, Configuration, Routing, Dependencies)."""
        value = self.get(name)
        if value is None or value == "":
            return default
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise InvalidParameter(
                f"{name} is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
            ) from None


async def parse_request(request) -> Params:
    """Query string for every method, plus the body for POST/PUT: form, multipart, or JSON."""
    items = list(request.query_params.multi_items())
    if request.method not in ("POST", "PUT", "PATCH"):
        return Params(items=items)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else {}
        except json.JSONDecodeError as exc:
            raise InvalidParameter(
                f"request body is not valid JSON ({exc.msg} at column {exc.colno})"
            ) from None
        except RecursionError:
            raise InvalidParameter(
                "request body is nested too deeply to read (fix: send a flatter JSON document)"
            ) from None
        return Params(items=items, json_body=body)
    form = await request.form()
    files: dict[str, Upload] = {}
    for key, value in form.multi_items():
        if hasattr(value, "read"):
            files[key] = Upload(
                value.filename or key, value.content_type or "application/octet-stream", await value.read()
            )
        else:
            items.append((key, value))
    return Params(items=items, files=files)
