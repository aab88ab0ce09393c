"""TaskRouter's expression language, written for the sandbox from Twilio's documentation
(https://www.twilio.com/docs/taskrouter/expression-syntax, .../workflow-configuration, .../worker-presence,
.../time-of-day-routing), independently of the project's `workflow` package, so the sandbox can check what
that package predicts instead of sharing its model.

What the docs say and this module does:
- Constants: strings in single or double quotes, numbers, `true`/`false`, `null`, and arrays `[...]` of them.
- References: keys with dot paths and `[i]` indexes; a key that is not there is null.
- Comparisons `==`, `!=`, `>`, `>=`, `<`, `<=`, `CONTAINS` (left string contains right string) on scalars;
  `HAS` (left array holds right scalar), `IN` and `NOT IN` (left scalar in right array) on arrays; a scalar
  operator on an array, or an array operator without an array, is false. `AND`, `OR`, parentheses.
- Contexts: a TaskQueue's TargetWorkers reads worker attributes unprefixed; a filter expression reads task
  attributes unprefixed; a target expression prefixes every attribute with `task.` or `worker.` (worker
  fields `sid`, `friendly_name`, `activity_sid`, `activity_name` among them); `taskrouter.currentTime`,
  `currentHour`, `currentMin`, `dayOfWeek` (UTC) in filter and target expressions; `skip_if` reads
  `workers.available`, `workers.unavailable` and `workers.<activity SID>`.
Where the docs are silent the sandbox chooses, and says so here: keywords are case-insensitive (official
examples write both `IN` and `in`); `==` between values of different types is false; ordering comparisons
need two numbers or two strings; hyphens in names do not parse (the worker page says they are not supported).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flex_chat_transfer.sandbox.core.errors import InvalidParameter

CONTEXTS = ("queue", "filter", "target", "skip_if")
MAX_DEPTH = 50  # parentheses and arrays nested deeper than any real expression are refused, not recursed
MAX_LENGTH = 10_000
_SCALAR_OPS = ("==", "!=", ">=", "<=", ">", "<", "CONTAINS")
_ARRAY_OPS = ("HAS", "IN", "NOT IN")
_KEYWORDS = {"AND", "OR", "HAS", "IN", "NOT", "CONTAINS", "TRUE", "FALSE", "NULL"}
_TOKEN = re.compile(
    r"""(?P<space>\s+)
    |(?P<string>'[^']*'|"[^"]*")
    |(?P<number>[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
    |(?P<op>==|!=|>=|<=|>|<)
    |(?P<punct>[()\[\],])
    |(?P<word>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_0-9]+|\[[0-9]+\])*)
    """,
    re.VERBOSE,
)
_PART = re.compile(r"\.?([A-Za-z_0-9]+)|\[([0-9]+)\]")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class ExpressionError(ValueError):
    """An expression that does not parse in its context; `str()` names the 1-based column."""

    def __init__(self, what: str, column: int) -> None:
        super().__init__(f"{what} at column {column}")
        self.what = what
        self.column = column


@dataclass(frozen=True)
class Token:
    kind: str  # string, number, op, punct, word, keyword, end
    text: str
    value: Any
    column: int


@dataclass(frozen=True)
class Ref:
    path: tuple[str | int, ...]
    column: int


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Compare:
    left: Any
    op: str
    right: Any


@dataclass(frozen=True)
class Logical:
    op: str  # AND / OR
    parts: tuple[Any, ...]


def tokens(text: str) -> list[Token]:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression is {len(text)} characters, over {MAX_LENGTH}", 1)
    found: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        column = position + 1
        if match is None:
            char = text[position]
            hint = " (hyphens are not supported in TaskRouter expressions)" if char == "-" else ""
            if char == "=":
                hint = " (compare with ==)"
            raise ExpressionError(f"unexpected {char!r}{hint}", column)
        kind, raw = match.lastgroup or "", match.group()
        position = match.end()
        if kind == "space":
            continue
        if kind == "string":
            found.append(Token("string", raw, raw[1:-1], column))
        elif kind == "number":
            number = float(raw) if any(c in raw for c in ".eE") else int(raw)
            if isinstance(number, float) and not math.isfinite(number):
                raise ExpressionError(f"number {raw} is out of range", column)
            found.append(Token("number", raw, number, column))
        elif kind == "word" and raw.upper() in _KEYWORDS:
            found.append(Token("keyword", raw.upper(), raw.upper(), column))
        else:
            found.append(Token(kind, raw, raw, column))
    found.append(Token("end", "", None, len(text) + 1))
    return found


class _Parser:
    def __init__(self, text: str, context: str) -> None:
        self.tokens = tokens(text)
        self.at = 0
        self.context = context

    def peek(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def expect(self, text: str) -> Token:
        token = self.take()
        if token.text != text:
            raise ExpressionError(f"expected {text!r}, found {_shown(token)}", token.column)
        return token

    def parse(self) -> Any:
        node = self.disjunction(0)
        token = self.peek()
        if token.kind != "end":
            raise ExpressionError(f"unexpected {_shown(token)}", token.column)
        return node

    def disjunction(self, depth: int) -> Any:
        parts = [self.conjunction(depth)]
        while self.peek().text == "OR":
            self.take()
            parts.append(self.conjunction(depth))
        return parts[0] if len(parts) == 1 else Logical("OR", tuple(parts))

    def conjunction(self, depth: int) -> Any:
        parts = [self.condition(depth)]
        while self.peek().text == "AND":
            self.take()
            parts.append(self.condition(depth))
        return parts[0] if len(parts) == 1 else Logical("AND", tuple(parts))

    def condition(self, depth: int) -> Any:
        token = self.peek()
        if token.text == "(":
            if depth >= MAX_DEPTH:
                raise ExpressionError(f"parentheses nested deeper than {MAX_DEPTH}", token.column)
            self.take()
            node = self.disjunction(depth + 1)
            self.expect(")")
            return node
        left = self.operand()
        op_token = self.take()
        op = op_token.text
        if op == "NOT":
            if self.peek().text != "IN":
                raise ExpressionError("NOT is only an operator as NOT IN", op_token.column)
            self.take()
            op = "NOT IN"
        if op not in _SCALAR_OPS and op not in _ARRAY_OPS:
            raise ExpressionError(f"expected an operator, found {_shown(op_token)}", op_token.column)
        right = self.operand()
        # A literal of the wrong kind can never be true: refuse it while writing, not while routing.
        if op == "HAS" and isinstance(left, Literal):
            raise ExpressionError("HAS needs an array attribute on its left", op_token.column)
        if op in ("IN", "NOT IN") and isinstance(right, Literal) and not isinstance(right.value, list):
            raise ExpressionError(f"{op} needs an array on its right", op_token.column)
        return Compare(left, op, right)

    def operand(self) -> Any:
        token = self.take()
        if token.kind in ("string", "number"):
            return Literal(token.value)
        if token.kind == "keyword" and token.text in ("TRUE", "FALSE", "NULL"):
            return Literal({"TRUE": True, "FALSE": False, "NULL": None}[token.text])
        if token.text == "[":
            values: list[Any] = []
            while self.peek().text != "]":
                item = self.operand()
                if not isinstance(item, Literal) or isinstance(item.value, list):
                    raise ExpressionError("array items must be constants", token.column)
                values.append(item.value)
                if self.peek().text == ",":
                    self.take()
                elif self.peek().text != "]":
                    raise ExpressionError(
                        f"expected ',' or ']', found {_shown(self.peek())}", self.peek().column
                    )
            self.take()
            return Literal(values)
        if token.kind == "word":
            return self.reference(token)
        raise ExpressionError(f"expected a value, found {_shown(token)}", token.column)

    def reference(self, token: Token) -> Ref:
        path: list[str | int] = []
        for match in _PART.finditer(token.text):
            path.append(match.group(1) if match.group(1) is not None else int(match.group(2)))
        head = str(path[0])
        if self.context == "target" and head not in ("task", "worker", "taskrouter"):
            raise ExpressionError(
                f"{token.text} must be prefixed by task. or worker. in a target expression", token.column
            )
        if self.context == "skip_if" and head != "workers":
            raise ExpressionError(f"{token.text}: skip_if reads only workers.*", token.column)
        if self.context == "queue" and head in ("task", "taskrouter"):
            raise ExpressionError(
                f"{token.text}: a TaskQueue expression reads worker attributes", token.column
            )
        return Ref(tuple(path), token.column)


def _shown(token: Token) -> str:
    return "the end" if token.kind == "end" else repr(token.text)


def parse(text: str, context: str) -> Any:
    """The expression's tree; raises ExpressionError (column) when it does not parse in `context`."""
    if context not in CONTEXTS:
        raise ValueError(f"unknown expression context {context}")
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("the expression is empty", 1)
    return _Parser(text, context).parse()


