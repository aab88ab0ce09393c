"""The expression API the validator, simulator and sandbox build on: compile once, stage, helpers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import flex_chat_transfer.workflow.expressions.syntax as syntax
from flex_chat_transfer.workflow.expressions import (
    ExpressionError,
    compile_expression,
    parse,
    parse_order_by,
    parse_task_reference,
    time_variables,
)


def test_compiled_expression_never_reparses(monkeypatch) -> None:
    compiled = compile_expression("transferQueueName == 'Sales' AND priority > 1", "filter")

    def boom(*_args, **_kwargs):
        raise AssertionError("parsed again")

    monkeypatch.setattr(syntax, "parse_tree", boom)
    monkeypatch.setattr(syntax, "_parser", boom)
    assert compiled({"task": {"transferQueueName": "Sales", "priority": 2}}) is True
    assert compiled({"task": {"transferQueueName": "Sales", "priority": 1}}) is False


def test_parse_is_cached_per_text_and_context() -> None:
    assert parse("a == 1", "filter") is parse("a == 1", "filter")
    assert parse("a == 1", "queue") is not parse("a == 1", "filter")


def test_prepare_binds_the_task_once_and_tests_workers() -> None:
    expression = parse("worker.sid NOT IN task.inChat AND task.kind == 'chat'", "target")
    assert expression.uses_worker
    predicate = expression.prepare({"task": {"inChat": ["WK1"], "kind": "chat"}})
    assert [predicate({"sid": sid}) for sid in ("WK1", "WK2")] == [False, True]
    # The task side alone decides: every worker gets the same answer.
    nobody = expression.prepare({"task": {"inChat": [], "kind": "voice"}})
    assert nobody({"sid": "WK2"}) is False


def test_worker_fields_win_over_attributes() -> None:
    expression = parse("worker.sid == 'WK9'", "target")
    bindings = {"task": {}, "worker": {"sid": "not-me"}, "worker_fields": {"sid": "WK9"}}
    assert expression.test(bindings) is True


def test_references_are_reported_as_written() -> None:
    expression = parse("worker.sid NOT IN task.workerSidsInConversation OR task.a[2].b == 1", "target")
    assert expression.references == ("worker.sid", "task.workerSidsInConversation", "task.a[2].b")


def test_unknown_context_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown expression context 'workflow'"):
        parse("1 == 1", "workflow")


def test_error_caret_points_at_the_column() -> None:
    with pytest.raises(ExpressionError) as caught:
        parse("skills HAS 'sales' AND level >=", "queue")
    expression_line, caret_line = caught.value.caret().splitlines()
    assert expression_line == "skills HAS 'sales' AND level >="
    assert caret_line.index("^") == caught.value.column - 1 == len(expression_line)


def test_time_variables() -> None:
    variables = time_variables(datetime(2026, 11, 28, 7, 5, tzinfo=UTC))
    assert variables == {"currentTime": 705, "currentHour": 7, "currentMin": 5, "dayOfWeek": "Sat"}


def test_task_reference() -> None:
    read = parse_task_reference("task.transferTargetSid")
    assert read({"transferTargetSid": "WK1"}) == "WK1"
    assert read({}) is None
    assert parse_task_reference("task.a.b")({"a": {"b": 2}}) == 2
    for bad in ("transferTargetSid", "WK0123", "task.", "worker.sid"):
        with pytest.raises(ExpressionError, match="task attribute reference"):
            parse_task_reference(bad)


def test_order_by() -> None:
    assert parse_order_by("worker.english_level ASC, worker.support desc, worker.x") == (
        (("english_level",), False),
        (("support",), True),
        (("x",), False),
    )
    with pytest.raises(ExpressionError) as caught:
        parse_order_by("worker.a ASC, level DESC")
    assert caught.value.column == 15
