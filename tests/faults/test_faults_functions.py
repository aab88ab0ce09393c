"""Abuse of the deployed functions (served by the sandbox's /_runtime exactly as deployed by the stack):
bad parameters get 400 with one line naming the parameter, bad tokens get 403, and neither writes anything."""

from __future__ import annotations

import json

import pytest
from fault_world import INVITE, REMOVE, UPDATE_ATTRIBUTES, invite_form


def remove_form(world, token: str, **overrides) -> dict:
    chat = world.chat()
    form = {
        "Token": token,
        "flexInteractionSid": chat["interaction"],
        "flexInteractionChannelSid": chat["channel"],
        "flexInteractionParticipantSid": chat["agent_participant"],
        "conversationSid": chat["conversation"],
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def attributes_form(world, token: str, **overrides) -> dict:
    form = {"Token": token, "conversationSid": world.chat()["conversation"], "attributes": "{}"}
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


W = "WK" + "0" * 32
# (case id, function, form builder, overrides, the parameter the message must name)
PARAMETER_CASES = [
    ("invite: taskSid missing", INVITE, invite_form, {"taskSid": None}, "taskSid"),
    ("invite: taskSid wrong prefix", INVITE, invite_form, {"taskSid": "WR" + "1" * 32}, "taskSid"),
    ("invite: conversationId malformed", INVITE, invite_form, {"conversationId": "CH123"}, "conversationId"),
    (
        "invite: jsonAttributes malformed JSON",
        INVITE,
        invite_form,
        {"jsonAttributes": "{oops"},
        "jsonAttributes",
    ),
    ("invite: jsonAttributes an array", INVITE, invite_form, {"jsonAttributes": "[1]"}, "jsonAttributes"),
    (
        "invite: target wrong prefix",
        INVITE,
        invite_form,
        {"transferTargetSid": "WW" + "1" * 32},
        "transferTargetSid",
    ),
    (
        "invite: queue target without name",
        INVITE,
        invite_form,
        {"transferQueueName": ""},
        "transferQueueName",
    ),
    ("invite: workersToIgnore malformed", INVITE, invite_form, {"workersToIgnore": "{"}, "workersToIgnore"),
    (
        "invite: workersToIgnore not a list",
        INVITE,
        invite_form,
        {"workersToIgnore": json.dumps({"workerSidsInConversation": W})},
        "workersToIgnore.workerSidsInConversation",
    ),
    (
        "invite: interaction wrong prefix",
        INVITE,
        invite_form,
        {"flexInteractionSid": "UO" + "1" * 32},
        "flexInteractionSid",
    ),
    (
        "invite: channel missing",
        INVITE,
        invite_form,
        {"flexInteractionChannelSid": None},
        "flexInteractionChannelSid",
    ),
    (
        "invite: task channel missing",
        INVITE,
        invite_form,
        {"taskChannelUniqueName": ""},
        "taskChannelUniqueName",
    ),
    ("invite: warm without conversation", INVITE, invite_form, {"conversationSid": ""}, "conversationSid"),
    (
        "invite: cold with a participant of another channel",
        INVITE,
        invite_form,
        {"removeFlexInteractionParticipantSid": "UT" + "f" * 32},
        "removeFlexInteractionParticipantSid",
    ),
    (
        "remove: participant missing",
        REMOVE,
        remove_form,
        {"flexInteractionParticipantSid": None},
        "flexInteractionParticipantSid",
    ),
    (
        "remove: participant wrong prefix",
        REMOVE,
        remove_form,
        {"flexInteractionParticipantSid": "MB" + "1" * 32},
        "flexInteractionParticipantSid",
    ),
    ("remove: conversation malformed", REMOVE, remove_form, {"conversationSid": "CHxyz"}, "conversationSid"),
    (
        "update-attributes: attributes missing",
        UPDATE_ATTRIBUTES,
        attributes_form,
        {"attributes": None},
        "attributes",
    ),
    (
        "update-attributes: attributes malformed",
        UPDATE_ATTRIBUTES,
        attributes_form,
        {"attributes": "{'a': 1}"},
        "attributes",
    ),
    (
        "update-attributes: attributes a string",
        UPDATE_ATTRIBUTES,
        attributes_form,
        {"attributes": '"x"'},
        "attributes",
    ),
    (
        "update-attributes: conversation wrong prefix",
        UPDATE_ATTRIBUTES,
        attributes_form,
        {"conversationSid": "WT" + "1" * 32},
        "conversationSid",
    ),
]


@pytest.fixture(scope="module")
def alice(deployed):
    return deployed.token("alice")


@pytest.mark.parametrize(
    "name,path,build,overrides,where", PARAMETER_CASES, ids=[c[0] for c in PARAMETER_CASES]
)
def test_bad_parameters_get_400_naming_the_parameter_and_write_nothing(
    deployed, alice, tally, name, path, build, overrides, where
):
    mark = deployed.mark()
    answer = deployed.call(path, build(deployed, alice, **overrides))
    assert answer.status_code == 400, (answer.status_code, answer.text)
    message = answer.json()["message"]
    assert message.startswith(where + ":"), message
    tally.bad_input(f"function: {name}", message, where)
    assert deployed.writes_since(mark) == []


def test_oversized_attributes_are_refused_whole_and_write_nothing(deployed, alice, tally):
    conversation = deployed.rest.get(
        f"https://conversations.twilio.com/v1/Conversations/{deployed.chat()['conversation']}"
    )
    mark = deployed.mark()
    huge = json.dumps({"notes": "x" * 20_000})  # Conversations allows 16 KiB of attributes
    answer = deployed.call(UPDATE_ATTRIBUTES, attributes_form(deployed, alice, attributes=huge))
    assert answer.status_code == 400, answer.text
    tally.bad_input("function: oversized conversation attributes", answer.json()["message"], "attributes")
    assert deployed.writes_since(mark) == []
    after = deployed.rest.get(
        f"https://conversations.twilio.com/v1/Conversations/{deployed.chat()['conversation']}"
    )
    assert after["attributes"] == conversation["attributes"]


def test_oversized_task_attributes_in_an_invite_write_nothing(deployed, alice, tally):
    mark = deployed.mark()
    huge = json.dumps({"channelType": "web", "history": "x" * 40_000})
    answer = deployed.call(INVITE, invite_form(deployed, alice, jsonAttributes=huge))
    assert answer.status_code == 400, answer.text
    tally.bad_input("function: oversized task attributes", answer.json()["message"], "jsonAttributes")
    assert deployed.writes_since(mark) == []


def other_account_token(tmp_path_factory) -> str:
    from sandbox.testing import SandboxProcess

    with SandboxProcess(tmp_path_factory.mktemp("other-account")) as other:
        worker = next(iter(other.seed_info()["workers"].values()))
        return other.flex_token(worker)


TOKEN_CASES = [
    "missing",
    "empty",
    "expired",
    "forged signature",
    "tampered claims",
    "other account",
    "garbage",
]


@pytest.mark.parametrize("case", TOKEN_CASES)
def test_functions_answer_403_to_bad_tokens_and_write_nothing(deployed, alice, tmp_path_factory, tally, case):
    header, body, signature = alice.split(".")
    tokens = {
        "missing": None,
        "empty": "",
        "expired": lambda: deployed.token("alice", ttl=-60),
        "forged signature": f"{header}.{body}.{signature[::-1]}",
        "tampered claims": f"{header}.{body[:-4]}AAAA.{signature}",
        "other account": lambda: other_account_token(tmp_path_factory),
        "garbage": "not-a-token",
    }
    token = tokens[case]() if callable(tokens[case]) else tokens[case]
    for path, build in ((INVITE, invite_form), (REMOVE, remove_form), (UPDATE_ATTRIBUTES, attributes_form)):
        mark = deployed.mark()
        answer = deployed.call(path, build(deployed, token))
        assert answer.status_code == 403, (case, path, answer.status_code, answer.text)
        assert deployed.writes_since(mark) == []
    tally.bad_input(f"token: {case}", _token_message(answer.text), ("token", "Token"))


def _token_message(text: str) -> str:
    try:
        return str(json.loads(text).get("message") or text)
    except ValueError:
        return text
