"""Abuse of the deployed functions (served by the sandbox's /_runtime exactly as deployed by the stack):
bad parameters get 400 with one line naming the parameter, bad tokens get 403, and neither writes anything."""

from __future__ import annotations

import json

import httpx
import pytest
from fault_world import INVITE, REMOVE, UPDATE_ATTRIBUTES, invite_form

from tests import plugin_forms


def remove_form(world, token: str, **overrides) -> dict:
    return plugin_forms.remove_form(world.chat(), token, **overrides)


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
    from flex_chat_transfer.sandbox.testing import SandboxProcess

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


# ---- authorization (issue 15): the caller acts only on a chat they are in ----------------------------------
def summary_writes(world) -> int:
    """Writes in the sandbox's request summary, less the IAM token checks (POSTs that only read)."""
    summary = world.sandbox.summary()
    return summary["writes"] - summary["by"].get("iam POST", 0)


@pytest.fixture(scope="module")
def carol(deployed):
    """An agent of the account who is not in the seeded chat."""
    return deployed.token("carol")


@pytest.fixture(scope="module")
def other_chat(deployed):
    """A second chat (a customer writes in, "Assign to Anyone" offers it, the agent accepts), made through
    the sandbox's Twilio API as Flex would."""
    seed = deployed.seed
    with deployed.sandbox.http() as http:
        conversation = http.post(
            "/conversations/v1/Conversations", data={"FriendlyName": "other chat"}
        ).json()
        http.post(
            f"/conversations/v1/Conversations/{conversation['sid']}/Participants",
            data={"Identity": "customer-other"},
        ).raise_for_status()
        channel = {
            "type": "chat",
            "initiated_by": "customer",
            "properties": {"media_channel_sid": conversation["sid"]},
        }
        routing = {
            "properties": {
                "workspace_sid": deployed.workspace_sid,
                "workflow_sid": seed["workflows"]["Assign to Anyone"],
                "task_channel_unique_name": "chat",
                "attributes": {"customerName": "Other", "channelType": "web"},
            }
        }
        interaction = http.post(
            "/flex-api/v1/Interactions", data={"Channel": json.dumps(channel), "Routing": json.dumps(routing)}
        ).json()
        task = interaction["routing"]["properties"]["task_sid"]
        tasks = f"/taskrouter/v1/Workspaces/{deployed.workspace_sid}/Tasks/{task}/Reservations"
        alice = deployed.worker_sid("alice")
        for _ in range(5):  # alice (in the seeded chat) rejects: the other chat's agent must be someone else
            [reservation] = http.get(tasks, params={"ReservationStatus": "pending"}).json()["reservations"]
            answer = "rejected" if reservation["worker_sid"] == alice else "accepted"
            http.post(f"{tasks}/{reservation['sid']}", data={"ReservationStatus": answer}).raise_for_status()
            if answer == "accepted":
                break
        [ch] = http.get(f"/flex-api/v1/Interactions/{interaction['sid']}/Channels").json()["channels"]
        participants = http.get(
            f"/flex-api/v1/Interactions/{interaction['sid']}/Channels/{ch['sid']}/Participants"
        ).json()["participants"]
    agent = next(p for p in participants if p["type"] == "agent")
    return {
        "interaction": interaction["sid"],
        "channel": ch["sid"],
        "conversation": conversation["sid"],
        "task": task,
        "agent_participant": agent["sid"],
        "worker": reservation["worker_sid"],
    }


