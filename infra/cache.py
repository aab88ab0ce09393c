"""The per-user cache of this project: $CHAT_TRANSFER_CACHE_DIR, else `flex-chat-transfer` under
$XDG_CACHE_HOME or ~/.cache (where the Pulumi CLI build also lives). Everything in it can be deleted at any
time: it only saves work (node --check results, remembered workspace SIDs, the provider's log). So an entry
that is missing, unreadable, too big or damaged reads as absent, and one that cannot be written is skipped."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

# A cache entry is small (Node's built-in module names, 64 remembered workspaces): a bigger one is damage.
MAX_ENTRY_BYTES = 256 * 1024


def cache_root() -> Path:
    explicit = os.environ.get("CHAT_TRANSFER_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "flex-chat-transfer"


def read_json(path: Path, max_bytes: int = MAX_ENTRY_BYTES) -> Any | None:
    """The entry's JSON through the project's bounded reader (size, depth, duplicate keys), or None."""
    # Imported here: the provider uses this module for its log path and must not load the reader at start.
    from flex_chat_transfer.workflow.inputs import load_json
    from flex_chat_transfer.workflow.problems import ProblemsError

    try:
        if path.stat().st_size > max_bytes:
            return None
        return load_json(path.read_text(encoding="utf-8"), str(path), max_bytes=max_bytes)
    except (OSError, UnicodeDecodeError, ProblemsError):
        return None


def write_atomically(path: Path, text: str) -> None:
    """Concurrent runs may write the same entry; a reader sees a whole file or none."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except OSError:
        pass
