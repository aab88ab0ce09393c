"""The deploy benchmark's own measurement of `pulumi up` (no timing assertions: speed targets live in
`make bench`): it runs the real CLI against the sandbox, reads the engine's event log as it is written and
reports the step's phases, changes and slowest resources; a failed up is one line."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# bench/ is not an installed package; `python -m bench` runs it from the repo root, so do the same here.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench import bench_deploy  # noqa: E402
from flex_chat_transfer.sandbox.testing import SandboxProcess  # noqa: E402


def test_our_up_is_the_cli_itself_with_phases_from_its_event_log(tmp_path):
    functions = bench_deploy.copy_functions(tmp_path / "functions")
    with SandboxProcess(tmp_path / "sandbox", latency_ms=0, build_seconds=0.2) as sandbox:
        runner = bench_deploy.local_stack_runner(tmp_path, sandbox, functions)
        cold = bench_deploy._our_up(runner)
        assert cold["changes"].get("create", 0) >= 20  # the whole stack, as `make local-up` makes it
        assert 0 < cold["first_step_seconds"] < sum(cold["phases"].values())
        assert any(row["resource"] == "Build chat-transfer-build" for row in cold["timeline"])
        again = bench_deploy._our_up(runner)
        assert set(again["changes"]) - {"read"} == {"same"} and again["timeline"] == []

        runner.set_config({"chat-transfer:workspace": "No Such Workspace"})
        with pytest.raises(bench_deploy.BenchError) as failed:
            bench_deploy._our_up(runner)
        line = str(failed.value)
        assert "\n" not in line and line.startswith("pulumi up: exit ")
        assert "No Such Workspace" in line  # the program's own line, not the summary's last line
