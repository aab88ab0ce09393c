"""Issue 22 on the real engine against the sandbox: the Flex accounts people already have. A template-shaped
account (tests/infra/template_account.py) is built before any stack; a stack attaches to it, or adopts it by
`pulumi import`, and destroy leaves every Twilio object as it was found. Claims across stacks, the account a
stack is pinned to, and a taken name refused by `up --skip-preview` with nothing written."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from flex_chat_transfer.infra.attach import PLUGIN_PATHS
from flex_chat_transfer.infra.rest import FLEX, SERVERLESS
from flex_chat_transfer.sandbox.testing import SandboxProcess
from harness.automation import find_cli_root
from tests.infra.engine_world import Account, _cli
from tests.infra.template_account import (
    ENVIRONMENT,
    OTHER_FEATURES,
    SERVICE,
    WORKFLOW_NAME,
    WORKFLOW_VARIABLE,
    TemplateAccount,
    build_template_account,
)

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]

PROVIDER = "urn:pulumi:{stack}::chat-transfer::pulumi:providers:twiliox::twilio"


@pytest.fixture
def template(account) -> TemplateAccount:
    return build_template_account(account.sandbox, account.rest, account.workspace_sid)


def everything(account: Account, template: TemplateAccount) -> dict:
    """The snapshot plus the template service's builds and deployments."""
    return {**account.snapshot(), "builds": template.builds(), "deployments": template.deployments()}


def writes_to(account: Account, mark: int, fragment: str) -> list[str]:
    return [w for w in account.writes_since(mark) if fragment in w]


def test_attached_stack_sets_only_its_variables_and_destroy_gives_them_back(account, template):
    before = everything(account, template)
    answers_before = {path: template.answer(path) for path in OTHER_FEATURES}
    config = {
        **account.config,
        "chat-transfer:functions": {"attachTo": {"service": SERVICE, "environment": ENVIRONMENT}},
    }
    stack = account.runner("dev", config)
    mark = account.mark()
    stack.up()
    service_writes = writes_to(account, mark, f"/Services/{template.service_sid}")
    # Only variables: no function, build or deployment in their service.
    assert service_writes and all("/Variables" in w for w in service_writes), service_writes
    assert template.builds() == before["builds"] and template.deployments() == before["deployments"]
    outputs = stack.outputs()
    assert (
        outputs["serviceSid"] == template.service_sid
        and outputs["environmentSid"] == template.environment_sid
    )
    # Their functions all answer, and the plugin's paths now see this stack's workflow (a variable change
    # applies to the next execution, no deployment needed).
    for path, answer in answers_before.items():
        assert template.answer(path)["feature"] == answer["feature"]
    for path in PLUGIN_PATHS:
        assert template.answer(path)["workflow"] == outputs["workflowSid"]
    # The domain key already named their environment: left as it is (not even recorded as this stack's).
    flex = account.rest.get(f"{FLEX}/Configuration")["ui_attributes"]["custom_data"]
    assert flex["serverless_functions_domain"] == template.domain_name
    assert "ui_attributes.custom_data.serverless_functions_domain" not in flex.get("chat_transfer_owners", {})
    assert flex["chat_transfer_claims"][template.environment_sid] == "chat-transfer/dev"

    stack.destroy()
    assert everything(account, template) == before
    for path in PLUGIN_PATHS:
        assert template.answer(path)["workflow"] == template.workflow_sid


def test_attaching_where_the_plugin_paths_are_not_served_is_refused_before_any_write(account, template):
    config = {
        **account.config,
        "chat-transfer:functions": {"attachTo": {"service": SERVICE, "environment": "nope"}},
    }
    mark = account.mark()
    done = _cli(account.runner("dev", config), "preview")
    assert done.returncode != 0
    assert f"chat-transfer:functions.attachTo.environment: service {SERVICE}" in done.stdout + done.stderr
    # An environment that does not serve the plugin's paths: named, with what is missing.
    base = f"{SERVERLESS}/Services/{template.service_sid}"
    empty = account.rest.create(f"{base}/Environments", {"UniqueName": "stage", "DomainSuffix": "stage"})
    config["chat-transfer:functions"] = {
        "attachTo": {"service": template.service_sid, "environment": "stage"}
    }
    mark = account.mark()
    done = _cli(account.runner("stage", config), "up", "--yes", "--skip-preview")
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert f"environment stage ({empty['sid']})" in output and PLUGIN_PATHS[0] in output, output
    assert "Traceback" not in output
    assert account.writes_since(mark) == []


