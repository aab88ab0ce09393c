"""Pure parts of infra/: Flex flag merge, pre-flight checks, deploy settings, look-ups and provider checks."""

from __future__ import annotations

import asyncio
import threading

import pytest
from pulumi.provider.experimental import provider as p

from flex_chat_transfer.infra.functions_source import PreflightError, load_project, preflight
from flex_chat_transfer.infra.lookup import ResolveError, find_workspace, list_queues, match_queues
from flex_chat_transfer.infra.twiliox.base import UNKNOWN, is_unknown
from flex_chat_transfer.infra.twiliox.flex import applied, native_transfers_enabled, owners, restored
from flex_chat_transfer.infra.twiliox.provider import TwilioxProvider, value_map
from flex_chat_transfer.workflow.loader import read_stack_config
from flex_chat_transfer.workflow.problems import ProblemsError
from flex_chat_transfer.workflow.render import render
from flex_chat_transfer.workflow.spec import ChatTransferSpec

UI = {
    "theme": {"isLight": True},
    "custom_data": {"features": {"other": {"enabled": True}, "conversation_transfer": {"note": "keep"}}},
}


PATH = "ui_attributes.custom_data.features.conversation_transfer"
FLAGS = {"enabled": True, "cold_transfer": False, "multi_participant": True}


def test_flex_keys_keep_every_other_key_record_owners_and_restore_only_ours():
    merged = applied(UI, PATH, FLAGS, "chat-transfer/a")
    assert merged["theme"] == UI["theme"]
    assert merged["custom_data"]["features"]["other"] == {"enabled": True}
    assert merged["custom_data"]["features"]["conversation_transfer"] == {"note": "keep", **FLAGS}
    assert UI["custom_data"]["features"]["conversation_transfer"] == {"note": "keep"}  # input untouched
    assert owners(merged)[f"{PATH}.enabled"] == ["chat-transfer/a"]
    previous = {k: {"absent": True} for k in FLAGS}
    assert restored(merged, PATH, previous, "chat-transfer/a") == UI
    # A second stack setting the same values joins; removing it leaves the first one's keys as they were.
    both = applied(merged, PATH, FLAGS, "chat-transfer/b")
    assert owners(both)[f"{PATH}.enabled"] == ["chat-transfer/a", "chat-transfer/b"]
    second_previous = {k: {"value": v, "owners": ["chat-transfer/a"]} for k, v in FLAGS.items()}
    assert restored(both, PATH, second_previous, "chat-transfer/b") == merged
    # A stack that no longer owns a key (taken over) does not touch it.
    taken = applied(merged, PATH, {"enabled": False}, "chat-transfer/c", take_over=True)
    assert owners(taken)[f"{PATH}.enabled"] == ["chat-transfer/c"]
    assert restored(taken, PATH, previous, "chat-transfer/a")["custom_data"]["features"][
        "conversation_transfer"
    ] == {"note": "keep", "enabled": False}


def test_native_transfers_flag_location():
    assert native_transfers_enabled({"featureFlags": {"transfersConfig": {"enabled": True}}})
    assert not native_transfers_enabled({"featureFlags": {"transfersConfig": {"enabled": False}}})
    assert not native_transfers_enabled(UI)


def _project(tmp_path, files, deps=None):
    root = tmp_path / "functions"
    for rel, text in files.items():
        path = root / "functions" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / "package.json").write_text('{"dependencies": %s}' % (deps or "{}"))
    return load_project(root)


def test_preflight_names_file_line_and_reason(tmp_path):
    project = _project(
        tmp_path,
        {
            "ok.js": "const t = require('twilio');\nconst fs = require('node:fs');\n"
            "const p = require('path');\nconst v = require('twilio-flex-token-validator');\n"
            "exports.handler = () => {};\n",
            "x/bad.protected.js": "exports.handler = (c, e, cb) => {\n  cb(null, 1;\n};\n",
            "y/missing.private.js": "const l = require('lodash/fp');\nmodule.exports = l;\n",
        },
        deps='{"twilio-flex-token-validator": "1.5.8"}',
    )
    assert [(f.path, f.visibility) for f in project.files] == [
        ("/ok", "public"),
        ("/x/bad", "protected"),
        ("/y/missing", "private"),
    ]
    with pytest.raises(PreflightError) as error:
        preflight(project)
    lines = str(error.value).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("functions/functions/x/bad.protected.js:2: does not parse: SyntaxError")
    assert lines[1].startswith("functions/functions/y/missing.private.js: requires 'lodash'")


def test_preflight_passes_clean_project(tmp_path):
    preflight(_project(tmp_path, {"a.js": "import x from './b.js';\nexports.handler = () => x;\n"}))


