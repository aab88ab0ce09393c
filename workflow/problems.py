"""One problem = one line: where it is, what is wrong, how to fix it. Shared by every tool."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """`path` is a JSON path (`$.task_routing.filters[1].queue`), a config key path
    (`chat-transfer:transferQueues[2].timeout`) or a parameter name."""

    path: str
    message: str
    hint: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message} (fix: {self.hint})"


class ProblemsError(Exception):
    """Raised with every problem found at once, so the user fixes them in one pass."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
