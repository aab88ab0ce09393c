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

import asyncio
import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from flex_chat_transfer.sandbox.testing import RequestWatch, SandboxProcess
from tests.faults.fault_tally import Tally
from tests.faults.fault_tally import summary_line as fault_summary_line

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


# Seconds each test file took in a full run (`pytest tests --store-durations` writes it): the longest are
# collected first, so the workers start on the long ones and end on short ones together. Only the order
# depends on it: a missing or stale entry costs time, never a test.
DURATIONS = Path(__file__).resolve().parent / "durations.json"
# A group the table does not know yet (a new file) is ranked as this many seconds per test.
UNKNOWN_SECONDS_PER_TEST = 1.0


# Files whose tests each start from an account of their own (their module fixtures only start a sandbox, a
# quarter second): their tests are handed to the workers one by one, so a long file is not one worker's long
# pole. Every other file goes to one worker whole, its module fixtures (a deployed world) made once.
SPREAD_FILES = (
    "tests/infra/test_brownfield.py",
    "tests/infra/test_plugin_release.py",
    "tests/infra/test_queues.py",
)


def file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def group_of(nodeid: str) -> str:
    """The unit pytest-xdist hands to one worker: a test file (its module fixtures stay together; a suite's
    session fixtures are made once in each worker that runs one of its files), or one test of SPREAD_FILES."""
    return nodeid if file_of(nodeid) in SPREAD_FILES else file_of(nodeid)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--store-durations",
        action="store_true",
        help=f"write each test file's seconds in this run to {DURATIONS.name} (run the whole suite)",
    )


def _known_durations() -> dict[str, float]:
    with contextlib.suppress(OSError, ValueError):
        table = json.loads(DURATIONS.read_text())
        if isinstance(table, dict):
            return {str(k): float(v) for k, v in table.items() if isinstance(v, (int, float))}
    return {}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    known = _known_durations()
    counts: dict[str, int] = {}
    for item in items:
        counts[file_of(item.nodeid)] = counts.get(file_of(item.nodeid), 0) + 1

    def weight(item: pytest.Item) -> float:
        file = file_of(item.nodeid)
        seconds = known.get(file, counts[file] * UNKNOWN_SECONDS_PER_TEST)
        return seconds / counts[file] if file in SPREAD_FILES else seconds

    # Stable: within a file the tests keep the order they were written in.
    items.sort(key=lambda item: -weight(item))


_SPENT: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _SPENT[file_of(report.nodeid)] = _SPENT.get(file_of(report.nodeid), 0.0) + report.duration


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """How pytest-xdist splits the run (scripts/run-tests.sh): whole test files, or single tests of
    SPREAD_FILES (`group_of`), to one worker each, in the order collected (longest first)."""
    from xdist.scheduler import LoadScopeScheduling

    config.option.loadscopereorder = False

    class FileOrSuite(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return group_of(nodeid)

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
    fresh, item.stash[_SEEN] = entries[item.stash[_SEEN] :], len(entries)
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
            problems.append(
                f"#{entry['id']} {entry['method']} {entry['path']} -> {entry['status']}: " + "; ".join(found)
            )
    return problems


_CHECKER: list[Any] = []


def _checker(make):
    if not _CHECKER:
        _CHECKER.append(make())
    return _CHECKER[0]


# The fault suite's tally as the workers handed it over (tests/faults/conftest.py prints it in a run
# without workers).
FAULTS = Tally()


def pytest_terminal_summary(terminalreporter) -> None:
    if TALLY.tests:
        terminalreporter.write_line(TALLY.line())
    if FAULTS.ran:
        terminalreporter.write_line(fault_summary_line(FAULTS))


# Under pytest-xdist each worker checks its own tests' requests: it hands its tally to the controller, which
# prints the one line for the whole session.
def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["oas_tally"] = {**vars(TALLY), "unchecked": dict(TALLY.unchecked)}
    elif session.config.getoption("store_durations") and _SPENT:
        table = {group: round(seconds, 1) for group, seconds in sorted(_SPENT.items())}
        DURATIONS.write_text(json.dumps(table, indent=1) + "\n")


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    tally = getattr(node, "workeroutput", {}).get("oas_tally")
    if not tally:
        return
    for field in ("checked", "invalid", "tests", "lost"):
        setattr(TALLY, field, getattr(TALLY, field) + tally[field])
    for label, count in tally["unchecked"].items():
        TALLY.unchecked[label] = TALLY.unchecked.get(label, 0) + count
    if faults := getattr(node, "workeroutput", {}).get("fault_tally"):
        FAULTS.merge(faults)


@pytest.fixture(autouse=True)
def _pristine_event_loop_policy() -> None:
    """Each test starts with asyncio as a fresh process has it: a test that set the main thread's loop to
    None (or closed it) must not take the loop away from the next one, e.g. the Pulumi mocks tests, whose
    resources need the main thread's current loop."""
    asyncio.set_event_loop_policy(None)


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
