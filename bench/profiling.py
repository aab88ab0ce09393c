"""A CPU profile grouped by package: which library the time goes to (shown when a target is missed)."""

from __future__ import annotations

import cProfile
import pstats
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _package(filename: str) -> str:
    parts = Path(filename).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].removesuffix(".py")
    for own in ("workflow", "bench", "infra", "sandbox"):
        if own in parts:
            return own
    if filename.startswith(("~", "<")):
        return "builtins"
    return "stdlib"


def by_package(call: Callable[[], Any], top: int = 6) -> list[dict[str, Any]]:
    """Runs `call` once under cProfile; own time per package, largest first, with its hottest function."""
    profiler = cProfile.Profile()
    profiler.runcall(call)
    stats = pstats.Stats(profiler).stats  # {(file, line, name): (cc, nc, tottime, cumtime, callers)}
    totals: dict[str, float] = defaultdict(float)
    hottest: dict[str, tuple[float, str]] = {}
    for (filename, _line, name), (_cc, _nc, tottime, _cum, _callers) in stats.items():
        package = _package(filename)
        totals[package] += tottime
        if tottime > hottest.get(package, (0.0, ""))[0]:
            hottest[package] = (tottime, f"{Path(filename).name}:{name}")
    whole = sum(totals.values()) or 1.0
    ranked = sorted(totals.items(), key=lambda item: -item[1])[:top]
    return [
        {"package": package, "seconds": round(seconds, 4), "share": round(seconds / whole, 3),
         "hottest": hottest[package][1]}
        for package, seconds in ranked
    ]
