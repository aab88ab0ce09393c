"""The request log in-process (DESIGN.md "request log"): query, content type and body as received, secrets and
file contents redacted, bounded; and strict mode, which refuses names Twilio's OAS does not know."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from flex_chat_transfer.sandbox.app import create_app
from flex_chat_transfer.sandbox.core.request_log import MAX_STRING, REDACTED, RequestLog, is_secret_name
from flex_chat_transfer.sandbox.core.state import Settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


def _client(tmp_path: Path, strict: bool = False):
    app = create_app(Settings(db=tmp_path / "log.db", seed="flex-demo", strict=strict))
    state = app.state.sandbox
    client = TestClient(app, base_url="http://sandbox.test:4321")
    client.auth = (state.account_sid, state.auth_token)
    return client


@pytest.fixture
def client(tmp_path: Path):
    with _client(tmp_path) as test_client:
        yield test_client


@pytest.fixture
def strict(tmp_path: Path):
    with _client(tmp_path, strict=True) as test_client:
        yield test_client


def _last(client) -> dict:
    return client.get("/_sandbox/requests").json()["requests"][-1]


def _workspace(client) -> str:
    return client.get("/_sandbox/seed").json()["workspace"]["sid"]


def test_a_form_post_is_logged_with_query_content_type_and_fields_repeats_as_lists(client):
    client.post("/serverless/v1/Services?Trace=1", data={"UniqueName": "svc", "FriendlyName": "Svc"})
    entry = _last(client)
    assert entry["method"] == "POST" and entry["path"] == "/serverless/v1/Services" and entry["status"] == 201
    assert entry["query"] == {"Trace": "1"}
    assert entry["content_type"] == "application/x-www-form-urlencoded"
    assert entry["body"] == {"UniqueName": "svc", "FriendlyName": "Svc"}
    service = client.get("/serverless/v1/Services").json()["services"][0]["sid"]
    client.post(f"/serverless/v1/Services/{service}/Builds",
                content="FunctionVersions=ZN1&FunctionVersions=ZN2&Runtime=node22",
                headers={"content-type": "application/x-www-form-urlencoded"})
    assert _last(client)["body"] == {"FunctionVersions": ["ZN1", "ZN2"], "Runtime": "node22"}
    get = client.get("/serverless/v1/Services", params={"PageSize": "5"})
    assert get.status_code == 200
    entry = _last(client)
    assert entry["query"] == {"PageSize": "5"} and entry["body"] is None and entry["content_type"] is None


def test_json_bodies_are_logged_as_documents(client):
    client.post("/flex-api/v1/Configuration", json={"ui_attributes": {"a": 1}})
    entry = _last(client)
    assert entry["content_type"] == "application/json" and entry["body"] == {"ui_attributes": {"a": 1}}


def test_uploads_show_file_name_type_and_size_never_the_contents(client):
    client.post("/serverless/v1/Services", data={"UniqueName": "up", "FriendlyName": "Up"})
    service = client.get("/serverless/v1/Services").json()["services"][0]["sid"]
    function = client.post(f"/serverless/v1/Services/{service}/Functions", data={"FriendlyName": "/f"}).json()
    secret_code = b"exports.handler = (c, e, cb) => cb(null, 'do not log me');\n"
    client.post(
        f"/serverless-upload/v1/Services/{service}/Functions/{function['sid']}/Versions",
        data={"Path": "/f", "Visibility": "protected"},
        files={"Content": ("f.js", secret_code, "application/javascript")},
    )
    entry = _last(client)
    assert entry["content_type"] == "multipart/form-data"
    assert entry["body"] == {
        "Path": "/f",
        "Visibility": "protected",
        "Content": {"filename": "f.js", "content_type": "application/javascript", "bytes": len(secret_code)},
    }
    assert "do not log me" not in json.dumps(client.get("/_sandbox/requests").json())


def test_secrets_are_redacted_in_query_body_json_and_variables(client):
    client.get("/taskrouter/v1/Workspaces", params={"Token": "flex-token-value", "PageToken": "PT1"})
    assert _last(client)["query"] == {"Token": REDACTED, "PageToken": "PT1"}
    client.post("/flex-api/v1/Configuration",
                json={"ui_attributes": {"nested": {"AuthToken": "tok", "api_secret": "sec", "keep": "me"}}})
    assert _last(client)["body"] == {
        "ui_attributes": {"nested": {"AuthToken": REDACTED, "api_secret": REDACTED, "keep": "me"}}
    }
    client.post("/serverless/v1/Services", data={"UniqueName": "vars", "FriendlyName": "Vars"})
    service = client.get("/serverless/v1/Services").json()["services"][0]["sid"]
    environment = client.post(f"/serverless/v1/Services/{service}/Environments",
                              data={"UniqueName": "dev"}).json()["sid"]
    client.post(f"/serverless/v1/Services/{service}/Environments/{environment}/Variables",
                data={"Key": "API_KEY", "Value": "s3cr3t-value"})
    assert _last(client)["body"] == {"Key": "API_KEY", "Value": REDACTED}
    assert "s3cr3t-value" not in json.dumps(client.get("/_sandbox/requests").json())
    assert all(is_secret_name(n) for n in ("Token", "AuthToken", "auth_token", "Password", "ApiSecret"))
    assert not any(is_secret_name(n) for n in ("PageToken", "FriendlyName", "TokenCount"))


def test_a_faulted_request_keeps_its_body(client):
    client.post("/_sandbox/faults", json={"route": "/Workflows$", "kind": "503", "count": 1})
    workspace = _workspace(client)
    refused = client.post(f"/taskrouter/v1/Workspaces/{workspace}/Workflows", data={"FriendlyName": "W"})
    assert refused.status_code == 503
    assert _last(client)["body"] == {"FriendlyName": "W"} and _last(client)["status"] == 503


def test_the_log_is_bounded_while_the_summary_counts_everything():
    log = RequestLog(max_entries=3)
    for n in range(5):
        log.add("POST", "taskrouter", f"/taskrouter/v1/Workspaces/{n}", 200, 1.0,
                content_type="application/json", body=json.dumps({"Long": "x" * (MAX_STRING + 50)}).encode())
    entries = log.since()
    assert [e.id for e in entries] == [3, 4, 5]
    assert [e.id for e in log.since(4)] == [5]
    assert log.summary() == {"total": 5, "writes": 5, "by": {"taskrouter POST": 5}}
    long = entries[0].body["Long"]
    assert long.startswith("x" * MAX_STRING) and long.endswith("[50 more characters]")


def test_strict_mode_refuses_an_unknown_field_and_query_parameter_with_twilios_400(strict):
    workspace = _workspace(strict)
    typo = strict.post(f"/taskrouter/v1/Workspaces/{workspace}/Workflows",
                       data={"FriendlyName": "W", "Configuration": "{}", "TaskReservationTimeOut": "30"})
    assert typo.status_code == 400
    body = typo.json()
    assert body["code"] == 20001 and body["status"] == 400 and body["more_info"].endswith("/20001")
    assert "TaskReservationTimeOut" in body["message"] and "/Workflows" in body["message"]
    query = strict.get(f"/taskrouter/v1/Workspaces/{workspace}/Workflows", params={"FriendlyNam": "x"})
    assert query.status_code == 400 and "query parameter FriendlyNam" in query.json()["message"]
    assert strict.get(f"/taskrouter/v1/Workspaces/{workspace}/Workflows",
                      params={"FriendlyName": "x"}).status_code == 200


def test_strict_mode_holds_the_upload_host_to_the_deployers_form(strict):
    strict.post("/serverless/v1/Services", data={"UniqueName": "up", "FriendlyName": "Up"})
    service = strict.get("/serverless/v1/Services").json()["services"][0]["sid"]
    function = strict.post(f"/serverless/v1/Services/{service}/Functions", data={"FriendlyName": "/f"}).json()
    url = f"/serverless-upload/v1/Services/{service}/Functions/{function['sid']}/Versions"
    extra = strict.post(url, data={"Path": "/f", "Visibility": "public", "Runtime": "node22"},
                        files={"Content": ("f.js", b"exports.handler=()=>{}", "application/javascript")})
    assert extra.status_code == 400 and "field Runtime" in extra.json()["message"]
    good = strict.post(url, data={"Path": "/f", "Visibility": "public"},
                       files={"Content": ("f.js", b"exports.handler=()=>{}", "application/javascript")})
    assert good.status_code == 201


def test_without_strict_mode_unknown_fields_are_ignored_as_twilio_does(client):
    workspace = _workspace(client)
    created = client.post(f"/taskrouter/v1/Workspaces/{workspace}/Workflows",
                          data={"FriendlyName": "Loose", "Configuration": json.dumps(
                              {"task_routing": {"filters": [], "default_filter": {
                                  "queue": client.get("/_sandbox/seed").json()["queues"]["Everyone"]}}}),
                                "Bogus": "1"})
    assert created.status_code == 201, created.text


def test_a_body_nested_past_the_recursion_limit_is_refused_in_one_line_and_logged_as_text(client):
    deep = ("[" * 5000 + "]" * 5000).encode()
    answer = client.post(
        "/flex-api/v1/Configuration", content=deep, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400 and "nested too deeply" in answer.json()["message"]
    entry = _last(client)
    assert entry["path"] == "/flex-api/v1/Configuration" and entry["status"] == 400
    assert isinstance(entry["body"], str) and entry["body"].endswith("[8000 more characters]")
