"""The spec model and the one loader for stack files and pulumi.Config values: defaults, accepted forms,
and a table of bad configs each giving one precise line (config path, what, fix)."""

import json

import pytest

from flex_chat_transfer.workflow.loader import load_stack_file, spec_from_config
from flex_chat_transfer.workflow.problems import ProblemsError
from flex_chat_transfer.workflow.spec import (
    AttributeNames,
    ChatTransferSpec,
    Features,
    FunctionsSettings,
    TransferQueue,
)


def test_defaults_match_design_and_seed():
    spec = spec_from_config({}, "dev")
    assert spec == ChatTransferSpec(functions=FunctionsSettings(environment="dev"))
    assert (spec.workspace, spec.workflow_name, spec.worker_transfer_queue) == (
        "Flex Task Assignment",
        "Chat Transfer",
        "Everyone",
    )
    assert spec.attributes == AttributeNames(
        "transferTargetType", "transferTargetSid", "transferQueueName", "workerSidsInConversation"
    )
    assert spec.features == Features(True, True)
    assert (spec.functions.runtime, spec.functions.service_name) == ("node22", "chat-transfer")


def test_full_config():
    spec = spec_from_config(
        {
            "workspace": "WS0123456789abcdef0123456789abcdef",
            "workflowName": "Chat Transfer Staging",
            "workerTransferQueue": "All Agents",
            "transferQueues": [
                "Sales",
                {
                    "name": "Support",
                    "timeout": 30,
                    "priority": 2,
                    "orderBy": "worker.level DESC",
                    "skipIf": "workers.available == 0",
                    "fallbackQueue": "Sales",
                },
            ],
            "attributes": {"targetType": "kind"},
            "defaultQueue": "Overflow",
            "features": {"cold_transfer": False},
            "functions": {"runtime": "node20", "serviceName": "ct-staging", "environment": "stage"},
            "taskReservationTimeout": 300,
        },
        "dev",
    )
    assert spec.transfer_queues == (
        TransferQueue("Sales"),
        TransferQueue("Support", 30, 2, "worker.level DESC", "workers.available == 0", "Sales"),
    )
    assert spec.attributes.target_type == "kind" and spec.attributes.target_sid == "transferTargetSid"
    assert spec.features == Features(cold_transfer=False, multi_participant=True)
    assert spec.functions == FunctionsSettings("node20", "ct-staging", "stage")
    assert spec.task_reservation_timeout == 300
    assert spec.queue_names() == ["All Agents", "Sales", "Support", "Overflow"]


def test_pulumi_config_strings_are_accepted():
    """pulumi.Config hands objects as JSON strings and scalars as strings."""
    spec = spec_from_config(
        {
            "transferQueues": json.dumps([{"name": "Sales", "timeout": "45"}]),
            "features": json.dumps({"multi_participant": "false"}),
            "taskReservationTimeout": "60",
        },
        "prod",
    )
    assert spec.transfer_queues == (TransferQueue("Sales", timeout=45),)
    assert spec.features.multi_participant is False
    assert spec.task_reservation_timeout == 60


def test_queue_names_deduplicated_in_first_use_order():
    spec = ChatTransferSpec(
        transfer_queues=(TransferQueue("Sales", fallback_queue="Everyone"), TransferQueue("Everyone")),
        default_queue="Sales",
    )
    assert spec.queue_names() == ["Everyone", "Sales"]


@pytest.mark.parametrize("runtime", ["node20", "node22", "node24", "node26"])
def test_runtimes_from_node20_upwards_are_accepted_including_ones_newer_than_the_oai_enum(runtime):
    assert spec_from_config({"functions": {"runtime": runtime}}, "dev").functions.runtime == runtime


def test_build_timeout_is_left_to_the_deploy_settings():
    spec = spec_from_config({"functions": {"buildTimeout": 600}}, "dev")
    assert spec.functions == FunctionsSettings(environment="dev")


