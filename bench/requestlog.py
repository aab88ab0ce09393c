"""Reads a slice of the sandbox request log (DESIGN.md "Sandbox control"): calls by product and method,
writes by kind, build status reads and builds made, the Serverless calls the peer's work also needs, and a
per-endpoint profile (count and time) for when a target is missed."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

READS = frozenset({"GET", "HEAD"})
# 2 letters + 32 hex: a Twilio SID. Collapsed so one endpoint is one profile row.
_SID = re.compile(r"\b[A-Z]{2}[0-9a-f]{32}\b")


def endpoint(path: str) -> str:
    """`/serverless/v1/Services/ZS…/Builds/ZB…/Status` -> `/serverless/v1/Services/{ZS}/Builds/{ZB}/Status`"""
    return _SID.sub(lambda match: "{" + match.group(0)[:2] + "}", path)


def write_kind(method: str, path: str) -> str | None:
    """What a write made or changed: `upload`, `build`, `deployment`, else the collection it wrote to
    (`Functions`, `Variables`, …; `Functions update` for a write to one item)."""
    if method in READS:
        return None
    if path.startswith("/serverless-upload/"):
        return "upload"
    words = [word for word in path.strip("/").split("/") if word]
    last = words[-1] if words else path
    if _SID.fullmatch(last):
        return f"{words[-2] if len(words) > 1 else '?'} {'delete' if method == 'DELETE' else 'update'}"
    return {"Builds": "build", "Deployments": "deployment"}.get(last, last)


def is_status_read(entry: Mapping[str, Any]) -> bool:
    return entry["method"] == "GET" and endpoint(entry["path"]).endswith("/Builds/{ZB}/Status")


def is_serverless_but_variables(entry: Mapping[str, Any]) -> bool:
    """A call for the work both we and the peer do (service, environment, functions, uploads, build, status,
    deployment): everything Serverless except environment Variables, which only we declare."""
    return entry["product"] in ("serverless", "serverless-upload") and "/Variables" not in entry["path"]


def summarize(entries: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    entries = list(entries)
    by = Counter(f"{e['product']} {e['method']}" for e in entries)
    writes = [e for e in entries if e["method"] not in READS]
    kinds = Counter(
        write_kind(e["method"], e["path"]) for e in writes if 200 <= int(e["status"]) < 300
    )
    return {
        "calls": len(entries),
        "writes": len(writes),
        "failed": sum(1 for e in entries if int(e["status"]) >= 400),
        "by": dict(sorted(by.items())),
        "write_kinds": dict(sorted(kinds.items())),
        "api_ms": round(sum(float(e["ms"]) for e in entries), 1),
        "status_reads": sum(1 for e in entries if is_status_read(e)),
        "builds": kinds.get("build", 0),
        "serverless_but_variables": sum(1 for e in entries if is_serverless_but_variables(e)),
    }


def profile(entries: Iterable[Mapping[str, Any]], top: int = 12) -> list[dict[str, Any]]:
    """Endpoints by total server time (latency included), largest first."""
    rows: dict[str, list[float]] = defaultdict(list)
    for entry in entries:
        rows[f"{entry['method']} {endpoint(entry['path'])}"].append(float(entry["ms"]))
    ranked = sorted(rows.items(), key=lambda item: -sum(item[1]))
    return [
        {"call": call, "count": len(times), "total_ms": round(sum(times), 1), "max_ms": round(max(times), 1)}
        for call, times in ranked[:top]
    ]
