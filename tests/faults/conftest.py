"""Fault and abuse suite (issue 11): shared sandbox, tallies, and the one summary line.

Every case reports into `TALLY` as it runs, so the summary printed at the end of the session counts what
actually ran: faults injected and survived, bad inputs answered with a clear one-line error, data lost
(expected resources missing after a recovery) and secrets found in clear in state or logs.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from fault_tally import TALLY, summary_line

REPO = Path(__file__).resolve().parents[2]


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001 - pytest hook signature
    if TALLY.ran:
        terminalreporter.write_line(summary_line(TALLY))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Under pytest-xdist a worker hands its tally to the controller (tests/conftest.py adds them up and
    prints the one line for the whole session)."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None and TALLY.ran:
        workeroutput["fault_tally"] = dataclasses.asdict(TALLY)


@pytest.fixture(scope="session")
def fault_sandbox(tmp_path_factory):
    """One sandbox for the cheap cases (bad inputs, security); builds take 0.2 s so deploys stay quick."""
    from flex_chat_transfer.sandbox.testing import SandboxProcess

    with SandboxProcess(tmp_path_factory.mktemp("faults-sandbox"), build_seconds=0.2) as sandbox:
        yield sandbox


@pytest.fixture
def tally():
    return TALLY


@pytest.fixture(scope="session")
def deployed(fault_sandbox, tmp_path_factory):
    """The stack deployed once on the real engine; fault cases change and recover it in order."""
    from fault_world import FaultWorld

    world = FaultWorld(tmp_path_factory.mktemp("faults-stack"), fault_sandbox)
    result = world.up()
    assert result.summary.result == "succeeded"
    world.baseline = world.counts()
    try:
        yield world
    finally:
        try:
            world.runner.destroy()
        except Exception:  # noqa: BLE001 - best-effort clean-up; the sandbox is thrown away anyway
            pass
