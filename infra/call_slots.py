"""The bound on concurrent Twilio requests of one process, with priorities: which waiting request gets a freed
slot. Kept apart from the HTTP client so the provider can mark priorities without loading the HTTP stack."""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_CALL_SLOTS: dict[int, CallSlots] = {}
_CALL_SLOTS_LOCK = threading.Lock()


class CallSlots:
    """At most `limit` requests in flight; a freed slot goes to the waiting call with the lowest priority
    number, first come first served among equals. The provider marks calls on the way to the Functions build
    (the long pole of a deploy) URGENT, so the workflow, variables and Flex keys use the slots they leave."""

    def __init__(self, limit: int) -> None:
        self.free = limit
        self.waiting: list[tuple[int, int, threading.Event]] = []
        self.lock = threading.Lock()
        self.order = itertools.count()

    @contextmanager
    def slot(self, priority: int) -> Iterator[None]:
        with self.lock:
            if self.free and not self.waiting:
                self.free -= 1
                turn = None
            else:
                turn = threading.Event()
                heapq.heappush(self.waiting, (priority, next(self.order), turn))
        if turn is not None:
            turn.wait()  # the releasing call handed its slot over
        try:
            yield
        finally:
            with self.lock:
                if self.waiting:
                    heapq.heappop(self.waiting)[2].set()
                else:
                    self.free += 1


URGENT, NORMAL = 0, 1
_call_priority = threading.local()


@contextmanager
def call_priority(priority: int) -> Iterator[None]:
    """Requests this thread makes inside the block wait for a slot with `priority`."""
    before = current_priority()
    _call_priority.value = priority
    try:
        yield
    finally:
        _call_priority.value = before


def current_priority() -> int:
    return getattr(_call_priority, "value", NORMAL)


def slots_for(limit: int) -> CallSlots:
    """The one bound per process and limit: every client of the provider process shares it (Twilio counts
    per account)."""
    with _CALL_SLOTS_LOCK:
        if limit not in _CALL_SLOTS:
            _CALL_SLOTS[limit] = CallSlots(limit)
        return _CALL_SLOTS[limit]
