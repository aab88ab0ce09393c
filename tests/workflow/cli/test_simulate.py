"""`chat-transfer simulate` and `chat-transfer eval-expression`, as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from flex_chat_transfer.workflow.cli import app

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = ROOT / "scenarios" / "chat-transfer.yaml"
FIXTURE = ROOT / "tests" / "fixtures" / "scenarios" / "chat-transfer.workflow.json"

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_shipped_scenarios_pass_through_the_real_entry_point() -> None:
    """What `make test` relies on: the console script, the shipped scenarios, the rendered workflow."""
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from flex_chat_transfer.workflow.cli import main; main()",
            "simulate",
            "--workflow",
            str(FIXTURE),
            "--scenarios",
            str(SHIPPED),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    lines = completed.stdout.splitlines()
    assert len(lines) == len(yaml.safe_load(SHIPPED.read_text())["scenarios"])
    assert all(line.startswith("PASS ") for line in lines)
    assert "cascade" in lines[0]
    assert "0 failed" in completed.stderr


def test_a_failing_scenario_exits_1_with_expected_and_actual(tmp_path) -> None:
    data = yaml.safe_load(SHIPPED.read_text())
    data["scenarios"][0]["expect"]["queue"] = "Sales"
    scenarios = tmp_path / "s.yaml"
    scenarios.write_text(yaml.safe_dump(data))
    result = invoke("simulate", "--workflow", str(FIXTURE), "--scenarios", str(scenarios))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("FAIL ") and "queue: expected 'Sales', got 'Everyone'" in lines[0]
    assert all(line.startswith("PASS ") for line in lines[1:])


def test_bad_scenario_file_exits_2_with_the_path(tmp_path) -> None:
    data = yaml.safe_load(SHIPPED.read_text())
    data["scenarios"][1]["expected"] = {}
    scenarios = tmp_path / "s.yaml"
    scenarios.write_text(yaml.safe_dump(data))
    result = invoke("simulate", "--workflow", str(FIXTURE), "--scenarios", str(scenarios))
    assert result.exit_code == 2
    assert f"{scenarios}:scenarios[1].expected: unknown key 'expected'" in result.stderr
    assert result.stdout == ""


def test_bad_workflow_exits_2_with_the_json_path(tmp_path) -> None:
    document = json.loads(FIXTURE.read_text())
    document["task_routing"]["filters"][1]["expression"] = "transferQueueName = 'Sales'"
    workflow = tmp_path / "w.json"
    workflow.write_text(json.dumps(document))
    result = invoke("simulate", "--workflow", str(workflow), "--scenarios", str(SHIPPED))
    assert result.exit_code == 2
    assert "$.task_routing.filters[1].expression: '=' is not an operator" in result.stderr
    assert "at column 19" in result.stderr
    workflow.write_text("{not json")
    result = invoke("simulate", "--workflow", str(workflow), "--scenarios", str(SHIPPED))
    assert result.exit_code == 2
    assert "not valid JSON: Expecting property name enclosed in double quotes at line 1" in result.stderr


NOT_IN_CHAT = "worker.sid NOT IN task.workerSidsInConversation"
IN_CHAT_TASK = json.dumps({"workerSidsInConversation": ["WK1"]})


@pytest.mark.parametrize(
    ("expression", "context", "printed"),
    [
        (NOT_IN_CHAT, ["--context", "target", "--task", IN_CHAT_TASK, "--worker", '{"sid": "WK2"}'], "true"),
        (NOT_IN_CHAT, ["--context", "target", "--task", IN_CHAT_TASK, "--worker", '{"sid": "WK1"}'], "false"),
        ("skills HAS 'sales'", ["--context", "queue", "--worker", '{"skills": ["sales"]}'], "true"),
        # filter is the default context
        ("transferQueueName == 'Sales'", ["--task", '{"transferQueueName": "Sales"}'], "true"),
        ("workers.available == 0", ["--context", "skip_if", "--workers", '{"available": 2}'], "false"),
    ],
)
def test_eval_expression_prints_true_or_false(expression: str, context: list[str], printed: str) -> None:
    result = invoke("eval-expression", expression, *context)
    assert (result.exit_code, result.stdout) == (0, f"{printed}\n")


def test_eval_expression_parse_error_exits_2_with_a_caret() -> None:
    result = invoke("eval-expression", "skills HAS 'sales' AND level >=", "--context", "queue")
    assert result.exit_code == 2 and result.stdout == ""
    message, expression, caret = result.stderr.splitlines()
    assert message == (
        "queue expression: expected a value after '>=', found the end of the expression at column 32"
    )
    assert expression == "skills HAS 'sales' AND level >="
    assert caret == " " * 31 + "^"


def test_eval_expression_context_rules_and_bad_json() -> None:
    result = invoke("eval-expression", "sid == 'WK1'", "--context", "target")
    assert result.exit_code == 2
    assert "bare name 'sid' in a target expression" in result.stderr
    result = invoke("eval-expression", "a == 1", "--task", "{oops")
    assert result.exit_code == 2 and result.stderr.startswith("--task: not valid JSON")
    result = invoke("eval-expression", "a == 1", "--context", "workflow")
    assert result.exit_code == 2
