"""Provider-level tests: each dynamic provider's methods called directly against a live sandbox (credentials
from the TWILIO_* environment, as the provider process reads them at call time)."""

from __future__ import annotations

import json

import pytest

from infra.client import make_client
from infra.providers.build import BuildFailed, BuildProvider
from infra.providers.deployment import DeploymentProvider
from infra.providers.environment import EnvironmentProvider
from infra.providers.flex_flags import FlexFlagsProvider
from infra.providers.function import FunctionProvider, content_hash
from infra.providers.service import ServiceProvider
from infra.providers.variable import VariableProvider
from infra.providers.workflow import WorkflowProvider
from infra.rest import FLEX, SERVERLESS, TASKROUTER, Rest


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    from sandbox.testing import SandboxProcess

    with SandboxProcess(
        tmp_path_factory.mktemp("infra-providers"), seed="flex-demo", build_seconds=0.1
    ) as box:
        yield box


@pytest.fixture
def env(sandbox, monkeypatch):
    sandbox.reset()
    for key, value in sandbox.env().items():
        monkeypatch.setenv(key, value)
    info = sandbox.seed_info()
    rest = Rest(make_client(sandbox.account_sid, sandbox.auth_token, sandbox_url=sandbox.url))
    return sandbox, info, rest


def _workflow_config(queue_sid: str, expression: str = "transferTargetType == 'worker'") -> dict:
    return {
        "task_routing": {
            "filters": [
                {
                    "filter_friendly_name": "Assign to Worker",
                    "expression": expression,
                    "targets": [{"queue": queue_sid}],
                }
            ]
        }
    }


def _workspace(info) -> str:
    return info["workspace"] if isinstance(info["workspace"], str) else info["workspace"]["sid"]


def _queue(info, name) -> str:
    queue = info["queues"][name]
    return queue if isinstance(queue, str) else queue["sid"]


def test_workflow_adopts_exact_name_reads_live_and_leaves_adopted_on_delete(env):
    sandbox, info, rest = env
    ws = _workspace(info)
    url = f"{TASKROUTER}/Workspaces/{ws}/Workflows"
    existing = rest.post(
        url,
        {
            "FriendlyName": "Chat Transfer",
            "Configuration": json.dumps(_workflow_config(_queue(info, "Everyone"))),
        },
    )
    rest.post(
        url,
        {
            "FriendlyName": "Chat Transfer (old)",
            "Configuration": json.dumps(_workflow_config(_queue(info, "Everyone"))),
        },
    )
    provider = WorkflowProvider()
    wanted = _workflow_config(_queue(info, "Sales"))
    props = {"workspace_sid": ws, "friendly_name": "Chat Transfer", "configuration": wanted}
    created = provider.create(props)
    assert created.id == existing["sid"] and created.outs["adopted"] is True
    assert json.loads(rest.get(f"{url}/{existing['sid']}")["configuration"]) == wanted

    console = _workflow_config(_queue(info, "Support"))
    rest.post(f"{url}/{existing['sid']}", {"Configuration": json.dumps(console, indent=4)})
    read = provider.read(created.id, created.outs)
    assert read.inputs["configuration"] == console  # parsed: indentation is not drift
    provider.delete(created.id, created.outs)
    assert rest.find(f"{url}/{existing['sid']}") is not None


def test_workflow_with_several_same_named_is_an_error_naming_them(env):
    sandbox, info, rest = env
    ws = _workspace(info)
    url = f"{TASKROUTER}/Workspaces/{ws}/Workflows"
    sids = [
        rest.post(
            url,
            {
                "FriendlyName": "Twice",
                "Configuration": json.dumps(_workflow_config(_queue(info, "Everyone"))),
            },
        )["sid"]
        for _ in range(2)
    ]
    mark = sandbox.requests()[-1]["id"]
    with pytest.raises(ValueError) as error:
        WorkflowProvider().create(
            {
                "workspace_sid": ws,
                "friendly_name": "Twice",
                "configuration": _workflow_config(_queue(info, "Sales")),
            }
        )
    assert all(sid in str(error.value) for sid in sids) and "fix:" in str(error.value)
    assert [r for r in sandbox.requests(since=mark) if r["method"] != "GET"] == []


