"""The TaskRouter workflow JSON Schema on its own: Twilio docs shapes pass; each rule has a document that
breaks exactly that rule and fails for that reason (checked on the raw jsonschema errors)."""

import copy
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from flex_chat_transfer.workflow.spec import ORDER_BY_PATTERN
from flex_chat_transfer.workflow.validate import load_schema

GOOD = Path(__file__).resolve().parents[1] / "fixtures" / "workflows" / "good"
WQ1 = "WQ0123456789abcdef0123456789abcdef"
WQ2 = "WQ0123456789abcdef0123456789abcde0"

BASE = {
    "task_routing": {
        "filters": [
            {
                "filter_friendly_name": "Sales",
                "expression": "type == 'sales'",
                "targets": [
                    {"queue": WQ1, "expression": "worker.level > 1", "priority": 5, "timeout": 30},
                    {"queue": WQ2, "known_worker_sid": "task.agent_sid", "skip_if": "workers.available == 0"},
                ],
            }
        ],
        "default_filter": {"queue": WQ1},
    }
}


def errors(document):
    return list(Draft202012Validator(load_schema()).iter_errors(document))


def test_schema_is_valid_draft_2020_12():
    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_base_document_is_valid():
    assert errors(BASE) == []


@pytest.mark.parametrize("path", sorted(GOOD.glob("*.json")), ids=lambda p: p.name)
def test_docs_shapes_pass(path):
    assert errors(json.loads(path.read_text())) == []


def test_numeric_strings_and_integers_both_accepted():
    document = copy.deepcopy(BASE)
    target = document["task_routing"]["filters"][0]["targets"][0]
    target.update(priority="10", timeout="45")
    assert errors(document) == []


def test_order_by_pattern_is_the_loaders():
    assert load_schema()["$defs"]["target"]["properties"]["order_by"]["pattern"] == ORDER_BY_PATTERN


def _target(document, index=0):
    return document["task_routing"]["filters"][0]["targets"][index]


