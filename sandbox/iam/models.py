"""Flex tokens: minted by the control API for a worker, signed with the account's auth token, checked by
POST /iam/v1/Accounts/{AC}/Tokens/validate. The format is the sandbox's own (three base64url parts,
HMAC-SHA256); clients treat Flex tokens as opaque, so only the validate answer has to match Twilio's."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from flex_chat_transfer.sandbox.core.errors import InvalidParameter
from flex_chat_transfer.sandbox.core.state import SandboxState


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class IamBackend:
    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def _sign(self, signing_input: str) -> str:
        key = self.state.auth_token.encode()
        return _b64(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())

    def _worker(self, worker_sid: str) -> dict[str, Any] | None:
        taskrouter = self.state.backends.get("taskrouter")
        return taskrouter.workers.get(worker_sid) if taskrouter else None

    def mint_token(self, worker_sid: str, ttl: int = 3600) -> dict[str, Any]:
        worker = self._worker(worker_sid)
        if worker is None:
            raise InvalidParameter(
                f"worker_sid {worker_sid!r} is not a worker of this account; use a WK… SID "
                "from GET /_sandbox/seed"
            )
        attributes = json.loads(worker["attributes"])
        identity = str(attributes.get("contact_uri") or worker["friendly_name"]).removeprefix("client:")
        now = int(self.state.clock())
        claims = {
            "iss": self.state.account_sid,
            "sub": worker_sid,
            "identity": identity,
            "roles": attributes.get("roles") or ["agent"],
            "realm_user_id": f"{identity}@sandbox",
            "iat": now,
            "exp": now + ttl,
        }
        header = _b64(json.dumps({"alg": "HS256", "typ": "flex-sandbox"}).encode())
        body = _b64(json.dumps(claims, separators=(",", ":")).encode())
        token = f"{header}.{body}.{self._sign(f'{header}.{body}')}"
        return {
            "token": token,
            "worker_sid": worker_sid,
            "identity": identity,
            "expiration": _iso(claims["exp"]),
        }

    def validate(self, account_sid: str, token: Any) -> dict[str, Any]:
        """Twilio answers valid:false with a message, not an HTTP error; the validator reads `valid`."""
        if not isinstance(token, str) or token.count(".") != 2:
            return _invalid("token is missing or not a Flex token")
        header, body, signature = token.split(".")
        if not hmac.compare_digest(signature, self._sign(f"{header}.{body}")):
            return _invalid("token signature is invalid (forged, or minted for another account)")
        try:
            claims = json.loads(_unb64(body))
        except (ValueError, json.JSONDecodeError):
            return _invalid("token payload is unreadable")
        if claims.get("iss") != account_sid:
            return _invalid(f"token belongs to account {claims.get('iss')}, not {account_sid}")
        if claims.get("exp", 0) <= self.state.clock():
            return _invalid(f"token expired at {_iso(claims.get('exp', 0))}")
        if self._worker(claims.get("sub", "")) is None:
            return _invalid(f"token's worker {claims.get('sub')} no longer exists")
        return {
            "valid": True,
            "code": 0,
            "message": None,
            "expiration": _iso(claims["exp"]),
            "realm_user_id": claims["realm_user_id"],
            "identity": claims["identity"],
            "roles": claims["roles"],
            "worker_sid": claims["sub"],
        }


def _invalid(message: str) -> dict[str, Any]:
    return {
        "valid": False,
        "code": 20151,
        "message": f"Invalid Flex token: {message}",
        "expiration": None,
        "realm_user_id": None,
        "identity": None,
        "roles": [],
        "worker_sid": None,
    }
