"""Fixtures every suite may use: one sandbox for the whole test session, and factories for what a test needs
beyond it. A suite's own conftest or module may define a fixture of the same name; the nearer one wins.

    def test_x(seeded, twilio):             # the shared sandbox reset to flex-demo, an OAS-checking client
        ws = twilio.taskrouter.v1.workspaces(seeded["workspace"]["sid"])

    def test_y(sandbox_factory):            # a sandbox of its own (restarts, other settings), stopped after
        other = sandbox_factory(seed="empty", build_seconds=5)

Time: tests never sleep; they advance the sandbox's clock (`sandbox.advance_clock(seconds)`, i.e.
`POST /_sandbox/clock {"advance": seconds}`) and the next request sees what fell due.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.testing import SandboxProcess

# Short enough that suites waiting on real builds stay fast; tests of build timing advance the clock.
SESSION_BUILD_SECONDS = 0.2


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    """The session's sandbox (flex-demo seed, free port). Read `.url` per use: a restart changes it."""
    with SandboxProcess(
        tmp_path_factory.mktemp("session-sandbox"), seed="flex-demo", build_seconds=SESSION_BUILD_SECONDS
    ) as running:
        yield running


@pytest.fixture
def seeded(sandbox: SandboxProcess) -> dict[str, Any]:
    """The shared sandbox back to a fresh flex-demo seed, without faults; the seed's SIDs
    (GET /_sandbox/seed)."""
    sandbox.clear_faults()
    return sandbox.reset("flex-demo")["sids"]


@pytest.fixture(scope="session")
def oas():
    """Twilio's OpenAPI descriptions as a checker (sandbox/core/openapi.py); `.checked` lists what it saw."""
    from sandbox.core.openapi import OasChecker

    return OasChecker()


@pytest.fixture
def twilio(sandbox: SandboxProcess, oas):
    """An unmodified twilio Client on the shared sandbox; every JSON answer is checked against the OAS."""
    return oas.client(sandbox.account_sid, sandbox.auth_token, sandbox.url)


@pytest.fixture
def sandbox_factory(tmp_path: Path) -> Iterator[Callable[..., SandboxProcess]]:
    """Start sandboxes of the test's own (own database under tmp_path; `SandboxProcess` options); each is
    stopped when the test ends."""
    started: list[SandboxProcess] = []

    def start(seed: str = "flex-demo", **options: Any) -> SandboxProcess:
        process = SandboxProcess(tmp_path / f"sandbox-{len(started)}", seed=seed, **options)
        started.append(process)
        process.start()
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def workspace_factory(twilio) -> Iterator[Callable[..., Any]]:
    """Create TaskRouter workspaces (the SDK's workspace context is returned); deleted when the test ends."""
    made: list[str] = []

    def make(friendly_name: str | None = None, **options: Any):
        created = twilio.taskrouter.v1.workspaces.create(
            friendly_name=friendly_name or f"Test Workspace {len(made) + 1}", **options
        )
        made.append(created.sid)
        return twilio.taskrouter.v1.workspaces(created.sid)

    yield make
    from twilio.base.exceptions import TwilioRestException

    for sid in made:
        with contextlib.suppress(TwilioRestException):  # the test may have deleted it already
            twilio.taskrouter.v1.workspaces(sid).delete()