def run_readme_block(marker: str, stack, values: dict[str, str]) -> subprocess.CompletedProcess:
    """The README's shell block after `<!-- marker -->`, run by bash in the stack's project, with the lines
    that hold placeholders (`...`) replaced by `export` lines of `values`."""
    text = (REPO / "README.md").read_text()
    block = text.split(f"<!-- {marker} -->", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    lines = [line for line in block.splitlines() if "..." not in line]
    script = "\n".join(
        ["set -euo pipefail", *(f"export {k}={shlex.quote(v)}" for k, v in values.items()), *lines]
    )
    cli = stack.cli_root or find_cli_root()
    env = {**os.environ, **stack.environment(), "PATH": f"{cli / 'bin'}:{os.environ['PATH']}"}
    return subprocess.run(
        ["bash", "-c", script], cwd=stack.project_dir, env=env, capture_output=True, text=True, timeout=600
    )


def import_command(stack: str, token: str, name: str, id: str) -> list[str]:
    return [
        "import",
        token,
        name,
        id,
        "--provider",
        f"twilio={PROVIDER.format(stack=stack)}",
        "--yes",
        "--generate-code=false",
    ]


def test_adopting_the_template_by_import_keeps_their_functions_and_destroy_leaves_it_as_found(
    account, template
):
    before = everything(account, template)
    config = {
        **account.config,
        "chat-transfer:workflowName": WORKFLOW_NAME,
        "chat-transfer:functions": {"buildTimeout": 60, "serviceName": SERVICE, "environment": ENVIRONMENT},
    }
    stack = account.runner("dev", config)
    credentials = {
        "TWILIO_ACCOUNT_SID": account.sandbox.account_sid,
        "TWILIO_AUTH_TOKEN": account.sandbox.auth_token,
    }
    # Their function at a path this project deploys is theirs: with only the service imported, `up` refuses
    # it with the import command, and writes nothing. (The provider `pulumi import` recorded has no
    # credentials of its own until the first up: the README's TWILIO_* variables stay exported for it.)
    probe = account.runner(
        "probe",
        {
            **config,
            "chat-transfer:workflowName": "Chat Transfer (probe)",
            "chat-transfer:functions": {"serviceName": SERVICE, "environment": "probe"},
        },
    )
    done = _cli(
        probe,
        *import_command("probe", "twiliox:serverless:Service", "chat-transfer-service", template.service_sid),
        env=credentials,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    mark = account.mark()
    done = _cli(probe, "up", "--yes", env=credentials)
    output = done.stdout + done.stderr
    assert done.returncode != 0 and "Traceback" not in output
    paths = "|".join(re.escape(path) for path in PLUGIN_PATHS)
    assert re.search(rf"function '({paths})' \(ZH[0-9a-f]{{32}}\) of shared service", output), output
    assert "pulumi import --stack probe twiliox:serverless:Function chat-transfer-fn/" in output
    assert account.writes_since(mark) == []
    assert _cli(probe, "stack", "rm", "--force", "--yes").returncode == 0

    # README "Bringing objects under a stack with `pulumi import`", as written; only the placeholder lines
    # (`AC...`, `ZS...`) get this account's values. Read-only.
    mark = account.mark()
    invite, remove, update = (template.function_sids[path] for path in PLUGIN_PATHS)
    values = {
        "TWILIO_ACCOUNT_SID": account.sandbox.account_sid,
        "TWILIO_AUTH_TOKEN": account.sandbox.auth_token,
        "SERVICE": template.service_sid,
        "ENVIRONMENT": template.environment_sid,
        "WORKSPACE": template.workspace_sid,
        "WORKFLOW": template.workflow_sid,
        "INVITE": invite,
        "REMOVE": remove,
        "UPDATE": update,
    }
    done = run_readme_block("adopt-commands", stack, values)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not re.search(r"\d+ to (replace|delete)", done.stdout), done.stdout
    assert account.writes_since(mark) == []

    # The three plugin paths get this project's code; their other functions ride along in every build.
    done = _cli(stack, "up", "--yes", env=credentials)
    assert done.returncode == 0, done.stdout + done.stderr
    served = template.served_paths()
    assert set(OTHER_FEATURES) <= served and set(PLUGIN_PATHS) <= served
    for path, feature in OTHER_FEATURES.items():
        assert template.answer(path)["feature"] == feature
    variables = account.snapshot()["services"][template.service_sid][1][template.environment_sid][2]
    assert variables[WORKFLOW_VARIABLE] == template.workflow_sid  # the imported workflow, now generated

    stack.destroy()
    after = everything(account, template)
    # The environment serves the build that was live at import again (no new build); the builds this stack
    # made stay in Twilio's history, as builds do.
    assert after["services"] == before["services"]
    assert after["workflows"] == before["workflows"] and after["flex"] == before["flex"]
    for path, feature in {**OTHER_FEATURES}.items():
        assert template.answer(path)["feature"] == feature
    for path in PLUGIN_PATHS:
        assert template.answer(path)["feature"].startswith("template ")


def test_importing_another_stacks_workflow_is_refused_naming_that_stack(account):
    alpha = account.runner("alpha")
    alpha.up()
    workflow = alpha.outputs()["workflowSid"]
    beta = account.runner("beta")
    mark = account.mark()
    id = f"{account.workspace_sid}/{workflow}"
    done = _cli(
        beta,
        *import_command("beta", "twiliox:taskrouter:Workflow", "chat-transfer-workflow", id),
        env={
            "TWILIO_ACCOUNT_SID": account.sandbox.account_sid,
            "TWILIO_AUTH_TOKEN": account.sandbox.auth_token,
        },
    )
    output = done.stdout + done.stderr
    assert done.returncode != 0 and "Traceback" not in output
    assert f"{workflow} is managed by stack chat-transfer/alpha" in output, output
    assert account.writes_since(mark) == []
    assert _cli(alpha, "preview", "--expect-no-changes").returncode == 0
    alpha.destroy()


def test_a_stack_run_with_another_accounts_credentials_stops_before_any_call(account, tmp_path):
    config = {k: v for k, v in account.config.items() if not k.startswith("twilio:")}
    first = {
        "TWILIO_ACCOUNT_SID": account.sandbox.account_sid,
        "TWILIO_AUTH_TOKEN": account.sandbox.auth_token,
    }
    stack = account.runner("dev", config, env=first)
    stack.up()
    before, mark = account.snapshot(), account.mark()
    with SandboxProcess(tmp_path / "other", seed="flex-demo", build_seconds=0.2) as other:
        assert other.account_sid != account.sandbox.account_sid
        second = {
            "TWILIO_SANDBOX_URL": other.url,
            "TWILIO_ACCOUNT_SID": other.account_sid,
            "TWILIO_AUTH_TOKEN": other.auth_token,
        }
        seen = other.summary()["total"]
        workflow = stack.outputs()["workflowSid"]
        reimport = import_command(
            "dev", "twiliox:taskrouter:Workflow", "again", f"{account.workspace_sid}/{workflow}"
        )
        for command in (
            ("preview",),
            ("up", "--yes"),
            ("up", "--yes", "--skip-preview"),
            ("refresh", "--yes"),
            ("destroy", "--yes"),
            tuple(reimport),
        ):
            done = _cli(stack, *command, env=second)
            output = done.stdout + done.stderr
            assert done.returncode != 0, (command, output)
            assert "Traceback" not in output
            assert account.sandbox.account_sid in output and other.account_sid in output, (command, output)
            assert "$TWILIO_ACCOUNT_SID" in output
        assert other.summary()["total"] == seen  # not a call, let alone a write
    assert account.writes_since(mark) == []
    assert account.snapshot() == before
    stack.destroy()


def test_a_taken_workflow_name_refused_by_up_skip_preview_writes_nothing(account):
    taken = {**account.config, "chat-transfer:workflowName": "Assign to Anyone"}
    before, mark = account.snapshot(), account.mark()
    done = _cli(account.runner("delta", taken), "up", "--yes", "--skip-preview")
    output = done.stdout + done.stderr
    assert done.returncode != 0 and "Traceback" not in output
    assert "workflow 'Assign to Anyone'" in output and "pulumi import --stack delta" in output
    assert account.writes_since(mark) == []
    assert account.snapshot() == before


def test_flex_owner_records_stay_true_when_a_run_lost_what_it_wrote(account):
    """A run killed after its Flex write never records it in state; the next `up` creates the key again. What
    the key held before must still be what destroy puts back, and no record may name the stack after."""
    flags = "ui_attributes.custom_data.features.conversation_transfer"
    configuration = account.rest.get(f"{FLEX}/Configuration")
    ui = configuration["ui_attributes"]
    feature = (
        ui.setdefault("custom_data", {}).setdefault("features", {}).setdefault("conversation_transfer", {})
    )
    feature["cold_transfer"] = "set by hand"
    account.rest.call(
        "POST",
        f"{FLEX}/Configuration",
        json_body=True,
        data={"account_sid": configuration["account_sid"], "ui_attributes": ui},
    )
    before = account.snapshot()
    stack = account.runner("dev", {**account.config, "chat-transfer:flexTakeOver": "true"})
    stack.up()
    urn = "urn:pulumi:dev::chat-transfer::twiliox:flex:ConfigurationKeys::chat-transfer-flex-flags"
    done = _cli(stack, "state", "delete", urn, "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    stack.up()  # the flags again, over this stack's own leftover value
    flex = account.rest.get(f"{FLEX}/Configuration")["ui_attributes"]["custom_data"]
    assert flex["features"]["conversation_transfer"]["cold_transfer"] is True
    assert flex["chat_transfer_found"][f"{flags}.cold_transfer"] == {
        "chat-transfer/dev": {"value": "set by hand"}
    }
    stack.destroy()
    assert account.snapshot() == before
