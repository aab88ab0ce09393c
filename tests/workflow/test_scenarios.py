"""Scenario files: strict loading with paths, expected-vs-actual messages, the shipped file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from flex_chat_transfer.workflow.problems import ProblemsError
from flex_chat_transfer.workflow.render import render_json
from flex_chat_transfer.workflow.scenarios import load_scenarios, run_scenarios, scenarios_from_data
from flex_chat_transfer.workflow.spec import ChatTransferSpec, TransferQueue

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "scenarios" / "chat-transfer.yaml"
FIXTURE = ROOT / "tests" / "fixtures" / "scenarios" / "chat-transfer.workflow.json"

Q1, Q2 = "WQ00000000000000000000000000000001", "WQ00000000000000000000000000000002"
W1, W2 = "WK00000000000000000000000000000001", "WK00000000000000000000000000000002"
WORKFLOW = {
    "task_routing": {
        "filters": [
            {
                "filter_friendly_name": "Assign To Queue - Sales",
                "expression": "transferQueueName == 'Sales'",
                "targets": [{"queue": Q2, "expression": "worker.sid NOT IN task.workerSidsInConversation"}],
            }
        ]
    }
}


def design_example() -> dict:
    """The example of DESIGN.md "Scenario files", verbatim in structure."""
    return {
        "workspace": {
            "queues": [
                {"sid": Q1, "name": "Everyone"},
                {"sid": Q2, "name": "Sales", "target_workers": "skills HAS 'sales'"},
            ],
            "workers": [
                {"sid": W1, "name": "alice", "attributes": {"skills": ["sales"]}},
                {"sid": W2, "name": "bob", "attributes": {"skills": ["sales"]}, "available": False},
            ],
        },
        "scenarios": [
            {
                "name": "transfer to Sales skips agents already in the chat",
                "task": {
                    "transferTargetType": "queue",
                    "transferQueueName": "Sales",
                    "workerSidsInConversation": [W1],
                },
                "expect": {"filter": "Assign To Queue - Sales", "queue": "Sales", "workers": []},
            }
        ],
    }


def problems_of(data) -> list[str]:
    with pytest.raises(ProblemsError) as caught:
        scenarios_from_data(data, "s.yaml")
    return [str(problem) for problem in caught.value.problems]


def test_design_example_passes() -> None:
    (result,) = run_scenarios(WORKFLOW, scenarios_from_data(design_example()))
    assert result.passed, result.message
    assert "cascade Sales 0s-TTL" in result.message


def test_failing_scenario_shows_expected_and_actual() -> None:
    data = design_example()
    data["scenarios"][0]["expect"] = {"filter": "Assign to Worker", "queue": "Sales", "workers": [W1, W2]}
    (result,) = run_scenarios(WORKFLOW, scenarios_from_data(data))
    assert not result.passed
    assert "filter: expected 'Assign to Worker', got 'Assign To Queue - Sales'" in result.message
    assert f"workers: expected [{W1}, {W2}], got []" in result.message
    assert "queue:" not in result.message.split("(")[0]  # the queue expectation held
    assert "\n" not in result.message


def test_null_expectations_mean_nothing_matched() -> None:
    data = design_example()
    data["scenarios"][0]["task"]["transferQueueName"] = "Nowhere"
    data["scenarios"][0]["expect"] = {"filter": None, "queue": None}
    (result,) = run_scenarios(WORKFLOW, scenarios_from_data(data))
    assert result.passed, result.message
    data["scenarios"][0]["expect"] = {"queue": "Sales"}
    (result,) = run_scenarios(WORKFLOW, scenarios_from_data(data))
    assert not result.passed and "queue: expected 'Sales', got null" in result.message


def test_workers_compare_in_any_order() -> None:
    data = design_example()
    data["workspace"]["workers"][1]["available"] = True
    data["scenarios"][0]["task"]["workerSidsInConversation"] = []
    data["scenarios"][0]["expect"]["workers"] = [W2, W1]
    (result,) = run_scenarios(WORKFLOW, scenarios_from_data(data))
    assert result.passed, result.message


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d.update(version=2), "s.yaml:version: unknown key 'version' (fix: use one of workspace"),
        (
            lambda d: d["scenarios"][0]["expect"].update(queues="Sales"),
            "s.yaml:scenarios[0].expect.queues: unknown key 'queues' "
            "(fix: use one of filter, queue, workers)",
        ),
        (
            lambda d: d["workspace"]["workers"][0].update(skills=["x"]),
            "s.yaml:workspace.workers[0].skills: unknown key 'skills'",
        ),
        (
            lambda d: d["workspace"]["queues"][1].update(target_workers="skills HAS"),
            "s.yaml:workspace.queues[1].target_workers: expected a value after 'HAS'",
        ),
        (
            lambda d: d["workspace"]["queues"][1].update(target_workers="task.x == 1"),
            "s.yaml:workspace.queues[1].target_workers: task attributes are not visible",
        ),
        (
            lambda d: d["workspace"]["workers"][1].update(available="no"),
            "s.yaml:workspace.workers[1].available: expected true or false, found a string 'no'",
        ),
        (
            lambda d: d["workspace"]["workers"][1].update(sid=W1),
            "s.yaml:workspace.workers[1].sid: duplicate worker SID",
        ),
        (
            lambda d: d["workspace"]["queues"][1].update(name="Everyone"),
            "s.yaml:workspace.queues[1]: duplicate queue name 'Everyone'",
        ),
        (lambda d: d["scenarios"][0].pop("task"), "s.yaml:scenarios[0]: missing key 'task'"),
        (lambda d: d["scenarios"][0].update(expect={}), "s.yaml:scenarios[0].expect: expects nothing"),
        (
            lambda d: d["scenarios"][0]["expect"].update(workers="WK1"),
            "s.yaml:scenarios[0].expect.workers: expected a list of worker SIDs",
        ),
        (
            lambda d: d["scenarios"].append(dict(d["scenarios"][0])),
            "s.yaml:scenarios[1].name: duplicate scenario name",
        ),
        (lambda d: d.update(scenarios=[]), "s.yaml:scenarios: no scenarios"),
    ],
)
def test_bad_scenario_files_name_the_path(mutate, expected) -> None:
    data = design_example()
    mutate(data)
    problems = problems_of(data)
    assert any(line.startswith(expected) for line in problems), problems
    assert all("(fix: " in line for line in problems)


def test_every_problem_is_reported_at_once() -> None:
    data = design_example()
    data["extra"] = 1
    data["scenarios"][0]["expect"]["nope"] = 1
    assert len(problems_of(data)) == 2


def test_unreadable_and_invalid_yaml(tmp_path) -> None:
    with pytest.raises(ProblemsError, match="cannot read"):
        load_scenarios(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("workspace: [unclosed\n")
    with pytest.raises(ProblemsError, match=r"not valid YAML at line \d+, column \d+"):
        load_scenarios(broken)


def test_shipped_file_loads_and_covers_the_seed_behaviour() -> None:
    scenario_file = load_scenarios(SHIPPED)
    names = " | ".join(scenario.name for scenario in scenario_file.scenarios)
    for topic in ("worker transfer", "skips agents already in the chat", "unknown queue", "unavailable"):
        assert topic in names
    results = run_scenarios(json.loads(FIXTURE.read_text()), scenario_file)
    assert [result.message for result in results if not result.passed] == []


def test_fixture_is_what_the_renderer_produces_for_the_scenario_queues() -> None:
    raw = yaml.safe_load(SHIPPED.read_text())
    sids = {queue["name"]: queue["sid"] for queue in raw["workspace"]["queues"]}
    spec = ChatTransferSpec(
        worker_transfer_queue="Everyone", transfer_queues=(TransferQueue("Sales"), TransferQueue("Support"))
    )
    assert FIXTURE.read_text() == render_json(spec, sids)
