"""Each Pulumi SDK internal `infra/sdk_compat.py` relies on, checked against the installed (pinned) SDK: a
bump that renames, moves or reshapes one fails here, naming it, instead of somewhere inside a deploy."""

from __future__ import annotations

import asyncio
import importlib.metadata
import inspect
import re
from pathlib import Path

import pytest

from flex_chat_transfer.infra import sdk_compat

REPO = Path(__file__).resolve().parents[2]
# SDK internals and process-wide tricks that only infra/sdk_compat.py may use.
INTERNALS = {
    name: re.compile(pattern)
    for name, pattern in {
        "_sync_await": r"\b_sync_await\b",
        "_GRPC_CHANNEL_OPTIONS": r"\b_GRPC_CHANNEL_OPTIONS\b",
        "runtime.config": r"\bruntime\.config\b",
        "the servicer's _provider": r"\._provider\b",
        "os._exit": r"\bos\._exit\b",
        "setswitchinterval": r"\bsetswitchinterval\b",
        "automation._stack": r"\bautomation\._stack\b",
    }.items()
}


def test_the_installed_sdk_is_the_pinned_one():
    pinned = re.search(r'"pulumi==([0-9.]+)"', (REPO / "pyproject.toml").read_text())
    assert pinned, "pyproject.toml pins pulumi==<version>"
    assert importlib.metadata.version("pulumi") == pinned.group(1)


def test_stack_config_reads_the_sdk_config_and_the_engine_environment(monkeypatch):
    from pulumi.runtime.config import CONFIG

    monkeypatch.setenv("PULUMI_CONFIG", '{"chat-transfer:workspace": "from env", "twilio:concurrency": "4"}')
    token = CONFIG.set({"chat-transfer:workspace": "from sdk"})
    try:
        assert sdk_compat.stack_config() == {"chat-transfer:workspace": "from sdk", "twilio:concurrency": "4"}
    finally:
        CONFIG.reset(token)


def test_wait_beside_loop_returns_the_work_while_the_loop_keeps_running():
    async def scenario() -> tuple[int, list[str]]:
        ran: list[str] = []
        asyncio.get_running_loop().call_soon(ran.append, "loop")
        return sdk_compat.wait_beside_loop(lambda: 42), ran

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        result, ran = loop.run_until_complete(scenario())
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    assert result == 42 and ran == ["loop"]


def test_grpc_server_options_are_the_sdks_message_size_options():
    options = dict(sdk_compat.grpc_server_options())
    assert options.get("grpc.max_receive_message_length", 0) > 4 * 1024 * 1024


def test_the_servicer_keeps_its_provider_where_the_wrapper_reads_it():
    from pulumi.provider.experimental import server

    marker = object()
    servicer = server.ProviderServicer([], "0.0.0", marker, engine_address=None)  # type: ignore[arg-type]
    assert sdk_compat.servicer_provider(servicer) is marker


def test_a_config_diff_with_changes_reaches_the_engine_as_diff_some():
    """The SDK's server copies DiffConfig's `changes` onto the wire as given: a plain True would be DIFF_NONE
    there, and the engine would configure the provider with the inputs in state instead of the program's."""
    from pulumi.provider.experimental import provider as p
    from pulumi.provider.experimental import server
    from pulumi.runtime.proto import provider_pb2

    class Answers:
        def __init__(self, changes):
            self.changes = changes

        async def diff_config(self, request):
            return p.DiffResponse(changes=self.changes, diffs=["authToken"])

    def on_the_wire(changes) -> int:
        servicer = server.ProviderServicer([], "0.0.0", Answers(changes), engine_address=None)  # type: ignore[arg-type]
        request = provider_pb2.DiffRequest(urn="urn:pulumi:s::p::pulumi:providers:twiliox::twilio", id="x")
        return asyncio.run(servicer.DiffConfig(request, None)).changes

    assert on_the_wire(sdk_compat.config_diff_changes(True)) == provider_pb2.DiffResponse.DIFF_SOME
    assert on_the_wire(sdk_compat.config_diff_changes(False)) == provider_pb2.DiffResponse.DIFF_NONE
    # What a plain bool becomes (the reason for the compat function): when the SDK maps it, this fails and
    # config_diff_changes can give the bool again. protobuf already warns that it will refuse the bool.
    with pytest.warns(DeprecationWarning, match="Expected an int, got a boolean"):
        assert on_the_wire(True) == provider_pb2.DiffResponse.DIFF_NONE


def test_the_sdk_handlers_still_wrap_a_failure_so_the_original_is_its_context():
    from pulumi.provider.experimental import server

    class Boom(Exception):
        pass

    async def failing(self, request, context):
        raise Boom("the provider's one line")

    wrapped = server._raise_with_traceback(failing)
    with pytest.raises(Exception) as raised:
        asyncio.run(wrapped(None, None, None))
    assert type(raised.value) is not Boom
    original = sdk_compat.original_error(raised.value)
    assert isinstance(original, Boom) and str(original) == "the provider's one line"


def test_create_or_select_is_an_init_mode_of_the_automation_stack():
    from pulumi import automation as auto

    mode = sdk_compat.stack_create_or_select()
    assert "workspace" in inspect.signature(auto.Stack.__init__).parameters
    assert mode.name == "CREATE_OR_SELECT"


def test_no_module_outside_the_compat_module_reaches_an_sdk_internal():
    offenders = [
        f"{path.relative_to(REPO)}: {name}"
        for root in ("infra", "harness")
        for path in (REPO / root).rglob("*.py")
        if path.name != "sdk_compat.py"
        for name, pattern in INTERNALS.items()
        if pattern.search(path.read_text())
    ]
    assert offenders == []
