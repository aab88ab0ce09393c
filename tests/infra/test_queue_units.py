"""Declared queues and attribute names in infra/, without a Twilio call: the program looks up only the queues
the stack does not declare, the component wires a declared queue's SID output into the workflow and the
attribute names into the functions' Variables (mocks), and the TaskQueue kind's Check and Diff."""

from __future__ import annotations

import pulumi

from flex_chat_transfer.infra.component import (
    ATTRIBUTE_VARIABLES,
    attribute_variables,
    context_problem,
    queue_resource_name,
)
from flex_chat_transfer.infra.program import queue_config_paths
from flex_chat_transfer.workflow.loader import spec_from_config
from flex_chat_transfer.workflow.spec import AttributeNames
from tests.infra.pulumi_mocks import QUEUES, WS, functions_project
from tests.infra.test_checks import _check, _diff

VIP = {"name": "VIP", "targetWorkers": "routing.skills HAS 'vip'", "taskOrder": "LIFO"}
QUEUE = {
    "workspace_sid": WS,
    "friendly_name": "VIP",
    "target_workers": "routing.skills HAS 'vip'",
    "max_reserved_workers": 1,
    "task_order": "FIFO",
}


def test_only_queues_the_stack_does_not_declare_are_looked_up():
    spec = spec_from_config(
        {"transferQueues": ["Sales", VIP, {"name": "Support", "timeout": 5, "fallbackQueue": "VIP"}]}, "t"
    )
    assert queue_config_paths(spec) == {
        "Everyone": "chat-transfer:workerTransferQueue",
        "Sales": "chat-transfer:transferQueues[0]",
        "Support": "chat-transfer:transferQueues[2]",
    }


def test_a_declared_queue_is_named_after_its_friendly_name_and_unsafe_characters_never_collide():
    assert queue_resource_name("ct", "VIP") == "ct-queue-VIP"
    spaced, dashed = queue_resource_name("ct", "VIP Gold"), queue_resource_name("ct", "VIP-Gold")
    assert spaced.startswith("ct-queue-VIP-Gold-") and dashed == "ct-queue-VIP-Gold" and spaced != dashed
    assert "::" not in queue_resource_name("ct", "a::b")


def test_the_four_attribute_variables_are_always_set_and_counted_in_the_context():
    assert attribute_variables(AttributeNames()) == {
        "TRANSFER_ATTRIBUTE_TARGET_TYPE": "transferTargetType",
        "TRANSFER_ATTRIBUTE_TARGET_SID": "transferTargetSid",
        "TRANSFER_ATTRIBUTE_QUEUE_NAME": "transferQueueName",
        "TRANSFER_ATTRIBUTE_WORKERS_IN_CONVERSATION": "workerSidsInConversation",
    }
    longest = attribute_variables(AttributeNames(*(c * 128 for c in "abcd")))
    assert context_problem({"TWILIO_FLEX_WORKSPACE_SID": WS, **longest}) is None
    # Counted: with them, variables that fit alone no longer do.
    others = {f"K{i}": "v" * 300 for i in range(6)}
    assert context_problem(others) is None
    assert context_problem({**others, **longest}) is not None
    assert set(ATTRIBUTE_VARIABLES) == set(AttributeNames().by_key())


@pulumi.runtime.test
def test_a_declared_queue_is_a_task_queue_whose_sid_the_workflow_targets(mocks, tmp_path):
    from flex_chat_transfer.infra.component import ChatTransfer

    spec = spec_from_config(
        {"transferQueues": ["Sales", VIP], "attributes": {"queueName": "xferQueue"}}, "test"
    )
    component = ChatTransfer("ct", spec, WS, QUEUES, functions_project(tmp_path), 42.0)

    def verify(args):
        vip_sid, variables = args
        queue = mocks.resources["ct-queue-VIP"]["inputs"]
        assert queue == {
            "workspace_sid": WS,
            "friendly_name": "VIP",
            "target_workers": "routing.skills HAS 'vip'",
            "task_order": "LIFO",
        }
        filters = mocks.resources["ct-workflow"]["inputs"]["configuration"]["task_routing"]["filters"]
        assert [f["targets"][0]["queue"] for f in filters] == [QUEUES["Everyone"], QUEUES["Sales"], vip_sid]
        assert filters[2]["expression"] == "xferQueue == 'VIP'"
        assert variables["TRANSFER_ATTRIBUTE_QUEUE_NAME"] == "xferQueue"
        assert variables["TRANSFER_ATTRIBUTE_TARGET_SID"] == "transferTargetSid"  # defaults are set too

    keys = list(ATTRIBUTE_VARIABLES.values())
    return pulumi.Output.all(
        component.queues["VIP"].id,
        pulumi.Output.all(*[component.variables[k].value for k in keys]).apply(
            lambda values: dict(zip(keys, values, strict=True))
        ),
    ).apply(verify)


def test_task_queue_check_refuses_bad_fields_in_one_line_each():
    bad = {**QUEUE, "target_workers": "routing.skills HAS", "max_reserved_workers": 51, "task_order": "X"}
    failures = {f.property: f.reason for f in _check("taskrouter:TaskQueue", QUEUE, bad).failures}
    assert set(failures) == {"target_workers", "max_reserved_workers", "task_order"}
    assert "column 19" in failures["target_workers"]
    assert "fix:" in failures["target_workers"] and "fix:" in failures["max_reserved_workers"]


def test_task_queue_check_fills_twilios_defaults_so_removing_a_field_puts_it_back():
    checked = _check("taskrouter:TaskQueue", QUEUE, {"workspace_sid": WS, "friendly_name": "VIP"})
    assert checked.failures == []
    assert {k: v.value for k, v in checked.inputs.items()} == {
        "workspace_sid": WS,
        "friendly_name": "VIP",
        "target_workers": "1==1",
        "max_reserved_workers": 1.0,
        "task_order": "FIFO",
    }


def test_a_rename_is_an_update_in_place_and_only_a_new_workspace_replaces():
    renamed = _diff("taskrouter:TaskQueue", QUEUE, {**QUEUE, "friendly_name": "VIP Gold"})
    assert renamed.changes and renamed.replaces == [] and renamed.diffs == ["friendly_name"]
    moved = _diff("taskrouter:TaskQueue", QUEUE, {**QUEUE, "workspace_sid": "WS" + "2" * 32})
    assert moved.replaces == ["workspace_sid"]
    same = _diff("taskrouter:TaskQueue", {**QUEUE, "sid": "WQ" + "1" * 32}, QUEUE)
    assert not same.changes
