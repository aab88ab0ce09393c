"""Scenario files (DESIGN.md "Scenario files"): a workspace, tasks, and the routing each must get.

Loading is strict: unknown keys, wrong types, duplicate SIDs and expressions that do not parse are
problems with the path of the offending value (`<file>:scenarios[2].expect.queue`), all reported at once.
An `expect` checks only the keys it gives; `filter: null` / `queue: null` mean "nothing matched".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flex_chat_transfer.workflow.expressions import ExpressionError, parse
from flex_chat_transfer.workflow.inputs import check_value, load_yaml, read_text
from flex_chat_transfer.workflow.problems import Collector, ProblemsError, shown
from flex_chat_transfer.workflow.simulate import Queue, Router, Routing, Step, Worker, Workspace
from flex_chat_transfer.workflow.twilio_limits import MAX_ATTRIBUTES_CHARS, QUEUE_SID, WORKER_SID, sid_kind

_TOP_KEYS = ("workspace", "scenarios")
_WORKSPACE_KEYS = ("queues", "workers")
_QUEUE_KEYS = ("sid", "name", "target_workers")
_WORKER_KEYS = ("sid", "name", "attributes", "available")
_SCENARIO_KEYS = ("name", "task", "expect")
_EXPECT_KEYS = ("filter", "queue", "workers")


@dataclass(frozen=True)
class Scenario:
    name: str
    task: dict[str, Any]
    expect: dict[str, Any]  # only the keys the file gives: filter, queue, workers


@dataclass(frozen=True)
class ScenarioFile:
    workspace: Workspace
    scenarios: list[Scenario]
    source: str = "<scenarios>"


@dataclass(frozen=True)
class ScenarioResult:
    name: str
    passed: bool
    message: str  # one line: what routed where, or expected vs actual
    routing: Routing | None = None


def load_scenarios(path: str | Path) -> ScenarioFile:
    """Read and check a scenario file; raise ProblemsError listing every problem."""
    source = str(path)
    data = load_yaml(read_text(path, "scenario file"), source)
    return scenarios_from_data(data, source)


def scenarios_from_data(data: Any, source: str = "<scenarios>") -> ScenarioFile:
    """Check already-parsed scenario data (what load_scenarios does after reading YAML)."""
    check_value(data, source)
    checker = _Checker(source)
    workspace, scenarios = checker.file(data)
    if checker.problems:
        raise ProblemsError(checker.problems)
    return ScenarioFile(workspace, scenarios, source)


def run_scenarios(
    configuration: Mapping[str, Any] | str, scenario_file: ScenarioFile
) -> list[ScenarioResult]:
    """Route every scenario's task; compare with its expectations."""
    router = Router(configuration, scenario_file.workspace)
    return [_run(router, scenario) for scenario in scenario_file.scenarios]


def describe_cascade(steps: list[Step]) -> str:
    """`Sales 0-30s [skip_if] -> Support 30s-TTL`: the queues a task passes through, by task age."""
    parts = []
    start: int | None = 0
    for step in steps:
        name = step.queue_name or f"{step.queue_sid} (not in workspace)"
        begin = "?" if start is None else f"{start}s"
        end = "TTL" if step.cumulative_timeout is None else f"{step.cumulative_timeout}s"
        text = f"{name} {begin}-{end}"
        if step.known_worker is not None:
            text += f" [known worker {step.known_worker.by} = {step.known_worker.reference}]"
        if step.skip_if is not None:
            text += f" [skip_if {step.skip_if}]"
        parts.append(text)
        start = step.cumulative_timeout
    return " -> ".join(parts) if parts else "none"


def _run(router: Router, scenario: Scenario) -> ScenarioResult:
    routing = router.route(scenario.task)
    actual = {
        "filter": routing.filter_name,  # None for default_filter too: DESIGN's "no filter matched"
        "queue": routing.queue_name,
        "workers": sorted(routing.eligible_workers),
    }
    failures = []
    for key, expected in scenario.expect.items():
        got = actual[key]
        if key == "workers":
            expected = sorted(expected)
        if expected != got:
            if key == "queue" and got is None and routing.queue_sid is not None:
                got = f"{routing.queue_sid} (not a queue of the scenario workspace)"
            failures.append(f"{key}: expected {_show(expected)}, got {_show(got)}")
    matched = (
        "default_filter"
        if routing.matched_default
        else (repr(routing.filter_name) if routing.filter_name is not None else "no filter")
    )
    summary = (
        f"{matched} -> {routing.queue_name or routing.queue_sid or 'no queue'}; "
        f"workers {_show(routing.eligible_workers)}; cascade {describe_cascade(routing.steps)}"
    )
    if failures:
        return ScenarioResult(
            scenario.name, False, f"{scenario.name}: " + "; ".join(failures) + f" ({summary})", routing
        )
    return ScenarioResult(scenario.name, True, f"{scenario.name}: {summary}", routing)


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return "[" + ", ".join(str(item) for item in value) + "]"
    return repr(value)