UNKNOWN = {prefix: prefix + "0" * 32 for prefix in ("WT", "WK", "WQ")}
NOT_IN_CHAT = "these functions act only on chats the agent is in"
# (case id, function, form builder(world, tokens, other chat), status, field named, the rule's words)
AUTHORIZATION_CASES = [
    (
        "not in the chat: remove the customer",
        REMOVE,
        lambda w, t, o: remove_form(
            w, t["carol"], flexInteractionParticipantSid=w.chat()["customer_participant"]
        ),
        403,
        "flexInteractionChannelSid",
        NOT_IN_CHAT,
    ),
    (
        "not in the chat: remove the agent",
        REMOVE,
        lambda w, t, o: remove_form(w, t["carol"]),
        403,
        "flexInteractionChannelSid",
        NOT_IN_CHAT,
    ),
    (
        "not in the chat: warm invite",
        INVITE,
        lambda w, t, o: invite_form(w, t["carol"]),
        403,
        "flexInteractionChannelSid",
        NOT_IN_CHAT,
    ),
    (
        "not in the chat: cold invite closing the agent",
        INVITE,
        lambda w, t, o: invite_form(
            w, t["carol"], removeFlexInteractionParticipantSid=w.chat()["agent_participant"]
        ),
        403,
        "flexInteractionChannelSid",
        NOT_IN_CHAT,
    ),
    (
        "not in the chat: update attributes",
        UPDATE_ATTRIBUTES,
        lambda w, t, o: attributes_form(w, t["carol"]),
        403,
        "conversationSid",
        "only an agent in the chat may change its attributes",
    ),
    (
        "in the chat: remove the customer",
        REMOVE,
        lambda w, t, o: remove_form(
            w, t["alice"], flexInteractionParticipantSid=w.chat()["customer_participant"]
        ),
        403,
        "flexInteractionParticipantSid",
        "closes only agent participants, never the customer",
    ),
    (
        "in the chat: cold invite closing the customer",
        INVITE,
        lambda w, t, o: invite_form(
            w, t["alice"], removeFlexInteractionParticipantSid=w.chat()["customer_participant"]
        ),
        403,
        "removeFlexInteractionParticipantSid",
        "a cold transfer closes only the transferring (signed-in) agent",
    ),
    (
        "invite: unknown taskSid",
        INVITE,
        lambda w, t, o: invite_form(w, t["alice"], taskSid=UNKNOWN["WT"]),
        400,
        "taskSid",
        "no task",
    ),
    (
        "invite: task of another interaction",
        INVITE,
        lambda w, t, o: invite_form(w, t["alice"], taskSid=o["task"]),
        400,
        "taskSid",
        "is not a task of channel",
    ),
    (
        "invite: worker target that does not exist",
        INVITE,
        lambda w, t, o: invite_form(
            w, t["alice"], transferTargetSid=UNKNOWN["WK"], transferQueueName="", transferWorkerName="ghost"
        ),
        400,
        "transferTargetSid",
        "no worker",
    ),
    (
        "invite: unknown queue",
        INVITE,
        lambda w, t, o: invite_form(w, t["alice"], transferTargetSid=UNKNOWN["WQ"]),
        400,
        "transferTargetSid",
        "no queue",
    ),
    (
        "invite: transferQueueName contradicts the queue SID",
        INVITE,
        lambda w, t, o: invite_form(w, t["alice"], transferQueueName="Support"),
        400,
        "transferQueueName",
        "is not the name of queue",
    ),
    (
        "invite: conversationSid of another chat",
        INVITE,
        lambda w, t, o: invite_form(w, t["alice"], conversationSid=o["conversation"]),
        400,
        "conversationSid",
        "is not the conversation of channel",
    ),
    (
        "remove: conversationSid of another chat",
        REMOVE,
        lambda w, t, o: remove_form(w, t["alice"], conversationSid=o["conversation"]),
        400,
        "conversationSid",
        "is not the conversation of channel",
    ),
    (
        "remove: a participant of another chat",
        REMOVE,
        lambda w, t, o: remove_form(w, t["alice"], flexInteractionParticipantSid=o["agent_participant"]),
        400,
        "flexInteractionParticipantSid",
        "is not a participant of channel",
    ),
    (
        "update attributes: another chat's conversation",
        UPDATE_ATTRIBUTES,
        lambda w, t, o: attributes_form(w, t["alice"], conversationSid=o["conversation"]),
        403,
        "conversationSid",
        "is not a participant of conversation",
    ),
]


@pytest.mark.parametrize(
    "name,path,build,status,where,rule", AUTHORIZATION_CASES, ids=[c[0] for c in AUTHORIZATION_CASES]
)
def test_a_caller_acts_only_on_chats_they_are_in_and_a_refusal_writes_nothing(
    deployed, alice, carol, other_chat, tally, name, path, build, status, where, rule
):
    assert other_chat["worker"] != deployed.worker_sid("alice"), "alice must not be in the other chat"
    form = build(deployed, {"alice": alice, "carol": carol}, other_chat)
    mark, before = deployed.mark(), summary_writes(deployed)
    answer = deployed.call(path, form)
    assert answer.status_code == status, (answer.status_code, answer.text)
    message = answer.json()["message"]
    assert message.startswith(where + ":") and rule in message, message
    tally.refused(f"authorization: {name}", message, where)
    assert deployed.writes_since(mark) == []
    assert summary_writes(deployed) == before


