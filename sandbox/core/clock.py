"""Sandbox time: the wall clock plus an offset that only grows. Every backend reads time through the one
`Clock` of its `SandboxState`, so a test moves all of them at once with
`POST /_sandbox/clock {"advance": 120}` instead of sleeping. The offset is kept in the store, so a restart
on the same database keeps its time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

ISO = "%Y-%m-%dT%H:%M:%SZ"
_META_KEY = "clock.offset"


class Clock:
    def __init__(self, wall: Callable[[], float] = time.time, offset: float = 0.0) -> None:
        self._wall = wall
        self._offset = offset
        self._lock = threading.Lock()

    def __call__(self) -> float:
        """Seconds since the epoch, as the sandbox sees it."""
        return self._wall() + self._offset

    @property
    def offset(self) -> float:
        return self._offset

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("time only moves forward")
        with self._lock:
            self._offset += seconds
        return self._offset

    def iso(self) -> str:
        return datetime.fromtimestamp(self(), UTC).strftime(ISO)

    def seconds_since(self, iso: str) -> int:
        then = datetime.strptime(iso, ISO).replace(tzinfo=UTC).timestamp()
        return max(0, int(self() - then))

    # ---- persistence: the offset outlives restarts ---------------------------------------------------------
    @classmethod
    def restored(cls, get_meta: Callable[[str], str | None]) -> Clock:
        return cls(offset=float(get_meta(_META_KEY) or 0.0))

    def save(self, set_meta: Callable[[str, str], None]) -> None:
        set_meta(_META_KEY, repr(self._offset))


def epoch(iso: str) -> int:
    return int(datetime.strptime(iso, ISO).replace(tzinfo=UTC).timestamp())
