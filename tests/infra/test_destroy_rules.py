"""Destroy on the real engine against a sandbox that keeps Twilio's delete rules (a Function with a version
in a deployed build, a Build that is an environment's active deployment: 409/20409) and refuses any field
Twilio's OAS does not name (`--strict`): the stack deploys, then destroys in an order Twilio accepts, leaving
nothing behind, with no refused request and no warning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flex_chat_transfer.infra.client import make_client
from flex_chat_transfer.infra.rest import FLEX, SERVERLESS, TASKROUTER, Rest
from harness.automation import StackRunner, write_scratch_project

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def strict_sandbox(tmp_path_factory):
    from flex_chat_transfer.sandbox.testing import SandboxProcess

    with SandboxProcess(tmp_path_factory.mktemp("destroy") / "sandbox", build_seconds=0.2, strict=True) as sb:
        yield sb


def _account(sandbox) -> tuple[Rest, str, list[str]]:
    rest = Rest(make_client(sandbox.account_sid, sandbox.auth_token, sandbox_url=sandbox.url))
    seed = sandbox.seed_info()
    workspace = seed["workspace"] if isinstance(seed["workspace"], str) else seed["workspace"]["sid"]
    queues = seed["queues"]
    names = sorted(queues) if isinstance(queues, dict) else sorted(q["name"] for q in queues)
    return rest, workspace, [n for n in names if n != "Everyone"]


def _snapshot(rest: Rest, workspace: str) -> dict:
    """What a stack can leave behind: workflows, queues, services (with everything under them), Flex keys."""
    return {
        "workflows": sorted(
            (w["sid"], w["friendly_name"])
            for w in rest.list_all(f"{TASKROUTER}/Workspaces/{workspace}/Workflows", "workflows")
        ),
        "queues": sorted(
            (q["sid"], q["friendly_name"])
            for q in rest.list_all(f"{TASKROUTER}/Workspaces/{workspace}/TaskQueues", "task_queues")
        ),
        "services": [s["sid"] for s in rest.list_all(f"{SERVERLESS}/Services", "services")],
        "flex": json.dumps(rest.get(f"{FLEX}/Configuration")["ui_attributes"], sort_keys=True),
    }


def test_destroy_keeps_twilios_delete_rules_and_leaves_nothing(strict_sandbox, tmp_path: Path):
    rest, workspace, queue_names = _account(strict_sandbox)
    before = _snapshot(rest, workspace)
    runner = StackRunner(
        write_scratch_project(tmp_path / "project"), "rules", tmp_path / "state",
        env={"TWILIO_SANDBOX_URL": strict_sandbox.url},
    )
    runner.set_config(
        {
            "twilio:accountSid": strict_sandbox.account_sid,
            "twilio:authToken": strict_sandbox.auth_token,
            # one declared queue as well, so the destroy has a queue of its own to remove
            "chat-transfer:transferQueues": [
                queue_names[0], {"name": "Destroy Rules Queue", "targetWorkers": "1==1"}
            ],
            "chat-transfer:functions": {"buildTimeout": 60},
        },
        secret=("twilio:authToken",),
    )
    runner.up()
    outputs = runner.outputs()
    service = f"{SERVERLESS}/Services/{outputs['serviceSid']}"
    environment = rest.get(f"{service}/Environments/{outputs['environmentSid']}")
    assert environment["build_sid"], "the stack deployed nothing: the delete rules were not exercised"
    functions = rest.list_all(f"{service}/Functions", "functions")
    assert functions, "no functions deployed"
    # The rule is on: while the build is live, its functions cannot go.
    mark = strict_sandbox.summary()["total"]
    with strict_sandbox.http() as http:
        path = f"/serverless/v1/Services/{outputs['serviceSid']}/Functions/{functions[0]['sid']}"
        refused = http.delete(path)
    assert (refused.status_code, refused.json()["code"]) == (409, 20409)

    mark = strict_sandbox.summary()["total"]
    result = runner.destroy()
    refusals = [
        f"{r['method']} {r['path']} -> {r['status']}"
        for r in strict_sandbox.requests(since=mark)
        if r["status"] >= 400 and r["status"] != 404
    ]
    assert refusals == [], refusals
    warnings = [
        line for line in result.stdout.splitlines() if "warning" in line.lower() or "not deleted" in line
    ]
    assert warnings == [], result.stdout
    after = _snapshot(rest, workspace)
    assert after == before