def test_workflow_create_and_delete_when_new(env):
    sandbox, info, rest = env
    ws = _workspace(info)
    provider = WorkflowProvider()
    created = provider.create(
        {
            "workspace_sid": ws,
            "friendly_name": "Brand New",
            "configuration": _workflow_config(_queue(info, "Sales")),
        }
    )
    assert created.outs["adopted"] is False
    provider.delete(created.id, created.outs)
    assert rest.find(f"{TASKROUTER}/Workspaces/{ws}/Workflows/{created.id}") is None
    assert provider.read(created.id, created.outs).id == ""  # gone: refresh drops it


def test_flex_flags_keep_other_keys_and_refuse_native_transfers(env):
    sandbox, info, rest = env
    before = rest.get(f"{FLEX}/Configuration")["ui_attributes"]
    provider = FlexFlagsProvider()
    flags = {"enabled": True, "cold_transfer": False, "multi_participant": True}
    created = provider.create(flags)
    after = rest.get(f"{FLEX}/Configuration")["ui_attributes"]
    assert after["custom_data"]["features"]["conversation_transfer"] == flags
    assert {
        k: v for k, v in after["custom_data"]["features"].items() if k != "conversation_transfer"
    } == before["custom_data"]["features"]
    assert {k: v for k, v in after.items() if k != "custom_data"} == {
        k: v for k, v in before.items() if k != "custom_data"
    }
    assert provider.read(created.id, created.outs).outs["cold_transfer"] is False
    provider.delete(created.id, created.outs)
    assert rest.get(f"{FLEX}/Configuration")["ui_attributes"] == before

    account_sid = sandbox.account_sid
    native = {**before, "featureFlags": {"transfersConfig": {"enabled": True}}}
    rest.call(
        "POST",
        f"{FLEX}/Configuration",
        json_body=True,
        data={"account_sid": account_sid, "ui_attributes": native},
    )
    with pytest.raises(ValueError, match=r"native messaging transfers are on .*\(fix: "):
        provider.create(flags)
    assert rest.get(f"{FLEX}/Configuration")["ui_attributes"] == native  # nothing written


def test_functions_build_deploy_and_a_failed_build_keeps_the_old_one_serving(env):
    sandbox, info, rest = env
    service = ServiceProvider().create(
        {
            "unique_name": "provider-test",
            "friendly_name": "provider-test",
            "include_credentials": True,
            "ui_editable": False,
        }
    )
    environment = EnvironmentProvider().create(
        {"service_sid": service.id, "unique_name": "dev", "domain_suffix": "dev"}
    )
    code = "exports.handler = (context, event, callback) => callback(null, {ok: true});\n"
    fn_props = {
        "service_sid": service.id,
        "path": "/hello",
        "visibility": "public",
        "content": code,
        "content_hash": content_hash(code),
    }
    function = FunctionProvider().create(fn_props)
    same = FunctionProvider().update(function.id, function.outs, fn_props)
    assert same.outs["version_sid"] == function.outs["version_sid"]  # unchanged content: no upload

    build_props = {
        "service_sid": service.id,
        "function_versions": [function.outs["version_sid"]],
        "dependencies": {},
        "runtime": "node22",
        "build_timeout": 30,
    }
    build = BuildProvider().create(build_props)
    assert build.outs["status"] == "completed"
    deployment = DeploymentProvider().create(
        {"service_sid": service.id, "environment_sid": environment.id, "build_sid": build.id}
    )
    env_url = f"{SERVERLESS}/Services/{service.id}/Environments/{environment.id}"
    assert rest.get(env_url)["build_sid"] == build.id

    broken = "exports.handler = (context, event, callback) => {\n"
    bad_version = FunctionProvider().update(
        function.id, function.outs, {**fn_props, "content": broken, "content_hash": content_hash(broken)}
    )
    with pytest.raises(BuildFailed) as failure:
        BuildProvider().create({**build_props, "function_versions": [bad_version.outs["version_sid"]]})
    assert "keeps its previous build" in str(failure.value)
    assert "hello" in str(failure.value)  # the reason names the file
    assert rest.get(env_url)["build_sid"] == build.id  # still serving the good build
    assert DeploymentProvider().read(deployment.id, deployment.outs).inputs["build_sid"] == build.id

    variable = VariableProvider().create(
        {"service_sid": service.id, "environment_sid": environment.id, "key": "GREETING", "value": "hi"}
    )
    VariableProvider().update(variable.id, variable.outs, {**variable.outs, "value": "hello"})
    assert VariableProvider().read(variable.id, variable.outs).outs["value"] == "hello"
    VariableProvider().delete(variable.id, variable.outs)
    assert rest.list_all(f"{env_url}/Variables", "variables") == []

    ServiceProvider().delete(service.id, service.outs)
    assert rest.find(f"{SERVERLESS}/Services/{service.id}") is None


