"""Waiting for something another thread or process does, in tests: poll a predicate until it holds or a
deadline passes. The deadline bounds a hang; the interval only spaces the looks, nothing is timed by it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


def wait_until(predicate: Callable[[], object], timeout: float, interval: float = 0.01) -> bool:
    """True as soon as `predicate()` is truthy, False if it is still falsy after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()  # never set: its wait is the pause between looks
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        pause.wait(interval)
