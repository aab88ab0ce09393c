"""validate_configuration: schema problems as one precise line each, and the checks a schema cannot make."""

import copy
import json
from pathlib import Path

import pytest

from flex_chat_transfer.workflow.problems import Problem
from flex_chat_transfer.workflow.render import placeholder_sid, to_json
from flex_chat_transfer.workflow.validate import MAX_CONFIGURATION_BYTES, validate_configuration

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "workflows"
WQ1 = "WQ0123456789abcdef0123456789abcdef"
WQ2 = "WQ0123456789abcdef0123456789abcde0"
BASE = {
    "task_routing": {
        "filters": [
            {
                "filter_friendly_name": "A",
                "expression": "type == 'a'",
                "targets": [{"queue": WQ1, "timeout": 30}, {"queue": WQ2}],
            },
            {"filter_friendly_name": "B", "expression": "type == 'b'", "targets": [{"queue": WQ2}]},
        ]
    }
}


def test_seed_example_validates():
    """The seed's example workflow (flex-project-template example-taskrouter-workflow.json) is not in
    shared/seed; good/seed-example.json reconstructs its documented shape (twilio-api.md §2.6, anchors A2:
    a worker filter plus one filter per transfer queue) with example SIDs."""
    text = (FIXTURES / "good" / "seed-example.json").read_text()
    assert validate_configuration(text) == []
    assert validate_configuration(json.loads(text)) == []


def test_problem_is_one_line_with_path_what_and_fix():
    problem = Problem("$.a", "is wrong", "make it right")
    assert str(problem) == "$.a: is wrong (fix: make it right)"


def lines(document, queue_sids=None):
    return [str(p) for p in validate_configuration(document, queue_sids)]


def test_valid_document_has_no_problems():
    assert validate_configuration(BASE) == []


# (id, how to break BASE, the exact line expected among the problems)
CASES = [
    (
        "missing queue on first target",
        lambda d: d["task_routing"]["filters"][1]["targets"][0].pop("queue"),
        "$.task_routing.filters[1].targets[0].queue: required key 'queue' is missing "
        "(fix: give the first target a queue (WQ SID); later targets inherit it)",
    ),
    (
        "typo in target key",
        lambda d: d["task_routing"]["filters"][0]["targets"][0].update(timout=3),
        "$.task_routing.filters[0].targets[0].timout: unknown key 'timout' (fix: did you mean 'timeout'?)",
    ),
    (
        "camelCase filter key",
        lambda d: d["task_routing"]["filters"][0].update(friendlyName="x"),
        "$.task_routing.filters[0].friendlyName: unknown key 'friendlyName' "
        "(fix: did you mean 'filter_friendly_name'?)",
    ),
    (
        "negative timeout",
        lambda d: d["task_routing"]["filters"][0]["targets"][0].update(timeout=-5),
        "$.task_routing.filters[0].targets[0].timeout: must be a whole number of seconds 1..1209600, the "
        "longest task TTL (number or numeric string), got -5 "
        "(fix: write the seconds to wait in this step, e.g. 30)",
    ),
    (
        "bad queue SID",
        lambda d: d["task_routing"]["filters"][0]["targets"][0].update(queue="WQ123"),
        "$.task_routing.filters[0].targets[0].queue: must be a TaskQueue SID (WQ followed by 32 hex digits), "
        'got "WQ123" (fix: use the queue\'s WQ SID (render with --queue-sids to replace placeholders))',
    ),
    (
        "placeholder SID",
        lambda d: d["task_routing"]["filters"][1]["targets"][0].update(queue=placeholder_sid("Sales")),
        "$.task_routing.filters[1].targets[0].queue: is a placeholder for queue 'Sales', not a TaskQueue SID "
        "(fix: render with --queue-sids FILE.json mapping queue names to WQ SIDs)",
    ),
    (
        "both known worker keys",
        lambda d: d["task_routing"]["filters"][0]["targets"][0].update(
            known_worker_sid="task.a", known_worker_friendly_name="task.b"
        ),
        "$.task_routing.filters[0].targets[0]: has both known_worker_sid and known_worker_friendly_name, "
        "which are mutually exclusive (fix: keep only one of known_worker_sid / known_worker_friendly_name)",
    ),
    (
        "default_filter timeout",
        lambda d: d["task_routing"].update(default_filter={"queue": WQ1, "timeout": 5}),
        "$.task_routing.default_filter.timeout: default_filter cannot have a timeout (the task waits there "
        "until its TTL) (fix: remove timeout)",
    ),
    (
        "duplicate filter names",
        lambda d: d["task_routing"]["filters"][1].update(filter_friendly_name="A"),
        "$.task_routing.filters[1].filter_friendly_name: duplicate filter name 'A' (also filters[0]) "
        "(fix: give every filter a distinct filter_friendly_name)",
    ),
    (
        "priority string over int32",
        lambda d: d["task_routing"]["filters"][0]["targets"][0].update(priority="4294967296"),
        "$.task_routing.filters[0].targets[0].priority: priority 4294967296 is over 2147483647 "
        "(fix: use a priority between 0 and 2147483647)",
    ),
    (
        "targets not a list",
        lambda d: d["task_routing"]["filters"][0].update(targets={"queue": WQ1}),
        "$.task_routing.filters[0].targets: must be a list, got an object (fix: write a list)",
    ),
    (
        "no task_routing",
        lambda d: d.pop("task_routing"),
        "$.task_routing: required key 'task_routing' is missing (fix: add the key)",
    ),
]


