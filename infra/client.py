"""The one place a Twilio client is made.

`TWILIO_SANDBOX_URL` rewrites `https://<product>.twilio.com/<path>` to `$TWILIO_SANDBOX_URL/<product>/<path>`;
nothing else about the client changes, so the same code runs against Twilio and the local sandbox.

Also here: where credentials come from (stack config secrets, else `TWILIO_*` variables), retries (429
honouring `Retry-After`, 503, dropped connections) and a per-process bound on concurrent requests, so many
uploads cannot trip Twilio's account concurrency limit.
"""

from __future__ import annotations

import os
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from flex_chat_transfer.infra import twilio_constants
from flex_chat_transfer.infra.call_slots import current_priority, slots_for
from flex_chat_transfer.infra.twilio_constants import CONFIG_KEYS, DEFAULT_CONCURRENCY

_TWILIO_HOST = re.compile(r"^(?P<product>[a-z-]+)(?:\.[a-z0-9-]+)*\.twilio\.com$")

RETRY_STATUSES = frozenset({429, 503})
DEFAULT_MAX_RETRIES = 6


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


class CredentialsError(ValueError):
    """No usable Twilio credentials; the message is one line saying where to put them."""


@dataclass(frozen=True)
class Credentials:
    username: str  # account SID or API key SID
    password: str = ""  # auth token or API key secret
    account_sid: str = ""

    def __repr__(self) -> str:  # never print the secret half
        return f"Credentials(username={self.username!r}, account_sid={self.account_sid!r}, password='***')"


ENV_KEYS = {
    "account_sid": "TWILIO_ACCOUNT_SID",
    "auth_token": "TWILIO_AUTH_TOKEN",
    "api_key": "TWILIO_API_KEY",
    "api_secret": "TWILIO_API_SECRET",
}


def resolve_credentials(
    config: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
) -> Credentials:
    """Stack config (`twilio:*`, full keys) wins over `TWILIO_*` env vars; an API key pair wins over the
    token."""
    env = os.environ if env is None else env
    config = config or {}
    values = {name: (config.get(CONFIG_KEYS[name]) or env.get(ENV_KEYS[name]) or "") for name in CONFIG_KEYS}
    account_sid = values["account_sid"]
    if values["api_key"] or values["api_secret"]:
        if not (values["api_key"] and values["api_secret"] and account_sid):
            raise CredentialsError(
                "twilio credentials: an API key needs twilio:apiKey, twilio:apiSecret and twilio:accountSid "
                "(fix: set all three, or TWILIO_API_KEY / TWILIO_API_SECRET / TWILIO_ACCOUNT_SID)"
            )
        return Credentials(values["api_key"], values["api_secret"], account_sid)
    if account_sid and values["auth_token"]:
        return Credentials(account_sid, values["auth_token"], account_sid)
    raise CredentialsError(
        "twilio credentials: none found (fix: `pulumi config set twilio:accountSid AC…` and "
        "`pulumi config set --secret twilio:authToken …`, or export TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN)"
    )


def credentials_source(config: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None) -> str:
    """Where `resolve_credentials` takes the credentials from, by name only (never a value)."""
    env = os.environ if env is None else env
    config = config or {}
    names = (
        ("api_key", "api_secret")
        if any(config.get(CONFIG_KEYS[k]) or env.get(ENV_KEYS[k]) for k in ("api_key", "api_secret"))
        else ("account_sid", "auth_token")
    )
    names = ("account_sid", *[n for n in names if n != "account_sid"])
    parts = [
        f"stack config {CONFIG_KEYS[n]}" if config.get(CONFIG_KEYS[n]) else f"${ENV_KEYS[n]}" for n in names
    ]
    return " + ".join(parts)


_SID_SEGMENT = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")


def is_create(method: str, url: str) -> bool:
    """POST to a collection (`…/Workflows`, not `…/Workflows/WW…` or `/Configuration`): not safe to repeat."""
    last = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    return method.upper() == "POST" and not _SID_SEGMENT.match(last) and last != "Configuration"


