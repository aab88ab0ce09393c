"""Offline TaskRouter routing: which filter a task matches, its target cascade, and who may get it.

Pure: the workspace (queues, workers) and the workflow configuration are inputs; every expression is
compiled once when the Router is built, and routing a task only calls closures.

Semantics (twilio-api.md §2.1-2.3, §3):
- Filters are tried in order; the first whose expression is true wins. No match: `default_filter`.
- A filter's targets form a cascade. A target without `queue` inherits the previous target's queue.
  `Step.cumulative_timeout` is the task age (seconds) at which the task leaves that step: timeouts add
  up. A step without timeout holds the task until its TTL, so later steps get `cumulative_timeout`
  None too.
- Eligible workers of a step: members of the step's queue (its target_workers is true for the worker's
  attributes), available, the target expression true, and, for known-worker targets, exactly the worker
  whose SID / friendly name is the referenced task attribute (nobody when it is null or unknown).
- Order: `order_by` clauses on numeric worker attributes, ASC/DESC, left to right; workers lacking an
  attribute come after those having it whatever the direction. Otherwise (and on full ties) declared
  worker order stands in for TaskRouter's longest-idle order.
- `skip_if` fires on entering a step only when nobody is eligible there (`Router.skips`); counts
  available to it: `workers.available`, `workers.unavailable` (queue members) and one count per
  activity name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flex_chat_transfer.workflow.expressions import (
    Expression,
    ExpressionError,
    parse,
    parse_order_by,
    parse_task_reference,
    time_variables,
)
from flex_chat_transfer.workflow.expressions.semantics import walk
from flex_chat_transfer.workflow.twilio_limits import MAX_PRIORITY, MAX_TARGET_TIMEOUT

_DIGITS = re.compile(r"[0-9]{1,12}")
_INTEGER_LIMITS = {"timeout": MAX_TARGET_TIMEOUT, "priority": MAX_PRIORITY}
_KNOWN_WORKER_KEYS = {"known_worker_sid": "sid", "known_worker_friendly_name": "friendly_name"}


@dataclass(frozen=True)
class Queue:
    sid: str
    name: str
    target_workers: str = "1==1"


@dataclass(frozen=True)
class Worker:
    sid: str
    name: str
    attributes: dict[str, Any] = field(default_factory=dict)
    available: bool = True
    activity_name: str | None = None


@dataclass(frozen=True)
class Workspace:
    queues: list[Queue]
    workers: list[Worker]


@dataclass(frozen=True)
class KnownWorker:
    """A known-worker target: `by` is "sid" or "friendly_name", `reference` e.g. "task.transferTargetSid"."""

    by: str
    reference: str


@dataclass(frozen=True)
class Step:
    queue_sid: str | None
    queue_name: str | None  # None when the SID is not a queue of the workspace
    timeout: int | None
    priority: int | None
    expression: str | None
    known_worker: KnownWorker | None
    skip_if: str | None
    cumulative_timeout: int | None  # task age at which the task leaves this step; None = its TTL


@dataclass(frozen=True)
class Routing:
    filter_name: str | None  # filter_friendly_name of the matching filter (None: default or nothing)
    matched_default: bool
    steps: list[Step]
    eligible_workers: list[str]  # SIDs eligible in the first step, in TaskRouter's order

    @property
    def queue_sid(self) -> str | None:
        return self.steps[0].queue_sid if self.steps else None

    @property
    def queue_name(self) -> str | None:
        return self.steps[0].queue_name if self.steps else None


class ConfigurationError(ValueError):
    """A workflow configuration the router cannot use; `str()` is `<JSON path>: <what> (fix: <how>)`."""

    def __init__(self, path: str, message: str, hint: str) -> None:
        super().__init__(f"{path}: {message} (fix: {hint})")
        self.path = path
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class _WorkerEntry:
    sid: str
    name: str
    attributes: Mapping[str, Any]
    view: Mapping[str, Any]  # attributes plus sid/friendly_name/activity_* for target expressions
    available: bool
    activity_name: str | None


@dataclass(frozen=True)
class _Target:
    step: Step
    expression: Expression | None
    skip_if: Expression | None
    known_worker: Callable[[Mapping[str, Any]], Any] | None
    known_by: str | None
    order_by: tuple[tuple[tuple[str, ...], bool], ...]


@dataclass(frozen=True)
class _Filter:
    name: str | None
    expression: Expression
    targets: tuple[_Target, ...]


class Router:
    """Routes task attributes through one workflow configuration over one workspace."""

    def __init__(
        self,
        configuration: Mapping[str, Any] | str,
        workspace: Workspace,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if isinstance(configuration, str):
            try:
                configuration = json.loads(configuration)
            except ValueError as error:
                raise ConfigurationError("$", f"not JSON: {error}", "give a JSON object") from None
        routing = configuration.get("task_routing") if isinstance(configuration, Mapping) else None
        if not isinstance(routing, Mapping):
            raise ConfigurationError("$.task_routing", "missing or not an object", "add task_routing")
        self._clock = clock or (lambda: datetime.now(UTC))
        self._compiled: dict[tuple[str, str], Expression] = {}
        self._queues = {queue.sid: queue for queue in workspace.queues}
        self._workers = [_entry(worker) for worker in workspace.workers]
        self._by_sid: dict[str, _WorkerEntry] = {}
        self._by_name: dict[str, _WorkerEntry] = {}
        for worker in self._workers:
            self._by_sid.setdefault(worker.sid, worker)
            self._by_name.setdefault(worker.name, worker)
        self._members: dict[str | None, list[_WorkerEntry]] = {}  # per queue, computed on first use
        self._queue_expressions = {
            queue.sid: self._expression(queue.target_workers, "queue", f"queues[{queue.sid}].target_workers")
            for queue in workspace.queues
        }
        filters = routing.get("filters") or []
        if not isinstance(filters, list):
            raise ConfigurationError("$.task_routing.filters", "not an array", "make filters a list")
        self._filters = tuple(self._filter(item, index) for index, item in enumerate(filters))
        default = routing.get("default_filter")
        self._default = None
        if default is not None:
            self._default = self._target(default, "$.task_routing.default_filter", None, 0)
        self._uses_time = any("taskrouter." in text for text, _ in self._compiled)

    # -- public --------------------------------------------------------------------------------
    def route(self, task_attributes: Mapping[str, Any]) -> Routing:
        bindings = self._bindings(task_attributes)
        for flt in self._filters:
            if flt.expression.test(bindings):
                steps = [target.step for target in flt.targets]
                eligible = self._eligible(flt.targets[0], task_attributes, bindings)
                return Routing(flt.name, False, steps, eligible)
        if self._default is not None:
            eligible = self._eligible(self._default, task_attributes, bindings)
            return Routing(None, True, [self._default.step], eligible)
        return Routing(None, False, [], [])

    def eligible(self, step_index: int, task_attributes: Mapping[str, Any]) -> list[str]:
        """Eligible worker SIDs in step `step_index` of the cascade the task routes to ([] if none)."""
        target = self._targets_for(task_attributes, step_index)
        if target is None:
            return []
        return self._eligible(target, task_attributes, self._bindings(task_attributes))

    def skips(self, step_index: int, task_attributes: Mapping[str, Any]) -> bool:
        """Whether the step's skip_if moves the task on at once: nobody eligible and skip_if true."""
        target = self._targets_for(task_attributes, step_index)
        if target is None or target.skip_if is None:
            return False
        bindings = self._bindings(task_attributes)
        if self._eligible(target, task_attributes, bindings):
            return False
        return target.skip_if.test({**bindings, "workers": self._counts(target.step.queue_sid)})

    # -- building ------------------------------------------------------------------------------
    def _expression(self, text: Any, context: str, path: str) -> Expression:
        if not isinstance(text, str):
            raise ConfigurationError(path, f"expected an expression string, found {text!r}", "write one")
        key = (text, context)
        compiled = self._compiled.get(key)
        if compiled is None:
            try:
                compiled = parse(text, context)
            except ExpressionError as error:
                raise ConfigurationError(path, str(error), "correct the expression") from None
            self._compiled[key] = compiled
        return compiled

    def _filter(self, item: Any, index: int) -> _Filter:
        path = f"$.task_routing.filters[{index}]"
        if not isinstance(item, Mapping):
            raise ConfigurationError(path, "a filter must be an object", "write {expression, targets}")
        expression = self._expression(item.get("expression"), "filter", f"{path}.expression")
        targets = item.get("targets")
        if not isinstance(targets, list) or not targets:
            raise ConfigurationError(f"{path}.targets", "a filter needs at least one target", "add a target")
        built: list[_Target] = []
        previous: _Target | None = None
        elapsed: int | None = 0
        for position, target in enumerate(targets):
            inherited = previous.step.queue_sid if previous else None
            previous = self._target(target, f"{path}.targets[{position}]", inherited, elapsed)
            elapsed = previous.step.cumulative_timeout
            built.append(previous)
        return _Filter(item.get("filter_friendly_name"), expression, tuple(built))

    def _target(self, item: Any, path: str, inherited: str | None, elapsed: int | None) -> _Target:
        if not isinstance(item, Mapping):
            raise ConfigurationError(path, "a target must be an object", "write {queue: WQ...}")
        queue_sid = item.get("queue", inherited)
        if not isinstance(queue_sid, str):
            raise ConfigurationError(f"{path}.queue", "no queue for this target", "set queue to a WQ SID")
        timeout = _integer(item.get("timeout"), f"{path}.timeout")
        priority = _integer(item.get("priority"), f"{path}.priority")
        text = item.get("expression")
        expression = None if text is None else self._expression(text, "target", f"{path}.expression")
        skip_text = item.get("skip_if")
        skip_if = None if skip_text is None else self._expression(skip_text, "skip_if", f"{path}.skip_if")
        known = [key for key in _KNOWN_WORKER_KEYS if item.get(key) is not None]
        if len(known) > 1:
            raise ConfigurationError(
                path, "known_worker_sid and known_worker_friendly_name together", "keep only one"
            )
        reader = known_by = known_worker = None
        if known:
            reference = item[known[0]]
            try:
                reader = parse_task_reference(reference)
            except ExpressionError as error:
                raise ConfigurationError(
                    f"{path}.{known[0]}", error.message, "write task.<attribute>"
                ) from None
            known_by = _KNOWN_WORKER_KEYS[known[0]]
            known_worker = KnownWorker(known_by, reference)
        order_text = item.get("order_by")
        order_by: tuple[tuple[tuple[str, ...], bool], ...] = ()
        if order_text is not None:
            try:
                order_by = parse_order_by(order_text)
            except ExpressionError as error:
                raise ConfigurationError(f"{path}.order_by", str(error), "e.g. worker.level DESC") from None
        cumulative = None if elapsed is None or timeout is None else elapsed + timeout
        queue = self._queues.get(queue_sid)
        step = Step(
            queue_sid=queue_sid,
            queue_name=queue.name if queue else None,
            timeout=timeout,
            priority=priority,
            expression=text,
            known_worker=known_worker,
            skip_if=skip_text,
            cumulative_timeout=cumulative,
        )
        return _Target(step, expression, skip_if, reader, known_by, order_by)

    # -- routing -------------------------------------------------------------------------------
    def _bindings(self, task_attributes: Mapping[str, Any]) -> dict[str, Any]:
        bindings: dict[str, Any] = {"task": task_attributes}
        if self._uses_time:
            bindings["taskrouter"] = time_variables(self._clock())
        return bindings

    def _targets_for(self, task_attributes: Mapping[str, Any], step_index: int) -> _Target | None:
        bindings = self._bindings(task_attributes)
        for flt in self._filters:
            if flt.expression.test(bindings):
                return flt.targets[step_index] if 0 <= step_index < len(flt.targets) else None
        if self._default is not None and step_index == 0:
            return self._default
        return None

    def _queue_members(self, queue_sid: str | None) -> list[_WorkerEntry]:
        """Every worker of the queue (available or not), computed once per queue."""
        members = self._members.get(queue_sid)
        if members is None:
            test = self._queue_expressions.get(queue_sid) if queue_sid is not None else None
            if test is None:
                members = []
            else:
                predicate = test.prepare({})
                members = [worker for worker in self._workers if predicate(worker.attributes)]
            self._members[queue_sid] = members
        return members

    def _eligible(
        self, target: _Target, task_attributes: Mapping[str, Any], bindings: Mapping[str, Any]
    ) -> list[str]:
        candidates = [worker for worker in self._queue_members(target.step.queue_sid) if worker.available]
        if target.known_worker is not None:
            wanted = target.known_worker(task_attributes)
            index = self._by_sid if target.known_by == "sid" else self._by_name
            known = index.get(wanted) if isinstance(wanted, str) else None
            candidates = [worker for worker in candidates if worker is known]
        if target.expression is not None and candidates:
            predicate = target.expression.prepare(bindings)
            candidates = [worker for worker in candidates if predicate(worker.view)]
        if target.order_by and len(candidates) > 1:
            candidates = _ordered(candidates, target.order_by)
        return [worker.sid for worker in candidates]

    def _counts(self, queue_sid: str | None) -> dict[str, int]:
        members = self._queue_members(queue_sid)
        counts = {"available": sum(w.available for w in members)}
        counts["unavailable"] = len(members) - counts["available"]
        for worker in members:
            if worker.activity_name:
                counts[worker.activity_name] = counts.get(worker.activity_name, 0) + 1
        return counts


