"""Thin JSON calls over the one Twilio client (infra/client.py): every provider speaks REST through here, so
URL rewrite, auth, retries and the concurrency bound apply to every request, uploads included."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from twilio.rest import Client

TASKROUTER = "https://taskrouter.twilio.com/v1"
SERVERLESS = "https://serverless.twilio.com/v1"
SERVERLESS_UPLOAD = "https://serverless-upload.twilio.com/v1"
FLEX = "https://flex-api.twilio.com/v1"


class TwilioApiError(RuntimeError):
    """A non-2xx answer; `str()` is one line: call, status, Twilio code and message."""

    def __init__(self, method: str, url: str, status: int, code: int | None, message: str) -> None:
        self.method, self.url, self.status, self.code, self.message = method, url, status, code, message
        path = urlsplit(url).path
        super().__init__(
            f"{method} {path}: HTTP {status}" + (f" (Twilio {code})" if code else "") + f": {message}"
        )


class Rest:
    def __init__(self, client: Client) -> None:
        self.client = client

    def _parse(self, method: str, url: str, response) -> Any:
        if 200 <= response.status_code < 300:
            return json.loads(response.text) if response.text else None
        try:
            body = json.loads(response.text)
            code, message = body.get("code"), body.get("message") or response.text
        except (ValueError, AttributeError):
            code, message = None, (response.text or "").strip()[:200]
        raise TwilioApiError(method, url, response.status_code, code, message)

    def call(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None = None,
        data: Any = None,
        json_body: bool = False,
    ) -> Any:
        headers = {"Content-Type": "application/json"} if json_body else None
        response = self.client.request(
            method, url, params=dict(params or {}) or None, data=data, headers=headers
        )
        return self._parse(method, url, response)

    def get(self, url: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.call("GET", url, params=params)

    def find(self, url: str) -> dict | None:
        """GET that answers None for 404 (a resource deleted outside Pulumi)."""
        try:
            return self.get(url)
        except TwilioApiError as error:
            if error.status == 404:
                return None
            raise

    def post(self, url: str, data: Mapping[str, Any] | list[tuple[str, Any]] | None = None) -> Any:
        return self.call("POST", url, data=data)

    def create(
        self,
        url: str,
        data: Mapping[str, Any],
        recover: Callable[[], dict | None] | None = None,
        attempts: int = 3,
    ) -> Any:
        """POST a create. The client does not repeat a create whose connection dropped (it may have been
        carried out); here `recover` looks for what the lost answer would have named before creating again."""
        import requests  # loaded by the client already; kept out of this module's import for the provider

        for attempt in range(1, attempts + 1):
            try:
                return self.post(url, data)
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
                if attempt == attempts:
                    raise
                found = recover() if recover else None
                if found:
                    return found
        raise AssertionError("unreachable")

    def delete(self, url: str, missing_ok: bool = True) -> None:
        try:
            self.call("DELETE", url)
        except TwilioApiError as error:
            if not (missing_ok and error.status == 404):
                raise

    def list_all(self, url: str, key: str, params: Mapping[str, Any] | None = None) -> list[dict]:
        """Every item of a paged list, following `meta.next_page_url` as Twilio returns it."""
        items: list[dict] = []
        page = self.get(url, {"PageSize": 1000, **(params or {})})
        while True:
            items.extend(page.get(key) or [])
            next_url = (page.get("meta") or {}).get("next_page_url")
            if not next_url:
                return items
            page = self.get(next_url)

    def upload(
        self, url: str, data: Mapping[str, str], filename: str, content: bytes, content_type: str
    ) -> Any:
        auth = (self.client.username, self.client.password)
        response = self.client.http_client.upload(
            url, data, {"Content": (filename, content, content_type)}, auth
        )
        return self._parse("POST", url, response)


def find_environment(rest: Rest, service_sid: str, name_or_sid: str) -> dict | None:
    """The environment of Functions service `service_sid` whose ZE… SID or unique name is `name_or_sid`, or
    None. One reader for the provider, the program and attach mode; it reads the service's list because
    Twilio fetches an environment by its SID only (the OAS pattern of Sid is ^ZE…)."""
    environments = rest.list_all(f"{SERVERLESS}/Services/{service_sid}/Environments", "environments")
    return next((e for e in environments if name_or_sid in (e["sid"], e["unique_name"])), None)