class _Checker(Collector):
    def __init__(self, source: str) -> None:
        super().__init__(f"{source}:")

    def problem(self, path: str, message: str, hint: str) -> None:
        self.add(path, message, hint)

    def sid(self, value: Any, path: str, pattern: re.Pattern[str], what: str, prefix: str) -> str | None:
        """A SID of the right resource: a WQ… given as a worker's SID is refused with what it is."""
        sid = self.string(value, path, f"{what} SID")
        if sid is None:
            return None
        if not pattern.match(sid):
            other = sid_kind(sid)
            found = f"a {other} SID" if other else shown(sid)
            self.problem(
                path,
                f"expected a {what} SID ({prefix} and 32 hex digits), found {found}",
                f"write the {what}'s {prefix}… SID",
            )
            return None
        return sid

    def mapping(
        self, value: Any, path: str, keys: tuple[str, ...], required: tuple[str, ...]
    ) -> dict[str, Any] | None:
        if not isinstance(value, Mapping):
            self.problem(path, f"expected an object, found {shown(value)}", f"write keys {', '.join(keys)}")
            return None
        for key in value:
            if key not in keys:
                self.problem(_join(path, str(key)), f"unknown key {key!r}", f"use one of {', '.join(keys)}")
        for key in required:
            if key not in value:
                self.problem(path, f"missing key {key!r}", f"add {key}")
        return dict(value)

    def string(self, value: Any, path: str, what: str) -> str | None:
        if not isinstance(value, str) or not value:
            self.problem(
                path, f"{what} must be a non-empty string, found {shown(value)}", f"write the {what}"
            )
            return None
        return value

    def listing(self, value: Any, path: str, what: str) -> list[Any]:
        if not isinstance(value, list):
            self.problem(path, f"{what} must be a list, found {shown(value)}", f"write {what} as a YAML list")
            return []
        return value

    def file(self, data: Any) -> tuple[Workspace, list[Scenario]]:
        top = self.mapping(data, "", _TOP_KEYS, _TOP_KEYS) or {}
        workspace = self.workspace(top.get("workspace", {}))
        scenarios = self.scenarios(top.get("scenarios", []))
        return workspace, scenarios

    def entries(
        self, workspace: Mapping[str, Any], key: str, keys: tuple[str, ...]
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """(path, body) of every well-formed queue or worker of the workspace; each needs a sid and a name."""
        for index, item in enumerate(self.listing(workspace.get(key, []), f"workspace.{key}", key)):
            path = f"workspace.{key}[{index}]"
            body = self.mapping(item, path, keys, ("sid", "name"))
            if body is not None:
                yield path, body

    def workspace(self, value: Any) -> Workspace:
        body = self.mapping(value, "workspace", _WORKSPACE_KEYS, ("queues",)) or {}
        queues: list[Queue] = []
        seen: dict[str, str] = {}
        for path, queue in self.entries(body, "queues", _QUEUE_KEYS):
            sid = self.sid(queue.get("sid"), f"{path}.sid", QUEUE_SID, "TaskQueue", "WQ")
            name = self.string(queue.get("name"), f"{path}.name", "queue name")
            target = queue.get("target_workers", "1==1")
            if self.expression(target, f"{path}.target_workers", "queue") and sid and name:
                for key, label in ((sid, "SID"), (name, "name")):
                    if key in seen:
                        self.problem(
                            path,
                            f"duplicate queue {label} {key!r} (also {seen[key]})",
                            f"give every queue a distinct {label}",
                        )
                    seen.setdefault(key, path)
                queues.append(Queue(sid, name, target))
        workers: list[Worker] = []
        worker_sids: dict[str, str] = {}
        for path, worker in self.entries(body, "workers", _WORKER_KEYS):
            sid = self.sid(worker.get("sid"), f"{path}.sid", WORKER_SID, "worker", "WK")
            name = self.string(worker.get("name"), f"{path}.name", "worker name")
            attributes = self.attributes(
                worker.get("attributes", {}),
                f"{path}.attributes",
                "worker",
                "write attributes: {skills: [sales]}",
            )
            available = worker.get("available", True)
            if not isinstance(available, bool):
                self.problem(
                    f"{path}.available",
                    f"expected true or false, found {shown(available)}",
                    "write available: true or available: false",
                )
                available = None
            if sid in worker_sids:
                self.problem(
                    f"{path}.sid",
                    f"duplicate worker SID {sid!r} (also {worker_sids[sid]})",
                    "give every worker a distinct SID",
                )
            if sid and name and attributes is not None and available is not None:
                worker_sids.setdefault(sid, path)
                workers.append(Worker(sid, name, dict(attributes), available))
        return Workspace(queues, workers)

    def attributes(self, value: Any, path: str, what: str, hint: str) -> dict[str, Any] | None:
        """A task's or worker's attributes: an object of at most 4,096 characters as JSON (TaskRouter)."""
        if not isinstance(value, Mapping):
            self.problem(path, f"expected an object of {what} attributes, found {shown(value)}", hint)
            return None
        size = len(json.dumps(value, separators=(",", ":"), default=str))
        if size > MAX_ATTRIBUTES_CHARS:
            self.problem(
                path,
                f"{what} attributes are {size} characters as JSON, over TaskRouter's {MAX_ATTRIBUTES_CHARS}",
                f"keep the {what}'s attributes under {MAX_ATTRIBUTES_CHARS} characters",
            )
            return None
        return dict(value)

    def expression(self, text: Any, path: str, context: str) -> bool:
        if not isinstance(text, str):
            self.problem(path, f"expected an expression string, found {shown(text)}", "quote the expression")
            return False
        try:
            parse(text, context)
        except ExpressionError as error:
            self.problem(path, str(error), "correct the expression")
            return False
        return True

    def scenarios(self, value: Any) -> list[Scenario]:
        items = self.listing(value, "scenarios", "scenarios")
        if isinstance(value, list) and not items:
            self.problem("scenarios", "no scenarios", "add at least one scenario")
        names: dict[str, str] = {}
        scenarios: list[Scenario] = []
        for index, item in enumerate(items):
            path = f"scenarios[{index}]"
            body = self.mapping(item, path, _SCENARIO_KEYS, _SCENARIO_KEYS)
            if body is None:
                continue
            name = self.string(body.get("name"), f"{path}.name", "scenario name")
            if name in names:
                self.problem(
                    f"{path}.name",
                    f"duplicate scenario name {name!r} (also {names[name]})",
                    "give every scenario a distinct name",
                )
            task = self.attributes(
                body.get("task", {}), f"{path}.task", "task", "write task: {attribute: value, ...}"
            )
            expect = self.expect(body.get("expect", {}), f"{path}.expect")
            if name and name not in names and task is not None and expect is not None:
                names[name] = path
                scenarios.append(Scenario(name, dict(task), expect))
        return scenarios

    def expect(self, value: Any, path: str) -> dict[str, Any] | None:
        body = self.mapping(value, path, _EXPECT_KEYS, ())
        if body is None:
            return None
        if not body:
            self.problem(path, "expects nothing", "give at least one of filter, queue, workers")
            return None
        ok = True
        for key in ("filter", "queue"):
            if key in body and body[key] is not None and not isinstance(body[key], str):
                self.problem(
                    f"{path}.{key}",
                    f"expected a name or null, found {shown(body[key])}",
                    f"write the {key} name in quotes, or null",
                )
                ok = False
        if "workers" in body:
            workers = body["workers"]
            if not isinstance(workers, list):
                self.problem(
                    f"{path}.workers",
                    f"expected a list of worker SIDs, found {shown(workers)}",
                    "write workers: [WK...] (or [] for nobody)",
                )
                ok = False
            else:
                for index, sid in enumerate(workers):
                    ok = (
                        self.sid(sid, f"{path}.workers[{index}]", WORKER_SID, "worker", "WK") is not None
                        and ok
                    )
        return body if ok else None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
