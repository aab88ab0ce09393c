"""One problem = one line: where it is, what is wrong, how to fix it. Shared by every tool, with the one
collector the readers use and the one wording for "what kind of value was that"."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# How many problems a command prints before summarising the rest by kind.
SHOWN_PROBLEMS = 20


@dataclass(frozen=True)
class Problem:
    """`path` is a JSON path (`$.task_routing.filters[1].queue`), a config key path
    (`chat-transfer:transferQueues[2].timeout`) or a parameter name. `rule` is the id of the check that
    found it (`CT104`), when one did."""

    path: str
    message: str
    hint: str
    rule: str | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.path}: {self.message} (fix: {self.hint})"

    @property
    def kind(self) -> str:
        """What problems "of the same kind" share: the rule id, or the message without its values."""
        if self.rule is not None:
            return self.rule
        return _VALUES.sub("…", self.message)


_VALUES = re.compile(r"'[^']*'|\"[^\"]*\"|\b(?:WQ|WK|WS|WW)[0-9a-fA-F]{32}\b|-?\d+")


def summarize(problems: Iterable[Problem], shown: int = SHOWN_PROBLEMS) -> list[str]:
    """The first `shown` problems as lines, then one line per kind for the rest:
    `… and 3480 more of the same kind as line 3 (queue … is not in the queue SID map)`."""
    problems = list(problems)
    lines = [str(problem) for problem in problems[:shown]]
    rest = Counter(problem.kind for problem in problems[shown:])
    first = {problem.kind: problem for problem in reversed(problems[:shown])}
    for kind, count in rest.items():
        example = first.get(kind) or next(p for p in problems[shown:] if p.kind == kind)
        label = f"{example.rule}: {example.message}" if example.rule else example.message
        lines.append(f"… and {count} more of the same kind ({label})")
    return lines


class ProblemsError(Exception):
    """Raised with every problem found at once, so the user fixes them in one pass."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(summarize(self.problems)))

    def lines(self) -> list[str]:
        return summarize(self.problems)


class InputError(ProblemsError):
    """The input itself cannot be used: a file that is missing, unreadable, too big, too deep, not UTF-8,
    not JSON or YAML. Commands answer it with exit 2; ProblemsError for content is theirs to grade."""


class Collector:
    """Gathers problems while a reader walks its input; `prefix` is prepended to every path
    (`chat-transfer:` for stack config, `<file>:` for a scenario file)."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.problems: list[Problem] = []

    def add(self, path: str, message: str, hint: str, rule: str | None = None) -> None:
        where = f"{self.prefix}{path}" if path else self.prefix.rstrip(":") or "$"
        self.problems.append(Problem(where, message, hint, rule))

    def __len__(self) -> int:
        return len(self.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise ProblemsError(self.problems)


def kind(value: Any) -> str:
    """The one wording for a value's type, in JSON's terms (YAML users read "a mapping" as "an object")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def shown(value: Any) -> str:
    """`kind` plus the value when it is short: `a string '30s'`, `a boolean true`, `an object`."""
    if isinstance(value, bool):
        return f"a boolean {str(value).lower()}"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return f"a string {text!r}"
    if isinstance(value, (int, float)):
        return f"a number {value}"
    return kind(value)


def json_path(parts: Iterable[Any]) -> str:
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and part.isidentifier():
            out += f".{part}"
        else:
            out += f"[{json.dumps(part)}]"
    return out
