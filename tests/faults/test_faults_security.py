"""Nobody let in, nothing leaked: the sandbox refuses wrong Basic credentials like Twilio (401, code 20003) on
every product and on its control API, writing nothing; no auth token or Flex token is in clear in the stack's
state or in any output the suite captured."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
from fault_tally import writes


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


CREDENTIALS = {
    "no credentials": lambda s: {},
    "wrong auth token": lambda s: _basic(s.account_sid, "0" * 32),
    "other account SID": lambda s: _basic("AC" + "0" * 32, s.auth_token),
    "empty password": lambda s: _basic(s.account_sid, ""),
    "token as user": lambda s: _basic(s.auth_token, s.account_sid),
    "not base64": lambda s: {"Authorization": "Basic ***not-base64***"},
    "bearer instead of basic": lambda s: {"Authorization": f"Bearer {s.auth_token}"},
}


@pytest.mark.parametrize("case", list(CREDENTIALS))
def test_sandbox_refuses_wrong_basic_credentials_and_writes_nothing(fault_sandbox, case):
    headers = CREDENTIALS[case](fault_sandbox)
    workspace = fault_sandbox.seed_info()["workspace"]
    workspace = workspace if isinstance(workspace, str) else workspace["sid"]
    before = fault_sandbox.requests()
    mark = before[-1]["id"] if before else 0
    attempts = [
        ("POST", f"/taskrouter/v1/Workspaces/{workspace}/TaskQueues", {"FriendlyName": "Intruders"}),
        ("POST", "/serverless/v1/Services", {"UniqueName": "intruder", "FriendlyName": "intruder"}),
        ("POST", "/flex-api/v1/Configuration", {"ui_attributes": "{}"}),
        ("GET", "/conversations/v1/Conversations", None),
        ("POST", "/_sandbox/reset", None),
        ("POST", "/_sandbox/flex-tokens", None),
    ]
    with httpx.Client(base_url=fault_sandbox.url, timeout=30) as http:
        for method, path, form in attempts:
            answer = http.request(method, path, data=form, headers=headers)
            assert answer.status_code == 401, (case, path, answer.status_code, answer.text)
            assert answer.json()["code"] == 20003
    assert writes(fault_sandbox.requests(since=mark)) == []
    with fault_sandbox.http() as http:  # the right credentials still work and nothing was made
        queues = http.get(f"/taskrouter/v1/Workspaces/{workspace}/TaskQueues").json()["task_queues"]
    assert "Intruders" not in {q["friendly_name"] for q in queues}


REMOVE = "/features/conversation-transfer/flex/remove-participant"
UPDATE_ATTRIBUTES = "/common/flex/conversations/update-attributes"


def _chat_forms(world, token: str) -> list[tuple[str, dict]]:
    chat = world.chat()
    return [
        (
            REMOVE,
            {
                "Token": token,
                "flexInteractionSid": chat["interaction"],
                "flexInteractionChannelSid": chat["channel"],
                "flexInteractionParticipantSid": chat["customer_participant"],
                "conversationSid": chat["conversation"],
            },
        ),
        (UPDATE_ATTRIBUTES, {"Token": token, "conversationSid": chat["conversation"], "attributes": "{}"}),
    ]


def _non_iam_writes(sandbox) -> int:
    summary = sandbox.summary()
    return summary["writes"] - summary["by"].get("iam POST", 0)


def test_supervisor_and_admin_roles_grant_nothing_outside_the_chat(deployed, tally):
    """functions/README.md "Who may do what": roles add no right; a supervisor/admin not in the chat is
    refused like any agent (403 naming the field), and nothing is written."""
    grace = deployed.worker_sid("grace")
    path = f"/taskrouter/v1/Workspaces/{deployed.workspace_sid}/Workers/{grace}"
    with deployed.sandbox.http() as http:
        attributes = json.loads(http.get(path).json()["attributes"])
        attributes["roles"] = ["admin", "supervisor"]
        http.post(path, data={"Attributes": json.dumps(attributes)}).raise_for_status()
    token = deployed.token("grace")
    for function, form in _chat_forms(deployed, token):
        before = _non_iam_writes(deployed.sandbox)
        answer = deployed.call(function, form)
        assert answer.status_code == 403, (function, answer.status_code, answer.text)
        message = answer.json()["message"]
        where = "conversationSid" if function == UPDATE_ATTRIBUTES else "flexInteractionChannelSid"
        assert message.startswith(where + ":"), message
        tally.refused(
            f"authorization: admin/supervisor role not in the chat ({function.rsplit('/', 1)[1]})",
            message,
            where,
        )
        assert _non_iam_writes(deployed.sandbox) == before


def test_a_token_of_a_deleted_worker_is_refused_and_writes_nothing(deployed, tally):
    mallory = deployed.worker_sid("mallory")
    token = deployed.token("mallory")
    with deployed.sandbox.http() as http:
        http.delete(
            f"/taskrouter/v1/Workspaces/{deployed.workspace_sid}/Workers/{mallory}"
        ).raise_for_status()
    for function, form in _chat_forms(deployed, token):
        before = _non_iam_writes(deployed.sandbox)
        answer = deployed.call(function, form)
        assert answer.status_code == 403, (function, answer.status_code, answer.text)
        assert _non_iam_writes(deployed.sandbox) == before
    tally.bad_input("token: worker deleted since it was minted", answer.text, ("token", "Token"))


def test_no_secret_in_clear_in_exported_state_or_any_captured_log(deployed, tally):
    """Every Flex token this worker's cases used is sought, and a few this test uses itself: a worker of
    `make test` (pytest-xdist, one file at a time) may have run no other fault file before this one."""
    for _ in range(3):  # alice: a worker no case deletes
        form = {"Token": deployed.token("alice"), "conversationSid": "CH" + "0" * 32, "attributes": "{}"}
        deployed.call(UPDATE_ATTRIBUTES, form)  # refused: not in that chat; the token went through the logs
    secrets = [deployed.sandbox.auth_token, *deployed.minted]
    # the auth token plus the Flex tokens; counted without letting pytest print them
    collected = len(secrets)
    assert collected > 3, f"only {collected} secrets to look for"
    state = deployed.runner.exported_state()
    tally.scan("exported stack state", state, secrets)
    assert "ciphertext" in state  # the auth token is there, encrypted
    for path in deployed.state_files():
        tally.scan(f"backend file {path.name}", path.read_text(errors="replace"), secrets)
    for index, log in enumerate(deployed.logs):
        tally.scan(f"captured engine/CLI output #{index}", log, secrets)
    tally.scan("sandbox log", (deployed.sandbox.workdir / "sandbox.log").read_text(), secrets)