def test_build_timeout_is_split_off_and_checked():
    functions = '{"runtime": "node22", "buildTimeout": 60}'
    settings = read_stack_config({"chat-transfer:functions": functions}, "d")
    assert settings.spec.functions.runtime == "node22" and settings.build_timeout == 60.0
    assert read_stack_config({"chat-transfer:workspace": "X"}, "d").build_timeout == 300.0
    with pytest.raises(ProblemsError, match=r"chat-transfer:functions.buildTimeout: 'soon'.*fix:"):
        read_stack_config({"chat-transfer:functions": {"buildTimeout": "soon"}}, "d")


class FakeRest:
    def __init__(self, lists, found=None):
        self.lists, self.found = lists, found or {}

    def list_all(self, url, key, params=None):
        return self.lists[key]

    def find(self, url):
        return self.found.get(url.rsplit("/", 1)[-1])


def test_lookups_fail_early_naming_the_name():
    rest = FakeRest(
        {
            "workspaces": [
                {"sid": "WS" + "1" * 32, "friendly_name": "Flex Task Assignment"},
                {"sid": "WS" + "2" * 32, "friendly_name": "Flex Task Assignment X"},
            ],
            "task_queues": [
                {"sid": "WQ1", "friendly_name": "Everyone"},
                {"sid": "WQ2", "friendly_name": "Sales"},
                {"sid": "WQ3", "friendly_name": "Sales"},
            ],
        }
    )
    assert find_workspace(rest, "Flex Task Assignment")["sid"] == "WS" + "1" * 32
    with pytest.raises(ResolveError, match="no workspace named 'Nope'"):
        find_workspace(rest, "Nope")
    with pytest.raises(ResolveError, match="WS3{32} not found"):
        find_workspace(rest, "WS" + "3" * 32)
    assert match_queues(list_queues(rest, "WS1"), "WS1", ["Everyone"]) == {"Everyone": "WQ1"}
    with pytest.raises(ResolveError) as error:
        match_queues(list_queues(rest, "WS1"), "WS1", ["Everyone", "Sales", "Support"])
    assert str(error.value).splitlines() == [
        "queue 'Sales': 2 queues have this name (WQ2, WQ3) (fix: rename the duplicates)",
        "queue 'Support': not found in workspace WS1 (fix: create the TaskQueue or correct the name in "
        "chat-transfer:transferQueues / workerTransferQueue)",
    ]


URN = "urn:pulumi:t::chat-transfer::twiliox:{}::r"


def _run(coroutine):
    loop = asyncio.new_event_loop()  # not the current loop: the Pulumi mocks tests use that one
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()


def _check(token: str, olds: dict, news: dict) -> p.CheckResponse:
    request = p.CheckRequest(URN.format(token), value_map(olds), value_map(news), b"")
    return _run(TwilioxProvider().check(request))


def _diff(token: str, olds: dict, news: dict) -> p.DiffResponse:
    request = p.DiffRequest(URN.format(token), "ZB1", value_map(olds), value_map(news), [])
    return _run(TwilioxProvider().diff(request))


def test_workflow_check_runs_the_library_validation():
    spec = ChatTransferSpec()
    good = render(spec, {"Everyone": "WQ" + "a" * 32})
    inputs = {"workspace_sid": "WS" + "1" * 32, "friendly_name": "Chat Transfer", "configuration": good}
    # olds with the same name: the stack holds it, so no look-up is needed.
    assert _check("taskrouter:Workflow", inputs, inputs).failures == []
    bad = {
        **good,
        "task_routing": {
            **good["task_routing"],
            "filters": [
                {**good["task_routing"]["filters"][0], "expression": "transferTargetType == 'worker"}
            ],
        },
    }
    failures = _check(
        "taskrouter:Workflow", inputs, {**inputs, "configuration": bad, "workspace_sid": "nope"}
    )
    assert {f.property for f in failures.failures} == {"workspace_sid", "configuration"}
    assert any("$.task_routing.filters[0].expression" in f.reason for f in failures.failures)


def test_variable_check_limits_value_bytes():
    base = {"service_sid": "ZS1", "environment_sid": "ZE1", "key": "K"}
    assert _check("serverless:Variable", {}, {**base, "value": "é" * 225}).failures == []
    failures = _check("serverless:Variable", {}, {**base, "value": "é" * 226}).failures
    assert [f.property for f in failures] == ["value"] and "452 bytes" in failures[0].reason
    assert (
        _check("serverless:Variable", {}, {**base, "key": "AUTH_TOKEN", "value": "x"}).failures[0].property
        == "key"
    )


