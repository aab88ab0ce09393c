"""The provider server's stop: the engine's SIGINT ends an idle plugin at once, and a plugin still answering a
call only after that call's answer had time to leave (its result must reach the engine's state)."""

from __future__ import annotations

import asyncio

from infra.twiliox import server


def test_an_idle_plugin_exits_at_once_on_the_stop_signal(monkeypatch):
    exits: list[str] = []
    monkeypatch.setattr(server, "exit_now", lambda: exits.append("exit"))
    in_flight = server.InFlight()
    in_flight.stop()
    assert exits == ["exit"]


def test_a_busy_plugin_exits_only_after_the_last_answer_had_time_to_leave(monkeypatch):
    exits: list[float] = []
    monkeypatch.setattr(server.InFlight, "ANSWER_GRACE_SECONDS", 0.05)

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        monkeypatch.setattr(server, "exit_now", lambda: exits.append(loop.time()))
        in_flight = server.InFlight()
        in_flight.enter()
        in_flight.enter()
        in_flight.stop()  # a stop while two calls run: nothing yet
        in_flight.leave()
        await asyncio.sleep(0.1)
        assert exits == []  # one call still runs
        left = loop.time()
        in_flight.leave()
        assert exits == []  # its answer is still to be sent
        await asyncio.sleep(0.1)
        assert len(exits) == 1 and exits[0] - left >= 0.05

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(scenario())
    finally:
        loop.close()


def test_calls_without_a_stop_never_exit(monkeypatch):
    exits: list[str] = []
    monkeypatch.setattr(server, "exit_now", lambda: exits.append("exit"))
    in_flight = server.InFlight()
    for _ in range(3):
        in_flight.enter()
        in_flight.leave()
    assert exits == [] and in_flight.count == 0