def test_valid_transfers_still_work_warm_and_cold(deployed, alice, other_chat, tally):
    """The checks refuse only what they should: a warm invite from the seeded chat and a cold transfer of
    the other chat by its own agent both succeed and write."""
    before = summary_writes(deployed)
    warm = deployed.call(INVITE, invite_form(deployed, alice))
    assert warm.status_code == 200, warm.text
    assert warm.json()["success"] is True
    agent = deployed.sandbox.flex_token(other_chat["worker"])
    with deployed.sandbox.http() as http:
        task = http.get(
            f"/taskrouter/v1/Workspaces/{deployed.workspace_sid}/Tasks/{other_chat['task']}"
        ).json()
    cold = deployed.call(
        INVITE,
        invite_form(
            deployed,
            agent,
            taskSid=other_chat["task"],
            conversationId=other_chat["conversation"],
            conversationSid=other_chat["conversation"],
            jsonAttributes=task["attributes"],
            workersToIgnore=json.dumps({"workerSidsInConversation": [other_chat["worker"]]}),
            flexInteractionSid=other_chat["interaction"],
            flexInteractionChannelSid=other_chat["channel"],
            removeFlexInteractionParticipantSid=other_chat["agent_participant"],
        ),
    )
    assert cold.status_code == 200, cold.text
    with deployed.sandbox.http() as http:
        after = http.get(
            f"/taskrouter/v1/Workspaces/{deployed.workspace_sid}/Tasks/{other_chat['task']}"
        ).json()
    assert after["assignment_status"] == "wrapping"  # the transferring agent left
    assert summary_writes(deployed) > before


# ---- issue 26: a token only in a POST body, identical invites once -----------------------------------------
def test_a_token_in_a_url_or_another_method_than_post_is_refused_before_the_token_check(
    deployed, alice, tally
):
    """A GET carrying the token in its query string is 405 (Allow: POST), a POST whose URL carries it is 400,
    PUT/DELETE/PATCH never reach a function (the gateway's 405); none asks IAM and none writes."""
    mark, before = deployed.mark(), summary_writes(deployed)
    url = deployed.function_url(INVITE)
    form = invite_form(deployed, alice)
    got = httpx.get(url, params=form, timeout=60)
    assert got.status_code == 405 and got.headers["allow"] == "POST", (got.status_code, got.text[:300])
    tally.bad_input("transport: GET with the token in the URL", got.json()["message"], "method", hostile=True)
    in_url = httpx.post(url, params={"Token": alice}, data={"taskSid": form["taskSid"]}, timeout=60)
    assert in_url.status_code == 400, in_url.text[:300]
    message = in_url.json()["message"]
    tally.bad_input("transport: POST with the token in the URL", message, "query string", hostile=True)
    for method in ("PUT", "DELETE", "PATCH"):
        answer = httpx.request(method, url, data=form, timeout=60)
        assert answer.status_code == 405 and "POST" in answer.headers["allow"], (method, answer.text[:300])
    assert [e for e in deployed.sandbox.requests(since=mark) if e["product"] == "iam"] == []
    assert deployed.writes_since(mark) == []
    assert summary_writes(deployed) == before


def test_five_identical_invites_at_once_make_one_transfer_task_and_one_answer(deployed, alice):
    """A double-click on the deployed stack: same task, same target (a worker no other test invites)."""
    from concurrent.futures import ThreadPoolExecutor

    bob = deployed.worker_sid("bob")
    form = invite_form(deployed, alice, transferTargetSid=bob, transferQueueName="", transferWorkerName="bob")
    with ThreadPoolExecutor(max_workers=5) as pool:
        answers = list(pool.map(lambda _: deployed.call(INVITE, form), range(5)))
    assert [a.status_code for a in answers] == [200] * 5, [a.text[:200] for a in answers]
    assert len({a.text for a in answers}) == 1
    base = f"/taskrouter/v1/Workspaces/{deployed.workspace_sid}/Tasks"
    with deployed.sandbox.http() as http:
        listed = http.get(base, params={"PageSize": 1000}).json()["tasks"]  # lists leave attributes out
        tasks = [http.get(f"{base}/{t['sid']}").json() for t in listed]
    to_bob = [t for t in tasks if json.loads(t["attributes"]).get("transferTargetSid") == bob]
    assert [t["sid"] for t in to_bob] == [answers[0].json()["invitesTaskSid"]]