def _entry(worker: Worker) -> _WorkerEntry:
    attributes = worker.attributes or {}
    fields = {"sid": worker.sid, "friendly_name": worker.name, "activity_name": worker.activity_name}
    fields["activity_sid"] = None  # the simulator knows activities by name only
    return _WorkerEntry(
        worker.sid,
        worker.name,
        attributes,
        {**attributes, **fields},
        worker.available,
        worker.activity_name,
    )


def _integer(value: Any, path: str) -> int | None:
    """Timeouts and priorities: ints, or numeric strings as Twilio's examples use them."""
    if value is None:
        return None
    if isinstance(value, bool) or not (
        isinstance(value, int) or (isinstance(value, str) and _DIGITS.fullmatch(value))
    ):
        raise ConfigurationError(path, f"expected a whole number, found {value!r}", "write e.g. 30")
    number = int(value)
    if not 0 <= number <= _INTEGER_LIMITS[path.rsplit(".", 1)[-1]]:
        limit = _INTEGER_LIMITS[path.rsplit(".", 1)[-1]]
        raise ConfigurationError(path, f"{number} is out of range", f"use 0..{limit}")
    return number


def _ordered(
    workers: list[_WorkerEntry], clauses: tuple[tuple[tuple[str, ...], bool], ...]
) -> list[_WorkerEntry]:
    """Stable multi-key sort: apply clauses right to left; lacking the attribute sorts last."""
    ordered = list(workers)
    for keys, descending in reversed(clauses):

        def key(
            worker: _WorkerEntry, keys: tuple[str, ...] = keys, descending: bool = descending
        ) -> tuple[int, float]:
            value = walk(worker.attributes, keys)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return (1, 0)
            return (0, -value if descending else value)

        ordered.sort(key=key)
    return ordered
