"""The checks a TaskRouter workflow configuration must pass, each a small named rule (the way cfn-lint
writes them): an id to grep for, the rule in one line, how to fix a breach, the page that says so. The
validator runs `RULES` in order; a rule yields problems and never raises.

Ids: CT1xx document shape and size, CT2xx expressions, CT3xx numbers, CT4xx queues.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from flex_chat_transfer.workflow.expressions import ExpressionError, parse
from flex_chat_transfer.workflow.problems import Problem, json_path
from flex_chat_transfer.workflow.twilio_limits import (
    MAX_CONFIGURATION_BYTES,
    MAX_PRIORITY,
    MAX_TARGET_TIMEOUT,
    QUEUE_SID,
)

_DOCS = "https://www.twilio.com/docs/taskrouter/workflow-configuration"
_LIMITS = "https://www.twilio.com/docs/taskrouter/limits"
_EXPRESSIONS = "https://www.twilio.com/docs/taskrouter/expression-syntax"
_TASK = "https://www.twilio.com/docs/taskrouter/api/task"
_DIGITS = re.compile(r"[0-9]{1,12}")


@dataclass(frozen=True)
class Facts:
    """What every rule may look at: the parsed document, its size in bytes, the account's queues."""

    document: Any
    size: int
    queue_sids: Mapping[str, str] | None
    schema: Callable[[Any], list[Problem]] = field(repr=False)

    def routing(self) -> Mapping[str, Any]:
        routing = self.document.get("task_routing") if isinstance(self.document, Mapping) else None
        return routing if isinstance(routing, Mapping) else {}

    def filters(self) -> Iterator[tuple[list[Any], Mapping[str, Any]]]:
        filters = self.routing().get("filters")
        for index, item in enumerate(filters if isinstance(filters, list) else []):
            if isinstance(item, Mapping):
                yield ["task_routing", "filters", index], item

    def targets(self) -> Iterator[tuple[list[Any], Mapping[str, Any]]]:
        """Every target of every filter, then the default_filter (a target without timeout)."""
        for base, item in self.filters():
            targets = item.get("targets")
            for index, target in enumerate(targets if isinstance(targets, list) else []):
                if isinstance(target, Mapping):
                    yield [*base, "targets", index], target
        default = self.routing().get("default_filter")
        if isinstance(default, Mapping):
            yield ["task_routing", "default_filter"], default

    def values(self, key: str) -> Iterator[tuple[list[Any], Any]]:
        for path, target in self.targets():
            if key in target:
                yield [*path, key], target[key]


@dataclass(frozen=True)
class Rule:
    id: str
    rule: str  # one line: what must hold
    fix: str  # one line: how to make it hold
    doc: str
    check: Callable[[Facts], Iterable[tuple[list[Any] | str, str]]] = field(repr=False)
    # check yields (where, what is wrong); `fix` is the hint unless `what` carries its own after " | ".

    def run(self, facts: Facts) -> list[Problem]:
        problems = []
        for where, what in self.check(facts):
            message, _, hint = what.partition(" | ")
            path = where if isinstance(where, str) else json_path(where)
            problems.append(Problem(path, message, hint or self.fix, self.id))
        return problems


# -- CT1xx: shape and size ---------------------------------------------------------------------------


def _schema(facts: Facts) -> Iterator[tuple[str, str]]:
    for problem in facts.schema(facts.document):
        yield problem.path, f"{problem.message} | {problem.hint}"


def _size(facts: Facts) -> Iterator[tuple[str, str]]:
    if facts.size > MAX_CONFIGURATION_BYTES:
        yield (
            "$",
            f"configuration is {facts.size} bytes, over TaskRouter's limit of {MAX_CONFIGURATION_BYTES}",
        )


def _duplicate_names(facts: Facts) -> Iterator[tuple[list[Any], str]]:
    first_use: dict[str, int] = {}
    for path, item in facts.filters():
        name = item.get("filter_friendly_name")
        if not isinstance(name, str):
            continue
        if name in first_use:
            yield (
                [*path, "filter_friendly_name"],
                f"duplicate filter name {name!r} (also filters[{first_use[name]}])",
            )
        else:
            first_use[name] = path[-1]


# -- CT2xx: expressions ------------------------------------------------------------------------------


def _expressions(facts: Facts) -> Iterator[tuple[list[Any], Any, str]]:
    for path, item in facts.filters():
        yield [*path, "expression"], item.get("expression"), "filter"
    for path, target in facts.targets():
        yield [*path, "expression"], target.get("expression"), "target"
        yield [*path, "skip_if"], target.get("skip_if"), "skip_if"


