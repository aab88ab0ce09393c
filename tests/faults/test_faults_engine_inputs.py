"""A few bad stack configs through the real program on the real engine (`pulumi up` of a fresh stack): the
run ends with one clear line, no traceback, and the sandbox saw no write. The same checks, without the
engine, cover the long list in test_faults_bad_config.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from fault_tally import clarity_problem, writes

from harness.automation import StackRunner, write_scratch_project

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
NS = "chat-transfer:"

# (case id, config changes (None removes the key), what the error line must name)
CASES = [
    ("unknown queue", {f"{NS}transferQueues": ["Sales", "Marketing"]}, "'Marketing'"),
    (
        "skipIf does not parse",
        {f"{NS}transferQueues": [{"name": "Sales", "timeout": 9, "skipIf": "workers.available =="}]},
        "chat-transfer:transferQueues[0].skipIf",
    ),
    ("retired runtime", {f"{NS}functions": {"runtime": "node18"}}, "chat-transfer:functions.runtime"),
    ("wrong auth token", {"twilio:authToken": "0" * 32}, "twilio:authToken"),
    ("missing credentials", {"twilio:accountSid": None, "twilio:authToken": None}, "twilio"),
]


@pytest.fixture(scope="module")
def bad_stack(fault_sandbox, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("faults-bad-stack")
    functions_dir = tmp / "functions"
    shutil.copytree(REPO / "functions", functions_dir, ignore=shutil.ignore_patterns("node_modules", "test"))
    runner = StackRunner(
        write_scratch_project(tmp / "project"),
        "faults-bad",
        tmp / "state",
        env={"TWILIO_SANDBOX_URL": fault_sandbox.url, "CHAT_TRANSFER_FUNCTIONS_DIR": str(functions_dir)},
    )
    base = {
        "twilio:accountSid": fault_sandbox.account_sid,
        "twilio:authToken": fault_sandbox.auth_token,
        f"{NS}transferQueues": ["Sales"],
    }
    return runner, base


@pytest.mark.parametrize("name,changes,where", CASES, ids=[c[0] for c in CASES])
def test_program_refuses_bad_config_on_the_engine_with_one_line_and_no_write(
    bad_stack, fault_sandbox, tally, name, changes, where
):
    runner, base = bad_stack
    config = {k: v for k, v in {**base, **changes}.items() if v is not None}
    runner.set_config(config, secret=("twilio:authToken",))
    for key in [k for k, v in changes.items() if v is None]:
        runner.remove_config(key)
    mark = fault_sandbox.last_request_id()
    try:
        with pytest.raises(Exception) as failure:
            runner.up()
    finally:
        for key in changes:  # back to the base config for the next case
            if key in base:
                runner.set_config({key: base[key]}, secret=("twilio:authToken",))
            else:
                runner.remove_config(key)
    output = str(failure.value)
    assert "Traceback" not in output, output
    lines = [line.strip() for line in output.splitlines() if where in line]
    assert lines, output
    line = next((candidate for candidate in lines if clarity_problem(candidate, where) is None), lines[0])
    tally.bad_input(f"engine: {name}", line, where)
    assert writes(fault_sandbox.requests(since=mark)) == []
    leaked = fault_sandbox.auth_token in output
    assert not leaked, "the auth token is in the engine output in clear"  # never print it


def test_a_900_kb_stack_config_is_one_line_naming_the_key_not_argument_list_too_long(
    bad_stack, fault_sandbox, tally
):
    """Too big to reach the program through the environment: written straight into Pulumi.<stack>.yaml (the
    CLI could not even take it as an argument), the run must name the key, not fail in exec."""
    runner, base = bad_stack
    runner.set_config(base, secret=("twilio:authToken",))
    stack_file = runner.project_dir / "Pulumi.faults-bad.yaml"
    original = stack_file.read_text()
    document = yaml.safe_load(original)
    queues = ["Sales"] + [f"Queue {i:05d} {'x' * 80}" for i in range(10_000)]
    document["config"][f"{NS}transferQueues"] = queues
    stack_file.write_text(yaml.safe_dump(document))
    mark = fault_sandbox.last_request_id()
    try:
        with pytest.raises(Exception) as failure:
            runner.up()
    finally:
        stack_file.write_text(original)
    output = str(failure.value)
    where = f"{NS}transferQueues"
    assert "Traceback" not in output and "argument list too long" not in output, output
    lines = [line.strip() for line in output.splitlines() if where in line and "KB" in line]
    assert lines, output
    assert clarity_problem(lines[0], where) is None, lines[0]
    tally.bad_input("engine: 900 KB stack config", lines[0], where)
    assert writes(fault_sandbox.requests(since=mark)) == []
