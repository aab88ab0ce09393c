"""The routing oracle (tests/fixtures/routing-oracle/cases.yaml, each case from Twilio's docs) held against
the project's own routing model, `flex_chat_transfer.workflow.simulate` (what `chat-transfer simulate` and
`diff --scenarios` predict): for every case decided the moment a task is created (no clock, no skip_if, no
set-up steps), the model must pick the queue and the first worker the docs say. The sandbox runs the whole
corpus over HTTP (tests/sandbox/taskrouter/test_routing_oracle.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from flex_chat_transfer.workflow.simulate import Queue, Router, Worker, Workspace

CASES_FILE = Path(__file__).resolve().parents[1] / "fixtures" / "routing-oracle" / "cases.yaml"


def _decided_at_creation(case: dict[str, Any]) -> bool:
    expect = case["expect"]
    return (
        "http" not in expect
        and "before" not in case
        and "skip_if" not in yaml.safe_dump(case["workflow"])
        and ("queue" in expect or "offered_to" in expect)
    )


CASES = [c for c in yaml.safe_load(CASES_FILE.read_text())["cases"] if _decided_at_creation(c)]


def _fill(node: Any, names: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {k: names[v] if k == "queue" else _fill(v, names) for k, v in node.items()}
    if isinstance(node, list):
        return [_fill(item, names) for item in node]
    return node


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_the_routing_model_agrees_with_the_docs(case):
    queue_sids = {name: f"WQ{index:032x}" for index, name in enumerate(case["queues"], start=1)}
    worker_sids = {w["name"]: f"WK{index:032x}" for index, w in enumerate(case["workers"], start=1)}
    workspace = Workspace(
        queues=[Queue(queue_sids[name], name, target) for name, target in case["queues"].items()],
        workers=[
            Worker(
                worker_sids[w["name"]],
                w["name"],
                w.get("attributes", {}),
                available=w.get("activity", "Available") == "Available",
                activity_name=w.get("activity", "Available"),
            )
            for w in case["workers"]
        ],
    )
    attributes = {
        key: worker_sids[value.removeprefix("$worker:")]
        if isinstance(value, str) and value.startswith("$worker:")
        else value
        for key, value in case["task"].get("attributes", {}).items()
    }
    routing = Router(_fill(case["workflow"], queue_sids), workspace).route(attributes)
    names = {sid: name for name, sid in worker_sids.items()}
    seen = {
        "queue": routing.queue_name,
        "offered_to": names[routing.eligible_workers[0]] if routing.eligible_workers else None,
    }
    for key in ("queue", "offered_to"):
        if key in case["expect"]:
            assert seen[key] == case["expect"][key], (
                f"{case['id']}: {key} {seen[key]!r}, docs {case['expect'][key]!r}"
            )


def test_most_of_the_corpus_is_decided_at_creation():
    assert len(CASES) >= 15
