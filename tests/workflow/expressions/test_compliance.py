"""Compliance table for the TaskRouter expression language: one row per case.

Each row: (expression, context, task, worker, expected) where expected is True/False, or
Error(column, fragment) for an expression that must be rejected with that 1-based column and a
message containing `fragment`. Worker mappings for target expressions carry sid/friendly_name inline.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from flex_chat_transfer.workflow.expressions import ExpressionError, evaluate, parse


@dataclass(frozen=True)
class Error:
    column: int
    fragment: str


SALES = {"skills": ["sales", "billing"], "level": 3, "language": "en", "sid": "WK1"}
TRANSFER = {
    "transferTargetType": "queue",
    "transferQueueName": "Sales",
    "workerSidsInConversation": ["WK1", "WK2"],
    "priority": 5,
    "vip": True,
    "customer": {"name": "Ada", "tags": ["gold", "new"], "orders": [{"total": 12.5}]},
    "empty": [],
    "nothing": None,
    "ratio": 0.5,
    "count": "5",
}
W1 = {"sid": "WK1", "friendly_name": "alice", "skills": ["sales"], "level": 2}
W3 = {"sid": "WK3", "friendly_name": "carol", "skills": ["support"], "level": 5}

CASES = [
    # -- equality, strings, quoting ---------------------------------------------------------------
    ("transferTargetType == 'queue'", "filter", TRANSFER, None, True),
    ('transferTargetType == "queue"', "filter", TRANSFER, None, True),
    ("transferTargetType == 'worker'", "filter", TRANSFER, None, False),
    ("transferTargetType != 'worker'", "filter", TRANSFER, None, True),
    ("transferTargetType != 'queue'", "filter", TRANSFER, None, False),
    ("transferQueueName == 'sales'", "filter", TRANSFER, None, False),  # case-sensitive values
    ("'Sales' == transferQueueName", "filter", TRANSFER, None, True),  # constant on the left
    ("customer.name == 'Ada'", "filter", TRANSFER, None, True),
    ("customer.name == \"Ad\\\"a\"", "filter", {"customer": {"name": 'Ad"a'}}, None, True),
    ("customer.name == 'O\\'Neil'", "filter", {"customer": {"name": "O'Neil"}}, None, True),
    ("customer.name == \"it's\"", "filter", {"customer": {"name": "it's"}}, None, True),
    ("customer.name == ''", "filter", {"customer": {"name": ""}}, None, True),
    # -- numbers, booleans, no coercion -----------------------------------------------------------
    ("priority == 5", "filter", TRANSFER, None, True),
    ("priority == 5.0", "filter", TRANSFER, None, True),
    ("priority == '5'", "filter", TRANSFER, None, False),  # number vs string: no coercion
    ("count == 5", "filter", TRANSFER, None, False),
    ("priority > 4", "filter", TRANSFER, None, True),
    ("priority > 5", "filter", TRANSFER, None, False),
    ("priority >= 5", "filter", TRANSFER, None, True),
    ("priority < 5", "filter", TRANSFER, None, False),
    ("priority <= 5", "filter", TRANSFER, None, True),
    ("ratio < 1", "filter", TRANSFER, None, True),
    ("priority > -1", "filter", TRANSFER, None, True),
    ("customer.orders[0].total >= 1.25e1", "filter", TRANSFER, None, True),
    ("transferQueueName < 'Support'", "filter", TRANSFER, None, True),  # strings order lexicographically
    ("count > 4", "filter", TRANSFER, None, False),  # string vs number: false
    ("vip == true", "filter", TRANSFER, None, True),
    ("vip == TRUE", "filter", TRANSFER, None, True),
    ("vip == false", "filter", TRANSFER, None, False),
    ("vip == 1", "filter", TRANSFER, None, False),  # booleans are not numbers
    ("1 == 1", "filter", {}, None, True),
    ("1==1", "queue", None, {}, True),
    ("1 == 2", "filter", {}, None, False),
    # -- null and missing keys --------------------------------------------------------------------
    ("missing == null", "filter", TRANSFER, None, True),
    ("nothing == null", "filter", TRANSFER, None, True),
    ("missing != null", "filter", TRANSFER, None, False),
    ("transferQueueName != null", "filter", TRANSFER, None, True),
    ("transferQueueName == NULL", "filter", TRANSFER, None, False),
    ("missing == 'x'", "filter", TRANSFER, None, False),
    ("missing > 1", "filter", TRANSFER, None, False),
    ("missing.deeper.still == null", "filter", TRANSFER, None, True),
    ("customer.orders[7].total == null", "filter", TRANSFER, None, True),
    ("customer.name[0] == null", "filter", TRANSFER, None, True),  # index into a string: null
    # -- CONTAINS -----------------------------------------------------------------------------------
    ("customer.name CONTAINS 'd'", "filter", TRANSFER, None, True),
    ("customer.name contains 'D'", "filter", TRANSFER, None, False),
    ("customer.tags CONTAINS 'gold'", "filter", TRANSFER, None, False),  # scalar operator on array
    # -- HAS / IN / NOT IN ----------------------------------------------------------------------------
    ("customer.tags HAS 'gold'", "filter", TRANSFER, None, True),
    ("customer.tags has 'silver'", "filter", TRANSFER, None, False),
    ("customer.name HAS 'A'", "filter", TRANSFER, None, False),  # array operator on scalars
    ("empty HAS 'x'", "filter", TRANSFER, None, False),
    ("transferQueueName IN ['Sales', 'Support']", "filter", TRANSFER, None, True),
    ("transferQueueName in ['Billing']", "filter", TRANSFER, None, False),
    ("transferQueueName IN []", "filter", TRANSFER, None, False),
    ("priority IN [1, 5, 9]", "filter", TRANSFER, None, True),
    ("priority IN ['5']", "filter", TRANSFER, None, False),
    ("transferQueueName NOT IN ['Billing']", "filter", TRANSFER, None, True),
    ("transferQueueName not in ['Sales']", "filter", TRANSFER, None, False),
    ("transferQueueName NOT   IN ['Billing']", "filter", TRANSFER, None, True),
    ("transferQueueName IN 'Sales'", "filter", TRANSFER, None, Error(19, "IN needs an array on its right")),
    ("missing NOT IN ['x']", "filter", TRANSFER, None, True),  # null is a scalar
    ("customer.tags IN ['gold']", "filter", TRANSFER, None, False),  # array on the left of IN
    ("customer.tags == ['gold', 'new']", "filter", TRANSFER, None, Error(15, "compares single values")),
    ("1 HAS skills", "filter", TRANSFER, None, Error(3, "HAS needs an array attribute on its left")),
    ("skills HAS ['a']", "filter", TRANSFER, None, Error(8, "HAS takes one value on its right")),
    ("['a'] IN skills", "filter", TRANSFER, None, Error(7, "IN takes one value on its left")),
    ("name CONTAINS 1", "filter", TRANSFER, None, Error(6, "CONTAINS compares two strings")),
    ("1e999999 == priority", "filter", TRANSFER, None, Error(1, "the number 1e999999 is too large")),
    ("priority == -1e400", "filter", TRANSFER, None, Error(13, "too large")),
    ("(" * 33 + "a == 1" + ")" * 33, "filter", TRANSFER, None, Error(33, "nested more than 32 levels")),
    # -- AND / OR / precedence / parentheses ---------------------------------------------------------
    ("vip == true AND priority > 1", "filter", TRANSFER, None, True),
    ("vip == true and priority > 9", "filter", TRANSFER, None, False),
    ("vip == false OR priority > 1", "filter", TRANSFER, None, True),
    ("vip == false or priority > 9", "filter", TRANSFER, None, False),
    ("vip == true OR priority > 9 AND vip == false", "filter", TRANSFER, None, True),  # AND binds tighter
    ("(vip == true OR priority > 9) AND vip == false", "filter", TRANSFER, None, False),
    ("vip == false AND priority > 9 OR vip == true", "filter", TRANSFER, None, True),
    ("vip == false AND (priority > 9 OR vip == true)", "filter", TRANSFER, None, False),
    ("((priority == 5))", "filter", TRANSFER, None, True),
    ("vip == true AnD (priority == 4 Or priority == 5)", "filter", TRANSFER, None, True),
    # -- taskrouter time variables ----------------------------------------------------------------------
    ("taskrouter.dayOfWeek == 'Sat'", "filter", TRANSFER, None, None),  # value depends on the bindings
    # -- queue context: bare worker attributes ----------------------------------------------------------
    ("skills HAS 'sales'", "queue", None, SALES, True),
    ("skills HAS 'support'", "queue", None, SALES, False),
    ("level >= 3 AND language IN ['en', 'fr']", "queue", None, SALES, True),
    ("'billing' IN skills", "queue", None, SALES, True),
    # -- target context: task. / worker. prefixes and worker fields ---------------------------------------
    ("worker.sid NOT IN task.workerSidsInConversation", "target", TRANSFER, W1, False),
    ("worker.sid NOT IN task.workerSidsInConversation", "target", TRANSFER, W3, True),
    ("worker.sid NOT IN task.workerSidsInConversation", "target", {}, W3, False),  # attribute missing
    ("worker.sid IN task.workerSidsInConversation", "target", TRANSFER, W1, True),
    ("worker.friendly_name == 'carol'", "target", TRANSFER, W3, True),
    ("worker.skills HAS task.transferQueueName", "target", {"transferQueueName": "sales"}, W1, True),
    ("worker.level > task.priority", "target", TRANSFER, W3, False),
    ("worker.level >= task.priority", "target", TRANSFER, W3, True),
    ("task.priority == 5 AND worker.level == 2", "target", TRANSFER, W1, True),
    ("task.priority == 4 OR worker.level == 5", "target", TRANSFER, W3, True),
    ("worker.activity_name == null", "target", TRANSFER, W1, True),
    # -- skip_if: workers.* counts -----------------------------------------------------------------------
    ("workers.available == 0", "skip_if", None, None, True),  # a count not given is 0
    ("1 == 1", "skip_if", None, None, True),
    # -- malformed: syntax ---------------------------------------------------------------------------------
    ("transferQueueName == ", "filter", None, None, Error(21, "expected a value after '=='")),
    ("transferQueueName = 'Sales'", "filter", None, None, Error(19, "use '=='")),
    ("a === b", "filter", None, None, Error(5, "use '=='")),
    ("transferQueueName == 'Sales", "filter", None, None, Error(22, "unterminated string")),
    ("(a == 1", "filter", None, None, Error(8, "close the '('")),
    ("a == 1)", "filter", None, None, Error(7, "unbalanced ')'")),
    ("a == 1 b == 2", "filter", None, None, Error(8, "expected AND, OR or the end")),
    ("a AND b", "filter", None, None, Error(3, "expected an operator")),
    ("a == 1 AND", "filter", None, None, Error(11, "expected a comparison after 'AND'")),
    ("== 1", "filter", None, None, Error(1, "expected a comparison at the start")),
    ("", "filter", None, None, Error(1, "empty expression")),
    ("a IN [1 2]", "filter", None, None, Error(9, "expected ',' or ']'")),
    ("a IN [1, b]", "filter", None, None, Error(10, "expected a constant")),
    ("a IN ['x',", "filter", None, None, Error(11, "expected a constant")),
    ("a. == 1", "filter", None, None, Error(4, "expected an attribute name after '.'")),
    ("my-attr == 1", "filter", None, None, Error(3, "hyphens are not supported")),
    ("a[1.5] == 1", "filter", None, None, Error(3, "whole number")),
    ("a[0 == 1", "filter", None, None, Error(5, "expected ']' after the index")),
    ("a && b", "filter", None, None, Error(3, "use AND / OR")),
    ("a ! b", "filter", None, None, Error(3, "'!' alone")),
    ("a IN (1, 2)", "filter", None, None, Error(6, "expected a value after 'IN'")),
    ("a == 'x\\q'", "filter", None, None, Error(8, "unknown escape")),
    ("x == @", "filter", None, None, Error(6, "unexpected character")),
    ("and == 1", "filter", None, None, Error(1, "expected a comparison at the start")),  # keywords reserved
    # -- malformed: context rules ----------------------------------------------------------------------------
    ("sid NOT IN task.workerSidsInConversation", "target", None, None, Error(1, "bare name 'sid'")),
    ("worker.sid NOT IN workerSidsInConversation", "target", None, None, Error(19, "bare name")),
    ("task == 1", "target", None, None, Error(1, "needs an attribute name")),
    ("worker.skills HAS 'x'", "filter", None, None, Error(1, "not available in a filter")),
    ("task.priority > 1", "queue", None, None, Error(1, "not visible in a TaskQueue")),
    ("workers.available == 0", "filter", None, None, Error(1, "only available in skip_if")),
    ("workers.available == 0", "target", None, None, Error(1, "only available in skip_if")),
    ("a == 1 OR workers.available == 0", "queue", None, None, Error(11, "only available in skip_if")),
    ("task.priority > 1", "skip_if", None, None, Error(1, "not available in skip_if")),
    ("taskrouter.hour == 1", "filter", None, None, Error(1, "unknown time variable")),
    ("taskrouter.currentHour > 9", "queue", None, None, Error(1, "not available in target_workers")),
]


def _id(case) -> str:
    return f"{case[1]}:{case[0]}"


def test_table_is_big_enough() -> None:
    errors = [case for case in CASES if isinstance(case[4], Error)]
    assert len(CASES) >= 80
    assert len(errors) >= 15


@pytest.mark.parametrize("case", [c for c in CASES if not isinstance(c[4], Error)], ids=_id)
def test_evaluates(case) -> None:
    text, context, task, worker, expected = case
    if expected is None:  # time-dependent: check both days instead
        saturday = {"dayOfWeek": "Sat", "currentTime": 930, "currentHour": 9, "currentMin": 30}
        monday = {**saturday, "dayOfWeek": "Mon"}
        assert evaluate(text, context, task=task, taskrouter=saturday) is True
        assert evaluate(text, context, task=task, taskrouter=monday) is False
        return
    assert evaluate(text, context, task=task, worker=worker) is expected


@pytest.mark.parametrize("case", [c for c in CASES if isinstance(c[4], Error)], ids=_id)
def test_rejects_with_column(case) -> None:
    text, context, _task, _worker, expected = case
    with pytest.raises(ExpressionError) as caught:
        parse(text, context)
    error = caught.value
    assert error.column == expected.column, str(error)
    assert expected.fragment in error.message
    assert str(error).endswith(f"at column {expected.column}")
    assert "\n" not in str(error)