def time_variables(moment: datetime) -> dict[str, Any]:
    """`taskrouter.*` for a UTC moment (time-of-day routing page: HHMM, hour, minute, day name)."""
    return {
        "currentTime": moment.hour * 100 + moment.minute,
        "currentHour": moment.hour,
        "currentMin": moment.minute,
        "dayOfWeek": _DAYS[moment.weekday()],
    }


def _resolve(scope: Mapping[str, Any], path: tuple[str | int, ...]) -> Any:
    value: Any = scope
    for part in path:
        if isinstance(part, int):
            value = value[part] if isinstance(value, list) and part < len(value) else None
        elif isinstance(value, Mapping):
            value = value.get(part)
        else:
            return None
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _compare(left: Any, op: str, right: Any) -> bool:
    if op in _ARRAY_OPS:
        if op == "HAS":
            return isinstance(left, list) and not isinstance(right, list) and _member(right, left)
        if not isinstance(right, list) or isinstance(left, list):
            return False
        return _member(left, right) == (op == "IN")
    if isinstance(left, list) or isinstance(right, list):
        return False
    if op in ("==", "!="):
        same = _kind(left) == _kind(right) and left == right
        return same if op == "==" else not same
    if op == "CONTAINS":
        return isinstance(left, str) and isinstance(right, str) and right in left
    if _kind(left) != _kind(right) or _kind(left) not in ("number", "string"):
        return False
    return {">": left > right, ">=": left >= right, "<": left < right, "<=": left <= right}[op]