def test_every_problem_is_reported_at_once():
    with pytest.raises(ProblemsError) as caught:
        spec_from_config({"workflowName": "", "transferQueues": [{"name": "A", "timeout": 0}, 7]}, "dev")
    assert [p.path for p in caught.value.problems] == [
        "chat-transfer:workflowName",
        "chat-transfer:transferQueues[0].timeout",
        "chat-transfer:transferQueues[1]",
    ]
    assert str(caught.value).count("\n") == 2


# (id, config values, the exact problem line)
BAD = [
    (
        "typo top-level key",
        {"transferQueue": ["Sales"]},
        "chat-transfer:transferQueue: unknown key 'transferQueue' (fix: did you mean 'transferQueues'?)",
    ),
    (
        "unknown key far from any",
        {"colour": "red"},
        "chat-transfer:colour: unknown key 'colour' (fix: use one of: workspace, workflowName, "
        "workerTransferQueue, "
        "transferQueues, attributes, defaultQueue, features, functions, taskReservationTimeout)",
    ),
    (
        "typo queue key",
        {"transferQueues": [{"name": "Sales", "timout": 5}]},
        "chat-transfer:transferQueues[0].timout: unknown key 'timout' (fix: did you mean 'timeout'?)",
    ),
    (
        "snake_case queue key",
        {"transferQueues": [{"name": "Sales", "order_by": "worker.a ASC"}]},
        "chat-transfer:transferQueues[0].order_by: unknown key 'order_by' (fix: did you mean 'orderBy'?)",
    ),
    (
        "queue without name",
        {"transferQueues": [{"timeout": 5}]},
        "chat-transfer:transferQueues[0].name: is missing (fix: give the queue's friendly name as name:)",
    ),
    (
        "queue entry a number",
        {"transferQueues": ["Sales", 42]},
        "chat-transfer:transferQueues[1]: must be a queue name or an object, got a number 42 "
        "(fix: write the queue name, or {name: ..., timeout: ...})",
    ),
    (
        "transferQueues not a list",
        {"transferQueues": {"Sales": 1}},
        "chat-transfer:transferQueues: must be a list, got an object (fix: write a YAML list of queue names)",
    ),
    (
        "transferQueues bad JSON string",
        {"transferQueues": "[Sales"},
        "chat-transfer:transferQueues: is a string that is not a JSON list (not valid JSON: "
        "Expecting value at line 1, column 2) (fix: write a YAML list)",
    ),
    (
        "timeout zero",
        {"transferQueues": [{"name": "Sales", "timeout": 0}]},
        "chat-transfer:transferQueues[0].timeout: 0 is out of range (fix: use seconds between 1 and 1209600)",
    ),
    (
        "timeout with unit",
        {"transferQueues": [{"name": "Sales", "timeout": "30s"}]},
        "chat-transfer:transferQueues[0].timeout: must be a whole number, got a string '30s' "
        "(fix: write a whole number of seconds)",
    ),
    (
        "timeout boolean",
        {"transferQueues": [{"name": "Sales", "timeout": True}]},
        "chat-transfer:transferQueues[0].timeout: must be a whole number, got a boolean true "
        "(fix: write a whole number of seconds)",
    ),
    (
        "priority too large",
        {"transferQueues": [{"name": "Sales", "priority": 2**31}]},
        "chat-transfer:transferQueues[0].priority: 2147483648 is out of range "
        "(fix: use priority between 0 and 2147483647)",
    ),
    (
        "orderBy not worker attributes",
        {"transferQueues": [{"name": "Sales", "orderBy": "level DESC"}]},
        "chat-transfer:transferQueues[0].orderBy: 'level DESC' is not a worker ordering "
        "(fix: write clauses like 'worker.level DESC, worker.tenure ASC')",
    ),
    (
        "skipIf does not parse",
        {"transferQueues": [{"name": "Sales", "skipIf": "workers.available =="}]},
        "chat-transfer:transferQueues[0].skipIf: expression does not parse: expected a value after '==', "
        "found the "
        "end of the expression at column 21 (fix: fix the expression at the column shown)",
    ),
    (
        "fallback to itself",
        {"transferQueues": [{"name": "Sales", "timeout": 5, "fallbackQueue": "Sales"}]},
        "chat-transfer:transferQueues[0].fallbackQueue: falls back to its own queue 'Sales' "
        "(fix: name a different queue, or remove fallbackQueue)",
    ),
    (
        "fallback never reached",
        {"transferQueues": [{"name": "Sales", "fallbackQueue": "Everyone"}]},
        "chat-transfer:transferQueues[0].fallbackQueue: fallback 'Everyone' is never reached: the queue "
        "has no "
        "timeout or skipIf (fix: add timeout: <seconds> (or skipIf) to this queue)",
    ),
    (
        "duplicate queue",
        {"transferQueues": ["Sales", "Support", "Sales"]},
        "chat-transfer:transferQueues[2]: queue 'Sales' is listed twice (first at transferQueues[0]) "
        "(fix: remove the duplicate: only the first filter for a name can ever match)",
    ),
    (
        "name with both quotes",
        {"transferQueues": ['It\'s "ok"']},
        "chat-transfer:transferQueues[0]: queue name 'It\\'s \"ok\"' contains both ' and \" so no TaskRouter "
        "string literal can hold it (fix: rename the queue to use only one kind of quote)",
    ),
    (
        "name too long",
        {"transferQueues": ["Q" * 65]},
        "chat-transfer:transferQueues[0]: queue name 'QQQQQQQQQQQQQQQQQQQQ'… is 65 characters, over "
        "TaskRouter's "
        "64 (fix: rename the queue to at most 64 characters)",
    ),
    (
        "name with newline",
        {"workerTransferQueue": "Every\none"},
        "chat-transfer:workerTransferQueue: queue name 'Every\\none' contains a control character "
        "(fix: remove tabs, newlines and other control characters from the name)",
    ),
    (
        "empty worker queue",
        {"workerTransferQueue": "  "},
        "chat-transfer:workerTransferQueue: queue name is empty (fix: write the TaskQueue's friendly name)",
    ),
    (
        "default queue not a string",
        {"defaultQueue": ["Everyone"]},
        "chat-transfer:defaultQueue: queue name must be a string, got list (fix: write the queue's "
        "friendly name)",
    ),
    (
        "malformed workspace SID",
        {"workspace": "WS0123456789abcdef0123456789abcdeZ"},
        "chat-transfer:workspace: 'WS0123456789abcdef0123456789abcdeZ' looks like a workspace SID but is "
        "not one "
        "(fix: use WS followed by 32 hex digits, or the workspace's friendly name)",
    ),
    (
        "workflow name empty",
        {"workflowName": ""},
        "chat-transfer:workflowName: is empty (fix: write the workflow name, or remove the key to use the "
        "default)",
    ),
    (
        "attribute with hyphen",
        {"attributes": {"queueName": "transfer-queue"}},
        "chat-transfer:attributes.queueName: 'transfer-queue' cannot be used unquoted in a TaskRouter "
        "expression "
        "(fix: use letters, digits and underscores only, not starting with a digit)",
    ),
    (
        "attribute key typo",
        {"attributes": {"targetSID": "x"}},
        "chat-transfer:attributes.targetSID: unknown key 'targetSID' (fix: did you mean 'targetSid'?)",
    ),
    (
        "feature not boolean",
        {"features": {"cold_transfer": "yes"}},
        "chat-transfer:features.cold_transfer: must be true or false, got a string 'yes' (fix: write true "
        "or false)",
    ),
    (
        "feature key camelCase",
        {"features": {"coldTransfer": True}},
        "chat-transfer:features.coldTransfer: unknown key 'coldTransfer' (fix: did you mean "
        "'cold_transfer'?)",
    ),
    (
        "features not a mapping",
        {"features": ["cold_transfer"]},
        "chat-transfer:features: must be an object, got a list (fix: write keys among: enabled, "
        "cold_transfer, multi_participant)",
    ),
    (
        "retired runtime node18",
        {"functions": {"runtime": "node18"}},
        "chat-transfer:functions.runtime: Serverless runtime 'node18' is retired by Twilio "
        "(builds on it fail) "
        "(fix: use node20 or newer, e.g. node22 (the default) or node24)",
    ),
    (
        "retired runtime node16",
        {"functions": {"runtime": "node16"}},
        "chat-transfer:functions.runtime: Serverless runtime 'node16' is retired by Twilio "
        "(builds on it fail) "
        "(fix: use node20 or newer, e.g. node22 (the default) or node24)",
    ),
    (
        "runtime of another language",
        {"functions": {"runtime": "python3"}},
        "chat-transfer:functions.runtime: unknown Serverless runtime 'python3' "
        "(fix: use node<major version>, e.g. node22 (the default) or node24)",
    ),
    (
        "runtime without a major version",
        {"functions": {"runtime": "node"}},
        "chat-transfer:functions.runtime: unknown Serverless runtime 'node' "
        "(fix: use node<major version>, e.g. node22 (the default) or node24)",
    ),
    (
        "service name with space",
        {"functions": {"serviceName": "chat transfer"}},
        "chat-transfer:functions.serviceName: 'chat transfer' is not a usable Serverless unique name "
        "(fix: use letters, digits and hyphens, starting with a letter or digit)",
    ),
    (
        "service name too long",
        {"functions": {"serviceName": "s" * 51}},
        "chat-transfer:functions.serviceName: is 51 characters, over the limit of 50 "
        "(fix: shorten the service unique name to at most 50 characters)",
    ),
    (
        "reservation timeout too long",
        {"taskReservationTimeout": 86401},
        "chat-transfer:taskReservationTimeout: 86401 is out of range (fix: use seconds between 1 and 86400)",
    ),
]


