"""Bad stack config: each case is answered by the program's pre-write checks with one clear line naming the
config key (or the queue / credential) and a fix, and the sandbox's request log shows nothing written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fault_tally import writes
from program_checks import run_program_checks

REPO = Path(__file__).resolve().parents[2]

NS = "chat-transfer:"
BASE = {
    f"{NS}workspace": "Flex Task Assignment",
    f"{NS}workerTransferQueue": "Everyone",
    f"{NS}transferQueues": ["Sales", {"name": "Support", "timeout": 120}],
    f"{NS}features": {"cold_transfer": True, "multi_participant": True},
    f"{NS}functions": {"runtime": "node22", "serviceName": "chat-transfer", "buildTimeout": 60},
}


def q(*entries):
    return {f"{NS}transferQueues": list(entries)}


# (case id, config changes (None removes the key), where the message must point)
CASES = [
    ("unknown top-level key", {f"{NS}transferQueue": ["Sales"]}, "chat-transfer:transferQueue"),
    ("transferQueues not a list", {f"{NS}transferQueues": "Sales"}, "chat-transfer:transferQueues"),
    ("transferQueues a mapping", {f"{NS}transferQueues": {"Sales": 1}}, "chat-transfer:transferQueues"),
    ("duplicate queue", q("Sales", "Support", "Sales"), "chat-transfer:transferQueues[2]"),
    ("duplicate queue by object", q("Sales", {"name": "Sales"}), "chat-transfer:transferQueues[1].name"),
    ("unknown queue", q("Sales", "Marketing"), "'Marketing'"),
    ("unknown worker transfer queue", {f"{NS}workerTransferQueue": "Nobody"}, "'Nobody'"),
    ("unknown default queue", {f"{NS}defaultQueue": "Overflow"}, "'Overflow'"),
    ("unknown fallback queue", q({"name": "Sales", "timeout": 30, "fallbackQueue": "Ghost"}), "'Ghost'"),
    ("queue entry is a number", q(42), "chat-transfer:transferQueues[0]"),
    ("queue mapping without name", q({"timeout": 30}), "chat-transfer:transferQueues[0].name"),
    ("misspelt queue key", q({"name": "Sales", "timout": 30}), "chat-transfer:transferQueues[0].timout"),
    ("negative timeout", q({"name": "Sales", "timeout": -5}), "chat-transfer:transferQueues[0].timeout"),
    (
        "timeout not a number",
        q({"name": "Sales", "timeout": "soon"}),
        "chat-transfer:transferQueues[0].timeout",
    ),
    (
        "priority too large",
        q({"name": "Sales", "priority": 2**40}),
        "chat-transfer:transferQueues[0].priority",
    ),
    (
        "bad orderBy",
        q({"name": "Sales", "orderBy": "worker.level SIDEWAYS"}),
        "chat-transfer:transferQueues[0].orderBy",
    ),
    (
        "skipIf does not parse",
        q({"name": "Sales", "timeout": 9, "skipIf": "workers.available =="}),
        "chat-transfer:transferQueues[0].skipIf",
    ),
    (
        "skipIf unbalanced",
        q({"name": "Sales", "timeout": 9, "skipIf": "(workers.available == 0"}),
        "chat-transfer:transferQueues[0].skipIf",
    ),
    (
        "fallback to itself",
        q({"name": "Sales", "timeout": 9, "fallbackQueue": "Sales"}),
        "chat-transfer:transferQueues[0].fallbackQueue",
    ),
    (
        "fallback never reached",
        q({"name": "Sales", "fallbackQueue": "Support"}),
        "chat-transfer:transferQueues[0].fallbackQueue",
    ),
    ("queue name with newline", q("Sales\nSupport"), "chat-transfer:transferQueues[0]"),
    ("workspace not found", {f"{NS}workspace": "Flex Task Asignment"}, "chat-transfer:workspace"),
    ("malformed workspace SID", {f"{NS}workspace": "WS" + "z" * 32}, "chat-transfer:workspace"),
    ("absent workspace SID", {f"{NS}workspace": "WS" + "0" * 32}, "chat-transfer:workspace"),
    ("empty workflow name", {f"{NS}workflowName": "  "}, "chat-transfer:workflowName"),
    (
        "feature flag not boolean",
        {f"{NS}features": {"cold_transfer": "maybe"}},
        "chat-transfer:features.cold_transfer",
    ),
    ("unknown feature", {f"{NS}features": {"warm_transfer": True}}, "chat-transfer:features.warm_transfer"),
    ("unknown runtime", {f"{NS}functions": {"runtime": "python3"}}, "chat-transfer:functions.runtime"),
    (
        "service name with spaces",
        {f"{NS}functions": {"serviceName": "chat transfer!"}},
        "chat-transfer:functions.serviceName",
    ),
    (
        "oversize service name",
        {f"{NS}functions": {"serviceName": "x" * 80}},
        "chat-transfer:functions.serviceName",
    ),
    (
        "oversize environment name",
        {f"{NS}functions": {"environment": "e" * 150}},
        "chat-transfer:functions.environment",
    ),
    ("zero build timeout", {f"{NS}functions": {"buildTimeout": 0}}, "chat-transfer:functions.buildTimeout"),
    (
        "attribute name with a dash",
        {f"{NS}attributes": {"queueName": "queue-name"}},
        "chat-transfer:attributes.queueName",
    ),
    (
        "reservation timeout too long",
        {f"{NS}taskReservationTimeout": 100_000},
        "chat-transfer:taskReservationTimeout",
    ),
    ("features as broken JSON string", {f"{NS}features": "{cold_transfer: yes"}, "chat-transfer:features"),
    ("missing credentials", {"twilio:accountSid": None, "twilio:authToken": None, "env": {}}, "twilio"),
    ("API key without secret", {"twilio:apiKey": "SK" + "1" * 32}, "twilio:apiSecret"),
    ("zero concurrency", {"twilio:concurrency": 0}, "twilio:concurrency"),
    ("take-over not a boolean", {f"{NS}flexTakeOver": "maybe"}, "chat-transfer:flexTakeOver"),
    (
        "third transfer queue unknown",
        {f"{NS}transferQueues": ["Sales", "Support", "Nope"]},
        "chat-transfer:transferQueues[2]",
    ),
]


@pytest.fixture(scope="module")
def program(fault_sandbox, tmp_path_factory):
    functions_dir = tmp_path_factory.mktemp("functions-copy") / "functions"
    shutil.copytree(REPO / "functions", functions_dir, ignore=shutil.ignore_patterns("node_modules", "test"))
    base = {
        **BASE,
        "twilio:accountSid": fault_sandbox.account_sid,
        "twilio:authToken": fault_sandbox.auth_token,
    }
    env = {"TWILIO_SANDBOX_URL": fault_sandbox.url}

    def run(changes: dict):
        changes = dict(changes)
        run_env = {**env, **changes.pop("env", {})}
        config = {**base, **changes}
        config = {k: v for k, v in config.items() if v is not None}
        return run_program_checks(config, "faults", functions_dir, run_env)

    assert run({}) is None, "the base config must pass, so each case fails only on its own change"
    return run


@pytest.mark.parametrize("name,changes,where", CASES, ids=[c[0] for c in CASES])
def test_bad_stack_config_is_refused_clearly_before_any_write(
    program, fault_sandbox, tally, name, changes, where
):
    mark = fault_sandbox.last_request_id()
    message = program(changes)
    assert message is not None, f"{name}: the program accepted it"
    tally.bad_input(f"config: {name}", message, where)
    assert writes(fault_sandbox.requests(since=mark)) == []


def test_ambiguous_workspace_name_is_refused_naming_it(program, fault_sandbox, tally):
    # TaskRouter keeps queue names unique per workspace (the sandbox refuses a second "Support" like Twilio),
    # but two workspaces may share a friendly name: the look-up must refuse to guess.
    with fault_sandbox.http() as http:
        made = http.post("/taskrouter/v1/Workspaces", data={"FriendlyName": "Flex Task Assignment"})
        assert made.status_code == 201, made.text
        try:
            mark = fault_sandbox.last_request_id()
            message = program({})
            assert message is not None
            tally.bad_input("config: ambiguous workspace", message, "chat-transfer:workspace")
            assert "2 workspaces" in message and made.json()["sid"] in message
            assert writes(fault_sandbox.requests(since=mark)) == []
        finally:
            http.delete(f"/taskrouter/v1/Workspaces/{made.json()['sid']}")
    assert program({}) is None


def test_wrong_auth_token_is_refused_by_the_sandbox_before_any_write(program, fault_sandbox, tally):
    mark = fault_sandbox.last_request_id()
    message = program({"twilio:authToken": "0" * 32})
    assert message is not None
    tally.bad_input("config: wrong auth token", message, "twilio:authToken")
    assert writes(fault_sandbox.requests(since=mark)) == []


def test_refused_credentials_say_where_they_came_from_never_their_value(program, fault_sandbox, tally):
    token = "0" * 31 + "7"
    mark = fault_sandbox.last_request_id()
    message = program(
        {
            "twilio:accountSid": None,
            "twilio:authToken": None,
            "env": {"TWILIO_ACCOUNT_SID": fault_sandbox.account_sid, "TWILIO_AUTH_TOKEN": token},
        }
    )
    assert message is not None
    tally.bad_input("config: wrong token from the environment", message, "TWILIO_AUTH_TOKEN")
    assert "$TWILIO_ACCOUNT_SID + $TWILIO_AUTH_TOKEN" in message
    leaked = token in message
    assert not leaked, "the token is in the message"
    from_config = program({"twilio:authToken": token})
    assert "stack config twilio:accountSid + stack config twilio:authToken" in from_config
    assert writes(fault_sandbox.requests(since=mark)) == []


def test_thousands_of_unknown_queues_are_summarised(program, fault_sandbox):
    names = [f"Queue {n}" for n in range(3500)]
    message = program({f"{NS}transferQueues": names})
    lines = message.splitlines()
    assert len(lines) == 21, len(lines)
    assert lines[0].startswith("chat-transfer:transferQueues[0]: queue 'Queue 0': not found")
    assert lines[-1] == "... and 3480 more queue problems like these"