def test_build_is_replaced_only_when_versions_deps_or_runtime_change():
    olds = {
        "service_sid": "ZS1",
        "function_versions": ["ZN1", "ZN2"],
        "dependencies": {},
        "runtime": "node22",
        "build_timeout": 300,
    }
    checked = _check("serverless:Build", {}, {**olds, "function_versions": ["ZN2", "ZN1"]}).inputs
    assert [v.value for v in checked["function_versions"].value] == ["ZN1", "ZN2"]
    timeout_only = _diff("serverless:Build", olds, {**olds, "build_timeout": 10})
    assert timeout_only.changes and timeout_only.replaces == [] and timeout_only.diffs == ["build_timeout"]
    versions = _diff("serverless:Build", olds, {**olds, "function_versions": ["ZN1", "ZN3"]})
    assert versions.replaces == ["function_versions"]
    assert list(versions.detailed_diff) == ["function_versions[1]"]  # a detailed, per-item diff
    assert is_unknown({"a": [UNKNOWN]})
    assert _diff("serverless:Build", olds, {**olds, "function_versions": UNKNOWN}).replaces == [
        "function_versions"
    ]
    assert _diff("serverless:Build", olds, olds).changes is False


class _HeldRest:
    """Stands in for the Twilio client: counts the reads of the Flex configuration and answers them only once
    the test lets go, so a read is still out while the other Check asks for it."""

    def __init__(self) -> None:
        self.reads: list[str] = []
        self.lock = threading.Lock()
        self.released = threading.Event()

    def get(self, url: str) -> dict:
        with self.lock:
            self.reads.append(url)
        if not self.released.wait(timeout=30):
            raise TimeoutError("the second Check never asked for the configuration")
        return {"account_sid": "AC1", "ui_attributes": {}}


def test_flex_key_checks_share_one_read_of_the_configuration():
    provider = TwilioxProvider()
    rest = _HeldRest()
    provider.rest = lambda: rest  # type: ignore[method-assign]
    # The read is answered only after both Checks asked for it: a second read (no sharing), or a second
    # Check that waits for the first to finish (no overlap), fails this test.
    asked: list[str] = []
    shared_read = provider.read_once

    def asking(url: str) -> dict:
        with rest.lock:
            asked.append(url)
            if len(asked) == 2:
                rest.released.set()
        return shared_read(url)

    provider.read_once = asking  # type: ignore[method-assign]

    async def both() -> list[p.CheckResponse]:
        # Updates (old inputs given), so no Check starts the new-stack prefetch of the configuration.
        requests = [
            p.CheckRequest(
                f"urn:pulumi:t::chat-transfer::twiliox:flex:ConfigurationKeys::{name}",
                value_map({"path": "ui_attributes.custom_data", "values": {name: False}}),
                value_map({"path": "ui_attributes.custom_data", "values": {name: True}}),
                b"",
            )
            for name in ("first", "second")
        ]
        return list(await asyncio.gather(*(provider.check(request) for request in requests)))

    answers = _run(both())
    assert [answer.failures for answer in answers] == [[], []]
    assert len(asked) == 2
    assert len(rest.reads) == 1 and rest.reads[0].endswith("/Configuration")


def test_checks_that_never_call_twilio_are_answered_without_a_worker_thread():
    provider = TwilioxProvider()
    provider.pool.shutdown()  # a Check that needed a worker thread would fail now
    news = {"service_sid": "ZS1", "path": "/f", "visibility": "public", "content": "x"}
    checked = _check_with(provider, "serverless:Function", {**news, "content": "old"}, news)
    assert checked.failures == [] and "content_hash" in checked.inputs


def test_an_unchanged_workflow_configuration_is_not_parsed_again():
    spec = ChatTransferSpec()
    stored = render(spec, {"Everyone": "WQ" + "a" * 32})
    stored["task_routing"]["filters"][0]["expression"] = "stored before a stricter rule"
    inputs = {"workspace_sid": "WS" + "1" * 32, "friendly_name": "Chat Transfer", "configuration": stored}
    assert _check("taskrouter:Workflow", inputs, inputs).failures == []
    changed = {**inputs, "configuration": {**stored, "task_routing": {**stored["task_routing"]}}}
    changed["configuration"]["task_routing"]["default_filter"] = {"queue": "WQ" + "b" * 32}
    assert any(f.property == "configuration" for f in _check("taskrouter:Workflow", inputs, changed).failures)


def _check_with(provider: TwilioxProvider, token: str, olds: dict, news: dict) -> p.CheckResponse:
    request = p.CheckRequest(URN.format(token), value_map(olds), value_map(news), b"")
    return _run(provider.check(request))
