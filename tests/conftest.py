"""Fixtures every suite may use: one sandbox for the whole test session, and factories for what a test needs
beyond it. A suite's own conftest or module may define a fixture of the same name; the nearer one wins.

    def test_x(seeded, twilio):             # the shared sandbox reset to flex-demo, an OAS-checking client
        ws = twilio.taskrouter.v1.workspaces(seeded["workspace"]["sid"])

    def test_y(sandbox_factory):            # a sandbox of its own (restarts, other settings), stopped after
        other = sandbox_factory(seed="empty", build_seconds=5)

Time: tests never sleep; they advance the sandbox's clock (`sandbox.advance_clock(seconds)`, i.e.
`POST /_sandbox/clock {"advance": seconds}`) and the next request sees what fell due.

Requests held to Twilio's contract: every test marked `e2e`, and every test under tests/infra, tests/faults,
tests/engine and tests/e2e, ends by checking each request it caused on any SandboxProcess (fixtures'
included: a module's world deployed in the first test's setup counts for that test) against Twilio's OAS
(`OasChecker.check_request`; the upload host against the deployer's form; requests answered 401, refused
before Twilio reads them, are not checked). An invalid request fails the
test (or, when caused in teardown, errors it) with one line per request. The session ends with one line:
`OAS request check: N requests checked, 0 invalid …`. A test that sends invalid requests on purpose says so
with `@pytest.mark.sends_invalid_requests("why")`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from flex_chat_transfer.sandbox.testing import RequestWatch, SandboxProcess

# Short enough that suites waiting on real builds stay fast; tests of build timing advance the clock.
SESSION_BUILD_SECONDS = 0.2

# Suites whose every test drives the engine or deployed functions: their requests are held to the OAS.
HELD_TO_OAS = ("infra", "faults", "engine", "e2e")
EXEMPT = "sends_invalid_requests"


class RequestTally:
    """What the session's request checks saw, for the closing summary line."""

    def __init__(self) -> None:
        self.checked = 0
        self.invalid = 0
        self.tests = 0
        self.unchecked: dict[str, int] = {}
        self.lost = 0

    def line(self) -> str:
        unchecked = ", ".join(f"{product} {n}" for product, n in sorted(self.unchecked.items()))
        lost = f"; {self.lost} LOST (request log overflowed)" if self.lost else ""
        return (
            f"OAS request check: {self.checked} requests checked, {self.invalid} invalid,"
            f" in {self.tests} tests"
            f" (not described by Twilio's OAS, not checked: {unchecked or 'none'}){lost}"
        )


TALLY = RequestTally()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{EXEMPT}(reason): the test sends requests Twilio's OAS refuses, on purpose"
    )


# Suites whose files share one session world (their conftest's session fixtures, their tally across files):
# under pytest-xdist all of a suite's tests go to one worker.
ONE_WORKER_SUITES = ("faults",)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """How pytest-xdist splits the run (scripts/run-tests.sh): whole test files to one worker each, so a
    module's world (module-scoped fixtures) stays together, and the suites in ONE_WORKER_SUITES whole."""
    from xdist.scheduler import LoadScopeScheduling

    class FileOrSuite(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            parts = path.split("/")
            if len(parts) > 2 and parts[0] == "tests" and parts[1] in ONE_WORKER_SUITES:
                return parts[1]
            return path

    return FileOrSuite(config, log)


def _held_to_oas(item: pytest.Item) -> bool:
    if item.get_closest_marker(EXEMPT) is not None:
        return False
    if item.get_closest_marker("e2e") is not None:
        return True
    parts = Path(str(item.path)).resolve().parts
    tests = Path(__file__).resolve().parent.parts
    return parts[: len(tests)] == tests and len(parts) > len(tests) + 1 and parts[len(tests)] in HELD_TO_OAS


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    if _held_to_oas(item):
        item.stash[_WATCH] = RequestWatch().__enter__()
        item.stash[_SEEN] = 0
        TALLY.tests += 1
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    watch = item.stash.get(_WATCH, None)
    if watch is None or call.when == "setup":
        return
    if call.when == "teardown":
        watch.__exit__(None, None, None)
    entries = watch.requests()
    fresh, item.stash[_SEEN] = entries[item.stash[_SEEN]:], len(entries)
    problems = _request_problems(fresh)
    if not problems:
        return
    report = outcome.get_result()
    text = f"{len(problems)} request(s) do not hold to Twilio's OAS:\n" + "\n".join(problems)
    if report.passed:
        report.outcome = "failed"
        report.longrepr = text
    else:
        report.sections.append(("requests held to Twilio's OAS", text))


def _request_problems(entries: list[dict[str, Any]]) -> list[str]:
    from flex_chat_transfer.sandbox.core.openapi import OasChecker

    checker = _checker(OasChecker)
    problems = []
    for entry in entries:
        if "lost" in entry:
            TALLY.lost += entry["lost"]
            problems.append(
                f"{entry['lost']} requests of {entry['sandbox']} left its log before they were checked"
            )
            continue
        # A request refused for its credentials is a caller Twilio never heard out (the security suite's
        # hostile callers), not a contract call.
        found = None if entry["status"] == 401 else checker.check_request(entry)
        if found is None:
            label = "answered 401" if entry["status"] == 401 else entry["product"]
            TALLY.unchecked[label] = TALLY.unchecked.get(label, 0) + 1
            continue
        TALLY.checked += 1
        if found:
            TALLY.invalid += 1
            problems.append(f"#{entry['id']} {entry['method']} {entry['path']} -> {entry['status']}: "
                            + "; ".join(found))
    return problems


_CHECKER: list[Any] = []


def _checker(make):
    if not _CHECKER:
        _CHECKER.append(make())
    return _CHECKER[0]


def pytest_terminal_summary(terminalreporter) -> None:
    if TALLY.tests:
        terminalreporter.write_line(TALLY.line())


# Under pytest-xdist each worker checks its own tests' requests: it hands its tally to the controller, which
# prints the one line for the whole session.
def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["oas_tally"] = {**vars(TALLY), "unchecked": dict(TALLY.unchecked)}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    tally = getattr(node, "workeroutput", {}).get("oas_tally")
    if not tally:
        return
    for field in ("checked", "invalid", "tests", "lost"):
        setattr(TALLY, field, getattr(TALLY, field) + tally[field])
    for label, count in tally["unchecked"].items():
        TALLY.unchecked[label] = TALLY.unchecked.get(label, 0) + count


_WATCH = pytest.StashKey[RequestWatch]()
_SEEN = pytest.StashKey[int]()


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
    from flex_chat_transfer.sandbox.core.openapi import OasChecker

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
