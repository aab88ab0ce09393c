"""A Workflow's configuration document, read the way Twilio documents it
(https://www.twilio.com/docs/taskrouter/workflow-configuration and its pages on known-agent routing,
worker ordering and skipping), written for the sandbox independently of the project's `workflow` package.

`read_configuration(text, queue_sids)` checks the document and compiles every expression once; a document
Twilio would refuse raises `ConfigurationProblem` (`str()`: `<JSON path>: <what> (fix: <how>)`), which the
Workflow API answers as 400/20001 (twilio-api.md §2.5: Twilio's generic invalid-parameter code; Twilio lists
no code of its own for a bad configuration).

Documented: `task_routing` holds `filters` (each `filter_friendly_name`, `expression`, `targets`) and an
optional `default_filter` (a target without `timeout`); a target has `queue` (required on a filter's first
target, inherited by later ones), `expression`, `priority`, `timeout`, `order_by`, `skip_if`, and
`known_worker_sid` or `known_worker_friendly_name` (a `task.<attribute>` reference, not both); the document
is at most 1038576 bytes; priorities are 0..2147483647. Checked by the sandbox where the docs say nothing:
unknown keys are refused (a misspelt key would otherwise route silently), filter names are unique, a timeout
is a positive whole number of seconds up to the task TTL maximum (1209600), numbers and nesting stay finite.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flex_chat_transfer.sandbox.core.errors import InvalidParameter
from flex_chat_transfer.sandbox.taskrouter.expressions import ExpressionError, compile_expression

MAX_BYTES = 1_038_576
MAX_PRIORITY = 2_147_483_647
MAX_TIMEOUT = 1_209_600
_QUEUE_SID = re.compile(r"^WQ[0-9a-fA-F]{32}$")
_TASK_REFERENCE = re.compile(r"^task\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)$")
_ORDER_CLAUSE = re.compile(r"^\s*worker\.([A-Za-z_][A-Za-z0-9_.]*)\s+(ASC|DESC)\s*$", re.IGNORECASE)
_TARGET_KEYS = {
    "queue",
    "expression",
    "priority",
    "timeout",
    "order_by",
    "skip_if",
    "known_worker_sid",
    "known_worker_friendly_name",
}
_FILTER_KEYS = {"filter_friendly_name", "expression", "targets"}


class ConfigurationProblem(ValueError):
    def __init__(self, path: str, what: str, fix: str) -> None:
        super().__init__(f"{path}: {what} (fix: {fix})")
        self.path = path


@dataclass(frozen=True)
class KnownWorker:
    field: str  # "sid" or "friendly_name"
    attribute: tuple[str, ...]  # the task attribute path that holds it
    reference: str  # as written, e.g. task.transferTargetSid

    def wanted(self, task: Mapping[str, Any]) -> Any:
        value: Any = task
        for part in self.attribute:
            value = value.get(part) if isinstance(value, Mapping) else None
        return value


@dataclass(frozen=True)
class Target:
    queue_sid: str
    priority: int | None
    timeout: int | None
    leaves_at: int | None  # the task age at which it leaves this target (timeouts add up); None: its TTL
    matches: Callable[[Mapping[str, Any]], bool] | None  # over a target scope (task., worker.)
    order_by: tuple[tuple[tuple[str, ...], bool], ...]  # (worker attribute path, descending)
    skip_if: Callable[[Mapping[str, Any]], bool] | None
    known_worker: KnownWorker | None


@dataclass(frozen=True)
class Filter:
    name: str | None
    matches: Callable[[Mapping[str, Any]], bool]
    targets: tuple[Target, ...]


@dataclass(frozen=True)
class Configuration:
    filters: tuple[Filter, ...]
    default: Target | None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ConfigurationProblem("$", f"key {key!r} appears twice in one object", "keep one")
        seen[key] = value
    return seen


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ConfigurationProblem("$", f"number {text[:20]} is out of range", "use a finite number")
    return number


def _constant(text: str) -> Any:
    raise ConfigurationProblem("$", f"{text} is not JSON", "use a finite number")


def load_document(text: str) -> Any:
    if len(text.encode()) > MAX_BYTES:
        raise ConfigurationProblem(
            "$", f"configuration is {len(text.encode())} bytes, over Twilio's {MAX_BYTES}", "shorten it"
        )
    try:
        return json.loads(
            text, object_pairs_hook=_no_duplicates, parse_float=_finite, parse_constant=_constant
        )
    except RecursionError:
        raise ConfigurationProblem(
            "$", "configuration is nested too deeply", "send a workflow document"
        ) from None
    except json.JSONDecodeError as exc:
        raise ConfigurationProblem(
            "$", f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})", "send a JSON object"
        ) from None


def _expression(text: Any, context: str, path: str) -> Callable[[Mapping[str, Any]], bool]:
    if not isinstance(text, str):
        raise ConfigurationProblem(path, "must be a string expression", 'write e.g. "1==1"')
    try:
        return compile_expression(text, context)
    except ExpressionError as error:
        raise ConfigurationProblem(
            path, f"does not parse: {error}", "see TaskRouter's expression syntax"
        ) from None


def _whole(value: Any, path: str, low: int, high: int) -> int:
    """An integer or a string of digits (Twilio's examples use both) within low..high."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ConfigurationProblem(
            path, f"must be a whole number, got {json.dumps(value)[:40]}", f"use {low}..{high}"
        )
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{1,12}", value):
        raise ConfigurationProblem(path, f"must be a whole number, got {value[:40]!r}", f"use {low}..{high}")
    number = int(value)
    if not low <= number <= high:
        raise ConfigurationProblem(path, f"{number} is outside {low}..{high}", f"use {low}..{high}")
    return number


