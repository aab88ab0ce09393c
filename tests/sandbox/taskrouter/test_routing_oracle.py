"""The routing oracle (tests/fixtures/routing-oracle/cases.yaml): cases whose expected outcome comes from
Twilio's TaskRouter documentation, each run against the sandbox over plain HTTP (a fresh workspace, its
queues, workers, the workflow, the task; the sandbox clock for time), so the sandbox's routing is checked
against the docs, not against the project's own routing model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

CASES_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "routing-oracle" / "cases.yaml"
CASE_KEYS = {
    "id",
    "docs",
    "says",
    "silent",
    "queues",
    "workers",
    "before",
    "workflow",
    "task",
    "expect",
    "then",
}
EXPECT_KEYS = {"queue", "offered_to", "status", "priority", "reason", "http", "code"}
ACTIONS = {"advance", "reject", "activity", "update_workflow"}


def load_cases() -> list[dict[str, Any]]:
    cases = yaml.safe_load(CASES_FILE.read_text())["cases"]
    for case in cases:
        unknown = set(case) - CASE_KEYS
        assert not unknown, f"{case.get('id')}: unknown keys {sorted(unknown)}"
        assert str(case.get("docs", "")).startswith("https://www.twilio.com/docs/"), (
            f"{case['id']}: cite the docs"
        )
        assert case.get("says"), f"{case['id']}: say what the docs say"
        for step in [{"expect": case["expect"]}, *case.get("then", [])]:
            assert set(step["expect"]) <= EXPECT_KEYS, f"{case['id']}: unknown expectation"
            assert set(step) - {"expect"} <= ACTIONS, f"{case['id']}: unknown action {sorted(step)}"
    return cases


CASES = load_cases()


class Workspace:
    """One case's workspace on the sandbox, built with the REST API as any client would."""

    def __init__(self, http: httpx.Client, name: str) -> None:
        self.http = http
        self.sid = self.post("/Workspaces", FriendlyName=f"oracle {name}")["sid"]
        self.base = f"/Workspaces/{self.sid}"
        activities = self.get(f"{self.base}/Activities")["activities"]
        self.activities = {a["friendly_name"]: a["sid"] for a in activities}
        self.queues: dict[str, str] = {}
        self.workers: dict[str, str] = {}
        self.workflow = ""
        self.task = ""

    def post(self, path: str, **form: Any) -> dict[str, Any]:
        answer = self.http.post(f"/taskrouter/v1{path}", data=form)
        assert answer.status_code in (200, 201), f"POST {path}: {answer.status_code} {answer.text}"
        return answer.json()

    def get(self, path: str) -> dict[str, Any]:
        answer = self.http.get(f"/taskrouter/v1{path}")
        assert answer.status_code == 200, f"GET {path}: {answer.status_code} {answer.text}"
        return answer.json()

    def configuration(self, workflow: dict[str, Any]) -> str:
        def fill(node: Any) -> Any:
            if isinstance(node, dict):
                return {k: self.queues[v] if k == "queue" else fill(v) for k, v in node.items()}
            if isinstance(node, list):
                return [fill(item) for item in node]
            return node

        return json.dumps(fill(workflow))

    def attributes(self, attributes: dict[str, Any]) -> str:
        def fill(value: Any) -> Any:
            if isinstance(value, str) and value.startswith("$worker:"):
                return self.workers[value.removeprefix("$worker:")]
            return value

        return json.dumps({k: fill(v) for k, v in attributes.items()})

    def set_activity(self, worker: str, activity: str) -> None:
        self.post(f"{self.base}/Workers/{self.workers[worker]}", ActivitySid=self.activities[activity])

    def observe(self) -> dict[str, Any]:
        task = self.get(f"{self.base}/Tasks/{self.task}")
        pending = [
            r
            for r in self.get(f"{self.base}/Tasks/{self.task}/Reservations")["reservations"]
            if r["reservation_status"] == "pending"
        ]
        assert len(pending) <= 1
        names = {sid: name for name, sid in self.workers.items()}
        return {
            "queue": task["task_queue_friendly_name"],
            "offered_to": names.get(pending[0]["worker_sid"]) if pending else None,
            "status": task["assignment_status"],
            "priority": task["priority"],
            "reason": task["reason"],
            "reservation": pending[0]["sid"] if pending else None,
        }


