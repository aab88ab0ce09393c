"""Pulumi.example.yaml, the file users copy per stack: nothing in it overrides their environment or another
stack. No credential key (a placeholder there won over TWILIO_* and Twilio refused it); no workflow name,
service name or functions environment (they follow the stack name, so `dev` and `prod` copied from it
deploy side by side in one account: shown on the real engine against the sandbox); every feature flag,
`enabled` included, accepted; and its comments stay where they are when `pulumi config set` rewrites the
copy. That the TWILIO_* variables are then the credentials used, tests/docs/test_readme_real_account.py shows
by deploying a copy of it with them."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from flex_chat_transfer.workflow.loader import load_stack_file, read_stack_config, spec_from_config
from flex_chat_transfer.workflow.problems import ProblemsError
from harness.automation import StackRunner, find_cli_root, write_scratch_project

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "Pulumi.example.yaml"
PREFIX = "chat-transfer:"


def example_config() -> dict:
    return yaml.safe_load(EXAMPLE.read_text())["config"]


def example_values() -> dict:
    return {key[len(PREFIX):]: value for key, value in example_config().items() if key.startswith(PREFIX)}


def test_no_credential_is_set_only_described_in_comments():
    config = example_config()
    assert not [key for key in config if key.startswith("twilio:")]
    text = EXAMPLE.read_text()
    for key in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "twilio:accountSid", "twilio:authToken"):
        assert key in text  # still explained, as comments


def test_a_stack_copied_from_the_example_deploys_into_its_own_environment(tmp_path: Path):
    assert "environment" not in example_config().get("chat-transfer:functions", {})
    for stack in ("dev", "stage", "prod"):
        copy = tmp_path / f"Pulumi.{stack}.yaml"
        shutil.copy2(EXAMPLE, copy)
        assert load_stack_file(copy, stack).functions.environment == stack


def test_names_that_must_differ_between_stacks_are_left_to_the_per_stack_defaults():
    values = example_values()
    assert "workflowName" not in values
    assert set(values["functions"]) == {"runtime"}
    config = {PREFIX + key: value for key, value in values.items()}
    specs = {stack: read_stack_config(config, stack).spec for stack in ("dev", "prod")}
    assert (specs["dev"].workflow_name, specs["prod"].workflow_name) == (
        "Chat Transfer (dev)", "Chat Transfer (prod)")
    assert (specs["dev"].functions.service_name, specs["prod"].functions.service_name) == (
        "chat-transfer-dev", "chat-transfer-prod")
    # The comments name the same defaults the program uses (README "Configuration reference" too).
    text = EXAMPLE.read_text()
    assert "Chat Transfer (<stack>)" in text and "chat-transfer-<stack>" in text
    assert "| `workflowName` | `Chat Transfer (<stack>)` |" in (ROOT / "README.md").read_text()


def test_every_feature_flag_is_accepted_enabled_included():
    assert example_values()["features"] == {"enabled": True, "cold_transfer": True, "multi_participant": True}
    spec = spec_from_config({"features": {"enabled": False}}, "dev")
    assert (spec.features.enabled, spec.features.cold_transfer, spec.features.multi_participant) == (
        False, True, True)
    assert spec_from_config({}, "dev").features.enabled is True
    with pytest.raises(ProblemsError) as refused:
        spec_from_config({"features": {"enabled": "no"}}, "dev")
    assert "features.enabled" in str(refused.value)


def pulumi(project: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cli_root = find_cli_root()
    cli = str(cli_root / "bin" / "pulumi") if cli_root else "pulumi"
    env = {**os.environ, "PULUMI_HOME": str(home), "PULUMI_BACKEND_URL": f"file://{home / 'state'}",
           "PULUMI_CONFIG_PASSPHRASE": "example-test", "PULUMI_SKIP_UPDATE_CHECK": "true"}
    (home / "state").mkdir(parents=True, exist_ok=True)
    return subprocess.run([cli, *args, "--non-interactive"], cwd=project, env=env, capture_output=True,
                          text=True, timeout=120)


def test_comments_stay_in_place_when_pulumi_config_set_rewrites_a_copy(tmp_path: Path):
    project = write_scratch_project(tmp_path / "project")
    copy = project / "Pulumi.dev.yaml"
    shutil.copy2(EXAMPLE, copy)
    home = tmp_path / "pulumi-home"
    for args in (("stack", "init", "dev"),
                 ("config", "set", "chat-transfer:workspace", "Other Workspace"),
                 ("config", "set", "--path", "chat-transfer:features.enabled", "false"),
                 ("config", "set", "--path", "chat-transfer:functions.buildTimeout", "600"),
                 ("config", "set", "--path", "chat-transfer:transferQueues[2]", "Billing"),
                 ("config", "set", "chat-transfer:defaultQueue", "Everyone")):
        done = pulumi(project, home, *args)
        assert done.returncode == 0, (args, done.stdout + done.stderr)
    before, after = EXAMPLE.read_text().splitlines(), copy.read_text().splitlines()
    comments = [line for line in before if line.lstrip().startswith("#")]
    # Every full-line comment is still there, at its own indentation, in its own order.
    assert [line for line in after if line.lstrip().startswith("#")] == comments
    # The VIP-queue template (head comment block) was not re-indented under the Support queue.
    vip = next(i for i, line in enumerate(after) if "- name: VIP" in line)
    assert vip < after.index("config:")
    # ... and the values were set.
    written = yaml.safe_load(copy.read_text())["config"]
    assert written["chat-transfer:workspace"] == "Other Workspace"
    assert written["chat-transfer:features"]["enabled"] is False
    assert written["chat-transfer:transferQueues"][2] == "Billing"
    assert load_stack_file(copy, "dev").features.enabled is False


@pytest.mark.e2e
def test_dev_and_prod_copied_from_the_example_deploy_in_one_account_and_enabled_false_keeps_the_rest(
    tmp_path: Path,
):
    from flex_chat_transfer.infra.client import make_client
    from flex_chat_transfer.infra.rest import FLEX, SERVERLESS, TASKROUTER, Rest
    from flex_chat_transfer.sandbox.testing import SandboxProcess

    project = write_scratch_project(tmp_path / "project")
    for stack in ("dev", "prod"):
        shutil.copy2(EXAMPLE, project / f"Pulumi.{stack}.yaml")
    with SandboxProcess(tmp_path / "sandbox", seed="flex-demo", build_seconds=0.2) as sandbox:
        # Credentials as the example says: TWILIO_* variables, nothing added to the copies.
        env = {"TWILIO_SANDBOX_URL": sandbox.url, "TWILIO_ACCOUNT_SID": sandbox.account_sid,
               "TWILIO_AUTH_TOKEN": sandbox.auth_token}
        runners = {stack: StackRunner(project, stack, tmp_path / "state", env=env)
                   for stack in ("dev", "prod")}
        rest = Rest(make_client(sandbox.account_sid, sandbox.auth_token, sandbox_url=sandbox.url))
        workspace = rest.get(f"{TASKROUTER}/Workspaces")["workspaces"][0]["sid"]

        def flags() -> dict:
            ui = rest.get(f"{FLEX}/Configuration")["ui_attributes"]
            return ui["custom_data"]["features"]["conversation_transfer"]

        def workflows() -> dict[str, str]:
            listed = rest.list_all(f"{TASKROUTER}/Workspaces/{workspace}/Workflows", "workflows")
            return {w["sid"]: w["friendly_name"] for w in listed}

        def services() -> dict[str, str]:
            return {s["sid"]: s["unique_name"] for s in rest.list_all(f"{SERVERLESS}/Services", "services")}

        try:
            outputs = {}
            for stack, runner in runners.items():
                runner.up()
                outputs[stack] = runner.outputs()
            assert workflows()[outputs["dev"]["workflowSid"]] == "Chat Transfer (dev)"
            assert workflows()[outputs["prod"]["workflowSid"]] == "Chat Transfer (prod)"
            assert services()[outputs["dev"]["serviceSid"]] == "chat-transfer-dev"
            assert services()[outputs["prod"]["serviceSid"]] == "chat-transfer-prod"
            assert flags() == {"enabled": True, "cold_transfer": True, "multi_participant": True}

            # features.enabled: false on the one stack left: the Flex flag goes off, the rest stays deployed.
            runners["prod"].destroy()
            dev_file = project / "Pulumi.dev.yaml"
            edited = dev_file.read_text().replace("\n    enabled: true\n", "\n    enabled: false\n")
            assert edited != dev_file.read_text()
            dev_file.write_text(edited)
            result = runners["dev"].up()
            assert flags() == {"enabled": False, "cold_transfer": True, "multi_participant": True}
            assert runners["dev"].outputs()["workflowSid"] == outputs["dev"]["workflowSid"]
            assert outputs["dev"]["workflowSid"] in workflows() and outputs["dev"]["serviceSid"] in services()
            # (`read`: the stack reading its own last outputs, the account it is pinned to.)
            changed = {kind: count for kind, count in (result.summary.resource_changes or {}).items()
                       if kind not in ("same", "read")}
            assert changed == {"update": 1}, changed  # the flags resource only
        finally:
            for runner in runners.values():
                runner.destroy()