def _order_by(text: Any, path: str) -> tuple[tuple[tuple[str, ...], bool], ...]:
    if not isinstance(text, str) or not text.strip():
        raise ConfigurationProblem(
            path, 'must be clauses like "worker.level DESC"', "write worker.<attribute> ASC|DESC"
        )
    clauses = []
    for clause in text.split(","):
        match = _ORDER_CLAUSE.match(clause)
        if match is None:
            raise ConfigurationProblem(
                path, f"{clause.strip()!r} is not worker.<attribute> ASC|DESC", "fix the clause"
            )
        clauses.append((tuple(match.group(1).split(".")), match.group(2).upper() == "DESC"))
    return tuple(clauses)


def _target(raw: Any, path: str, inherited: str | None, is_default: bool) -> Target:
    if not isinstance(raw, dict):
        raise ConfigurationProblem(path, "must be an object", 'write {"queue": "WQ…"}')
    allowed = _TARGET_KEYS - {"timeout"} if is_default else _TARGET_KEYS
    for key in raw:
        if key not in allowed:
            where = "a default_filter has no timeout" if key == "timeout" else "not a target key"
            raise ConfigurationProblem(f"{path}.{key}", f"unknown key {key} ({where})", "remove it")
    queue = raw.get("queue", inherited)
    if queue is None:
        raise ConfigurationProblem(f"{path}.queue", "the first target needs a queue", 'add "queue": "WQ…"')
    if not isinstance(queue, str) or not _QUEUE_SID.match(queue):
        raise ConfigurationProblem(
            f"{path}.queue", f"{str(queue)[:40]!r} is not a TaskQueue SID", "use the queue's WQ… SID"
        )
    if "known_worker_sid" in raw and "known_worker_friendly_name" in raw:
        raise ConfigurationProblem(
            f"{path}.known_worker_friendly_name",
            "known_worker_sid and known_worker_friendly_name are exclusive",
            "keep one",
        )
    known = None
    for key, field in (("known_worker_sid", "sid"), ("known_worker_friendly_name", "friendly_name")):
        if key in raw:
            reference = raw[key]
            match = _TASK_REFERENCE.match(reference) if isinstance(reference, str) else None
            if match is None:
                raise ConfigurationProblem(
                    f"{path}.{key}", "must name a task attribute", "write task.<attribute>"
                )
            known = KnownWorker(field, tuple(match.group(1).split(".")), reference)
    return Target(
        queue_sid=queue,
        priority=_whole(raw["priority"], f"{path}.priority", 0, MAX_PRIORITY) if "priority" in raw else None,
        timeout=_whole(raw["timeout"], f"{path}.timeout", 1, MAX_TIMEOUT) if "timeout" in raw else None,
        leaves_at=None,
        matches=_expression(raw["expression"], "target", f"{path}.expression")
        if "expression" in raw
        else None,
        order_by=_order_by(raw["order_by"], f"{path}.order_by") if "order_by" in raw else (),
        skip_if=_expression(raw["skip_if"], "skip_if", f"{path}.skip_if") if "skip_if" in raw else None,
        known_worker=known,
    )


