"""The validator's rule table (workflow/rules.py), cfn-lint style: every rule has its metadata, and a table
of (case, document change, rule that must fire, where) shows each one firing on a bad document and
staying quiet on the good one. The schema's numbers are Twilio's, from workflow/twilio_limits.py."""

from __future__ import annotations

import copy
import re

import pytest

from flex_chat_transfer.workflow import twilio_limits
from flex_chat_transfer.workflow.render import render
from flex_chat_transfer.workflow.rules import RULES
from flex_chat_transfer.workflow.spec import ChatTransferSpec, TransferQueue
from flex_chat_transfer.workflow.validate import load_schema, validate_configuration

EVERYONE, SALES = "WQ" + "1" * 32, "WQ" + "2" * 32
SIDS = {"Everyone": EVERYONE, "Sales": SALES}
GOOD = render(ChatTransferSpec(transfer_queues=(TransferQueue("Sales", timeout=30),)), SIDS)


def _target(document: dict, index: int = 0) -> dict:
    return document["task_routing"]["filters"][1]["targets"][index]


def changed(change) -> dict:
    document = copy.deepcopy(GOOD)
    change(document)
    return document


F1 = "$.task_routing.filters[1]"
CASES = [
    ("schema: unknown key", lambda d: d["task_routing"].update(bogus=1), "CT100", "$.task_routing.bogus"),
    (
        "schema: timeout past the TTL",
        lambda d: _target(d).update(timeout=99_999_999_999),
        "CT100",
        f"{F1}.targets[0].timeout",
    ),
    (
        "size",
        lambda d: d["task_routing"]["filters"][1].update(filter_friendly_name="x" * 1_100_000),
        "CT101",
        "$",
    ),
    (
        "duplicate filter names",
        lambda d: d["task_routing"]["filters"][1].update(filter_friendly_name="Assign to Worker"),
        "CT102",
        f"{F1}.filter_friendly_name",
    ),
    (
        "expression does not parse",
        lambda d: d["task_routing"]["filters"][1].update(expression="a =="),
        "CT201",
        f"{F1}.expression",
    ),
    (
        "HAS with a number on the left",
        lambda d: _target(d).update(expression="1 HAS worker.skills"),
        "CT201",
        f"{F1}.targets[0].expression",
    ),
    (
        "number past a double",
        lambda d: d["task_routing"]["filters"][1].update(expression="a == 1e999999"),
        "CT201",
        f"{F1}.expression",
    ),
    (
        "priority string past int32",
        lambda d: _target(d).update(priority="2147483648"),
        "CT301",
        f"{F1}.targets[0].priority",
    ),
    (
        "timeout string past the TTL",
        lambda d: _target(d).update(timeout="1209601"),
        "CT302",
        f"{F1}.targets[0].timeout",
    ),
    (
        "target after the longest TTL",
        lambda d: (
            _target(d).update(timeout=1_209_600),
            d["task_routing"]["filters"][1]["targets"].append({}),
        ),
        "CT303",
        f"{F1}.targets[1]",
    ),
]


def test_every_rule_has_its_metadata_and_a_unique_id():
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    for rule in RULES:
        assert re.fullmatch(r"CT[1-4]\d\d", rule.id)
        assert rule.rule and rule.fix and "\n" not in rule.rule + rule.fix
        assert rule.doc.startswith("https://www.twilio.com/docs/")


def test_every_rule_is_exercised():
    assert {case[2] for case in CASES} | {"CT401"} == {rule.id for rule in RULES}


def test_the_good_document_breaks_no_rule():
    assert validate_configuration(GOOD, SIDS) == []


@pytest.mark.parametrize(("name", "change", "rule", "where"), CASES, ids=[case[0] for case in CASES])
def test_rule_fires_on_a_bad_document(name, change, rule, where):
    problems = validate_configuration(changed(change))
    assert (rule, where) in [(p.rule, p.path) for p in problems], [str(p) for p in problems]


def test_unknown_queue_rule_needs_the_account_queues():
    assert validate_configuration(GOOD) == []
    (problem,) = validate_configuration(GOOD, {"Everyone": EVERYONE})
    assert (problem.rule, problem.path) == ("CT401", f"{F1}.targets[0].queue")


def test_schema_numbers_are_twilios():
    target = load_schema()["$defs"]["target"]["properties"]
    priority, timeout = target["priority"]["anyOf"][0], target["timeout"]["anyOf"][0]
    assert (priority["minimum"], priority["maximum"]) == (0, twilio_limits.MAX_PRIORITY)
    assert (timeout["minimum"], timeout["maximum"]) == (1, twilio_limits.MAX_TARGET_TIMEOUT)
    assert twilio_limits.MAX_TARGET_TIMEOUT == twilio_limits.MAX_TASK_TTL == 1_209_600


def test_sid_kinds():
    assert twilio_limits.sid_kind("WQ" + "a" * 32) == "TaskQueue"
    assert twilio_limits.sid_kind("WK" + "a" * 32) == "worker"
    assert twilio_limits.sid_kind("WK" + "a" * 31) is None
    assert twilio_limits.sid_kind("XX" + "a" * 32) is None
