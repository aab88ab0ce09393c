"""How the Build resource reads a build's status (issue 26, "honest speed"): about once a second, never more
than a second apart, and close to where the service's last build ended. The schedule is checked as a pure
function on simulated builds, and the provider's wait is run against the sandbox's build clock (the clock is
advanced instead of slept on), counting the status reads in the sandbox's request log."""

from __future__ import annotations

import json
import time
from itertools import islice

import pytest

from flex_chat_transfer.infra.client import make_client
from flex_chat_transfer.infra.rest import Rest
from flex_chat_transfer.infra.twiliox.base import Context
from flex_chat_transfer.infra.twiliox.build import (
    FINE_GAP,
    MAX_GAP,
    REMEMBERED_BUILDS,
    Build,
    BuildFailed,
    last_build_window,
    poll_offsets,
    remember_build_window,
)
from flex_chat_transfer.infra.twiliox.function import Function
from flex_chat_transfer.infra.twiliox.service import Service
from flex_chat_transfer.sandbox.testing import SandboxProcess

ZS = "ZS" + "a" * 32


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    """Each test remembers build windows in its own cache, never the user's."""
    monkeypatch.setenv("CHAT_TRANSFER_CACHE_DIR", str(tmp_path / "cache"))


def simulate(ends_at: float, last: tuple[float, float] | None) -> tuple[list[float], tuple[float, float]]:
    """The reads of a build whose status turns `completed` for reads sent at or after `ends_at`, and the
    window (last read building, first read completed) it leaves for the next build."""
    reads: list[float] = []
    for offset in poll_offsets(last):
        reads.append(offset)
        if offset >= ends_at:
            return reads, (reads[-2] if len(reads) > 1 else 0.0, offset)
    raise AssertionError("unreachable")


LASTS = [None, (14.0, 15.0), (14.75, 15.0), (0.0, 0.25), (2.5, 3.0), (40.0, 41.0), (1.1, 1.3), (3.0, 9.0)]
ENDS = [0.05, 0.2, 0.9, 1.0, 2.7, 3.0, 7.3, 14.9, 15.0, 15.4, 29.0, 60.0]


@pytest.mark.parametrize("last", LASTS)
def test_reads_are_never_more_than_a_second_apart_and_come_about_once_a_second(last):
    offsets = list(islice(poll_offsets(last), 200))
    gaps = [b - a for a, b in zip([0.0, *offsets], offsets, strict=False)]
    assert all(0 < gap <= MAX_GAP + 1e-9 for gap in gaps), gaps[:30]
    for ends_at in ENDS:
        reads, _ = simulate(ends_at, last)
        assert reads[-1] - ends_at <= MAX_GAP + 1e-9  # noticed within a second, whatever was expected
        # About once a second: one a second, plus at most four (first, window start, middle, past it).
        assert len(reads) <= ends_at + 4, (ends_at, reads)


def test_a_15_second_build_takes_at_most_20_reads_and_the_next_one_is_noticed_within_a_quarter_second():
    reads, window = simulate(14.9, None)  # a 15 s build with 100 ms per call
    assert len(reads) == 16 and reads[-1] - 14.9 <= MAX_GAP
    for _ in range(3):  # the same service built again: the window narrows to one fine gap and stays there
        reads, window = simulate(14.9, window)
        assert len(reads) <= 20
        assert window[0] < 14.9 <= window[1]
    assert reads[-1] - 14.9 <= FINE_GAP + 1e-9
    assert len(reads) <= 16


def test_short_builds_are_read_about_as_often_as_the_peer_reads_them():
    """3 s builds: the peer reads 4 times (at once, then every second after each answer)."""
    reads, window = simulate(2.9, None)
    assert len(reads) == 4
    for _ in range(4):
        reads, window = simulate(2.9, window)
        assert len(reads) <= 5 and reads[-1] - 2.9 <= 0.5
    assert reads[-1] - 2.9 <= FINE_GAP and len(reads) == 4
    # The peer (serverless-toolkit) reads at once and then every second after each answer: 15 reads.


def test_a_build_slower_or_faster_than_the_last_one_is_still_noticed_within_a_second():
    _, window = simulate(14.9, None)
    _, window = simulate(14.9, window)
    slower, _ = simulate(22.0, window)
    faster, _ = simulate(6.0, window)
    assert slower[-1] - 22.0 <= MAX_GAP and faster[-1] - 6.0 <= MAX_GAP
    assert len(slower) <= 22 + 3 and len(faster) <= 6 + 1


