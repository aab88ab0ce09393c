"""The routing simulator on the seed's workflow shape, plus cascades, known workers and ordering."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flex_chat_transfer.workflow.render import render
from flex_chat_transfer.workflow.simulate import (
    ConfigurationError,
    KnownWorker,
    Queue,
    Router,
    Worker,
    Workspace,
)
from flex_chat_transfer.workflow.spec import ChatTransferSpec, TransferQueue


def wq(number: int) -> str:
    return f"WQ{number:032x}"


def wk(number: int) -> str:
    return f"WK{number:032x}"


EVERYONE, SALES, SUPPORT = wq(1), wq(2), wq(3)
SIDS = {"Everyone": EVERYONE, "Sales": SALES, "Support": SUPPORT}
WORKSPACE = Workspace(
    queues=[
        Queue(EVERYONE, "Everyone"),
        Queue(SALES, "Sales", "skills HAS 'sales'"),
        Queue(SUPPORT, "Support", "skills HAS 'support'"),
    ],
    workers=[
        Worker(wk(1), "alice", {"skills": ["sales"], "level": 2}),
        Worker(wk(2), "bob", {"skills": ["sales", "support"], "level": 5}),
        Worker(wk(3), "carol", {"skills": ["support"]}),
        Worker(wk(4), "dave", {"skills": ["sales"], "level": 9}, available=False),
    ],
)


def seed_router(*queues: TransferQueue) -> Router:
    spec = ChatTransferSpec(transfer_queues=queues or (TransferQueue("Sales"), TransferQueue("Support")))
    return Router(render(spec, SIDS), WORKSPACE)


def queue_task(name: str, in_chat: list[str] | None) -> dict:
    task = {"transferTargetType": "queue", "transferQueueName": name}
    if in_chat is not None:
        task["workerSidsInConversation"] = in_chat
    return task


def test_worker_transfer_targets_exactly_the_known_worker() -> None:
    routing = seed_router().route({"transferTargetType": "worker", "transferTargetSid": wk(3)})
    assert routing.filter_name == "Assign to Worker"
    assert not routing.matched_default
    assert (routing.queue_sid, routing.queue_name) == (EVERYONE, "Everyone")
    assert routing.steps[0].known_worker == KnownWorker("sid", "task.transferTargetSid")
    assert routing.eligible_workers == [wk(3)]


@pytest.mark.parametrize("target", [wk(4), wk(99), None])
def test_worker_transfer_to_unavailable_unknown_or_null_worker_offers_nobody(target) -> None:
    routing = seed_router().route({"transferTargetType": "worker", "transferTargetSid": target})
    assert routing.filter_name == "Assign to Worker"
    assert routing.eligible_workers == []


def test_queue_transfer_excludes_agents_in_the_conversation() -> None:
    router = seed_router()
    routing = router.route(queue_task("Sales", [wk(1)]))
    assert routing.filter_name == "Assign To Queue - Sales"
    assert routing.queue_name == "Sales"
    assert routing.eligible_workers == [wk(2)]  # dave is a Sales member but unavailable
    assert router.route(queue_task("Sales", [])).eligible_workers == [wk(1), wk(2)]
    assert router.route(queue_task("Support", [wk(2)])).eligible_workers == [wk(3)]


def test_queue_transfer_without_the_conversation_list_matches_nobody() -> None:
    assert seed_router().route(queue_task("Sales", None)).eligible_workers == []


def test_unknown_queue_matches_no_filter_and_there_is_no_default() -> None:
    routing = seed_router().route(queue_task("Marketing", []))
    assert routing.filter_name is None and not routing.matched_default
    assert routing.steps == [] and routing.queue_name is None and routing.eligible_workers == []


def test_first_matching_filter_wins_and_default_filter_catches_the_rest() -> None:
    configuration = {
        "task_routing": {
            "filters": [
                {"filter_friendly_name": "VIP", "expression": "vip == true", "targets": [{"queue": SUPPORT}]},
                {
                    "filter_friendly_name": "Sales",
                    "expression": "topic == 'sales'",
                    "targets": [{"queue": SALES}],
                },
                {
                    "filter_friendly_name": "Sales again",
                    "expression": "1 == 1",
                    "targets": [{"queue": EVERYONE}],
                },
            ],
            "default_filter": {"queue": EVERYONE},
        }
    }
    router = Router(configuration, WORKSPACE)
    assert router.route({"vip": True, "topic": "sales"}).filter_name == "VIP"
    assert router.route({"topic": "sales"}).filter_name == "Sales"
    assert router.route({"topic": "other"}).filter_name == "Sales again"
    del configuration["task_routing"]["filters"][2]
    fallback = Router(configuration, WORKSPACE).route({"topic": "other"})
    assert fallback.matched_default and fallback.filter_name is None
    assert fallback.queue_name == "Everyone"
    assert fallback.eligible_workers == [wk(1), wk(2), wk(3)]


def test_cascade_has_cumulative_timeouts_and_inherits_the_queue() -> None:
    configuration = {
        "task_routing": {
            "filters": [
                {
                    "expression": "1 == 1",
                    "targets": [
                        {"queue": SALES, "expression": "worker.level > 4", "timeout": 30, "priority": "10"},
                        {"timeout": "45", "skip_if": "workers.available == 0"},
                        {"queue": SUPPORT},
                        {"queue": EVERYONE},
                    ],
                }
            ]
        }
    }
    router = Router(configuration, WORKSPACE)
    routing = router.route({})
    assert [step.queue_sid for step in routing.steps] == [SALES, SALES, SUPPORT, EVERYONE]
    assert [step.cumulative_timeout for step in routing.steps] == [30, 75, None, None]
    assert routing.steps[0].priority == 10 and routing.steps[1].timeout == 45
    assert routing.steps[1].expression is None  # a target's expression applies to that target only
    assert routing.eligible_workers == [wk(2)]
    assert router.eligible(1, {}) == [wk(1), wk(2)]
    assert router.eligible(2, {}) == [wk(2), wk(3)]
    assert router.eligible(9, {}) == []


def test_skip_if_fires_only_when_nobody_is_eligible() -> None:
    configuration = {
        "task_routing": {
            "filters": [
                {
                    "expression": "1 == 1",
                    "targets": [
                        {
                            "queue": SALES,
                            "expression": "worker.sid NOT IN task.inChat",
                            "timeout": 30,
                            "skip_if": "workers.available <= 2",
                        },
                        {"queue": SUPPORT},
                    ],
                }
            ]
        }
    }
    router = Router(configuration, WORKSPACE)
    assert router.skips(0, {"inChat": [wk(1), wk(2)]}) is True  # 2 available Sales agents, both busy here
    assert router.skips(0, {"inChat": [wk(1)]}) is False  # bob can take it
    assert router.skips(1, {"inChat": []}) is False  # no skip_if on that step


def test_known_worker_by_friendly_name_must_be_a_queue_member() -> None:
    configuration = {
        "task_routing": {
            "filters": [
                {
                    "expression": "1 == 1",
                    "targets": [{"queue": SUPPORT, "known_worker_friendly_name": "task.agent"}],
                }
            ]
        }
    }
    router = Router(configuration, WORKSPACE)
    assert router.route({"agent": "carol"}).eligible_workers == [wk(3)]
    assert router.route({"agent": "alice"}).eligible_workers == []  # not in Support (debugger 40152)


def test_order_by_numeric_attributes_with_missing_last() -> None:
    workers = [
        Worker(wk(1), "a", {"rank": 1, "lang": 2}),
        Worker(wk(2), "b", {"lang": 9}),
        Worker(wk(3), "c", {"rank": 3, "lang": 1}),
        Worker(wk(4), "d", {"rank": 3, "lang": 5}),
        Worker(wk(5), "e", {"rank": "high"}),
    ]
    workspace = Workspace([Queue(EVERYONE, "Everyone")], workers)

    def order(order_by: str) -> list[str]:
        configuration = {
            "task_routing": {
                "filters": [{"expression": "1==1", "targets": [{"queue": EVERYONE, "order_by": order_by}]}]
            }
        }
        return Router(configuration, workspace).route({}).eligible_workers

    assert order("worker.rank DESC") == [wk(3), wk(4), wk(1), wk(2), wk(5)]
    assert order("worker.rank ASC") == [wk(1), wk(3), wk(4), wk(2), wk(5)]
    assert order("worker.rank DESC, worker.lang DESC") == [wk(4), wk(3), wk(1), wk(2), wk(5)]


def test_time_variables_come_from_the_clock() -> None:
    configuration = {
        "task_routing": {
            "filters": [
                {
                    "filter_friendly_name": "office hours",
                    "expression": "taskrouter.currentHour >= 9",
                    "targets": [{"queue": EVERYONE}],
                }
            ]
        }
    }
    morning = Router(configuration, WORKSPACE, clock=lambda: datetime(2026, 1, 5, 10, 0, tzinfo=UTC))
    night = Router(configuration, WORKSPACE, clock=lambda: datetime(2026, 1, 5, 3, 0, tzinfo=UTC))
    assert morning.route({}).filter_name == "office hours"
    assert night.route({}).filter_name is None


def test_queue_sid_not_in_the_workspace_has_no_name_and_no_workers() -> None:
    configuration = {"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": wq(77)}]}]}}
    routing = Router(configuration, WORKSPACE).route({})
    assert routing.queue_sid == wq(77) and routing.queue_name is None and routing.eligible_workers == []


def test_every_expression_is_compiled_once_per_router(monkeypatch) -> None:
    import flex_chat_transfer.workflow.simulate as simulate

    calls: list[tuple[str, str]] = []

    def counting_parse(text, context):
        calls.append((text, context))
        return simulate_parse(text, context)

    simulate_parse = simulate.parse
    monkeypatch.setattr(simulate, "parse", counting_parse)
    queues = tuple(TransferQueue(name) for name in ("Sales", "Support"))
    router = Router(render(ChatTransferSpec(transfer_queues=queues), SIDS), WORKSPACE)
    for name in ("Sales", "Support", "Sales"):
        router.route(queue_task(name, []))
    assert calls.count(("worker.sid NOT IN task.workerSidsInConversation", "target")) == 1
    assert len(calls) == len(set(calls))  # nothing compiled twice, nothing compiled while routing
    assert len(calls) == 3 + 1 + 3  # three filters, one target expression, three queues' target_workers


@pytest.mark.parametrize(
    ("configuration", "path", "fragment"),
    [
        ({}, "$.task_routing", "missing"),
        (
            {"task_routing": {"filters": [{"expression": "a ==", "targets": [{"queue": SALES}]}]}},
            "$.task_routing.filters[0].expression",
            "at column 5",
        ),
        (
            {"task_routing": {"filters": [{"expression": "1==1", "targets": [{"expression": "1==1"}]}]}},
            "$.task_routing.filters[0].targets[0].queue",
            "no queue",
        ),
        (
            {
                "task_routing": {
                    "filters": [
                        {"expression": "1==1", "targets": [{"queue": SALES, "expression": "sid == 'x'"}]}
                    ]
                }
            },
            "$.task_routing.filters[0].targets[0].expression",
            "bare name 'sid'",
        ),
        (
            {
                "task_routing": {
                    "filters": [{"expression": "1==1", "targets": [{"queue": SALES, "timeout": "soon"}]}]
                }
            },
            "$.task_routing.filters[0].targets[0].timeout",
            "whole number",
        ),
        (
            {
                "task_routing": {
                    "filters": [
                        {"expression": "1==1", "targets": [{"queue": SALES, "known_worker_sid": "WK123"}]}
                    ]
                }
            },
            "$.task_routing.filters[0].targets[0].known_worker_sid",
            "task attribute reference",
        ),
        (
            {"task_routing": {"default_filter": {"queue": SALES, "skip_if": "available == 0"}}},
            "$.task_routing.default_filter.skip_if",
            "not available in skip_if",
        ),
    ],
)
def test_configuration_errors_name_the_json_path(configuration, path, fragment) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Router(configuration, WORKSPACE)
    assert caught.value.path == path
    assert fragment in str(caught.value) and "(fix: " in str(caught.value)
