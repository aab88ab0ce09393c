"""Render + validate a Chat Transfer workflow with many transfer queues (target <= 0.2 s for 500).

`run(queues=500)` builds the spec with fake queue SIDs, then times `render` and `validate_configuration`
(schema + semantic checks with the SID map); the document must come out valid. The machine is shared, so
it runs `repeats` times: the target is judged on the median; the first (cold) pass is reported too. When
the target is missed, a CPU profile by package says where the time goes.
"""

from __future__ import annotations

import json
import statistics
import time

from bench.profiling import by_package
from flex_chat_transfer.workflow.render import render, to_json
from flex_chat_transfer.workflow.spec import ChatTransferSpec, TransferQueue
from flex_chat_transfer.workflow.validate import validate_configuration

QUEUES = 500
REPEATS = 5
TARGET_SECONDS = 0.2


def build(queues: int = QUEUES) -> tuple[ChatTransferSpec, dict[str, str]]:
    """A spec with `queues` transfer queues (every third with timeout/skip_if/fallback) and their SIDs."""
    names = [f"Queue{index:03d}" for index in range(queues)]
    transfer_queues = tuple(
        TransferQueue(name, timeout=60, skip_if="workers.available == 0", fallback_queue="Everyone")
        if index % 3 == 0
        else TransferQueue(name, priority=index % 10)
        for index, name in enumerate(names)
    )
    spec = ChatTransferSpec(worker_transfer_queue="Everyone", transfer_queues=transfer_queues)
    sids = {name: f"WQ{index:032x}" for index, name in enumerate(spec.queue_names(), start=1)}
    return spec, sids


def _once(spec: ChatTransferSpec, sids: dict[str, str]) -> tuple[dict, float, float]:
    started = time.perf_counter()
    document = render(spec, sids)
    rendered = time.perf_counter()
    problems = validate_configuration(document, sids)
    finished = time.perf_counter()
    if problems:
        raise RuntimeError(f"bench workflow: rendered document is invalid: {problems[0]}")
    return document, rendered - started, finished - rendered


def run(queues: int = QUEUES, repeats: int = REPEATS) -> dict:
    spec, sids = build(queues)
    passes = [_once(spec, sids) for _ in range(max(1, repeats))]
    document = passes[0][0]
    totals = [render_s + validate_s for _, render_s, validate_s in passes]
    median = statistics.median(totals)
    result = {
        "transfer_queues": queues,
        "queues": len(sids),
        "filters": len(document["task_routing"]["filters"]),
        "document_bytes": len(to_json(document).encode()),
        "repeats": len(passes),
        "render_seconds": round(statistics.median(p[1] for p in passes), 4),
        "validate_seconds": round(statistics.median(p[2] for p in passes), 4),
        "cold_seconds": round(totals[0], 4),
        "best_seconds": round(min(totals), 4),
        "total_seconds": round(median, 4),
        "target_seconds": TARGET_SECONDS,
        "within_target": median <= TARGET_SECONDS,
    }
    if not result["within_target"]:
        result["profile"] = by_package(lambda: _once(spec, sids))
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
