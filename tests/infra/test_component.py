"""Pulumi-mocks tests of the ChatTransfer wiring: what feeds what, in one pass, without a Twilio call."""

from __future__ import annotations

import asyncio

import pulumi

from flex_chat_transfer.infra.registration import checked_first
from flex_chat_transfer.workflow.loader import spec_from_config
from flex_chat_transfer.workflow.spec import ChatTransferSpec, Features, FunctionsSettings, TransferQueue
from tests.infra.pulumi_mocks import QUEUES, WS, functions_project


@pulumi.runtime.test
def test_variables_are_wired_from_lookup_and_workflow_output(mocks, tmp_path):
    from flex_chat_transfer.infra.component import WORKFLOW_VARIABLE, WORKSPACE_VARIABLE, ChatTransfer

    spec = ChatTransferSpec(
        transfer_queues=(TransferQueue("Sales"),),
        features=Features(cold_transfer=False, multi_participant=True),
        functions=FunctionsSettings(environment="test"),
    )
    component = ChatTransfer("ct", spec, WS, QUEUES, functions_project(tmp_path), 42.0)

    def verify(args):
        workflow_sid, workspace_value, workflow_value, versions, build_sid, deployed, urls = args
        assert workflow_sid.startswith("WW")
        assert workspace_value == WS
        assert workflow_value == workflow_sid  # same up, straight from the Workflow's output
        fn_versions = [mocks.resources[n]["state"]["version_sid"] for n in mocks.resources if "-fn/" in n]
        assert sorted(versions) == sorted(fn_versions) and len(versions) == 2
        assert deployed == build_sid
        assert urls == {"/features/x/invite": "https://chat-transfer-1234-test.twil.io/features/x/invite"}

        flags = dict(mocks.resources["ct-flex-flags"]["inputs"])
        # A real provider's resource: its inputs only, no pickled provider.
        assert "__provider" not in flags
        assert flags == {
            "path": "ui_attributes.custom_data.features.conversation_transfer",
            "values": {"enabled": True, "cold_transfer": False, "multi_participant": True},
            "take_over": False,
        }
        workflow_inputs = mocks.resources["ct-workflow"]["inputs"]
        assert workflow_inputs["workspace_sid"] == WS
        assert workflow_inputs["friendly_name"] == "Chat Transfer"
        targets = [
            f["targets"][0]["queue"] for f in workflow_inputs["configuration"]["task_routing"]["filters"]
        ]
        assert targets == [QUEUES["Everyone"], QUEUES["Sales"]]
        build_inputs = mocks.resources["ct-build"]["inputs"]
        assert build_inputs["dependencies"] == {"twilio-flex-token-validator": "1.5.8"}
        assert build_inputs["runtime"] == "node22" and build_inputs["build_timeout"] == 42.0
        env_inputs = mocks.resources["ct-environment"]["inputs"]
        assert env_inputs["unique_name"] == "test" and env_inputs["domain_suffix"] == "test"
        fn = mocks.resources["ct-fn/features/x/invite"]["inputs"]
        assert fn["visibility"] == "protected" and fn["content"]  # the provider derives content_hash in Check

    return pulumi.Output.all(
        component.workflow.sid,
        component.variables[WORKSPACE_VARIABLE].value,
        component.variables[WORKFLOW_VARIABLE].value,
        component.build.function_versions,
        component.build.sid,
        component.deployment.build_sid,
        component.function_urls,
    ).apply(verify)


@pulumi.runtime.test
def test_secret_variable_stays_secret(mocks, tmp_path):
    from flex_chat_transfer.infra.component import ChatTransfer

    component = ChatTransfer(
        "ct",
        ChatTransferSpec(),
        WS,
        QUEUES,
        functions_project(tmp_path),
        300.0,
        extra_variables={"API_TOKEN": ("s3cr3t-value", True)},
    )

    async def verify():
        assert await component.variables["API_TOKEN"].value.is_secret()
        assert not await component.variables["TWILIO_FLEX_WORKSPACE_SID"].value.is_secret()

    return pulumi.Output.from_input(None).apply(lambda _: asyncio.ensure_future(verify()))


def test_context_limit_is_checked():
    from flex_chat_transfer.infra.component import context_problem

    assert context_problem({"A": "x" * 100}) is None
    problem = context_problem({f"K{i}": "v" * 400 for i in range(8)})
    assert problem and "3072" in problem and "fix:" in problem


@pulumi.runtime.test
def test_every_name_checked_first_is_one_the_component_registers(mocks, tmp_path):
    """The provider holds every write back until each name in `checkedFirst` has passed its Check, so a name
    the component registers under another spelling would hold the writes back until the engine's own end."""
    from flex_chat_transfer.infra.component import ChatTransfer

    gold = {"name": "VIP Gold", "targetWorkers": "1==1"}
    spec = spec_from_config({"transferQueues": ["Sales", gold]}, "test")
    component = ChatTransfer("ct", spec, WS, QUEUES, functions_project(tmp_path), 42.0)

    def verify(_):
        names = checked_first(spec, "ct")
        assert len(names) == 4  # the workflow, the Flex flags, the service and the declared queue
        assert set(names) <= set(mocks.resources), set(names) - set(mocks.resources)

    return component.workflow.id.apply(verify)
