"""The per-user cache of this project: $CHAT_TRANSFER_CACHE_DIR, else `flex-chat-transfer` under
$XDG_CACHE_HOME or ~/.cache (where the Pulumi CLI build also lives). Everything in it can be deleted at any
time: it only saves work (node --check results, remembered workspace SIDs, the provider's log)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    explicit = os.environ.get("CHAT_TRANSFER_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "flex-chat-transfer"
