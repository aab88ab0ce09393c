"""ASGI middleware in front of every product: request log (with query and body, core/request_log.py),
injected faults, then HTTP Basic auth.

Control calls (`/_sandbox/…`) are authenticated but neither logged nor faulted; deployed functions
(`/_runtime/…`) are logged and faulted but do their own auth, as on Twilio's domains.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import random
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from flex_chat_transfer.sandbox.core.errors import (
    Authenticate,
    ServiceUnavailable,
    TooManyRequests,
    TwilioError,
)
from flex_chat_transfer.sandbox.core.http import error_response
from flex_chat_transfer.sandbox.core.state import HTTP_FAULT_KINDS, SandboxState

CONTROL = "_sandbox"
RUNTIME = "_runtime"


def credentials_ok(header: str | None, state: SandboxState) -> bool:
    if not header or not header.lower().startswith("basic "):
        return False
    try:
        user, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return hmac.compare_digest(user, state.account_sid) and hmac.compare_digest(password, state.auth_token)


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    """Read the whole request body (the log keeps it even when a fault answers first) and a `receive` that
    hands it to the app as if it were read for the first time."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            # The client went away before the body was complete: pass that on as it came.
            async def gone(message: Message = message) -> Message:
                return message

            return b"".join(chunks), gone
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


class SandboxMiddleware:
    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self.app, self.state = app, state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        product = path.strip("/").split("/", 1)[0]
        started = time.perf_counter()
        status = {"code": 0}

        async def send_logged(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        if product == CONTROL:
            await self._handle(scope, receive, send_logged, path, product)
            return
        body, receive = await _buffered(receive)
        try:
            await self._handle(scope, receive, send_logged, path, product)
        finally:
            ms = (time.perf_counter() - started) * 1000
            headers = dict(scope["headers"])
            content_type = headers.get(b"content-type")
            self.state.log.add(
                scope["method"], product, path, status["code"], ms, scope.get("query_string", b""),
                content_type.decode("latin-1") if content_type else None, body,
            )

    async def _handle(self, scope: Scope, receive: Receive, send: Send, path: str, product: str) -> None:
        if product != CONTROL:
            fault = self.state.take_fault(path, HTTP_FAULT_KINDS)
            delay = self.state.settings.latency_ms + (fault.latency_ms if fault else 0)
            if delay:
                await asyncio.sleep(delay / 1000)
            if fault and fault.kind == "drop":
                # Start a response and never finish it: the server closes the connection mid-reply.
                await send(
                    {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1024")]}
                )
                return
            error: TwilioError | None = None
            if fault and fault.kind == "429":
                error = TooManyRequests(fault.retry_after)
            elif fault and fault.kind == "503":
                error = ServiceUnavailable()
            elif self.state.settings.fail_rate and random.random() < self.state.settings.fail_rate:
                error = TooManyRequests(1)
            if error is not None:
                await error_response(error)(scope, receive, send)
                return
        if product != RUNTIME:
            headers = dict(scope["headers"])
            auth = headers.get(b"authorization")
            if not credentials_ok(auth.decode("latin-1") if auth else None, self.state):
                await error_response(Authenticate())(scope, receive, send)
                return
        await self.app(scope, receive, send)
