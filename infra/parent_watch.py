"""Ending a process the engine left behind. The Pulumi engine starts the provider plugin (and, through the
language host, the program) and normally stops them itself; a killed engine (SIGKILL of `pulumi up`) stops
nothing, and they would run on as orphans, holding Twilio calls and a state lock's worth of work nobody
reads. A process started by the engine watches its parent: when the parent is gone (the process was handed
to init or a subreaper, so its parent PID changed), it leaves at once."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

# How often the parent is looked at: a look is one getppid() call, and an orphan only has to end soon.
LOOK_EVERY_SECONDS = 0.5


def exit_with_parent(leave: Callable[[], None], every: float = LOOK_EVERY_SECONDS) -> threading.Thread:
    """Start a daemon thread that calls `leave()` once this process's parent has changed."""
    parent = os.getppid()
    stop = threading.Event()  # never set: its wait paces the looks

    def watch() -> None:
        while not stop.wait(every):
            if os.getppid() != parent:
                leave()
                return

    thread = threading.Thread(target=watch, name="exit-with-parent", daemon=True)
    thread.start()
    return thread
