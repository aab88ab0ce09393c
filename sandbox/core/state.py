"""Everything one running sandbox holds: settings, the SQLite store, product backends, request log, faults."""

from __future__ import annotations

import random
import re
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flex_chat_transfer.sandbox.core.clock import Clock
from flex_chat_transfer.sandbox.core.request_log import RequestLog
from flex_chat_transfer.sandbox.core.sids import mint_sid
from flex_chat_transfer.sandbox.core.store import Store


@dataclass
class Settings:
    db: Path = Path(".sandbox/sandbox.db")
    seed: str | None = "flex-demo"
    latency_ms: int = 0
    fail_rate: float = 0.0
    build_seconds: float = 1.0
    node: str = "node"
    # Refuse form fields and query parameters Twilio's OAS does not name (400/20001) instead of ignoring them.
    strict: bool = False


# Faults the middleware answers instead of the handler (the request never reaches the product).
HTTP_FAULT_KINDS = ("latency", "429", "503", "drop")
# A fault the product consults where the effect happens: matching build creations are accepted, then the
# build ends `failed` with the fault's reason (serverless/models.py).
BUILD_FAILED = "build-failed"
DEFAULT_BUILD_FAILURE_REASON = "injected build failure"


@dataclass
class Fault:
    route: str
    kind: str
    rate: float = 1.0
    count: int | None = None
    latency_ms: int = 0
    retry_after: int = 1
    reason: str | None = None  # build-failed only: the build's failure reason
    hits: int = 0


@dataclass
class SandboxState:
    settings: Settings
    store: Store
    backends: dict[str, Any] = field(default_factory=dict)
    log: RequestLog = field(default_factory=RequestLog)
    faults: list[Fault] = field(default_factory=list)
    faults_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def clock(self) -> Clock:
        """The one clock every backend reads (core/clock.py)."""
        return self.store.clock

    @property
    def account_sid(self) -> str:
        return self._credential("account_sid", lambda: mint_sid("AC"))

    @property
    def auth_token(self) -> str:
        return self._credential("auth_token", lambda: secrets.token_hex(16))

    def take_fault(self, path: str, kinds: tuple[str, ...]) -> Fault | None:
        """The first fault of one of `kinds` whose route matches `path` and that fires this time (its rate);
        a fault that fires uses one of its `count`."""
        with self.faults_lock:
            for fault in self.faults:
                if fault.kind not in kinds or not re.search(fault.route, path):
                    continue
                if fault.count is not None and fault.hits >= fault.count:
                    continue
                if fault.rate < 1.0 and random.random() >= fault.rate:
                    continue
                fault.hits += 1
                return fault
        return None

    def _credential(self, key: str, make) -> str:
        # Credentials outlive reset and restarts, so clients holding them keep working.
        value = self.store.get_meta(f"credentials.{key}")
        if value is None:
            value = make()
            self.store.set_meta(f"credentials.{key}", value)
        return value
