"""Declared transfer queues (`targetWorkers` and the TaskQueue fields) and the task attribute names in the
spec: what the loader accepts, the one line it gives for what it refuses (config path, what, fix), and the
workflow rendered with a declared queue's SID still to come."""

import pytest

from flex_chat_transfer.workflow.loader import spec_from_config
from flex_chat_transfer.workflow.problems import ProblemsError
from flex_chat_transfer.workflow.render import PLACEHOLDER_PREFIX, fill_placeholders, placeholder_sid, render
from flex_chat_transfer.workflow.spec import RESERVED_ATTRIBUTE_NAMES, TransferQueue

SALES_SID = "WQ" + "1" * 32
EVERYONE_SID = "WQ" + "2" * 32
VIP = {
    "name": "VIP",
    "targetWorkers": "routing.skills HAS 'vip'",
    "maxReservedWorkers": "3",
    "taskOrder": "LIFO",
}


def problems(config: dict) -> list[str]:
    with pytest.raises(ProblemsError) as raised:
        spec_from_config(config, "dev")
    return [str(problem) for problem in raised.value.problems]


def test_a_queue_with_target_workers_is_declared_and_one_by_name_is_looked_up():
    spec = spec_from_config({"transferQueues": ["Sales", VIP], "defaultQueue": "VIP"}, "dev")
    assert spec.transfer_queues[1] == TransferQueue(
        "VIP", target_workers="routing.skills HAS 'vip'", max_reserved_workers=3, task_order="LIFO"
    )
    assert [q.name for q in spec.declared_queues()] == ["VIP"]
    assert not spec.transfer_queues[0].declared


def test_target_workers_is_parsed_in_the_queue_context_with_path_and_column():
    [line] = problems({"transferQueues": ["Sales", {"name": "VIP", "targetWorkers": "routing.skills HAS"}]})
    assert line.startswith("chat-transfer:transferQueues[1].targetWorkers: expression does not parse: ")
    assert "column 19" in line and "(fix: " in line
    # `task.` names belong to workflow expressions, not to a queue's workers.
    [line] = problems({"transferQueues": [{"name": "VIP", "targetWorkers": "task.priority > 1"}]})
    assert line.startswith("chat-transfer:transferQueues[0].targetWorkers: ")


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            {**VIP, "maxReservedWorkers": 51},
            "chat-transfer:transferQueues[0].maxReservedWorkers: 51 is out of range "
            "(fix: use workers between 1 and 50)",
        ),
        (
            {**VIP, "taskOrder": "fifo"},
            "chat-transfer:transferQueues[0].taskOrder: must be FIFO or LIFO, got a string 'fifo' "
            "(fix: write FIFO (the default) or LIFO)",
        ),
        (
            {"name": "Sales", "taskOrder": "LIFO"},
            "chat-transfer:transferQueues[0].taskOrder: only a queue this stack creates takes taskOrder; "
            "'Sales' is looked up as it is (fix: add targetWorkers: <expression> to create the queue from "
            "this stack, or remove taskOrder)",
        ),
        (
            {**VIP, "renamedFrom": "VIP"},
            "chat-transfer:transferQueues[0].renamedFrom: is the queue's own name 'VIP' (fix: write the name "
            "the queue had before, or remove renamedFrom)",
        ),
        (
            {"name": "Sales", "renamedFrom": "Old Sales"},
            "chat-transfer:transferQueues[0].renamedFrom: only a queue this stack creates takes renamedFrom; "
            "'Sales' is looked up as it is (fix: add targetWorkers: <expression> to create the queue from "
            "this stack, or remove renamedFrom)",
        ),
        (
            {**VIP, "targetWorkers": ""},
            "chat-transfer:transferQueues[0].targetWorkers: is empty (fix: write the expression, or remove "
            "the key to use the default)",
        ),
    ],
)
def test_bad_queue_fields_give_one_line(entry, expected):
    assert problems({"transferQueues": [entry]}) == [expected]


def test_attribute_names_are_checked_as_the_functions_check_them():
    lines = problems(
        {
            "attributes": {
                "targetType": "conversationSid",
                "targetSid": "x" * 129,
                "queueName": "transfer-queue",
            }
        }
    )
    assert lines == [
        "chat-transfer:attributes.targetType: 'conversationSid' is a task attribute the invite or Flex "
        f"writes itself (fix: choose another name (not one of {', '.join(RESERVED_ATTRIBUTE_NAMES)}))",
        "chat-transfer:attributes.targetSid: is 129 characters, over the limit of 128 (fix: shorten the task "
        "attribute name to at most 128 characters)",
        "chat-transfer:attributes.queueName: 'transfer-queue' cannot be used unquoted in a TaskRouter "
        "expression (fix: use letters, digits and underscores only, not starting with a digit)",
    ]
    longest = spec_from_config({"attributes": {"targetSid": "x" * 128}}, "dev")
    assert longest.attributes.target_sid == "x" * 128


def test_the_four_attribute_names_differ_defaults_included():
    [line] = problems({"attributes": {"workersInConversation": "transferTargetSid"}})
    assert line == (
        "chat-transfer:attributes.workersInConversation: names the attribute 'transferTargetSid', as "
        "attributes.targetSid (its default) does (fix: give each of targetType, targetSid, queueName, "
        "workersInConversation its own name)"
    )
    [line] = problems({"attributes": {"targetType": "same", "queueName": "same"}})
    assert line.startswith(
        "chat-transfer:attributes.targetType: names the attribute 'same', as attributes.queueName does"
    )


def test_a_declared_queue_renders_as_a_placeholder_until_its_sid_is_filled_in():
    spec = spec_from_config({"transferQueues": ["Sales", VIP], "defaultQueue": "VIP"}, "dev")
    document = render(spec, {"Everyone": EVERYONE_SID, "Sales": SALES_SID}, pending=["VIP"])
    vip = document["task_routing"]["filters"][2]
    assert vip["expression"] == "transferQueueName == 'VIP'"
    assert vip["targets"][0]["queue"] == placeholder_sid("VIP")
    assert document["task_routing"]["default_filter"]["queue"] == placeholder_sid("VIP")
    filled = fill_placeholders(document, {"VIP": "WQ" + "3" * 32})
    assert filled["task_routing"]["filters"][2]["targets"][0]["queue"] == "WQ" + "3" * 32
    assert PLACEHOLDER_PREFIX not in str(filled)
    assert filled["task_routing"]["filters"][1]["targets"][0]["queue"] == SALES_SID
    # Without `pending`, a missing SID is still the one clear problem it was.
    with pytest.raises(ProblemsError, match=r"queue_sids\[\"VIP\"\]: no SID for queue 'VIP'"):
        render(spec, {"Everyone": EVERYONE_SID, "Sales": SALES_SID})
