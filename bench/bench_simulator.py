"""Simulator throughput: a 50-queue Chat Transfer workflow, 2,000 workers, 10,000 tasks (target <= 1 s).

`run()` returns the measured numbers; `python -m bench.bench_simulator` prints them. The workflow is
the renderer's output for 49 transfer queues plus the worker-transfer queue; every other transfer
queue has a timeout, a skip_if and a fallback, so cascades are exercised too. Data is seeded, so every
run routes the same tasks.
"""

from __future__ import annotations

import json
import random
import time

from flex_chat_transfer.workflow.render import render
from flex_chat_transfer.workflow.simulate import Queue, Router, Worker, Workspace
from flex_chat_transfer.workflow.spec import ChatTransferSpec, TransferQueue

QUEUES = 50
WORKERS = 2_000
TASKS = 10_000
TARGET_SECONDS = 1.0


def _sid(prefix: str, number: int) -> str:
    return f"{prefix}{number:032x}"


def build(seed: int = 5) -> tuple[dict, Workspace, list[dict]]:
    """The workflow configuration, the workspace and the task attributes to route."""
    rng = random.Random(seed)
    names = [f"Queue{index:02d}" for index in range(1, QUEUES)]
    transfer_queues = tuple(
        TransferQueue(name, timeout=60, skip_if="workers.available == 0", fallback_queue="Everyone")
        if index % 2
        else TransferQueue(name)
        for index, name in enumerate(names)
    )
    spec = ChatTransferSpec(worker_transfer_queue="Everyone", transfer_queues=transfer_queues)
    sids = {"Everyone": _sid("WQ", 0)} | {
        name: _sid("WQ", index + 1) for index, name in enumerate(names)
    }
    configuration = render(spec, sids)
    queues = [Queue(sids["Everyone"], "Everyone")] + [
        Queue(sids[name], name, f"skills HAS '{name.lower()}'") for name in names
    ]
    workers = [
        Worker(
            _sid("WK", index),
            f"agent{index}",
            {"skills": [name.lower() for name in rng.sample(names, 3)], "level": rng.randint(1, 5)},
            available=rng.random() < 0.8,
        )
        for index in range(WORKERS)
    ]
    tasks = []
    for _ in range(TASKS):
        in_chat = [worker.sid for worker in rng.sample(workers, rng.randint(1, 3))]
        roll = rng.random()
        if roll < 0.2:
            tasks.append(
                {
                    "transferTargetType": "worker",
                    "transferTargetSid": rng.choice(workers).sid,
                    "workerSidsInConversation": in_chat,
                }
            )
        elif roll < 0.95:
            tasks.append(
                {
                    "transferTargetType": "queue",
                    "transferQueueName": rng.choice(names),
                    "workerSidsInConversation": in_chat,
                }
            )
        else:
            tasks.append(
                {
                    "transferTargetType": "queue",
                    "transferQueueName": "Nowhere",
                    "workerSidsInConversation": in_chat,
                }
            )
    return configuration, Workspace(queues, workers), tasks


def run() -> dict:
    configuration, workspace, tasks = build()
    started = time.perf_counter()
    router = Router(configuration, workspace)
    compiled = time.perf_counter()
    eligible = 0
    for task in tasks:
        eligible += len(router.route(task).eligible_workers)
    finished = time.perf_counter()
    route_seconds = finished - compiled
    return {
        "queues": len(workspace.queues),
        "filters": len(configuration["task_routing"]["filters"]),
        "workers": len(workspace.workers),
        "tasks": len(tasks),
        "compile_seconds": round(compiled - started, 4),
        "route_seconds": round(route_seconds, 4),
        "total_seconds": round(finished - started, 4),
        "tasks_per_second": round(len(tasks) / route_seconds),
        "mean_eligible_workers": round(eligible / len(tasks), 1),
        "target_seconds": TARGET_SECONDS,
        "within_target": finished - started <= TARGET_SECONDS,
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
