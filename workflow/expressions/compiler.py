"""Syntax tree to Python closures, once per expression; evaluation never looks at text again.

Closures are staged so the simulator can test thousands of workers per task cheaply: the parts of
an expression that depend only on the task side (`task.*`, `taskrouter.*`, `workers.*`, constants)
are computed once by `Expression.prepare(bindings)`, which returns a predicate over one worker view.

Contexts and the names they see:
- "queue"   (TaskQueue target_workers): bare names are worker attributes.
- "filter"  (filter expression): bare names are task attributes; `taskrouter.*` time variables.
- "target"  (target expression): every name is prefixed: `task.*`, `worker.*` (attributes plus the
            fields sid, friendly_name, activity_name, activity_sid), `taskrouter.*`.
- "skip_if" (target skip_if): only `workers.*` counts (available, unavailable, per activity);
            a count that is not given is 0.
`workers.*` outside skip_if, `worker.*` in a filter and `task.*` in target_workers are errors.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from lark import Token, Tree

from flex_chat_transfer.workflow.expressions.errors import ExpressionError
from flex_chat_transfer.workflow.expressions.semantics import OPERATORS, Membership, walk
from flex_chat_transfer.workflow.expressions.syntax import parse_tree

Context = Literal["queue", "filter", "target", "skip_if"]
CONTEXTS: tuple[str, ...] = ("queue", "filter", "target", "skip_if")
Bindings = Mapping[str, Any]
WorkerPredicate = Callable[[Mapping[str, Any]], bool]

WORKER_FIELDS = ("sid", "friendly_name", "activity_name", "activity_sid")
TIME_VARIABLES = ("currentTime", "currentHour", "currentMin", "dayOfWeek")


def _always_true(_worker: Mapping[str, Any]) -> bool:
    return True


def _always_false(_worker: Mapping[str, Any]) -> bool:
    return False


# Operand kinds: a constant, a value of the task side (outer bindings), a value of one worker.
_CONST, _OUTER, _INNER = "const", "outer", "inner"


def _nothing(_value: Any) -> Any:
    return None


@dataclass(frozen=True)
class _Operand:
    kind: str
    value: Any = None  # the constant, for _CONST
    fn: Callable[[Any], Any] = _nothing  # outer bindings -> value, or worker view -> value
    key: str | None = None  # a one-name worker path, for the fast membership predicate

    def outer(self, bindings: Bindings) -> Any:
        return self.value if self.kind == _CONST else self.fn(bindings)


@dataclass(frozen=True)
class _Condition:
    uses_worker: bool
    # uses_worker False: bindings -> bool.  True: bindings -> WorkerPredicate.
    fn: Callable[[Bindings], Any]


@dataclass(frozen=True)
class Expression:
    """A compiled expression. Call it with bindings, or `prepare` the task side once and test workers."""

    text: str
    context: str
    references: tuple[str, ...]  # every name as written, e.g. ("task.workerSidsInConversation",)
    uses_worker: bool
    _stage: Callable[[Bindings], Any] = field(repr=False, compare=False)

    def prepare(self, bindings: Bindings) -> WorkerPredicate:
        """Evaluate everything but the worker; the result tests one worker view (a mapping)."""
        if self.uses_worker:
            predicate: WorkerPredicate = self._stage(bindings)
            return predicate
        return _always_true if self._stage(bindings) else _always_false

    def test(self, bindings: Bindings) -> bool:
        """Evaluate an expression that does not use a worker (filter, skip_if) against bindings."""
        if self.uses_worker:
            return bool(self._stage(bindings)(worker_view(bindings, self.context)))
        return bool(self._stage(bindings))

    __call__ = test


def worker_view(bindings: Bindings, context: str) -> Mapping[str, Any]:
    """The mapping worker names resolve in: attributes, plus fields (which win) for target expressions.

    Bindings may give the fields in `worker_fields`, or inline in `worker` (handy on the command line).
    """
    attributes = bindings.get("worker") or {}
    if context != "target":
        return attributes
    fields = bindings.get("worker_fields") or {}
    return {**attributes, **fields} if fields else attributes


class _Compiler:
    def __init__(self, text: str, context: str) -> None:
        self.text = text
        self.context = context
        self.references: list[str] = []

    def fail(self, message: str, token: Token) -> ExpressionError:
        return ExpressionError(message, (token.start_pos or 0) + 1, self.text)

    # -- conditions -------------------------------------------------------------------------
    def condition(self, node: Tree[Token]) -> _Condition:
        children: list[Any] = list(node.children)
        if node.data == "start":
            return self.condition(children[0])
        if node.data == "comparison":
            return self.comparison(children[0], children[1], children[2])
        parts = [self.condition(child) for child in children]
        return _combine(parts, conjunction=node.data == "conjunction")

    def comparison(self, left_node: Any, operator: Token, right_node: Any) -> _Condition:
        op = " ".join(operator.value.upper().split())
        test = OPERATORS[op]
        left, right = self.operand(left_node), self.operand(right_node)
        self.check_types(op, left_node, left, right_node, right, operator)
        if left.kind == _CONST and right.kind == _CONST:
            result = test(left.value, right.value)
            return _Condition(False, lambda _b: result)
        if left.kind != _INNER and right.kind != _INNER:
            return _Condition(False, _outer_comparison(op, test, left, right))
        if left.kind == _INNER and right.kind == _INNER:
            lf, rf = left.fn, right.fn
            return _Condition(True, lambda _b: lambda w: test(lf(w), rf(w)))
        if left.kind == _INNER:
            lf = left.fn
            if op in ("IN", "NOT IN"):
                return _Condition(True, lambda b: _membership_predicate(left, right.outer(b), op == "NOT IN"))
            return _Condition(True, lambda b: _right_bound(test, lf, right.outer(b)))
        rf = right.fn
        return _Condition(True, lambda b: _left_bound(test, left.outer(b), rf))

    def check_types(
        self,
        op: str,
        left_node: Tree[Token],
        left: _Operand,
        right_node: Tree[Token],
        right: _Operand,
        operator: Token,
    ) -> None:
        """Operand types as the docs define the operators: HAS takes an array on the left and a value on
        the right, IN / NOT IN a value on the left and an array on the right, CONTAINS two strings; the
        scalar comparisons take single values. Only constants have a type before a task exists."""
        left_array, right_array = left_node.data == "array", right_node.data == "array"
        right_scalar = right.kind == _CONST and not right_array
        if op == "HAS":
            if left.kind == _CONST:
                raise self.fail(
                    f"HAS needs an array attribute on its left (e.g. skills HAS 'sales'), found "
                    f"{_describe(left.value)}: use IN to test a value against an array",
                    operator,
                )
            if right_array:
                raise self.fail("HAS takes one value on its right, not an array literal", operator)
        elif op in ("IN", "NOT IN"):
            if left_array:
                raise self.fail(f"{op} takes one value on its left, not an array literal", operator)
            if right_scalar:
                raise self.fail(
                    f"{op} needs an array on its right ([...] or an attribute holding a list), found "
                    f"{_describe(right.value)}: use == to compare single values",
                    operator,
                )
        elif op == "CONTAINS":
            for value, is_const in ((left.value, left.kind == _CONST), (right.value, right.kind == _CONST)):
                if is_const and not isinstance(value, str):
                    raise self.fail(
                        f"CONTAINS compares two strings, found {_describe(value)}: "
                        "quote it, or use HAS for arrays",
                        operator,
                    )
        elif left_array or right_array:
            raise self.fail(
                f"'{op}' compares single values, not an array literal: use IN [...] to test membership",
                operator,
            )

    # -- operands ---------------------------------------------------------------------------
    def operand(self, node: Tree[Token]) -> _Operand:
        kind = node.data
        children: list[Any] = list(node.children)
        if kind == "path":
            return self.path(children)
        if kind == "array":
            items = [self.operand(child).value for child in children if child is not None]
            return _Operand(_CONST, value=items)
        token: Token = children[0]
        if kind == "string":
            return _Operand(_CONST, value=_unquote(token, self))
        if kind == "number":
            return _Operand(_CONST, value=_number(token, self))
        return _Operand(_CONST, value={"true": True, "false": False, "null": None}[kind])

    def path(self, tokens: list[Token]) -> _Operand:
        keys: list[str | int] = []
        for token in tokens:
            if token.type == "NUMBER":
                if not token.value.isdigit():
                    raise self.fail(f"an array index must be a whole number >= 0, not {token.value}", token)
                keys.append(int(token.value))
            else:
                keys.append(token.value)
        root = tokens[0]
        self.references.append(_spell(keys))
        return self.resolve(root, tuple(keys), tokens)

    def resolve(self, root: Token, keys: tuple[str | int, ...], tokens: list[Token]) -> _Operand:
        head, rest = keys[0], keys[1:]
        context = self.context
        if head == "workers" and context != "skip_if":
            raise self.fail("workers.* counts are only available in skip_if", root)
        if context == "skip_if":
            if head != "workers" or len(rest) != 1 or not isinstance(rest[0], str):
                raise self.fail(
                    f"'{_spell(keys)}' is not available in skip_if: use workers.available, "
                    "workers.unavailable or workers.<activity SID>",
                    root,
                )
            name = rest[0]
            return _Operand(_OUTER, fn=lambda b: (b.get("workers") or {}).get(name, 0))
        if head == "taskrouter":
            if context == "queue":
                raise self.fail("taskrouter.* time variables are not available in target_workers", root)
            if len(rest) != 1 or rest[0] not in TIME_VARIABLES:
                raise self.fail(
                    f"unknown time variable '{_spell(keys)}': use one of "
                    + ", ".join(f"taskrouter.{name}" for name in TIME_VARIABLES),
                    root,
                )
            name = rest[0]
            return _Operand(_OUTER, fn=lambda b: (b.get("taskrouter") or {}).get(name))
        if context == "queue":
            if head == "task":
                raise self.fail("task attributes are not visible in a TaskQueue's target_workers", root)
            return _inner(keys)
        if context == "filter":
            if head == "worker":
                raise self.fail(
                    "worker attributes are not available in a filter expression: "
                    "move the condition to the target's expression",
                    root,
                )
            return _outer("task", keys)
        # target: every name carries its prefix
        if head not in ("task", "worker"):
            raise self.fail(
                f"bare name '{head}' in a target expression: prefix it with task. or worker.", root
            )
        if not rest or not isinstance(rest[0], str):
            raise self.fail(f"'{head}' needs an attribute name: write {head}.<attribute>", root)
        if head == "task":
            return _outer("task", rest)
        return _inner(rest)


def _outer(binding: str, keys: tuple[str | int, ...]) -> _Operand:
    if len(keys) == 1:
        (key,) = keys
        return _Operand(_OUTER, fn=lambda b: _get(b.get(binding), key))
    return _Operand(_OUTER, fn=lambda b: walk(b.get(binding), keys))


def _inner(keys: tuple[str | int, ...]) -> _Operand:
    if len(keys) == 1 and isinstance(keys[0], str):
        (key,) = keys
        name = str(key)
        return _Operand(_INNER, fn=lambda w: w.get(name), key=name)
    return _Operand(_INNER, fn=lambda w: walk(w, keys))


def _get(value: Any, key: Any) -> Any:
    return value.get(key) if isinstance(value, dict) else walk(value, (key,))


_Test = Callable[[Any, Any], bool]


def _right_bound(test: _Test, left_fn: Callable[[Any], Any], right_value: Any) -> WorkerPredicate:
    return lambda w: test(left_fn(w), right_value)


def _left_bound(test: _Test, left_value: Any, right_fn: Callable[[Any], Any]) -> WorkerPredicate:
    return lambda w: test(left_value, right_fn(w))


_NOT_SCALAR = (list, tuple, dict)


def _membership_predicate(left: _Operand, array: Any, negate: bool) -> WorkerPredicate:
    """`worker-value [NOT] IN task-array`, with the array hashed once per task.

    The common case (a list of SIDs tested against `worker.sid`) gets a predicate with no extra call.
    """
    if not isinstance(array, (list, tuple)):
        return _always_false  # array operator on a scalar
    members = Membership(array)
    strings, key, lf = members.strings, left.key, left.fn
    if not members.others and key is not None:
        if negate:  # a non-string scalar is never in an array of strings
            return lambda w: (
                v not in strings if type(v := w.get(key)) is str else not isinstance(v, _NOT_SCALAR)
            )
        return lambda w: type(v := w.get(key)) is str and v in strings
    if negate:
        return lambda w: not isinstance(value := lf(w), _NOT_SCALAR) and value not in members
    return lambda w: not isinstance(value := lf(w), _NOT_SCALAR) and value in members


def _outer_comparison(op: str, test: _Test, left: _Operand, right: _Operand) -> Callable[[Bindings], bool]:
    """A comparison without worker names; `path == 'text'` (every filter we render) is one call."""
    if right.kind == _CONST:
        lf, value = left.fn, right.value
        if op == "==" and type(value) is str:
            return lambda b: bool(lf(b) == value)  # only an equal str compares equal to a str
        return lambda b: test(lf(b), value)
    if left.kind == _CONST:
        value, rf = left.value, right.fn
        return lambda b: test(value, rf(b))
    lf, rf = left.fn, right.fn
    return lambda b: test(lf(b), rf(b))


def _combine(parts: list[_Condition], conjunction: bool) -> _Condition:
    outer = [part.fn for part in parts if not part.uses_worker]
    inner = [part.fn for part in parts if part.uses_worker]
    if not inner:
        if conjunction:
            return _Condition(False, lambda b: all(fn(b) for fn in outer))
        return _Condition(False, lambda b: any(fn(b) for fn in outer))

    def prepare(bindings: Bindings) -> WorkerPredicate:
        if conjunction:
            if not all(fn(bindings) for fn in outer):
                return _always_false
        elif any(fn(bindings) for fn in outer):
            return _always_true
        predicates: list[WorkerPredicate] = [fn(bindings) for fn in inner]
        if len(predicates) == 1:
            return predicates[0]
        if conjunction:
            return lambda w: all(p(w) for p in predicates)
        return lambda w: any(p(w) for p in predicates)

    return _Condition(True, prepare)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "/": "/"}


def _unquote(token: Token, compiler: _Compiler) -> str:
    body = str(token.value)[1:-1]
    if "\\" not in body:
        return body
    out: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if char != "\\":
            out.append(char)
            index += 1
            continue
        escaped = body[index + 1]  # the grammar guarantees a character after a backslash
        if escaped not in _ESCAPES:
            column = (token.start_pos or 0) + index + 2
            raise ExpressionError(
                f"unknown escape '\\{escaped}' in string: write '\\\\' for a backslash",
                column,
                compiler.text,
            )
        out.append(_ESCAPES[escaped])
        index += 2
    return "".join(out)


def _number(token: Token, compiler: _Compiler) -> int | float:
    """A numeric literal as JSON would hold it: finite, at most what a double can carry."""
    text = str(token.value)
    value = float(text)
    if not math.isfinite(value):
        shown = text if len(text) <= 20 else text[:20] + "…"
        raise compiler.fail(
            f"the number {shown} is too large: TaskRouter numbers are ordinary JSON numbers", token
        )
    if any(char in text for char in ".eE"):
        return value
    return int(text)


def _describe(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return "an array literal"


def _spell(keys: tuple[str | int, ...] | list[str | int]) -> str:
    out = ""
    for key in keys:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else key)
    return out


def compile_tree(tree: Tree[Token], text: str, context: str) -> Expression:
    compiler = _Compiler(text, context)
    condition = compiler.condition(tree)
    return Expression(text, context, tuple(compiler.references), condition.uses_worker, condition.fn)


def compile_text(text: str, context: str) -> Expression:
    if context not in CONTEXTS:
        raise ValueError(f"unknown expression context {context!r}: use one of {', '.join(CONTEXTS)}")
    return compile_tree(parse_tree(text), text, context)