def _parses(facts: Facts) -> Iterator[tuple[list[Any], str]]:
    for path, text, context in _expressions(facts):
        if not isinstance(text, str) or not text.strip():
            continue  # the schema reports missing or empty expressions
        try:
            parse(text, context)
        except ExpressionError as error:
            snippet = text[max(0, error.column - 1) :][:20]
            yield (
                path,
                (
                    f"{context} expression does not parse at column {error.column}: {error.message} "
                    f"| fix the expression near {snippet!r}"
                ),
            )


# -- CT3xx: numbers ----------------------------------------------------------------------------------


def _whole(value: Any) -> int | None:
    """A priority or timeout as TaskRouter reads it: an integer, or a string of digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        return int(value)
    return None


def _priority(facts: Facts) -> Iterator[tuple[list[Any], str]]:
    for path, value in facts.values("priority"):
        number = _whole(value)
        if isinstance(value, str) and number is not None and number > MAX_PRIORITY:
            yield path, f"priority {value} is over {MAX_PRIORITY}"


def _timeout(facts: Facts) -> Iterator[tuple[list[Any], str]]:
    for path, value in facts.values("timeout"):
        number = _whole(value)
        if isinstance(value, str) and number is not None and number > MAX_TARGET_TIMEOUT:
            yield path, f"timeout {value} is over {MAX_TARGET_TIMEOUT} seconds"


def _cascade(facts: Facts) -> Iterator[tuple[list[Any], str]]:
    """Timeouts add up along a filter's targets: a step starting after the longest TTL never happens."""
    for path, item in facts.filters():
        targets = item.get("targets")
        elapsed = 0
        for index, target in enumerate(targets if isinstance(targets, list) else []):
            if elapsed >= MAX_TARGET_TIMEOUT:
                yield (
                    [*path, "targets", index],
                    (
                        f"starts after {elapsed} seconds, past the longest task TTL "
                        f"({MAX_TARGET_TIMEOUT} s): never reached"
                    ),
                )
                break
            number = _whole(target.get("timeout")) if isinstance(target, Mapping) else None
            if number is None:
                break
            elapsed += number


# -- CT4xx: queues -----------------------------------------------------------------------------------


def _queue_known(facts: Facts) -> Iterator[tuple[list[Any], str]]:
    if facts.queue_sids is None:
        return
    known = set(facts.queue_sids.values())
    for path, sid in facts.values("queue"):
        if isinstance(sid, str) and QUEUE_SID.match(sid) and sid not in known:
            yield path, f"queue {sid} is not in the queue SID map"


RULES: tuple[Rule, ...] = (
    Rule(
        "CT100",
        "the document matches TaskRouter's workflow configuration schema",
        "see the TaskRouter workflow documentation",
        _DOCS,
        _schema,
    ),
    Rule(
        "CT101",
        f"the configuration is at most {MAX_CONFIGURATION_BYTES} bytes",
        "split the routing across fewer or smaller filters",
        _LIMITS,
        _size,
    ),
    Rule(
        "CT102",
        "every filter_friendly_name is distinct",
        "give every filter a distinct filter_friendly_name",
        _DOCS,
        _duplicate_names,
    ),
    Rule(
        "CT201",
        "every filter, target and skip_if expression parses in its context",
        "fix the expression at the column shown",
        _EXPRESSIONS,
        _parses,
    ),
    Rule(
        "CT301",
        f"a target priority is 0..{MAX_PRIORITY}",
        f"use a priority between 0 and {MAX_PRIORITY}",
        _TASK,
        _priority,
    ),
    Rule(
        "CT302",
        f"a target timeout is 1..{MAX_TARGET_TIMEOUT} seconds (the longest task TTL)",
        f"use a timeout between 1 and {MAX_TARGET_TIMEOUT} seconds",
        _TASK,
        _timeout,
    ),
    Rule(
        "CT303",
        "every target of a filter starts before the longest task TTL runs out",
        "shorten the earlier targets' timeouts, or remove the unreachable targets",
        _TASK,
        _cascade,
    ),
    Rule(
        "CT401",
        "every queue SID is a TaskQueue of the account",
        "use the SID of an existing TaskQueue, or add it to the map",
        _DOCS,
        _queue_known,
    ),
)

__all__ = ["RULES", "Facts", "Rule"]