# (id, how to break BASE, JSON path of the error, the validator keyword that must fire)
RULES = [
    ("no task_routing", lambda d: d.pop("task_routing"), [], "required"),
    ("top-level extra key", lambda d: d.update(workflow="x"), [], "additionalProperties"),
    ("task_routing not object", lambda d: d.update(task_routing=[]), ["task_routing"], "type"),
    ("task_routing empty", lambda d: d.update(task_routing={}), ["task_routing"], "minProperties"),
    (
        "task_routing extra key",
        lambda d: d["task_routing"].update(default=1),
        ["task_routing"],
        "additionalProperties",
    ),
    (
        "filters not array",
        lambda d: d["task_routing"].update(filters={}),
        ["task_routing", "filters"],
        "type",
    ),
    (
        "filter missing expression",
        lambda d: d["task_routing"]["filters"][0].pop("expression"),
        ["task_routing", "filters", 0],
        "required",
    ),
    (
        "filter missing targets",
        lambda d: d["task_routing"]["filters"][0].pop("targets"),
        ["task_routing", "filters", 0],
        "required",
    ),
    (
        "filter wrong key friendlyName",
        lambda d: d["task_routing"]["filters"][0].update(friendlyName="x"),
        ["task_routing", "filters", 0],
        "additionalProperties",
    ),
    (
        "filter name not string",
        lambda d: d["task_routing"]["filters"][0].update(filter_friendly_name=3),
        ["task_routing", "filters", 0, "filter_friendly_name"],
        "type",
    ),
    (
        "filter expression blank",
        lambda d: d["task_routing"]["filters"][0].update(expression="  "),
        ["task_routing", "filters", 0, "expression"],
        "pattern",
    ),
    (
        "targets empty",
        lambda d: d["task_routing"]["filters"][0].update(targets=[]),
        ["task_routing", "filters", 0, "targets"],
        "minItems",
    ),
    (
        "first target without queue",
        lambda d: _target(d).pop("queue"),
        ["task_routing", "filters", 0, "targets", 0],
        "required",
    ),
    (
        "queue not a WQ SID",
        lambda d: _target(d).update(queue="WW0123456789abcdef0123456789abcdef"),
        ["task_routing", "filters", 0, "targets", 0, "queue"],
        "pattern",
    ),
    (
        "queue SID too short",
        lambda d: _target(d).update(queue="WQ0123"),
        ["task_routing", "filters", 0, "targets", 0, "queue"],
        "pattern",
    ),
    (
        "queue not a string",
        lambda d: _target(d).update(queue=5),
        ["task_routing", "filters", 0, "targets", 0, "queue"],
        "type",
    ),
    (
        "target unknown key",
        lambda d: _target(d).update(queue_sid=WQ1),
        ["task_routing", "filters", 0, "targets", 0],
        "additionalProperties",
    ),
    (
        "timeout zero",
        lambda d: _target(d).update(timeout=0),
        ["task_routing", "filters", 0, "targets", 0, "timeout"],
        "anyOf",
    ),
    (
        "timeout float",
        lambda d: _target(d).update(timeout=1.5),
        ["task_routing", "filters", 0, "targets", 0, "timeout"],
        "anyOf",
    ),
    (
        "timeout non-numeric string",
        lambda d: _target(d).update(timeout="30s"),
        ["task_routing", "filters", 0, "targets", 0, "timeout"],
        "anyOf",
    ),
    (
        "priority negative",
        lambda d: _target(d).update(priority=-1),
        ["task_routing", "filters", 0, "targets", 0, "priority"],
        "anyOf",
    ),
    (
        "priority above int32",
        lambda d: _target(d).update(priority=2_147_483_648),
        ["task_routing", "filters", 0, "targets", 0, "priority"],
        "anyOf",
    ),
    (
        "order_by not worker clauses",
        lambda d: _target(d).update(order_by="level DESC"),
        ["task_routing", "filters", 0, "targets", 0, "order_by"],
        "pattern",
    ),
    (
        "skip_if empty",
        lambda d: _target(d, 1).update(skip_if=""),
        ["task_routing", "filters", 0, "targets", 1, "skip_if"],
        "pattern",
    ),
    (
        "known_worker_sid literal SID",
        lambda d: _target(d, 1).update(known_worker_sid="WK" + "0" * 32),
        ["task_routing", "filters", 0, "targets", 1, "known_worker_sid"],
        "pattern",
    ),
    (
        "known worker both keys",
        lambda d: _target(d, 1).update(known_worker_friendly_name="task.agent_name"),
        ["task_routing", "filters", 0, "targets", 1],
        "not",
    ),
    (
        "default_filter timeout",
        lambda d: d["task_routing"]["default_filter"].update(timeout=10),
        ["task_routing", "default_filter"],
        "additionalProperties",
    ),
    (
        "default_filter without queue",
        lambda d: d["task_routing"]["default_filter"].pop("queue"),
        ["task_routing", "default_filter"],
        "required",
    ),
    (
        "default_filter bad queue",
        lambda d: d["task_routing"]["default_filter"].update(queue="Everyone"),
        ["task_routing", "default_filter", "queue"],
        "pattern",
    ),
    (
        "default_filter both known worker keys",
        lambda d: d["task_routing"]["default_filter"].update(
            known_worker_sid="task.a", known_worker_friendly_name="task.b"
        ),
        ["task_routing", "default_filter"],
        "not",
    ),
]


@pytest.mark.parametrize(("break_it", "path", "keyword"), [r[1:] for r in RULES], ids=[r[0] for r in RULES])
def test_each_rule_fails_for_its_reason(break_it, path, keyword):
    document = copy.deepcopy(BASE)
    break_it(document)
    found = errors(document)
    assert [(list(e.absolute_path), e.validator) for e in found] == [(path, keyword)]


def test_later_targets_inherit_queue():
    document = copy.deepcopy(BASE)
    _target(document, 1).pop("queue")
    assert errors(document) == []
