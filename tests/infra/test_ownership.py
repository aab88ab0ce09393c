"""Ownership on the real engine against the sandbox: two stacks side by side, refusals of names the stack does
not hold (with the import command, 0 writes), `pulumi import` of every kind, and the upgrade of a stack
deployed by the dynamic-provider version. Every claim is checked on a snapshot of every Twilio object."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from flex_chat_transfer.infra.component import ATTRIBUTE_VARIABLES, attribute_variables
from flex_chat_transfer.workflow.spec import AttributeNames
from harness.automation import StackRunner, write_scratch_project
from tests.infra.engine_world import Account, _cli, _cli_up, fresh_account

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
DYNAMIC_VERSION = "dc6b287"  # the last commit with the dynamic providers


@pytest.fixture(scope="module")
def account(tmp_path_factory):
    from flex_chat_transfer.sandbox.testing import SandboxProcess

    tmp = tmp_path_factory.mktemp("ownership")
    with SandboxProcess(tmp / "sandbox", seed="flex-demo", build_seconds=0.2) as sandbox:
        yield Account(tmp, sandbox)


@pytest.fixture
def alpha(account) -> StackRunner:
    """Stack `alpha` with the default config, deployed: an `up` (a no-op when an earlier test of the module
    left it deployed), so each test that needs it runs alone and in any order."""
    runner = account.runner("alpha")
    runner.up()
    return runner


def _failed_line(text: str) -> str:
    assert "Traceback" not in text
    return text


def test_two_stacks_with_default_config_deploy_side_by_side_and_destroying_one_leaves_the_other(
    account, alpha
):
    beta = account.runner("beta")
    before = account.snapshot()
    result = beta.up()
    # One Flex UI serves one functions domain per key: alpha set it, so beta says so in one line (the engine
    # shows a warning as it happens and again in its summary) and leaves it.
    left = {
        line[line.index("flex configuration: ") :]
        for line in result.stdout.splitlines()
        if "serverless_functions_domain (set by" in line
    }
    assert len(left) == 1, result.stdout
    assert "chat-transfer/alpha" in next(iter(left)) and "flexTakeOver" in next(iter(left)), left
    a, b = alpha.outputs(), beta.outputs()
    assert a["serviceSid"] != b["serviceSid"] and a["workflowSid"] != b["workflowSid"]
    both = account.snapshot()
    assert both["services"][a["serviceSid"]][0] == "chat-transfer-alpha"
    assert both["services"][b["serviceSid"]][0] == "chat-transfer-beta"
    assert both["workflows"][a["workflowSid"]][0] == "Chat Transfer (alpha)"
    for outputs in (a, b):  # both serve their functions: a deployed build and their own workflow SID
        name, environments, _ = both["services"][outputs["serviceSid"]]
        _, build_sid, variables = environments[outputs["environmentSid"]]
        assert build_sid
        assert variables["TWILIO_FLEX_CHAT_TRANSFER_WORKFLOW_SID"] == outputs["workflowSid"]
    # The Flex keys have both stacks as owners (same values); destroying beta leaves alpha's as they were.
    owners = both["flex"]["custom_data"]["chat_transfer_owners"]
    assert set(owners["ui_attributes.custom_data.features.conversation_transfer.enabled"]) == {
        "chat-transfer/alpha",
        "chat-transfer/beta",
    }
    beta.destroy()
    assert account.snapshot() == before


def test_a_copy_of_a_stack_is_refused_with_the_import_command_and_writes_nothing(account, alpha):
    copy = {
        **account.config,
        "chat-transfer:workflowName": "Chat Transfer (alpha)",
        "chat-transfer:functions": {"buildTimeout": 60, "serviceName": "chat-transfer-alpha"},
    }
    gamma = account.runner("gamma", copy)
    before, mark = account.snapshot(), account.mark()
    preview = _cli(gamma, "preview")
    assert preview.returncode != 0
    line = _failed_line(preview.stdout + preview.stderr)
    # The engine stops at the first refusal it meets (the workflow's or the service's: checks run in
    # parallel).
    assert re.search(
        r"workflow 'Chat Transfer \(alpha\)' \(WW[0-9a-f]{32}, workspace WS[0-9a-f]{32}\) already exists"
        r"|Functions service 'chat-transfer-alpha' \(ZS[0-9a-f]{32}\) already exists",
        line,
    ), line
    assert re.search(
        r"pulumi import --stack gamma twiliox:taskrouter:Workflow chat-transfer-workflow WS[0-9a-f]{32}/WW"
        r"|pulumi import --stack gamma twiliox:serverless:Service chat-transfer-service ZS[0-9a-f]{32} ",
        line,
    ), line
    assert "--provider twilio=urn:pulumi:gamma::chat-transfer::pulumi:providers:twiliox::twilio" in line
    # `pulumi up` previews first: it stops the same way.
    done = _cli_up(gamma)
    assert done.returncode != 0 and "pulumi import" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert account.writes_since(mark) == []
    assert account.snapshot() == before


def test_a_workflow_name_outside_any_stack_is_refused_and_left_as_it_was(account):
    delta = account.runner("delta", {**account.config, "chat-transfer:workflowName": "Assign to Anyone"})
    before, mark = account.snapshot(), account.mark()
    preview = _cli(delta, "preview")
    assert preview.returncode != 0
    line = _failed_line(preview.stdout + preview.stderr)
    assert (
        "workflow 'Assign to Anyone'" in line
        and "pulumi import --stack delta twiliox:taskrouter:Workflow" in line
    )
    assert "chat-transfer:workflowName" in line
    done = _cli_up(delta)
    assert done.returncode != 0 and "Assign to Anyone" in done.stdout + done.stderr
    assert account.writes_since(mark) == []
    assert account.snapshot() == before


def test_import_of_every_kind_then_preview_shows_no_replacement(account, alpha):
    resources = json.loads(alpha.exported_state())["deployment"]["resources"]
    by_name = {r["urn"].rsplit("::", 1)[-1]: r for r in resources}
    service_sid = by_name["chat-transfer-service"]["id"]
    environment_sid = by_name["chat-transfer-environment"]["id"]
    ids = {}
    for name, resource in by_name.items():
        token, outputs = resource["type"], resource.get("outputs") or {}
        if not token.startswith("twiliox:"):
            continue
        ids[name] = {
            "twiliox:taskrouter:Workflow": f"{outputs.get('workspace_sid')}/{resource.get('id')}",
            "twiliox:serverless:Service": resource.get("id"),
            "twiliox:serverless:Environment": f"{service_sid}/{resource.get('id')}",
            "twiliox:serverless:Function": f"{service_sid}/{resource.get('id')}",
            "twiliox:serverless:Build": f"{service_sid}/{resource.get('id')}",
            "twiliox:serverless:Deployment": f"{service_sid}/{environment_sid}/{resource.get('id')}",
            "twiliox:serverless:Variable": f"{service_sid}/{environment_sid}/{resource.get('id')}",
            "twiliox:flex:ConfigurationKeys": resource.get("id"),
        }[token]
    kinds = {by_name[name]["type"] for name in ids}
    assert len(kinds) == 8
    # The stack forgets everything (the objects stay), then a new stack imports them by id.
    assert _cli(alpha, "stack", "rm", "--force", "--yes").returncode == 0
    alpha = account.runner("alpha")
    provider = "urn:pulumi:alpha::chat-transfer::pulumi:providers:twiliox::twilio"
    plan = {
        "nameTable": {"twilio": provider},
        "resources": [
            {"type": by_name[name]["type"], "name": name, "id": id, "provider": "twilio"}
            for name, id in ids.items()
        ],
    }
    plan_file = account.tmp / "import.json"
    plan_file.write_text(json.dumps(plan))
    mark = account.mark()
    # An explicit provider not yet in state is created empty by `pulumi import`: credentials from TWILIO_*.
    credentials = {
        "TWILIO_ACCOUNT_SID": account.sandbox.account_sid,
        "TWILIO_AUTH_TOKEN": account.sandbox.auth_token,
    }
    done = _cli(alpha, "import", "--file", str(plan_file), "--yes", "--generate-code=false", env=credentials)
    assert done.returncode == 0, done.stdout + done.stderr
    assert account.writes_since(mark) == []
    preview = alpha.preview()
    assert "replace" not in preview.change_summary, preview.stdout
    assert "delete" not in preview.change_summary, preview.stdout
    # The only create is the component (a grouping, no Twilio object); the only updates are the provider
    # (the program gives it the stack's credentials) and the build's timeout (which no import reads).
    created = re.findall(r"^ \+  (\S+) ", preview.stdout, re.MULTILINE)
    assert created == ["chat-transfer:index:ChatTransfer"], preview.stdout
    updated = set(re.findall(r"^ ~  (\S+ \S+) update", preview.stdout, re.MULTILINE))
    expected = {"pulumi:providers:twiliox twilio", "twiliox:serverless:Build chat-transfer-build"}
    assert updated <= expected, updated
    assert "pulumi:providers:twiliox twilio" in updated, preview.stdout
    # And the next up converges, replacing nothing (functions get a version: their source is not readable),
    # with a changed flag: the first up after the import updates an imported object, through the provider
    # configured with the stack's credentials (the import made it with no inputs, from TWILIO_*; this up has
    # none in its environment).
    alpha.set_config({"chat-transfer:features": {"cold_transfer": False}})
    result = alpha.up()
    assert (
        "replace" not in result.summary.resource_changes and "delete" not in result.summary.resource_changes
    )
    flags = account.snapshot()["flex"]["custom_data"]["features"]["conversation_transfer"]
    assert flags["cold_transfer"] is False, flags
    # The module's other tests deploy beside alpha with the default flags.
    alpha.remove_config("chat-transfer:features")
    alpha.up()


@pytest.fixture
def account_of_its_own(flex_demo_sandbox, tmp_path) -> Account:
    """An account nothing else in the module touches (on tests/infra/conftest.py's sandbox, not the module's):
    the old version writes the Flex keys every stack shares (the functions' domain), which the other tests'
    stacks hold in the module's account."""
    return fresh_account(flex_demo_sandbox, tmp_path)


def test_a_stack_deployed_by_the_dynamic_provider_version_upgrades_with_no_replacement_or_delete(
    account_of_its_own,
):
    account = account_of_its_own
    old = account.tmp / "old"
    old.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", DYNAMIC_VERSION, "infra", "workflow"],
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
    old_project = write_scratch_project(account.tmp / "old-project", repo_root=old)
    import yaml

    project = yaml.safe_load((old_project / "Pulumi.yaml").read_text())
    project.pop("plugins")  # the old version had none
    project["runtime"]["options"]["virtualenv"] = str(REPO / ".venv")
    (old_project / "Pulumi.yaml").write_text(yaml.safe_dump(project))
    config = {
        **account.config,
        "chat-transfer:workflowName": "Upgrade",
        "chat-transfer:functions": {"buildTimeout": 60, "serviceName": "chat-transfer-upgrade"},
    }
    legacy = account.runner(
        "upgrade",
        config,
        project=old_project,
        env={"PYTHONPATH": str(old), "CHAT_TRANSFER_FUNCTIONS_DIR": str(REPO / "functions")},
    )
    legacy.up()
    state = legacy.exported_state()
    assert "pulumi-python:dynamic:Resource" in state  # really the old version's state
    before = account.snapshot()
    # Credentials only in stack config, as `make local-up` and the README set them: in the up that rewrites
    # the state the engine configures the aliased provider with the old default provider's inputs (the
    # stack's `twilio:*` keys), and the provider takes them from there. The new version also writes the
    # functions' domain for the plugin (a key of its own here).
    upgraded = {**config, "chat-transfer:flex": {"domainKey": "upgrade_domain"}}
    no_shell_credentials = {"TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": ""}
    current = account.runner("upgrade", upgraded, env=no_shell_credentials)
    mark = account.mark()
    result = current.up()
    changes = result.summary.resource_changes
    assert "replace" not in changes and "delete" not in changes, changes
    # The new provider is the old default provider, aliased; the only new objects are the four
    # TRANSFER_ATTRIBUTE_* Variables, the domain key and the stack's claims record (infra/claims.py) this
    # version sets (the old one had none of them).
    assert changes.get("create", 0) == len(ATTRIBUTE_VARIABLES) + 2, changes
    state = current.exported_state()
    assert "pulumi-python:dynamic:Resource" not in state
    writes = account.writes_since(mark)
    # Nothing else changed in the inputs, so nothing else is written to Twilio: only the state is rewritten.
    variable_writes = [w for w in writes if w.endswith("/Variables")]
    assert len(variable_writes) == len(ATTRIBUTE_VARIABLES), writes
    assert all(w.startswith("POST ") for w in variable_writes), writes
    assert sorted(set(writes) - set(variable_writes)) == ["POST /flex-api/v1/Configuration"], writes
    assert len(writes) == len(ATTRIBUTE_VARIABLES) + 2, writes
    after = account.snapshot()
    service = next(sid for sid, (name, _, _) in after["services"].items() if name == "chat-transfer-upgrade")
    for environment, (name, build, variables) in after["services"][service][1].items():
        added = {k: v for k, v in variables.items() if k in ATTRIBUTE_VARIABLES.values()}
        assert added == attribute_variables(AttributeNames())
        old = before["services"][service][1][environment]
        assert (name, build, {k: v for k, v in variables.items() if k not in added}) == old
        after["services"][service][1][environment] = old
    domain = after["flex"]["custom_data"].pop("upgrade_domain")
    recorded = after["flex"]["custom_data"]["chat_transfer_owners"]
    assert recorded.pop("ui_attributes.custom_data.upgrade_domain") == ["chat-transfer/upgrade"]
    claims = after["flex"]["custom_data"]["chat_transfer_claims"]
    outputs = current.outputs()
    for sid in (outputs["workflowSid"], outputs["serviceSid"], outputs["environmentSid"]):
        assert claims.pop(sid) == "chat-transfer/upgrade"
        owner = recorded.pop(f"ui_attributes.custom_data.chat_transfer_claims.{sid}")
        assert owner == ["chat-transfer/upgrade"]
    if not claims:
        after["flex"]["custom_data"].pop("chat_transfer_claims")
    # What each key held before this stack set it, recorded beside its owners (infra/ownership_policy.py).
    found = after["flex"]["custom_data"]["chat_transfer_found"]
    for full in [full for full, stacks in found.items() if "chat-transfer/upgrade" in stacks]:
        found[full].pop("chat-transfer/upgrade")
        if not found[full]:
            found.pop(full)
    if not found:
        after["flex"]["custom_data"].pop("chat_transfer_found")
    if not recorded:  # the old version recorded no owners
        after["flex"]["custom_data"].pop("chat_transfer_owners")
    assert domain == current.outputs()["domainName"]
    assert after == before
    # And the upgraded stack is an ordinary one: the next preview has nothing to do.
    assert set(current.preview().change_summary) - {"read"} == {"same"}