def test_provider_calls_ride_out_429_and_503(env):
    sandbox, info, rest = env
    sandbox.add_fault(route="Workflows", kind="429", count=2, retry_after=0)
    sandbox.add_fault(route="Workflows", kind="503", count=1)
    try:
        created = WorkflowProvider().create(
            {
                "workspace_sid": _workspace(info),
                "friendly_name": "Retry Me",
                "configuration": _workflow_config(_queue(info, "Sales")),
            }
        )
    finally:
        sandbox.clear_faults()
    assert created.id.startswith("WW")
    statuses = [r["status"] for r in sandbox.requests() if "Workflows" in r["path"]]
    assert statuses.count(429) == 2 and statuses.count(503) == 1


def test_a_dropped_create_is_recovered_without_a_duplicate(env):
    sandbox, info, rest = env
    ws = _workspace(info)
    log = sandbox.requests()
    mark = log[-1]["id"] if log else 0
    sandbox.add_fault(route=r"/Workflows$", kind="drop", count=1)
    sandbox.add_fault(route=r"/Variables$", kind="drop", count=1)
    try:
        created = WorkflowProvider().create(
            {
                "workspace_sid": ws,
                "friendly_name": "Dropped Once",
                "configuration": _workflow_config(_queue(info, "Sales")),
            }
        )
        service = ServiceProvider().create(
            {
                "unique_name": "drop-test",
                "friendly_name": "drop-test",
                "include_credentials": True,
                "ui_editable": False,
            }
        )
        environment = EnvironmentProvider().create({"service_sid": service.id, "unique_name": "dev"})
        variable = VariableProvider().create(
            {"service_sid": service.id, "environment_sid": environment.id, "key": "K", "value": "v"}
        )
    finally:
        sandbox.clear_faults()
    log = sandbox.requests(since=mark)
    named = [
        w
        for w in rest.list_all(f"{TASKROUTER}/Workspaces/{ws}/Workflows", "workflows")
        if w["friendly_name"] == "Dropped Once"
    ]
    assert [w["sid"] for w in named] == [created.id]
    env_url = f"{SERVERLESS}/Services/{service.id}/Environments/{environment.id}"
    assert [v["sid"] for v in rest.list_all(f"{env_url}/Variables", "variables")] == [variable.id]
    created_posts = [
        r
        for r in log
        if r["method"] == "POST" and r["status"] == 201 and r["path"].endswith(("/Workflows", "/Variables"))
    ]
    assert len(created_posts) == 2
    # The look after each drop: each list read twice (before the create and after the drop).
    assert sum(r["method"] == "GET" and r["path"].endswith("/Workflows") for r in log) == 2
    assert sum(r["method"] == "GET" and r["path"].endswith("/Variables") for r in log) == 2


def test_function_lists_before_creating_only_in_a_service_made_elsewhere(env):
    sandbox, info, rest = env
    code = "exports.handler = (context, event, callback) => callback(null, 1);\n"

    def fn_props(service_sid: str) -> dict:
        return {"service_sid": service_sid, "path": "/a", "visibility": "public", "content": code,
                "content_hash": content_hash(code)}

    fresh = ServiceProvider().create(
        {"unique_name": "fresh", "friendly_name": "fresh", "include_credentials": True, "ui_editable": False}
    )
    mark = sandbox.requests()[-1]["id"]
    FunctionProvider().create(fn_props(fresh.id))
    calls = [f"{r['method']} {r['path'].rsplit('/', 1)[-1]}" for r in sandbox.requests(since=mark)]
    assert calls == ["POST Functions", "POST Versions"]  # a service made here has nothing to adopt

    # A service this process did not make may hold a half-made function with our path: adopted, not doubled.
    elsewhere = rest.post(f"{SERVERLESS}/Services", {"UniqueName": "elsewhere", "FriendlyName": "elsewhere"})
    functions = f"{SERVERLESS}/Services/{elsewhere['sid']}/Functions"
    half_made = rest.post(functions, {"FriendlyName": "/a"})
    assert FunctionProvider().create(fn_props(elsewhere["sid"])).id == half_made["sid"]
    assert [f["sid"] for f in rest.list_all(functions, "functions")] == [half_made["sid"]]
