"""The one place a Twilio client is made.

`TWILIO_SANDBOX_URL` rewrites `https://<product>.twilio.com/<path>` to `$TWILIO_SANDBOX_URL/<product>/<path>`;
nothing else about the client changes, so the same code runs against Twilio and the local sandbox.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

_TWILIO_HOST = re.compile(r"^(?P<product>[a-z-]+)(?:\.[a-z0-9-]+)*\.twilio\.com$")


def rewrite_url(url: str, sandbox_url: str | None) -> str:
    """Map a twilio.com URL onto the sandbox; any other URL (e.g. a sandbox page link) is left as is."""
    if not sandbox_url:
        return url
    parts = urlsplit(url)
    match = _TWILIO_HOST.match(parts.hostname or "")
    if parts.scheme != "https" or not match:
        return url
    rewritten = f"{sandbox_url.rstrip('/')}/{match['product']}{parts.path}"
    return f"{rewritten}?{parts.query}" if parts.query else rewritten


class SandboxAwareHttpClient(TwilioHttpClient):
    """TwilioHttpClient that sends twilio.com requests to the sandbox when one is configured."""

    def __init__(self, sandbox_url: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sandbox_url = sandbox_url

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        return super().request(method, rewrite_url(url, self.sandbox_url), *args, **kwargs)


def make_client(
    username: str | None = None,
    password: str | None = None,
    account_sid: str | None = None,
    sandbox_url: str | None = None,
) -> Client:
    """A twilio `Client`; `username`/`password` are an account SID + auth token or an API key pair."""
    sandbox_url = sandbox_url if sandbox_url is not None else os.environ.get("TWILIO_SANDBOX_URL")
    return Client(
        username,
        password,
        account_sid=account_sid,
        http_client=SandboxAwareHttpClient(sandbox_url=sandbox_url or None),
    )