@pytest.mark.parametrize(("values", "expected"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_config_gives_one_precise_line(values, expected):
    with pytest.raises(ProblemsError) as caught:
        spec_from_config(values, "dev")
    assert [str(p) for p in caught.value.problems] == [expected]


def test_at_least_25_bad_configs():
    assert len(BAD) >= 25


def test_stack_file_reads_only_chat_transfer_keys(tmp_path):
    path = tmp_path / "Pulumi.staging.yaml"
    path.write_text(
        "config:\n"
        "  twilio:accountSid: AC00000000000000000000000000000000\n"
        "  twilio:authToken:\n    secure: AAABAxyz\n"
        "  chat-transfer:transferQueues:\n    - Sales\n    - name: O'Brien Team\n      timeout: 20\n"
        "  chat-transfer:features:\n    cold_transfer: false\n"
    )
    spec = load_stack_file(path)
    assert spec.transfer_queues == (TransferQueue("Sales"), TransferQueue("O'Brien Team", timeout=20))
    assert spec.features.cold_transfer is False
    assert spec.functions.environment == "staging"


def test_stack_file_problems_use_config_paths(tmp_path):
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text("config:\n  chat-transfer:transferQueues:\n    - name: Sales\n      priority: -1\n")
    with pytest.raises(ProblemsError) as caught:
        load_stack_file(path)
    assert [p.path for p in caught.value.problems] == ["chat-transfer:transferQueues[0].priority"]


def test_stack_file_not_yaml(tmp_path):
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text("config:\n  chat-transfer:workflowName: [unclosed\n")
    with pytest.raises(ProblemsError) as caught:
        load_stack_file(path)
    (problem,) = caught.value.problems
    assert problem.path == str(path) and problem.message.startswith("not valid YAML at line")


def test_stack_file_without_config_gives_the_deploys_per_stack_defaults(tmp_path):
    path = tmp_path / "Pulumi.empty.yaml"
    path.write_text("encryptionsalt: v1:abc\n")
    assert load_stack_file(path) == ChatTransferSpec(
        workflow_name="Chat Transfer (empty)",
        functions=FunctionsSettings(service_name="chat-transfer-empty", environment="empty"),
    )