def check(case_id: str, where: str, expect: dict[str, Any], seen: dict[str, Any]) -> None:
    for key, wanted in expect.items():
        actual = seen[key]
        if key == "reason":
            assert actual and wanted in actual, f"{case_id} {where}: reason {actual!r}, expected {wanted!r}"
        else:
            assert actual == wanted, f"{case_id} {where}: {key} is {actual!r}, the docs say {wanted!r}"


def act(space: Workspace, sandbox: Any, step: dict[str, Any]) -> None:
    if "advance" in step:
        sandbox.advance_clock(step["advance"])
    elif "activity" in step:
        for worker, activity in step["activity"].items():
            space.set_activity(worker, activity)
    elif "reject" in step:
        reservation = space.observe()["reservation"]
        assert reservation, "nothing to reject"
        space.post(
            f"{space.base}/Tasks/{space.task}/Reservations/{reservation}", ReservationStatus="rejected"
        )
    elif "update_workflow" in step:
        change = step["update_workflow"]
        space.post(
            f"{space.base}/Workflows/{space.workflow}",
            Configuration=space.configuration(change["workflow"]),
            ReEvaluateTasks="true" if change["reevaluate"] else "false",
        )


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_the_sandbox_routes_as_twilio_documents(sandbox, case):
    with sandbox.http() as http:
        space = Workspace(http, case["id"])
        try:
            run(space, sandbox, http, case)
        finally:
            http.delete(f"/taskrouter/v1/Workspaces/{space.sid}")


def run(space: Workspace, sandbox: Any, http: httpx.Client, case: dict[str, Any]) -> None:
    for name, target_workers in case["queues"].items():
        space.queues[name] = space.post(
            f"{space.base}/TaskQueues", FriendlyName=name, TargetWorkers=target_workers
        )["sid"]
    for worker in case["workers"]:
        space.workers[worker["name"]] = space.post(
            f"{space.base}/Workers",
            FriendlyName=worker["name"],
            Attributes=json.dumps(worker.get("attributes", {})),
            ActivitySid=space.activities[worker.get("activity", "Available")],
        )["sid"]
    for step in case.get("before", []):
        act(space, sandbox, step)
    answer = http.post(
        f"/taskrouter/v1{space.base}/Workflows",
        data={"FriendlyName": "Oracle", "Configuration": space.configuration(case["workflow"])},
    )
    expect = case["expect"]
    if "http" in expect:
        assert answer.status_code == expect["http"], f"{case['id']}: {answer.status_code} {answer.text}"
        assert answer.json()["code"] == expect["code"]
        return
    assert answer.status_code == 201, f"{case['id']}: workflow refused: {answer.text}"
    space.workflow = answer.json()["sid"]
    task = case["task"]
    form = {"WorkflowSid": space.workflow, "Attributes": space.attributes(task.get("attributes", {}))}
    for key, param in (("priority", "Priority"), ("timeout", "Timeout")):
        if key in task:
            form[param] = task[key]
    space.task = space.post(f"{space.base}/Tasks", **form)["sid"]
    check(case["id"], "on create", expect, space.observe())
    for number, step in enumerate(case.get("then", []), start=1):
        act(space, sandbox, step)
        check(case["id"], f"after step {number}", step["expect"], space.observe())


def test_every_case_cites_a_page_and_the_corpus_covers_the_documented_rules():
    """The corpus is the oracle only if it covers what the brief names: filters, targets, timeouts,
    skip_if, known workers, order_by, priority, default_filter, WorkflowTimeout, ReEvaluateTasks."""
    text = CASES_FILE.read_text()
    for rule in (
        "default_filter",
        "skip_if",
        "known_worker_sid",
        "known_worker_friendly_name",
        "order_by",
        "priority",
        "Workflow Timeout",
        "reevaluate: true",
    ):
        assert rule in text, rule
    assert len(CASES) >= 25
