"""What each operator means on JSON values (TaskRouter's documented rules plus our inferences).

Documented (twilio-api.md §2.4): a missing key is null; array operators (HAS, IN, NOT IN) on two
scalars are false; scalar operators on arrays are false.

Inferred, because Twilio does not document them:
- No type coercion: the number 5 never equals the string "5", and true never equals 1.
- String comparison is case-sensitive, for ==, != and CONTAINS alike; <, <=, >, >= compare two
  strings lexicographically (by code point) and two numbers numerically; any other pair is false.
- null is a scalar: `x == null` is true when x is missing or null, `x != null` when it is present;
  ordering against null is false.
- Objects behave like arrays for scalar operators (false), and are never members of anything.
- NOT IN is false, not true, when the right side is not an array (so a missing
  `workerSidsInConversation` excludes every worker, as §2.4 warns).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_NUMBER = (int, float)


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (list, tuple, dict))


def _is_number(value: Any) -> bool:
    return isinstance(value, _NUMBER) and not isinstance(value, bool)


def scalar_equal(left: Any, right: Any) -> bool:
    """Strict JSON equality of two scalars: same kind and same value."""
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    if _is_number(left) and _is_number(right):
        return bool(left == right)
    if type(left) is not type(right):
        return False
    return bool(left == right)


def equals(left: Any, right: Any) -> bool:
    if not (_is_scalar(left) and _is_scalar(right)):
        return False
    return scalar_equal(left, right)


def not_equals(left: Any, right: Any) -> bool:
    if not (_is_scalar(left) and _is_scalar(right)):
        return False
    return not scalar_equal(left, right)


def _ordered(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def test(left: Any, right: Any) -> bool:
        if _is_number(left) and _is_number(right):
            return compare(left, right)
        if isinstance(left, str) and isinstance(right, str):
            return compare(left, right)
        return False

    return test


def contains(left: Any, right: Any) -> bool:
    """`left CONTAINS right`: substring test on two strings, case-sensitive."""
    return isinstance(left, str) and isinstance(right, str) and right in left


class Membership:
    """An array prepared for repeated `value in array` tests (strings hashed, the rest scanned)."""

    __slots__ = ("strings", "others")

    def __init__(self, array: list[Any] | tuple[Any, ...]) -> None:
        self.strings = frozenset(item for item in array if type(item) is str)
        self.others = tuple(item for item in array if type(item) is not str and _is_scalar(item))

    def __contains__(self, value: Any) -> bool:
        if type(value) is str:
            return value in self.strings
        return any(scalar_equal(value, item) for item in self.others)


def _member(value: Any, array: Any) -> bool | None:
    """True/False membership, or None when the operands are not (scalar, array)."""
    if not isinstance(array, (list, tuple)) or not _is_scalar(value):
        return None
    if type(value) is str:
        return value in array
    return any(_is_scalar(item) and scalar_equal(value, item) for item in array)


def has(left: Any, right: Any) -> bool:
    """`array HAS scalar`."""
    return _member(right, left) is True


def is_in(left: Any, right: Any) -> bool:
    """`scalar IN array`."""
    return _member(left, right) is True


def not_in(left: Any, right: Any) -> bool:
    """`scalar NOT IN array`; false unless the right side is an array and the left a scalar."""
    return _member(left, right) is False


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": equals,
    "!=": not_equals,
    ">": _ordered(lambda a, b: a > b),
    ">=": _ordered(lambda a, b: a >= b),
    "<": _ordered(lambda a, b: a < b),
    "<=": _ordered(lambda a, b: a <= b),
    "CONTAINS": contains,
    "HAS": has,
    "IN": is_in,
    "NOT IN": not_in,
}


def walk(value: Any, keys: tuple[str | int, ...]) -> Any:
    """Follow a path of object keys and array indexes; anything missing is None (null)."""
    for key in keys:
        if type(key) is int:
            if isinstance(value, (list, tuple)) and key < len(value):
                value = value[key]
            else:
                return None
        elif isinstance(value, dict):
            value = value.get(key)
        else:
            return None
    return value