def _member(value: Any, array: list[Any]) -> bool:
    return any(_kind(item) == _kind(value) and item == value for item in array)


def evaluate(node: Any, scope: Mapping[str, Any]) -> bool:
    """The expression's truth for one scope (the names its context reads: see `scope_for`)."""
    if isinstance(node, Logical):
        if node.op == "AND":
            return all(evaluate(part, scope) for part in node.parts)
        return any(evaluate(part, scope) for part in node.parts)
    if isinstance(node, Compare):
        return _compare(_value(node.left, scope), node.op, _value(node.right, scope))
    raise TypeError(f"not an expression node: {node!r}")


def _value(node: Any, scope: Mapping[str, Any]) -> Any:
    return node.value if isinstance(node, Literal) else _resolve(scope, node.path)


def compile_expression(text: str, context: str) -> Callable[[Mapping[str, Any]], bool]:
    tree = parse(text, context)
    return lambda scope: evaluate(tree, scope)


def scope_for(
    context: str,
    task: Mapping[str, Any] | None = None,
    worker: Mapping[str, Any] | None = None,
    moment: datetime | None = None,
    workers: Mapping[str, Any] | None = None,
) -> Mapping[str, Any]:
    """What names an expression of `context` reads. `worker` for a target holds the worker's attributes
    with its fields (sid, friendly_name, activity_sid, activity_name) laid over them."""
    clock = {"taskrouter": time_variables(moment)} if moment is not None else {}
    if context == "queue":
        return dict(worker or {})
    if context == "filter":
        return {**(task or {}), **clock}
    if context == "target":
        return {"task": task or {}, "worker": worker or {}, **clock}
    return {"workers": workers or {}}


# ---- the API's answers -------------------------------------------------------------------------------------
_compiled: dict[tuple[str, str], Callable[[Mapping[str, Any]], bool]] = {}


def compiled(text: str, context: str) -> Callable[[Mapping[str, Any]], bool]:
    """compile_expression, remembered: queues and filters are read again on every routing pass."""
    key = (text, context)
    if key not in _compiled:
        if len(_compiled) > 2048:
            _compiled.clear()
        _compiled[key] = compile_expression(text, context)
    return _compiled[key]


def check_expression(text: str, context: str, name: str) -> None:
    """400/20001 naming the parameter when `text` does not parse in `context`."""
    try:
        compiled(text, context)
    except ExpressionError as error:
        raise InvalidParameter(f"{name} is not a valid expression: {error}") from None


def in_queue(target_workers: str, worker_attributes: str) -> bool:
    """Whether a worker (its attributes JSON) belongs to a queue (its TargetWorkers)."""
    attributes = json.loads(worker_attributes or "{}")
    return compiled(target_workers or "1==1", "queue")(attributes if isinstance(attributes, dict) else {})


def matches_task(expression: str, task_attributes: str) -> bool:
    """A filter-context expression over a task's attributes JSON (the EvaluateTaskAttributes list filter)."""
    attributes = json.loads(task_attributes or "{}")
    return compiled(expression, "filter")(attributes if isinstance(attributes, dict) else {})
