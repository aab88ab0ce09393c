"""The provider server's stop: the engine's SIGINT ends an idle plugin at once, and a plugin still answering a
call only after that call's answer had time to leave (its result must reach the engine's state)."""

from __future__ import annotations

import asyncio

from flex_chat_transfer.infra.twiliox import server


def test_an_idle_plugin_exits_at_once_on_the_stop_signal(monkeypatch):
    exits: list[str] = []
    monkeypatch.setattr(server, "exit_now", lambda: exits.append("exit"))
    in_flight = server.InFlight()
    in_flight.stop()
    assert exits == ["exit"]


def test_a_busy_plugin_exits_only_after_the_last_answer_had_time_to_leave(monkeypatch):
    exits: list[str] = []

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        exited = asyncio.Event()
        scheduled: list[float] = []
        schedule = loop.call_later

        def recorded(delay, callback, *args):
            scheduled.append(delay)
            return schedule(delay, callback, *args)

        monkeypatch.setattr(loop, "call_later", recorded)
        monkeypatch.setattr(server, "exit_now", lambda: (exits.append("exit"), exited.set()))
        in_flight = server.InFlight()
        in_flight.enter()
        in_flight.enter()
        in_flight.stop()  # a stop while two calls run: nothing yet
        in_flight.leave()
        assert exits == [] and scheduled == []  # one call still runs: no exit, none planned
        in_flight.leave()
        # The last answer is still to be sent: the exit waits the grace time after it.
        assert exits == [] and scheduled == [server.InFlight.ANSWER_GRACE_SECONDS]
        await asyncio.wait_for(exited.wait(), timeout=30)
        assert exits == ["exit"]

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