# ---- hostile input (issue 15): size and depth bounds, duplicate keys ---------------------------------------
def _deep_object(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


def _deep_array(levels: int) -> str:
    return "[" * levels + "]" * levels


# (case id, function, form builder(world, token), status, field named, words of the line)
HOSTILE_CASES = [
    (
        "jsonAttributes nested 5000 levels",
        INVITE,
        lambda w, t: invite_form(w, t, jsonAttributes='{"x":' + _deep_array(5000) + "}"),
        400,
        "jsonAttributes",
        "nested deeper than 32 levels",
    ),
    (
        "jsonAttributes nested 2500 objects",
        INVITE,
        lambda w, t: invite_form(w, t, jsonAttributes=_deep_object(2500)),
        400,
        "jsonAttributes",
        "nested deeper than 32 levels",
    ),
    (
        "jsonAttributes nested 5000 objects (size bound first)",
        INVITE,
        lambda w, t: invite_form(w, t, jsonAttributes=_deep_object(5000)),
        400,
        "jsonAttributes",
        "over the limit of 16384",
    ),
    (
        "workersToIgnore nested 2000 levels",
        INVITE,
        lambda w, t: invite_form(w, t, workersToIgnore='{"w":' + _deep_array(2000) + "}"),
        400,
        "workersToIgnore",
        "nested deeper than 32 levels",
    ),
    (
        "update attributes nested 5000 levels",
        UPDATE_ATTRIBUTES,
        lambda w, t: attributes_form(w, t, attributes='{"invites":' + _deep_array(5000) + "}"),
        400,
        "attributes",
        "nested deeper than 32 levels",
    ),
    (
        "jsonAttributes duplicate key",
        INVITE,
        lambda w, t: invite_form(w, t, jsonAttributes='{"customerName":"A","customerName":"B"}'),
        400,
        "jsonAttributes",
        'duplicate key "customerName"',
    ),
    (
        "jsonAttributes duplicate key by escape, nested",
        INVITE,
        lambda w, t: invite_form(w, t, jsonAttributes='{"conversations":{"a":1,"\\u0061":2}}'),
        400,
        "jsonAttributes",
        'duplicate key "a" at jsonAttributes.conversations.a',
    ),
    (
        "workersToIgnore duplicate key",
        INVITE,
        lambda w, t: invite_form(
            w, t, workersToIgnore='{"workerSidsInConversation":[],"workerSidsInConversation":[]}'
        ),
        400,
        "workersToIgnore",
        "duplicate key",
    ),
    (
        "update attributes duplicate key",
        UPDATE_ATTRIBUTES,
        lambda w, t: attributes_form(w, t, attributes='{"invites":{},"invites":{}}'),
        400,
        "attributes",
        'duplicate key "invites"',
    ),
    (
        "jsonAttributes 200 KB",
        INVITE,
        lambda w, t: invite_form(w, t, jsonAttributes=json.dumps({"notes": "x" * 200_000})),
        400,
        "jsonAttributes",
        "over the limit of 16384",
    ),
    (
        "transferQueueName 100000 characters",
        INVITE,
        lambda w, t: invite_form(w, t, transferQueueName="S" * 100_000),
        400,
        "transferQueueName",
        "over the limit of 256",
    ),
    (
        "taskSid repeated",
        INVITE,
        lambda w, t: invite_form(w, t, taskSid=[w.chat()["task"]] * 2),
        400,
        "taskSid",
        "sent 2 times",
    ),
]


@pytest.mark.parametrize(
    "name,path,build,status,where,words", HOSTILE_CASES, ids=[c[0] for c in HOSTILE_CASES]
)
def test_hostile_input_gets_one_line_past_its_bound_and_writes_nothing(
    deployed, alice, tally, name, path, build, status, where, words
):
    mark, before = deployed.mark(), summary_writes(deployed)
    answer = deployed.call(path, build(deployed, alice))
    assert answer.status_code == status, (answer.status_code, answer.text[:300])
    message = answer.json()["message"]
    assert message.startswith(where + ":") and words in message, message
    assert len(message) < 600 and "Maximum call stack" not in message, message
    tally.bad_input(f"hostile: {name}", message, where, hostile=True)
    assert deployed.writes_since(mark) == []
    assert summary_writes(deployed) == before


def test_an_oversized_token_is_refused_without_asking_twilio(deployed, tally):
    mark, before = deployed.mark(), summary_writes(deployed)
    answer = deployed.call(UPDATE_ATTRIBUTES, attributes_form(deployed, "x" * 200_000))
    assert answer.status_code == 403, answer.text[:300]
    assert answer.text.startswith("Token: invalid, sent more than once, not text or over 16384 characters")
    tally.bad_input("hostile: Token 200 KB", answer.text, "Token", hostile=True)
    assert [e for e in deployed.sandbox.requests(since=mark) if e["product"] == "iam"] == []
    assert summary_writes(deployed) == before
