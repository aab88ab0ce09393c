"""The TaskRouter expression language: parse, check a context's naming rules, compile to closures.

`parse(text, context)` is what the validator calls; `compile_expression` / `evaluate` are conveniences
over the compiled `Expression`. Semantics are documented in `semantics.py`, contexts in `compiler.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from flex_chat_transfer.workflow.expressions.compiler import (
    CONTEXTS,
    TIME_VARIABLES,
    WORKER_FIELDS,
    Bindings,
    Context,
    Expression,
    WorkerPredicate,
    compile_text,
    worker_view,
)
from flex_chat_transfer.workflow.expressions.errors import ExpressionError
from flex_chat_transfer.workflow.expressions.semantics import walk

__all__ = [
    "CONTEXTS",
    "TIME_VARIABLES",
    "WORKER_FIELDS",
    "Bindings",
    "Context",
    "Expression",
    "ExpressionError",
    "WorkerPredicate",
    "compile_expression",
    "evaluate",
    "parse",
    "parse_order_by",
    "parse_task_reference",
    "time_variables",
    "worker_view",
]


@lru_cache(maxsize=4096)
def parse(text: str, context: Context) -> Expression:
    """Parse and compile `text` for `context`; raise ExpressionError (1-based column) when it is bad."""
    return compile_text(text, context)


def compile_expression(text: str, context: Context) -> Callable[[Bindings], bool]:
    """A callable over bindings (`task`, `worker`, `worker_fields`, `workers`, `taskrouter`)."""
    return parse(text, context).test


def evaluate(
    text: str,
    context: Context,
    task: Mapping[str, Any] | None = None,
    worker: Mapping[str, Any] | None = None,
    workers: Mapping[str, Any] | None = None,
    taskrouter: Mapping[str, Any] | None = None,
) -> bool:
    """Evaluate once. For target expressions `worker` may carry sid/friendly_name/... inline."""
    bindings = {
        "task": task or {},
        "worker": worker or {},
        "workers": workers or {},
        "taskrouter": taskrouter or {},
    }
    return parse(text, context).test(bindings)


def time_variables(moment: datetime) -> dict[str, Any]:
    """`taskrouter.*` for a UTC moment: currentTime is HHMM as an integer, dayOfWeek is Mon..Sun."""
    return {
        "currentTime": moment.hour * 100 + moment.minute,
        "currentHour": moment.hour,
        "currentMin": moment.minute,
        "dayOfWeek": moment.strftime("%a"),
    }


_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_REFERENCE = re.compile(rf"\s*task\.({_NAME}(?:\.{_NAME})*)\s*")
_ORDER_CLAUSE = re.compile(rf"\s*worker\.({_NAME}(?:\.{_NAME})*)(?:\s+(asc|desc))?\s*", re.IGNORECASE)


@lru_cache(maxsize=1024)
def parse_task_reference(text: str) -> Callable[[Mapping[str, Any]], Any]:
    """`known_worker_sid` / `known_worker_friendly_name` values: `task.<attr>` -> reader of that attribute."""
    match = _REFERENCE.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ExpressionError(
            f"expected a task attribute reference such as task.transferTargetSid, found {text!r}",
            1,
            str(text),
        )
    keys = tuple(match.group(1).split("."))
    return lambda task: walk(task, keys)


@lru_cache(maxsize=1024)
def parse_order_by(text: str) -> tuple[tuple[tuple[str, ...], bool], ...]:
    """`worker.a ASC, worker.b DESC` -> ((("a",), False), (("b",), True)); True means descending."""
    clauses = []
    offset = 0
    for part in str(text).split(","):
        match = _ORDER_CLAUSE.fullmatch(part)
        if match is None:
            column = offset + len(part) - len(part.lstrip()) + 1
            raise ExpressionError("expected 'worker.<attribute> [ASC|DESC]' in order_by", column, str(text))
        clauses.append((tuple(match.group(1).split(".")), (match.group(2) or "asc").lower() == "desc"))
        offset += len(part) + 1
    return tuple(clauses)
