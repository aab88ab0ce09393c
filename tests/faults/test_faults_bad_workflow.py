"""Bad workflow JSON (schema and semantic): `validate_configuration`, the `chat-transfer validate` CLI and the
sandbox's Workflow API each answer with one line per problem naming the JSON path, and nothing is written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fault_tally import writes

from flex_chat_transfer.workflow.loader import spec_from_config
from flex_chat_transfer.workflow.render import render
from flex_chat_transfer.workflow.validate import validate_configuration

REPO = Path(__file__).resolve().parents[2]
EVERYONE, SALES = "WQ" + "1" * 32, "WQ" + "2" * 32
SIDS = {"Everyone": EVERYONE, "Sales": SALES}
F1 = "$.task_routing.filters[1]"


def good() -> dict:
    return render(spec_from_config({"transferQueues": ["Sales"]}, "faults"), SIDS)


def edit(change):
    def make() -> dict:
        document = good()
        change(document)
        return document

    return make


def _filter(document, index=1):
    return document["task_routing"]["filters"][index]


def _target(document):
    return _filter(document)["targets"][0]


# (case id, make the bad document (a dict or raw text), where the problem must point)
CASES = [
    ("not JSON", lambda: '{"task_routing": ', "$"),
    ("top level not an object", lambda: "[]", "$"),
    ("task_routing missing", dict, "$.task_routing"),
    ("filters not an array", edit(lambda d: d["task_routing"].update(filters="x")), "$.task_routing.filters"),
    ("filter without targets", edit(lambda d: _filter(d).pop("targets")), f"{F1}.targets"),
    ("unknown filter key", edit(lambda d: _filter(d).update(bogus=1)), f"{F1}.bogus"),
    ("queue name instead of SID", edit(lambda d: _target(d).update(queue="Sales")), f"{F1}.targets[0].queue"),
    ("first target without queue", edit(lambda d: _target(d).pop("queue")), f"{F1}.targets[0].queue"),
    (
        "filter expression does not parse",
        edit(lambda d: _filter(d).update(expression="transferQueueName == ")),
        f"{F1}.expression",
    ),
    (
        "target expression does not parse",
        edit(lambda d: _target(d).update(expression="worker.sid NOT IN")),
        f"{F1}.targets[0].expression",
    ),
    (
        "duplicate filter names",
        edit(lambda d: _filter(d).update(filter_friendly_name="Assign to Worker")),
        f"{F1}.filter_friendly_name",
    ),
    ("negative priority", edit(lambda d: _target(d).update(priority=-1)), f"{F1}.targets[0].priority"),
    ("timeout not a number", edit(lambda d: _target(d).update(timeout="soon")), f"{F1}.targets[0].timeout"),
    (
        "default filter queue not a SID",
        edit(lambda d: d["task_routing"].update(default_filter={"queue": "nope"})),
        "$.task_routing.default_filter.queue",
    ),
    # hostile input (issue 15): bounds, duplicates, Twilio's numeric ranges, typed operators
    ("nested 5000 levels deep", lambda: '{"task_routing": ' + "[" * 5000 + "]" * 5000 + "}", "$"),
    ("duplicate key", lambda: '{"task_routing": {"filters": [], "filters": []}}', "$.task_routing.filters"),
    (
        "number past a double",
        lambda: _text(good()).replace('"targets": [{', '"targets": [{"priority": 1e999, ', 1),
        "$",
    ),
    (
        "timeout past the task TTL",
        edit(lambda d: _target(d).update(timeout=99_999_999_999)),
        f"{F1}.targets[0].timeout",
    ),
    (
        "timeout string past the task TTL",
        edit(lambda d: _target(d).update(timeout="99999999999")),
        f"{F1}.targets[0].timeout",
    ),
    (
        "priority string past int32",
        edit(lambda d: _target(d).update(priority="2147483648")),
        f"{F1}.targets[0].priority",
    ),
    (
        "HAS with a number on the left",
        edit(lambda d: _target(d).update(expression="1 HAS worker.skills")),
        f"{F1}.targets[0].expression",
    ),
    (
        "IN with a string on the right",
        edit(lambda d: _filter(d).update(expression="transferQueueName IN 'Sales'")),
        f"{F1}.expression",
    ),
    (
        "parentheses 5000 deep",
        edit(lambda d: _filter(d).update(expression="(" * 5000 + "a == 1" + ")" * 5000)),
        f"{F1}.expression",
    ),
    (
        "number literal past a double",
        edit(lambda d: _filter(d).update(expression="a == 1e999999")),
        f"{F1}.expression",
    ),
    (
        "oversize configuration",
        edit(lambda d: _filter(d).update(filter_friendly_name="x" * 1_100_000)),
        "$",
    ),
]


def _text(document) -> str:
    return document if isinstance(document, str) else json.dumps(document)


@pytest.mark.parametrize("name,make,where", CASES, ids=[c[0] for c in CASES])
def test_bad_workflow_json_gets_one_clear_line_per_problem(tally, name, make, where):
    problems = validate_configuration(make())
    assert problems, f"{name}: accepted"
    assert any(str(p).startswith(where) for p in problems), [str(p) for p in problems]
    for problem in problems:
        tally.bad_input(f"workflow: {name}", str(problem), problem.path)


def test_unknown_queue_sid_is_named_when_the_account_queues_are_known(tally):
    problems = validate_configuration(good(), {"Everyone": EVERYONE})
    assert [p.path for p in problems] == [f"{F1}.targets[0].queue"]
    tally.bad_input("workflow: queue SID not in the account", str(problems[0]), SALES)


@pytest.mark.parametrize("name,make,where", CASES[:-1], ids=[c[0] for c in CASES[:-1]])
def test_sandbox_refuses_a_bad_workflow_and_writes_nothing(fault_sandbox, name, make, where):
    workspace = _workspace(fault_sandbox)
    mark = fault_sandbox.last_request_id()
    with fault_sandbox.http() as http:
        answer = http.post(
            f"/taskrouter/v1/Workspaces/{workspace}/Workflows",
            data={"FriendlyName": f"bad {name}", "Configuration": _text(make())},
        )
        listed = http.get(f"/taskrouter/v1/Workspaces/{workspace}/Workflows").json()["workflows"]
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == 20001
    assert where.split(".")[-1].split("[")[0] in answer.json()["message"]
    assert writes(fault_sandbox.requests(since=mark)) == []
    assert not [w for w in listed if w["friendly_name"].startswith("bad ")]


def test_validate_cli_prints_one_line_per_problem_and_exits_1(tmp_path, tally):
    document = good()
    _filter(document)["expression"] = "transferQueueName == "
    _target(document)["priority"] = -1
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    done = subprocess.run(
        [sys.executable, "-c", "from flex_chat_transfer.workflow.cli import main; main()",
         "validate", str(path)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert done.returncode == 1, done
    output = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    lines = [line for line in output if line.startswith("$")]
    assert len(lines) == 2 and len(output) == 3, output  # plus one closing count line
    for line, where in zip(
        sorted(lines), sorted([f"{F1}.expression", f"{F1}.targets[0].priority"]), strict=True
    ):
        tally.bad_input("workflow CLI: " + where, line, where)


def _workspace(sandbox) -> str:
    workspace = sandbox.seed_info()["workspace"]
    return workspace if isinstance(workspace, str) else workspace["sid"]
