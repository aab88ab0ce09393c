"""Issue 17's Flex configuration wiring and pre-flight: the domain key's ownership rules (units), the key's
config (`chat-transfer:flex.domainKey`), the component's wiring of the environment's domain (Pulumi mocks),
and the pre-flight refusals on the real engine against the sandbox: one line, 0 writes, in preview and up."""

from __future__ import annotations

import pulumi
import pytest

from flex_chat_transfer.infra.client import make_client
from flex_chat_transfer.infra.lookup import flex_ui_major
from flex_chat_transfer.infra.rest import FLEX, Rest
from flex_chat_transfer.infra.twiliox.base import UNKNOWN
from flex_chat_transfer.infra.twiliox.flex import applied, conflicts, owners, restored
from flex_chat_transfer.workflow.loader import read_stack_config
from flex_chat_transfer.workflow.problems import ProblemsError
from flex_chat_transfer.workflow.spec import ChatTransferSpec, FunctionsSettings
from harness.automation import StackRunner, write_scratch_project
from tests.infra.engine_world import _cli
from tests.infra.pulumi_mocks import QUEUES, WS, functions_project

PATH = "ui_attributes.custom_data"
KEY = "serverless_functions_domain"
ME, OTHER = "chat-transfer/local", "chat-transfer/other"


def _ui(value: str | None = None, setters: list[str] | None = None) -> dict:
    custom: dict = {"features": {"caller_id": {"enabled": False}}}
    if value is not None:
        custom[KEY] = value
    if setters:
        custom["chat_transfer_owners"] = {f"{PATH}.{KEY}": setters}
    return {"colorTheme": {"baseName": "FlexLight"}, "custom_data": custom}


# -- units: who may set the key ------------------------------------------------------------------------------


def test_a_different_value_nobody_recorded_is_refused_and_says_what_it_holds():
    [line] = conflicts(_ui("someone-else.twil.io"), PATH, {KEY: "ours-1234.twil.io"}, ME)
    assert line == f"{PATH}.{KEY} (holds 'someone-else.twil.io', set by no stack)"


def test_a_value_not_known_yet_is_different_from_whatever_is_there():
    # Preview of a new stack: the environment (and so its domain) does not exist yet.
    assert conflicts(_ui("someone-else.twil.io"), PATH, {KEY: UNKNOWN}, ME)
    assert conflicts(_ui("x.twil.io", [OTHER]), PATH, {KEY: UNKNOWN}, ME) == [
        f"{PATH}.{KEY} (set by {OTHER})"
    ]
    assert conflicts(_ui("x.twil.io", [ME]), PATH, {KEY: UNKNOWN}, ME) == []  # ours: a replaced environment
    assert conflicts(_ui(), PATH, {KEY: UNKNOWN}, ME) == []  # nothing there


def test_the_same_value_set_by_hand_joins_and_destroy_leaves_it():
    ui = _ui("ours-1234.twil.io")
    assert conflicts(ui, PATH, {KEY: "ours-1234.twil.io"}, ME) == []
    merged = applied(ui, PATH, {KEY: "ours-1234.twil.io"}, ME)
    assert owners(merged)[f"{PATH}.{KEY}"] == [ME]
    assert restored(merged, PATH, {KEY: {"value": "ours-1234.twil.io"}}, ME) == ui


def test_take_over_of_a_hand_set_value_puts_it_back_on_destroy_and_keeps_every_other_key():
    ui = _ui("someone-else.twil.io")
    taken = applied(ui, PATH, {KEY: "ours-1234.twil.io"}, ME, take_over=True)
    assert taken["custom_data"][KEY] == "ours-1234.twil.io"
    assert taken["custom_data"]["features"] == ui["custom_data"]["features"]
    assert restored(taken, PATH, {KEY: {"value": "someone-else.twil.io"}}, ME) == ui


# -- config: chat-transfer:flex.domainKey --------------------------------------------------------------------


def test_domain_key_defaults_to_the_plugins_key_and_takes_a_feature_specific_one():
    assert read_stack_config({}, "dev").flex_domain_key == KEY
    raw = {"chat-transfer:flex": '{"domainKey": "serverless_functions_domain_conversation_transfer"}'}
    settings = read_stack_config(raw, "dev")
    assert settings.flex_domain_key == "serverless_functions_domain_conversation_transfer"


@pytest.mark.parametrize(
    ("flex", "where"),
    [
        ({"domainKey": "custom_data.domain"}, "chat-transfer:flex.domainKey"),
        ({"domainKey": "chat_transfer_owners"}, "chat-transfer:flex.domainKey"),
        ({"domainKey": "serverless_functions_port"}, "chat-transfer:flex.domainKey"),
        ({"domainKey": ""}, "chat-transfer:flex.domainKey"),
        ({"domainKey": 7}, "chat-transfer:flex.domainKey"),
        ({"domain": "x"}, "chat-transfer:flex.domain"),
        ("not json", "chat-transfer:flex"),
    ],
)
def test_a_bad_domain_key_is_one_line_naming_the_key(flex, where):
    with pytest.raises(ProblemsError) as error:
        read_stack_config({"chat-transfer:flex": flex}, "dev")
    line = str(error.value)
    assert line.startswith(f"{where}:") and "(fix:" in line and "\n" not in line