def read_configuration(text: str, queue_sids: set[str] | None = None) -> Configuration:
    """The compiled configuration; raises ConfigurationProblem for the first thing Twilio would refuse.
    `queue_sids`: the workspace's queues (None: any well-formed SID)."""
    document = load_document(text) if isinstance(text, str) else text
    if not isinstance(document, dict):
        raise ConfigurationProblem("$", "must be a JSON object", 'send {"task_routing": {…}}')
    for key in document:
        if key != "task_routing":
            raise ConfigurationProblem(f"$.{key}", f"unknown key {key}", "remove it")
    routing = document.get("task_routing")
    if not isinstance(routing, dict):
        raise ConfigurationProblem("$.task_routing", "is required and must be an object", "add task_routing")
    for key in routing:
        if key not in ("filters", "default_filter"):
            raise ConfigurationProblem(f"$.task_routing.{key}", f"unknown key {key}", "remove it")
    raw_filters = routing.get("filters", [])
    if not isinstance(raw_filters, list):
        raise ConfigurationProblem("$.task_routing.filters", "must be an array", 'write "filters": [...]')
    filters, names = [], set()
    for index, raw in enumerate(raw_filters):
        path = f"$.task_routing.filters[{index}]"
        if not isinstance(raw, dict):
            raise ConfigurationProblem(path, "must be an object", 'write {"expression": …, "targets": […]}')
        for key in raw:
            if key not in _FILTER_KEYS:
                raise ConfigurationProblem(f"{path}.{key}", f"unknown key {key}", "remove it")
        name = raw.get("filter_friendly_name")
        if name is not None:
            if not isinstance(name, str):
                raise ConfigurationProblem(f"{path}.filter_friendly_name", "must be a string", "name it")
            if name in names:
                raise ConfigurationProblem(
                    f"{path}.filter_friendly_name", f"{name!r} names two filters", "rename one"
                )
            names.add(name)
        if "expression" not in raw:
            raise ConfigurationProblem(f"{path}.expression", "is required", 'add e.g. "1==1"')
        matches = _expression(raw["expression"], "filter", f"{path}.expression")
        raw_targets = raw.get("targets")
        if not isinstance(raw_targets, list) or not raw_targets:
            raise ConfigurationProblem(
                f"{path}.targets", "must be a non-empty array", "add a target with a queue"
            )
        targets: list[Target] = []
        inherited, elapsed = None, 0
        for step, raw_target in enumerate(raw_targets):
            target = _target(raw_target, f"{path}.targets[{step}]", inherited, False)
            inherited = target.queue_sid
            # Timeouts are measured against the task's age: a step ends at the sum of the timeouts so far;
            # a step without timeout keeps the task until its TTL, so nothing after it is timed.
            if elapsed is not None and target.timeout is not None:
                elapsed += target.timeout
                leaves_at: int | None = elapsed
            else:
                elapsed, leaves_at = None, None
            targets.append(_replace_leaves_at(target, leaves_at))
        filters.append(Filter(name, matches, tuple(targets)))
    default = None
    if "default_filter" in routing:
        default = _target(routing["default_filter"], "$.task_routing.default_filter", None, True)
    # The workspace is asked last: a document wrong in itself is reported as such first.
    if queue_sids is not None:
        placed = [
            (f"$.task_routing.filters[{i}].targets[{j}].queue", target.queue_sid)
            for i, each in enumerate(filters)
            for j, target in enumerate(each.targets)
        ]
        if default is not None:
            placed.append(("$.task_routing.default_filter.queue", default.queue_sid))
        for path, queue in placed:
            if queue not in queue_sids:
                raise ConfigurationProblem(
                    path, f"{queue} is not a TaskQueue of this workspace", "use one of its queues"
                )
    return Configuration(tuple(filters), default)


def _replace_leaves_at(target: Target, leaves_at: int | None) -> Target:
    return dataclasses.replace(target, leaves_at=leaves_at)


_read: dict[tuple[str, frozenset[str] | None], Configuration] = {}


def configuration_for(text: str, queue_sids: set[str] | None = None) -> Configuration:
    """read_configuration, remembered (a task is routed again on every timer, offer and worker change)."""
    key = (text, frozenset(queue_sids) if queue_sids is not None else None)
    if key not in _read:
        if len(_read) > 256:
            _read.clear()
        _read[key] = read_configuration(text, queue_sids)
    return _read[key]


def check_configuration(text: str, queue_sids: set[str]) -> None:
    """400/20001 naming the JSON path when a configuration is one Twilio refuses."""
    try:
        configuration_for(text, queue_sids)
    except ConfigurationProblem as problem:
        raise InvalidParameter(f"Invalid Configuration: {problem}") from None
