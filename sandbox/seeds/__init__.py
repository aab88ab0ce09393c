"""Named starting states. A seed writes through the product backends and records the SIDs it made, by kind and
name, so tests read them from GET /_sandbox/seed instead of hard-coding them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flex_chat_transfer.sandbox.core.errors import InvalidParameter
from flex_chat_transfer.sandbox.core.state import SandboxState
from flex_chat_transfer.sandbox.seeds import flex_demo

SEEDS: dict[str, Callable[[SandboxState], dict[str, Any]]] = {
    "flex-demo": flex_demo.seed,
    "empty": lambda state: {},
}


def apply_seed(state: SandboxState, name: str) -> dict[str, Any]:
    if name not in SEEDS:
        raise InvalidParameter(f"seed {name!r} is unknown; use one of {', '.join(sorted(SEEDS))}")
    info = SEEDS[name](state)
    state.store.set_meta("seed.name", name)
    state.store.set_meta("seed.info", json.dumps(info))
    return info


def seed_info(state: SandboxState) -> dict[str, Any]:
    raw = state.store.get_meta("seed.info")
    return json.loads(raw) if raw else {}