@pytest.mark.parametrize(
    ("ui_version", "major"),
    [
        ("~1.34", 1),
        ("1.34.2", 1),
        ("v1.0", 1),
        ("~2.x", 2),
        ("^2.4", 2),
        ("2.x", 2),
        ("latest", None),
        (None, None),
    ],
)
def test_flex_ui_major(ui_version, major):
    assert flex_ui_major(ui_version) == major


# -- wiring (Pulumi mocks) -----------------------------------------------------------------------------------


@pulumi.runtime.test
def test_the_environments_domain_goes_to_the_configured_key_in_the_same_up(mocks, tmp_path):
    from flex_chat_transfer.infra.component import ChatTransfer

    spec = ChatTransferSpec(functions=FunctionsSettings(environment="test"))
    functions = functions_project(tmp_path)
    component = ChatTransfer(
        "ct", spec, WS, QUEUES, functions, 60.0, flex_take_over=True, flex_domain_key="ct_domain"
    )

    def verify(_):
        inputs = dict(mocks.resources["ct-flex-domain"]["inputs"])
        assert inputs == {
            "path": PATH,
            "values": {"ct_domain": "chat-transfer-1234-test.twil.io"},
            "take_over": True,
        }

    return component.flex_domain.id.apply(verify)


# -- pre-flight on the real engine ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def account(tmp_path_factory):
    from flex_chat_transfer.sandbox.testing import SandboxProcess

    tmp = tmp_path_factory.mktemp("flex-preflight")
    with SandboxProcess(tmp / "sandbox", seed="flex-demo", build_seconds=0.2) as sandbox:
        runner = StackRunner(
            write_scratch_project(tmp / "project"),
            "preflight",
            tmp / "state",
            env={"TWILIO_SANDBOX_URL": sandbox.url},
        )
        yield sandbox, runner


def _set_flex(sandbox, **changes) -> None:
    rest = Rest(make_client(sandbox.account_sid, sandbox.auth_token, sandbox_url=sandbox.url))
    config = rest.get(f"{FLEX}/Configuration")
    rest.call(
        "POST",
        f"{FLEX}/Configuration",
        json_body=True,
        data={"account_sid": config["account_sid"], **changes},
    )


def _native_transfers_on(sandbox) -> dict:
    rest = Rest(make_client(sandbox.account_sid, sandbox.auth_token, sandbox_url=sandbox.url))
    ui = rest.get(f"{FLEX}/Configuration")["ui_attributes"]
    ui.setdefault("featureFlags", {})["transfersConfig"] = {"enabled": True}
    return {"ui_attributes": ui}


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (
            "flex ui 1.x",
            "flex configuration: ui_version is '~1.34', Flex UI 1.x; the chat-transfer feature "
            "needs Flex UI 2.x (Flex Conversations); nothing was written (fix: upgrade Flex UI",
        ),
        (
            "native transfers",
            "flex configuration: native messaging transfers are on "
            "(ui_attributes.featureFlags.transfersConfig.enabled)",
        ),
        ("bad domain key", "chat-transfer:flex.domainKey: 'custom_data.x' is not a key name"),
    ],
)
def test_preflight_refuses_in_one_line_before_any_write(account, case, expected):
    sandbox, runner = account
    sandbox.reset("flex-demo")
    config = {
        "twilio:accountSid": sandbox.account_sid,
        "twilio:authToken": sandbox.auth_token,
        "chat-transfer:transferQueues": ["Sales"],
    }
    if case == "flex ui 1.x":
        _set_flex(sandbox, ui_version="~1.34")
    elif case == "native transfers":
        _set_flex(sandbox, **_native_transfers_on(sandbox))
    else:
        config["chat-transfer:flex"] = {"domainKey": "custom_data.x"}
    runner.set_config(config, secret=("twilio:authToken",))
    writes_before = sandbox.summary()["writes"]
    for command in (("preview",), ("up", "--yes")):
        done = _cli(runner, *command)
        output = done.stdout + done.stderr
        assert done.returncode != 0, output
        assert "Traceback" not in output
        # The one line, as the engine shows it in the progress view and again under Diagnostics.
        lines = {line[line.index(expected) :] for line in output.splitlines() if expected in line}
        assert len(lines) == 1 and "(fix: " in next(iter(lines)), output
    assert sandbox.summary()["writes"] == writes_before


def test_the_offline_tools_read_a_stack_file_that_sets_the_flex_deploy_keys():
    from flex_chat_transfer.workflow.loader import spec_from_config

    spec = spec_from_config({"flexTakeOver": True, "flex": {"domainKey": "x_domain"}}, "dev")
    assert spec.functions.environment == "dev"
