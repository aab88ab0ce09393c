"""The sandbox's own TaskRouter expression language (sandbox/taskrouter/expressions.py) and configuration
reader (configuration.py), each rule from Twilio's expression-syntax and workflow-configuration pages."""

from __future__ import annotations

import json

import pytest

from flex_chat_transfer.sandbox.taskrouter.configuration import ConfigurationProblem, read_configuration
from flex_chat_transfer.sandbox.taskrouter.expressions import ExpressionError, compile_expression, scope_for

QUEUE = "WQ" + "1" * 32


def holds(text: str, context: str = "filter", **scope) -> bool:
    return compile_expression(text, context)(scope_for(context, **scope))


@pytest.mark.parametrize(
    "text,task,expected",
    [
        ("type == 'sales'", {"type": "sales"}, True),
        ('type == "sales"', {"type": "sales"}, True),  # either quote
        ("type != 'sales'", {"type": "billing"}, True),
        ("level >= 3", {"level": 3}, True),
        ("level > 3", {"level": 3}, False),
        ("level < 2.5", {"level": 2}, True),
        ("level == '3'", {"level": 3}, False),  # a number is not a string
        ("vip == true", {"vip": True}, True),
        ("vip == 1", {"vip": True}, False),  # a boolean is not a number
        ("customer == null", {}, True),  # missing is null
        ("customer != null", {"customer": "x"}, True),
        ("address.city == 'Paris'", {"address": {"city": "Paris"}}, True),
        ("items[1] == 'b'", {"items": ["a", "b"]}, True),
        ("items[5] == null", {"items": ["a"]}, True),
        ("langs HAS 'fr'", {"langs": ["en", "fr"]}, True),
        ("langs HAS 'de'", {"langs": ["en", "fr"]}, False),
        ("type IN ['a', 'b']", {"type": "b"}, True),
        ("type NOT IN ['a', 'b']", {"type": "c"}, True),
        ("type not in ['a', 'b']", {"type": "a"}, False),  # keywords in any case
        ("email CONTAINS 'example'", {"email": "ann@example.com"}, True),
        ("langs == 'en'", {"langs": ["en"]}, False),  # a scalar operator on an array
        ("langs HAS 'en'", {"langs": "en"}, False),  # an array operator without an array
        ("sid NOT IN ignored", {"sid": "WK1"}, False),  # NOT IN a missing array is false, not true
        ("a == 1 AND b == 2 OR c == 3", {"c": 3}, True),
        ("a == 1 AND (b == 2 OR c == 3)", {"c": 3}, False),
        ("1==1", {}, True),
    ],
)
def test_filter_expressions(text, task, expected):
    assert holds(text, task=task) is expected


def test_target_expressions_read_task_and_worker_fields():
    worker = {"sid": "WK1", "friendly_name": "alice", "skills": ["sales"]}
    task = {"ignore": ["WK2"], "skill": "sales"}
    assert holds("worker.sid NOT IN task.ignore", "target", task=task, worker=worker)
    assert holds("worker.skills HAS task.skill", "target", task=task, worker=worker)
    assert not holds("worker.friendly_name == 'bob'", "target", task=task, worker=worker)


def test_queue_and_skip_if_scopes():
    assert holds("skills HAS 'sales'", "queue", worker={"skills": ["sales"]})
    assert holds(
        "workers.available == 0 AND workers.unavailable > 1",
        "skip_if",
        workers={"available": 0, "unavailable": 2},
    )


@pytest.mark.parametrize(
    "text,context,column,words",
    [
        ("a ==", "filter", 5, "expected a value"),
        ("a = 1", "filter", 3, "compare with =="),
        ("customer-type == 'x'", "filter", 9, "hyphens"),
        ("a == 1 b", "filter", 8, "unexpected"),
        ("1 HAS skills", "filter", 3, "HAS needs an array"),
        ("type IN 'sales'", "filter", 6, "needs an array"),
        ("a NOT 'x'", "filter", 3, "NOT IN"),
        ("a == 1e999", "filter", 6, "out of range"),
        ("skills HAS 'x'", "target", 1, "prefixed by task. or worker."),
        ("task.x == 1", "skip_if", 1, "workers"),
        ("(" * 60 + "a == 1" + ")" * 60, "filter", 51, "nested deeper"),
        ("", "filter", 1, "empty"),
    ],
)
def test_expressions_that_do_not_parse_name_the_column(text, context, column, words):
    with pytest.raises(ExpressionError) as refused:
        compile_expression(text, context)
    assert refused.value.column == column, str(refused.value)
    assert words in str(refused.value) and f"column {column}" in str(refused.value)


def document(*targets: dict, **routing) -> str:
    return json.dumps(
        {"task_routing": {"filters": [{"expression": "1==1", "targets": list(targets)}], **routing}}
    )


def test_targets_inherit_the_queue_and_timeouts_add_up():
    configuration = read_configuration(
        document({"queue": QUEUE, "timeout": 10}, {"timeout": "20"}, {"priority": "5"}, {"timeout": 5}),
        {QUEUE},
    )
    targets = configuration.filters[0].targets
    assert [t.queue_sid for t in targets] == [QUEUE] * 4
    # The third step has no timeout: it holds the task until its TTL, so nothing after it is timed.
    assert [t.leaves_at for t in targets] == [10, 30, None, None]
    assert targets[2].priority == 5


@pytest.mark.parametrize(
    "text,path",
    [
        ("{", "$"),
        ("[]", "$"),
        ("{}", "$.task_routing"),
        ('{"task_routing": {"filters": {}}}', "$.task_routing.filters"),
        ('{"task_routing": {"filters": [], "filters": []}}', "$"),
        (document({"timeout": 10}), "$.task_routing.filters[0].targets[0].queue"),
        (document({"queue": "Sales"}), "$.task_routing.filters[0].targets[0].queue"),
        (document({"queue": "WQ" + "2" * 32}), "$.task_routing.filters[0].targets[0].queue"),
        (document({"queue": QUEUE, "timeout": 0}), "$.task_routing.filters[0].targets[0].timeout"),
        (document({"queue": QUEUE, "priority": -1}), "$.task_routing.filters[0].targets[0].priority"),
        (document({"queue": QUEUE, "bogus": 1}), "$.task_routing.filters[0].targets[0].bogus"),
        (
            document({"queue": QUEUE, "order_by": "level DESC"}),
            "$.task_routing.filters[0].targets[0].order_by",
        ),
        (
            document({"queue": QUEUE, "known_worker_sid": "transferTargetSid"}),
            "$.task_routing.filters[0].targets[0].known_worker_sid",
        ),
        (
            document({"queue": QUEUE}, default_filter={"queue": QUEUE, "timeout": 5}),
            "$.task_routing.default_filter.timeout",
        ),
        (
            '{"task_routing": {"filters": [{"expression": "1==1", "targets": []}]}}',
            "$.task_routing.filters[0].targets",
        ),
    ],
)
def test_configurations_twilio_refuses_name_the_json_path(text, path):
    with pytest.raises(ConfigurationProblem) as refused:
        read_configuration(text, {QUEUE})
    assert refused.value.path == path, str(refused.value)
    assert "(fix: " in str(refused.value)