def test_remembered_windows_are_bounded_and_damage_reads_as_nothing_remembered(tmp_path):
    assert last_build_window(ZS) is None
    remember_build_window(ZS, (14.75, 15.0))
    assert last_build_window(ZS) == (14.75, 15.0)
    for n in range(REMEMBERED_BUILDS):
        remember_build_window(f"ZS{n:032x}", (1.0, 2.0))
    assert last_build_window(ZS) is None  # the least recently built went first
    stored = json.loads((tmp_path / "cache" / "build-windows.json").read_text())
    assert len(stored) == REMEMBERED_BUILDS

    memory = tmp_path / "cache" / "build-windows.json"
    for damage in ["{not json", "[1, 2]", json.dumps({ZS: [15, 14]}), json.dumps({ZS: ["a", 2]}),
                   json.dumps({ZS: [0, 1e9]}), json.dumps({ZS: [True, 2]}), "x" * 300_000]:
        memory.write_text(damage)
        assert last_build_window(ZS) is None, damage
        # and the schedule then is the one for a service never built
        assert list(islice(poll_offsets(last_build_window(ZS)), 3)) == [0.25, 1.0, 2.0]


class SandboxTime:
    """The provider's wait on the sandbox's clock: sleeping advances the sandbox (and this clock) instead of
    waiting; real time still flows in both."""

    def __init__(self, sandbox: SandboxProcess) -> None:
        self.sandbox = sandbox
        self.advanced = 0.0

    def clock(self) -> float:
        return time.monotonic() + self.advanced

    def sleep(self, seconds: float) -> None:
        self.sandbox.advance_clock(seconds)
        self.advanced += seconds


@pytest.fixture(scope="module")
def slow_builds(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("polling-sandbox")
    with SandboxProcess(workdir, seed="empty", build_seconds=15) as sandbox:
        yield sandbox


def _service_with_a_function(sandbox: SandboxProcess, name: str) -> tuple[Context, str, str]:
    rest = Rest(make_client(sandbox.account_sid, sandbox.auth_token, sandbox_url=sandbox.url))
    urn = "urn:pulumi:qa::p::twiliox:serverless:Build::b"
    ctx = Context(rest=lambda: rest, log=lambda line: None, urn=urn)
    service_sid, _ = Service().create(ctx, {"unique_name": name, "friendly_name": name})
    _, function = Function().create(ctx, {
        "service_sid": service_sid, "path": "/ok", "visibility": "public",
        "content": "exports.handler = (context, event, callback) => callback(null, 'ok');\n",
    })
    return ctx, service_sid, function["version_sid"]


def _status_reads(sandbox: SandboxProcess, since: int) -> int:
    return sum(1 for e in sandbox.requests(since=since) if e["path"].endswith("/Status"))


def test_the_provider_reads_a_15_second_sandbox_build_about_once_a_second(slow_builds):
    ctx, service_sid, version = _service_with_a_function(slow_builds, "polling-15s")
    sandbox_time = SandboxTime(slow_builds)
    kind = Build(clock=sandbox_time.clock, sleep=sandbox_time.sleep)
    inputs = {"service_sid": service_sid, "function_versions": [version]}

    windows, reads, blurs = [], [], []
    for _ in range(3):
        mark = slow_builds.requests()[-1]["id"]
        started = time.monotonic()
        build_sid, outputs = kind.create(ctx, inputs)
        # The sandbox's clock is the wall clock plus what was advanced: the real time the requests took (a
        # loaded machine's) moves both edges of the window by at most that much.
        blurs.append(0.2 + time.monotonic() - started)
        assert outputs["status"] == "completed" and build_sid.startswith("ZB")
        reads.append(_status_reads(slow_builds, mark))
        windows.append(last_build_window(service_sid))

    # Never built before: reads at 0.25 s and each whole second, noticed within a second.
    assert reads[0] <= 17 and 15.0 - blurs[0] <= windows[0][1] <= 15.0 + MAX_GAP + blurs[0]
    # Built before: reads close in on where the last one ended; noticed within a quarter second.
    assert all(count <= 20 for count in reads), reads
    for window, blur in zip(windows[1:], blurs[1:], strict=True):
        assert 15.0 - blur <= window[1] <= 15.0 + FINE_GAP + blur, (windows, blurs)


def test_a_build_past_its_timeout_fails_and_leaves_no_window(slow_builds):
    ctx, service_sid, version = _service_with_a_function(slow_builds, "polling-timeout")
    sandbox_time = SandboxTime(slow_builds)
    kind = Build(clock=sandbox_time.clock, sleep=sandbox_time.sleep)
    with pytest.raises(BuildFailed, match=r"still building after 4s .*functions.buildTimeout"):
        kind.create(ctx, {"service_sid": service_sid, "function_versions": [version], "build_timeout": 4})
    assert last_build_window(service_sid) is None