def never_sent(error: Exception) -> bool:
    """True when the request never reached a server: no connection could be made (refused, DNS, connect
    timeout). Unlike a drop mid-reply, repeating such a request cannot duplicate anything."""
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return True
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def retry_delay(attempt: int, retry_after: str | None, base: float, cap: float) -> float:
    """Seconds to wait before retry `attempt` (1-based): `Retry-After` when given, else capped jittered
    2^n."""
    if retry_after:
        try:
            return min(max(float(retry_after), 0.0), cap)
        except ValueError:
            pass  # an HTTP date: fall back to backoff
    return min(base * (2 ** (attempt - 1)), cap) * (0.5 + random.random() / 2)


class SandboxAwareHttpClient(TwilioHttpClient):
    """TwilioHttpClient that sends twilio.com requests to the sandbox when one is configured,
    retries what is safe to retry and bounds concurrent requests per process."""

    def __init__(
        self,
        sandbox_url: str | None = None,
        *,
        max_retries: int = DEFAULT_MAX_RETRIES,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        concurrency: int = DEFAULT_CONCURRENCY,
        sleep: Callable[[float], None] = time.sleep,
        **kwargs,
    ) -> None:
        kwargs.setdefault("timeout", 60)
        super().__init__(**kwargs)
        self.sandbox_url = sandbox_url
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.concurrency = concurrency
        self.sleep = sleep
        self.retries = 0  # how many retries this client made (for tests and progress lines)

    def _with_retries(self, send: Callable[[], Response], retry_drops: bool = True) -> Response:
        attempt = 0
        while True:
            attempt += 1
            try:
                with slots_for(self.concurrency).slot(current_priority()):
                    response = send()
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as error:
                # A dropped create may have been carried out: repeating it blindly could make a duplicate,
                # so creates surface the drop and the caller looks before it creates again (Rest.create).
                # A connection that was never made (refused: Twilio or the sandbox briefly down) sent
                # nothing, so even a create is safe to repeat after the backoff.
                if attempt > self.max_retries or not (retry_drops or never_sent(error)):
                    raise
                self.retries += 1
                self.sleep(retry_delay(attempt, None, self.backoff_base, self.backoff_cap))
                continue
            if response.status_code not in RETRY_STATUSES or attempt > self.max_retries:
                return response
            self.retries += 1
            self.sleep(
                retry_delay(attempt, response.headers.get("Retry-After"), self.backoff_base, self.backoff_cap)
            )

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        target = rewrite_url(url, self.sandbox_url)
        return self._with_retries(
            lambda: super(SandboxAwareHttpClient, self).request(method, target, *args, **kwargs),
            retry_drops=not is_create(method, target),
        )

    def upload(
        self,
        url: str,
        data: Mapping[str, str],
        files: Mapping[str, tuple[str, bytes, str]],
        auth: tuple[str, str],
    ) -> Response:
        """multipart/form-data POST (the serverless-upload host), with the same rewrite, retries and bound."""
        target = rewrite_url(url, self.sandbox_url)
        session = self.session or requests.Session()

        def send() -> Response:
            raw = session.post(target, data=dict(data), files=dict(files), auth=auth, timeout=self.timeout)
            return Response(int(raw.status_code), raw.text, raw.headers)

        return self._with_retries(send)


def make_client(
    username: str | None = None,
    password: str | None = None,
    account_sid: str | None = None,
    sandbox_url: str | None = None,
    **http_options: Any,
) -> Client:
    """A twilio `Client`; `username`/`password` are an account SID + auth token or an API key pair.
    `http_options` go to SandboxAwareHttpClient (max_retries, backoff_base, concurrency, sleep)."""
    sandbox = sandbox_url if sandbox_url is not None else twilio_constants.sandbox_url()
    return Client(
        username,
        password,
        account_sid=account_sid,
        http_client=SandboxAwareHttpClient(sandbox_url=sandbox or None, **http_options),
    )


def client_from_settings(config: Mapping[str, Any] | None = None, **http_options: Any) -> Client:
    """The client for a deploy: credentials resolved from `config` (full `twilio:*` keys) or the
    environment."""
    creds = resolve_credentials(config)
    return make_client(creds.username, creds.password, creds.account_sid or None, **http_options)
