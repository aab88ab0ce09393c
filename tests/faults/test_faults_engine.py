"""Faults on the real Pulumi engine against the sandbox, in order on one deployed stack. Each case injects a
fault while a change is deployed, then asserts the recovery: the run converges (or fails with one clear line
and the old deployment still serving), nothing is duplicated, nothing is lost."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest
from fault_world import UPDATE_ATTRIBUTES, invite_form, wait_for

pytestmark = pytest.mark.e2e

API = r"^/(taskrouter|serverless|serverless-upload|flex-api)/"
BUILDS = r"^/serverless/v1/Services/\w+/Builds$"
WORKSPACE_LOOKUP = r"^/taskrouter/v1/Workspaces$"
STEPS: dict[str, bool] = {}


def _step(name: str) -> None:
    assert all(STEPS.values()), f"an earlier fault case failed: {[k for k, v in STEPS.items() if not v]}"
    STEPS[name] = False


def touch_function(world, tag: str) -> None:
    """A content change in one function: one upload, one build, one deployment."""
    target = world.functions_dir / "functions" / "common" / "flex" / "conversations" / "update-attributes.js"
    target.write_text(
        re.sub(r"\n// fault-suite: .*\n$", "\n", target.read_text()) + f"\n// fault-suite: {tag}\n"
    )


def deployed_marker(world) -> str | None:
    """Which fault-suite tag the live build serves (read back from the build's function version content)."""
    build = world.environment()["build_sid"]
    build_dir = next((world.sandbox.db.parent / "builds").glob(build))
    text = (
        build_dir / "functions" / "common" / "flex" / "conversations" / "update-attributes.js"
    ).read_text()
    match = re.search(r"// fault-suite: (.*)\n$", text)
    return match.group(1) if match else None


def serving(world) -> bool:
    """The deployed functions answer a real call (a valid token, a no-op attributes write-back)."""
    conversation = world.chat()["conversation"]
    current = world.rest.get(f"https://conversations.twilio.com/v1/Conversations/{conversation}")[
        "attributes"
    ]
    answer = world.call(
        UPDATE_ATTRIBUTES, {"Token": world.token(), "conversationSid": conversation, "attributes": current}
    )
    return answer.status_code == 200 and answer.json()["success"] is True


def live_deployment(world) -> tuple[str, str | None]:
    """The build the environment serves and the fault-suite tag in it."""
    return world.environment()["build_sid"], deployed_marker(world)


def converged(world, tally) -> None:
    """The stack matches the config (a no-op preview) and owns exactly what it owned at the start."""
    preview = world.runner.preview()
    assert set(preview.change_summary) - {"read"} == {"same"}, preview.change_summary
    counts = world.counts()
    tally.lost(sum(max(world.baseline[k] - counts[k], 0) for k in counts))
    assert counts == world.baseline, f"duplicates or losses: {counts} != {world.baseline}"


def recovers(world, tally, tag: str) -> None:
    """The next `up` succeeds and deploys the functions tagged `tag`; then the stack has converged."""
    assert world.up().summary.result == "succeeded"
    assert deployed_marker(world) == tag
    converged(world, tally)


def up_under_fault(world, kind: str, **fault):
    """`pulumi up` while the sandbox injects `kind` into random API calls; (result, how many calls it hit).

    The random fault alone may miss every call of a short run, so the workspace look-up every run starts with
    (a read, safe to retry for every kind) also gets one, and the case never passes without a fault."""
    world.sandbox.clear_faults()
    world.sandbox.add_fault(route=WORKSPACE_LOOKUP, kind=kind, count=1)
    world.sandbox.add_fault(route=API, kind=kind, **fault)
    try:
        result = world.up()
    finally:
        hits = world.fault_hits()
        world.sandbox.clear_faults()
    return result, hits


def deploys_under_fault(world, kind: str, **fault) -> None:
    """A function edited (tagged `kind`) goes live in a `pulumi up` under fault `kind`: the run succeeds, the
    fault hit at least one call, and the new build serves."""
    touch_function(world, kind)
    result, hits = up_under_fault(world, kind, **fault)
    assert result.summary.result == "succeeded"
    assert hits >= 1
    assert deployed_marker(world) == kind


def test_429_with_retry_after_on_random_calls(deployed, tally):
    _step("429")
    with tally.fault("429 with Retry-After on random calls"):
        deployed.set_config(transferQueues=["Sales", "Support"])
        deploys_under_fault(deployed, "429", rate=0.3, count=6, retry_after=1)
        names = [
            f["filter_friendly_name"] for f in deployed.workflow_configuration()["task_routing"]["filters"]
        ]
        assert names[-1] == "Assign To Queue - Support"
        converged(deployed, tally)
    STEPS["429"] = True


def test_503_on_random_calls(deployed, tally):
    _step("503")
    with tally.fault("503 on random calls"):
        deployed.set_config(features={"cold_transfer": False, "multi_participant": True})
        deploys_under_fault(deployed, "503", rate=0.3, count=6)
        assert deployed.flex_features()["conversation_transfer"]["cold_transfer"] is False
        converged(deployed, tally)
    STEPS["503"] = True


def test_dropped_connections(deployed, tally):
    _step("drop")
    with tally.fault("dropped connections"):
        deployed.set_config(
            transferQueues=["Sales"], features={"cold_transfer": True, "multi_participant": True}
        )
        deploys_under_fault(deployed, "drop", rate=0.3, count=4)
        assert len(deployed.workflow_configuration()["task_routing"]["filters"]) == 2
        converged(deployed, tally)
    STEPS["drop"] = True


UPLOADS = r"^/serverless-upload/v1/Services/\w+/Functions/\w+/Versions$"


def test_twilio_failing_after_retries_ends_each_failed_resource_with_one_line(deployed, tally):
    _step("uploads fail")
    with tally.fault("uploads answer 429 after every retry"):
        touch_function(deployed, "refused")
        deployed.sandbox.clear_faults()
        deployed.sandbox.add_fault(route=UPLOADS, kind="429", rate=1.0, count=1000, retry_after=0)
        try:
            with pytest.raises(Exception) as failure:
                deployed.up()
        finally:
            deployed.sandbox.clear_faults()
        message = str(failure.value)
        assert "Traceback" not in message and 'File "' not in message
        # Which resource, which call, what Twilio said, that re-running resumes, where the details are.
        line = re.search(
            r"twiliox:serverless:Function chat-transfer-fn/\S+: update failed: Twilio answered POST "
            r"/v1/Services/ZS\w+/Functions/ZH\w+/Versions: HTTP 429[^;]*; "
            r"re-run `pulumi up` to resume \(details: (?P<log>\S+)\)",
            message,
        )
        assert line, message
        assert Path(line["log"]).is_file() and "Traceback" in Path(line["log"]).read_text()
        recovers(deployed, tally, "refused")
    STEPS["uploads fail"] = True


def test_failed_build_keeps_the_old_deployment_serving(deployed, tally):
    _step("build failed")
    with tally.fault("build failed"):
        live = live_deployment(deployed)
        touch_function(deployed, "failed")
        # The sandbox accepts the build, then ends it `failed` (as Twilio does, e.g. on an npm install error).
        reason = "npm install failed: ETIMEDOUT fetching twilio (fix: deploy again)"
        deployed.sandbox.clear_faults()
        deployed.sandbox.add_fault(kind="build-failed", route=BUILDS, reason=reason)
        try:
            with pytest.raises(Exception) as failure:
                deployed.up()
            hits = deployed.fault_hits()
        finally:
            deployed.sandbox.clear_faults()
        message = str(failure.value)
        # Twilio gives no reason for a failed build (the sandbox's own is not read): the line says where to
        # look.
        failed = re.search(r"build ZB\w+ failed on Twilio after \d+\.\ds \(the environment", message)
        assert failed, message
        assert "Traceback" not in message
        assert hits == 1  # one build made, and the run stopped there
        assert live_deployment(deployed) == live and serving(deployed)
        recovers(deployed, tally, "failed")
    STEPS["build failed"] = True


def restart_sandbox(world, **serve_options) -> None:
    """Restart on the same database and the same port, so running clients just see a short outage."""
    port = int(world.sandbox.url.rsplit(":", 1)[1])
    world.sandbox.serve_options.update(port=port, **serve_options)
    world.sandbox.restart()
    assert world.sandbox.url.endswith(f":{port}")


def test_build_that_never_completes_times_out_clearly_and_the_old_deployment_keeps_serving(deployed, tally):
    _step("build timeout")
    with tally.fault("build never completes"):
        live = live_deployment(deployed)
        restart_sandbox(deployed, build_seconds=3600)
        try:
            deployed.set_config(functions={"runtime": "node22", "buildTimeout": 3})
            touch_function(deployed, "timeout")
            with pytest.raises(Exception) as failure:
                deployed.up()
            message = str(failure.value)
            assert re.search(
                r"build ZB\w+ still building after 3s .*fix: raise chat-transfer:functions\.buildTimeout",
                message,
            ), message
            assert live_deployment(deployed) == live and serving(deployed)
        finally:
            restart_sandbox(deployed, build_seconds=0.2)
        deployed.set_config(functions={"runtime": "node22", "buildTimeout": 60})
        recovers(deployed, tally, "timeout")
    STEPS["build timeout"] = True


def test_sandbox_restarted_mid_run(deployed, tally):
    _step("restart")
    with tally.fault("sandbox restarted mid-run"):
        deployed.set_config(transferQueues=["Sales", "Support"])
        touch_function(deployed, "restart")
        mark = deployed.mark()
        outcome: dict = {}

        def run() -> None:
            try:
                outcome["result"] = deployed.up()
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                outcome["error"] = error

        thread = threading.Thread(target=run)
        thread.start()
        assert wait_for(lambda: deployed.writes_since(mark), timeout=120), "no write seen"
        restart_sandbox(deployed)
        thread.join(timeout=600)
        assert "error" not in outcome, str(outcome.get("error"))
        assert outcome["result"].summary.result == "succeeded"
        assert deployed_marker(deployed) == "restart"
        assert len(deployed.workflow_configuration()["task_routing"]["filters"]) == 3
        converged(deployed, tally)
    STEPS["restart"] = True


NEW_FUNCTION = "faults/ping"


def test_sigkill_mid_deploy_then_recovery_converges_without_duplicates(deployed, tally):
    _step("sigkill")
    with tally.fault("pulumi up killed (SIGKILL) mid-deploy"):
        # A new function file: its create POSTs the Function and then uploads its version. Uploads are slowed
        # so the kill lands inside that create: Twilio has the Function, Pulumi's state only a pending create.
        new_file = deployed.functions_dir / "functions" / f"{NEW_FUNCTION}.js"
        new_file.parent.mkdir(parents=True, exist_ok=True)
        new_file.write_text("exports.handler = (context, event, callback) => callback(null, { ok: true });\n")
        touch_function(deployed, "sigkill")
        deployed.sandbox.add_fault(route=r"^/serverless-upload/", kind="latency", latency_ms=4000)
        mark = deployed.mark()
        created = re.compile(r"^POST /serverless/v1/Services/ZS\w+/Functions -> 20")
        process = deployed.start_up_process()
        try:
            seen = wait_for(lambda: any(created.match(w) for w in deployed.writes_since(mark)), timeout=180)
            assert seen, "the new Function was never created before the kill"
        finally:
            deployed.kill_group(process)
            deployed.sandbox.clear_faults()
        assert process.returncode == -9
        deployed.logs.append((deployed.tmp / "killed-up.log").read_text())

        # The killed run left its lock: Pulumi refuses to go on and names the way out.
        locked = deployed.cli("up", "--yes", "--skip-preview")
        assert locked.returncode != 0 and "locked" in locked.stderr and "pulumi cancel" in locked.stderr
        cancelled = deployed.cli("cancel", "--yes")
        assert cancelled.returncode == 0, cancelled.stdout + cancelled.stderr
        state = json.loads(deployed.cli("stack", "export").stdout)
        pending = state["deployment"].get("pending_operations") or []
        assert any(op["type"] == "creating" for op in pending), pending
        # Pulumi's recovery for a self-managed backend (no service to `cancel` into): clear the pending
        # creates with refresh, which also reads every resource back from Twilio.
        refreshed = deployed.cli("refresh", "--yes", "--skip-preview", "--clear-pending-creates")
        assert refreshed.returncode == 0, refreshed.stdout + refreshed.stderr
        cleared = json.loads(deployed.cli("stack", "export").stdout)
        assert not cleared["deployment"].get("pending_operations")

        result = deployed.up()  # the re-run finds the half-made Function by its path and adopts it
        assert result.summary.result == "succeeded"
        assert deployed_marker(deployed) == "sigkill"
        counts = deployed.counts()
        assert counts == {**deployed.baseline, "functions": deployed.baseline["functions"] + 1}, counts
        assert deployed.call(f"/{NEW_FUNCTION}", {}).json() == {"ok": True}

        new_file.unlink()
        assert deployed.up().summary.result == "succeeded"
        converged(deployed, tally)
        print(f"SIGKILL left {len(pending)} pending operation(s); cleared by cancel + refresh")
    STEPS["sigkill"] = True


def test_two_warm_invites_at_once_on_one_conversation_are_both_recorded(deployed, tally):
    _step("warm invites")
    with tally.fault("two warm invites at once on one conversation"):
        conversation = deployed.chat()["conversation"]
        url = f"https://conversations.twilio.com/v1/Conversations/{conversation}"
        token = deployed.token()
        forms = [
            invite_form(deployed, token),
            invite_form(
                deployed,
                token,
                transferTargetSid=deployed.worker_sid("bob"),
                transferQueueName="",
                transferWorkerName="bob",
            ),
        ]
        answers: list = [None, None]
        barrier = threading.Barrier(2)

        def send(index: int) -> None:
            barrier.wait()
            answers[index] = deployed.call(
                "/features/conversation-transfer/flex/invite-participant", forms[index]
            )

        threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
        task_sids = {a.json()["invitesTaskSid"] for a in answers}
        attributes = json.loads(deployed.rest.get(url)["attributes"])
        recorded = {entry.get("invitesTaskSid") for entry in _invite_entries(attributes)}
        tally.lost(len(task_sids - recorded))
    STEPS["warm invites"] = True


def _invite_entries(attributes) -> list[dict]:
    """Every invite entry wherever the tracker keeps them (a list of objects carrying invitesTaskSid)."""
    found: list[dict] = []

    def walk(value) -> None:
        if isinstance(value, dict):
            if "invitesTaskSid" in value:
                found.append(value)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(attributes)
    return found