@pytest.mark.parametrize(("break_it", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_precise_problem_lines(break_it, expected):
    document = copy.deepcopy(BASE)
    break_it(document)
    found = lines(document)
    assert expected in found
    assert len(found) == 1, found


def test_bad_filter_expression_reported_with_path_and_column():
    document = copy.deepcopy(BASE)
    document["task_routing"]["filters"][1]["expression"] = "type == "
    (problem,) = validate_configuration(document)
    assert problem.path == "$.task_routing.filters[1].expression"
    assert "filter expression does not parse at column" in problem.message
    assert "column 8" in problem.message or "column 9" in problem.message


def test_bad_target_expression_and_skip_if_use_their_contexts():
    document = copy.deepcopy(BASE)
    target = document["task_routing"]["filters"][0]["targets"][0]
    target["expression"] = "level > 1"  # target expressions must prefix task. / worker.
    target["skip_if"] = "workers.available == 0 AND"
    paths = {p.path: p.message for p in validate_configuration(document)}
    assert set(paths) == {
        "$.task_routing.filters[0].targets[0].expression",
        "$.task_routing.filters[0].targets[0].skip_if",
    }
    assert paths["$.task_routing.filters[0].targets[0].expression"].startswith("target expression")
    assert paths["$.task_routing.filters[0].targets[0].skip_if"].startswith("skip_if expression")
    assert all("at column" in message for message in paths.values())


def test_default_filter_expression_is_checked_as_target():
    document = copy.deepcopy(BASE)
    document["task_routing"]["default_filter"] = {"queue": WQ1, "expression": "worker.sid NOT IN"}
    (problem,) = validate_configuration(document)
    assert problem.path == "$.task_routing.default_filter.expression"


def _with_name_length(length):
    document = copy.deepcopy(BASE)
    document["task_routing"]["filters"][0]["filter_friendly_name"] = "x" * length
    return document


def test_size_limit_is_exact_in_bytes_of_the_sent_text():
    base = len(to_json(_with_name_length(0)).encode())
    at_limit = _with_name_length(MAX_CONFIGURATION_BYTES - base)
    assert len(to_json(at_limit).encode()) == MAX_CONFIGURATION_BYTES
    assert validate_configuration(at_limit) == []
    (problem,) = validate_configuration(_with_name_length(MAX_CONFIGURATION_BYTES - base + 1))
    assert problem.path == "$"
    assert problem.message == (
        f"configuration is {MAX_CONFIGURATION_BYTES + 1} bytes, "
        f"over TaskRouter's limit of {MAX_CONFIGURATION_BYTES}"
    )


def test_size_of_text_input_counts_its_own_whitespace():
    text = to_json(_with_name_length(0))
    padded = text + " " * (MAX_CONFIGURATION_BYTES - len(text.encode()) + 1)
    assert [p.path for p in validate_configuration(padded)] == ["$"]
    assert validate_configuration(padded[:-1]) == []


def test_queue_sid_map_must_know_every_queue():
    problems = validate_configuration(BASE, {"A": WQ1})
    assert [str(p) for p in problems] == [
        f"$.task_routing.filters[0].targets[1].queue: queue {WQ2} is not in the queue SID map "
        "(fix: use the SID of an existing TaskQueue, or add it to the map)",
        f"$.task_routing.filters[1].targets[0].queue: queue {WQ2} is not in the queue SID map "
        "(fix: use the SID of an existing TaskQueue, or add it to the map)",
    ]
    assert validate_configuration(BASE, {"A": WQ1, "B": WQ2}) == []


def test_text_that_is_not_json():
    (problem,) = validate_configuration('{"task_routing": ')
    assert (
        problem.path == "$" and problem.message.startswith("not valid JSON:") and "line 1" in problem.message
    )


def test_problems_come_in_document_order():
    document = copy.deepcopy(BASE)
    for flt in document["task_routing"]["filters"]:
        flt["targets"][0]["timeout"] = 0
    paths = [p.path for p in validate_configuration(document)]
    assert paths == sorted(paths)


def test_expression_checks_are_active_not_silently_skipped():
    """No import guard hides a broken expressions package: the rule that parses expressions fires."""
    problems = validate_configuration(
        {"task_routing": {"filters": [{"expression": "a ==", "targets": [{"queue": "WQ" + "1" * 32}]}]}}
    )
    assert [p.rule for p in problems] == ["CT201"]
