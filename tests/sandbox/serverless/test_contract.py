"""Serverless in the sandbox, over HTTP.

Through the unmodified `twilio` Python SDK (only the base-URL rewrite of
`flex_chat_transfer.sandbox.testing.twilio_client` in between), every JSON answer checked against
twilio_serverless_v1.json; the upload host (absent from the OAS) with httpx multipart against its documented
fields; `/_runtime` serving what was deployed, through the Node runtime host."""

from __future__ import annotations

import json
import re
import uuid

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator

from flex_chat_transfer.sandbox.core.openapi import OasChecker
from flex_chat_transfer.sandbox.testing import twilio_client

OAS = OasChecker()  # the core's checker: every 2xx JSON answer against twilio_serverless_v1.json


def assert_matches_oas(method: str, url: str, status: int, body: bytes) -> None:
    assert OAS.check(method, url, status, body), (
        f"{method} {url} ({status}) was not checkable against the OAS"
    )


HELLO = b"""exports.handler = (context, event, callback) => {
  callback(null, {name: event.name || null, greeting: context.GREETING || null, domain: context.DOMAIN_NAME,
                  path: context.PATH, account: context.ACCOUNT_SID || null});
};
"""
BROKEN = b"exports.handler = (context, event, callback) => {\n  callback(null, {ok: true};\n};\n"
NEEDS_LODASH = b"const _ = require('lodash');\nexports.handler = (c, e, cb) => cb(null, _.VERSION);\n"
USES_DEFAULTS = b"""const twilio = require('twilio');
const path = require('node:path');
const fs = require("fs");
const { functionValidator } = require('@twilio/runtime-handler/sub/path');
exports.handler = (c, e, cb) => cb(null, typeof twilio + path.sep + typeof fs + typeof functionValidator);
"""


# ---- the server ---
@pytest.fixture
def server(sandbox):
    """The session's sandbox (tests/conftest.py)."""
    return sandbox


@pytest.fixture
def address(server):
    """The running server's address and credentials (read again per test: a restart may change the port)."""
    return {
        "url": server.url,
        "sid": server.account_sid,
        "token": server.auth_token,
        "statedir": server.db.parent,
    }


class Recorder:
    """Keeps every request the SDK makes, so each answer can be checked against the OAS."""

    def __init__(self, client) -> None:
        self.calls: list[tuple[str, str, int, str]] = []
        http = client.http_client
        original = http.request

        def request(method, url, *args, **kwargs):
            response = original(method, url, *args, **kwargs)
            self.calls.append((method, http._test_only_last_request.url, response.status_code, response.text))
            return response

        http.request = request

    def check_all(self) -> int:
        checked = sum(OAS.check(method, url, status, text) for method, url, status, text in self.calls)
        self.calls.clear()
        return checked


@pytest.fixture
def sdk(address):
    client = twilio_client(address["url"], address["sid"], address["token"])
    recorder = Recorder(client)
    yield client.serverless.v1
    assert recorder.check_all() > 0


@pytest.fixture
def http(address):
    with httpx.Client(base_url=address["url"], auth=(address["sid"], address["token"]), timeout=30) as client:
        yield client


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def upload(
    http: httpx.Client,
    service_sid: str,
    function_sid: str,
    path: str,
    content: bytes,
    visibility: str = "public",
) -> dict:
    response = http.post(
        f"/serverless-upload/v1/Services/{service_sid}/Functions/{function_sid}/Versions",
        data={"Path": path, "Visibility": visibility},
        files={"Content": (path.strip("/") + ".js", content, "application/javascript")},
    )
    assert response.status_code == 201, response.text
    return response.json()


def wait_for_build(sdk, http: httpx.Client, service_sid: str, build_sid: str) -> str:
    """The build's outcome: the sandbox clock moves past the build duration (no sleep), the next read settles
    it."""
    assert http.post("/_sandbox/clock", json={"advance": 60}).status_code == 200
    status = sdk.services(service_sid).builds(build_sid).build_status().fetch().status
    assert status != "building", f"build {build_sid} still building after the build duration"
    return status


def failure_reason(http: httpx.Client, service_sid: str, build_sid: str) -> str:
    body = http.get(f"/serverless/v1/Services/{service_sid}/Builds/{build_sid}").json()
    return body["sandbox_failure_reason"]


def deployed_function(
    sdk,
    http,
    code: bytes,
    path: str = "/hello",
    visibility: str = "public",
    dependencies: str | None = None,
    include_credentials: bool = True,
    variables: dict[str, str] | None = None,
):
    """Service → environment → function version → build → deployment → (service, environment, build)."""
    service = sdk.services.create(
        unique_name=_name("svc"), friendly_name="Chat transfer", include_credentials=include_credentials
    )
    environment = sdk.services(service.sid).environments.create(
        unique_name="dev-environment", domain_suffix="dev"
    )
    function = sdk.services(service.sid).functions.create(friendly_name=path)
    version = upload(http, service.sid, function.sid, path, code, visibility)
    build = sdk.services(service.sid).builds.create(
        function_versions=[version["sid"]], dependencies=dependencies
    )
    assert wait_for_build(sdk, http, service.sid, build.sid) == "completed", failure_reason(
        http, service.sid, build.sid
    )
    for key, value in (variables or {}).items():
        sdk.services(service.sid).environments(environment.sid).variables.create(key=key, value=value)
    sdk.services(service.sid).environments(environment.sid).deployments.create(build_sid=build.sid)
    return service, sdk.services(service.sid).environments(environment.sid).fetch(), build


# ---- services, environments, functions ---
def test_services_are_created_fetched_by_sid_or_unique_name_updated_paged_and_deleted(sdk):
    names = [_name("pg") for _ in range(3)]
    created = [sdk.services.create(unique_name=n, friendly_name=f"F {n}") for n in names]
    first = created[0]
    assert re.fullmatch(r"ZS[0-9a-f]{32}", first.sid)
    assert first.include_credentials is True and first.ui_editable is False
    assert re.fullmatch(re.escape(names[0]) + r"-\d{4}", first.domain_base)
    assert sdk.services(names[0]).fetch().sid == first.sid
    updated = sdk.services(first.sid).update(friendly_name="Renamed", include_credentials=False)
    assert (updated.friendly_name, updated.include_credentials) == ("Renamed", False)
    listed = [s.unique_name for s in sdk.services.list(page_size=1)]
    assert [n for n in listed if n in names] == names  # oldest first, followed across three pages
    sdk.services(created[2].sid).delete()
    with pytest.raises(TwilioRestException) as missing:
        sdk.services(created[2].sid).fetch()
    assert (missing.value.status, missing.value.code) == (404, 20404)
    assert f"/Services/{created[2].sid}" in missing.value.msg


def test_service_unique_name_must_be_unique_and_at_most_50_characters(sdk):
    name = _name("dup")
    sdk.services.create(unique_name=name, friendly_name="one")
    with pytest.raises(TwilioRestException) as duplicate:
        sdk.services.create(unique_name=name, friendly_name="two")
    assert duplicate.value.status == 400 and name in duplicate.value.msg
    with pytest.raises(TwilioRestException) as too_long:
        sdk.services.create(unique_name="x" * 51, friendly_name="long")
    assert too_long.value.status == 400 and "UniqueName" in too_long.value.msg
    with pytest.raises(TwilioRestException) as missing:
        sdk.services.create(unique_name=_name("nofriendly"), friendly_name="")
    assert "FriendlyName" in missing.value.msg


def test_environments_get_domain_names_and_one_per_suffix(sdk):
    service = sdk.services.create(unique_name=_name("env"), friendly_name="env")
    environments = sdk.services(service.sid).environments
    dev = environments.create(unique_name="dev-environment", domain_suffix="dev")
    production = environments.create(unique_name="production")
    assert dev.domain_name == f"{service.domain_base}-dev.twil.io" and dev.domain_suffix == "dev"
    assert production.domain_name == f"{service.domain_base}.twil.io" and production.domain_suffix is None
    assert dev.build_sid is None
    assert [e.sid for e in environments.list()] == [dev.sid, production.sid]
    with pytest.raises(TwilioRestException) as clash:
        environments.create(unique_name="dev-two", domain_suffix="dev")
    assert clash.value.status == 400 and "DomainSuffix" in clash.value.msg
    environments(production.sid).delete()
    assert [e.sid for e in environments.list()] == [dev.sid]


def test_functions_are_created_listed_renamed_and_deleted(sdk):
    service = sdk.services.create(unique_name=_name("fn"), friendly_name="fn")
    functions = sdk.services(service.sid).functions
    invite = functions.create(friendly_name="/invite-participant")
    remove = functions.create(friendly_name="/remove-participant")
    assert re.fullmatch(r"ZH[0-9a-f]{32}", invite.sid)
    assert [f.friendly_name for f in functions.list()] == ["/invite-participant", "/remove-participant"]
    assert functions(invite.sid).update(friendly_name="/invite").friendly_name == "/invite"
    assert functions(invite.sid).fetch().friendly_name == "/invite"
    functions(remove.sid).delete()
    assert [f.sid for f in functions.list()] == [invite.sid]


# ---- the upload host ---
def test_function_version_upload_takes_multipart_path_visibility_and_content(sdk, http, address):
    service = sdk.services.create(unique_name=_name("up"), friendly_name="up")
    function = sdk.services(service.sid).functions.create(friendly_name="/hello")
    version = upload(http, service.sid, function.sid, "hello", HELLO, "protected")
    # the documented fields of a Function Version, on the sandbox's own address
    assert set(version) == {
        "sid",
        "account_sid",
        "service_sid",
        "function_sid",
        "path",
        "visibility",
        "date_created",
        "url",
        "links",
    }
    assert re.fullmatch(r"ZN[0-9a-f]{32}", version["sid"])
    assert (version["path"], version["visibility"]) == ("/hello", "protected")  # leading '/' added
    assert version["url"].startswith(address["url"] + "/serverless/v1/")
    assert_matches_oas("GET", version["url"], 200, json.dumps(version).encode())
    fetched = sdk.services(service.sid).functions(function.sid).function_versions(version["sid"]).fetch()
    assert fetched.path == "/hello"
    content = (
        sdk.services(service.sid)
        .functions(function.sid)
        .function_versions(version["sid"])
        .function_version_content()
        .fetch()
    )
    assert content.content == HELLO.decode()
    assert [v.sid for v in sdk.services(service.sid).functions(function.sid).function_versions.list()] == [
        version["sid"]
    ]


def test_upload_refuses_a_missing_content_part_and_an_unknown_visibility(sdk, http):
    service = sdk.services.create(unique_name=_name("upbad"), friendly_name="up")
    function = sdk.services(service.sid).functions.create(friendly_name="/x")
    url = f"/serverless-upload/v1/Services/{service.sid}/Functions/{function.sid}/Versions"
    no_content = http.post(url, data={"Path": "/x", "Visibility": "public"}, files={"Other": ("a", b"1")})
    assert no_content.status_code == 400 and "Content" in no_content.json()["message"]
    bad_visibility = http.post(
        url,
        data={"Path": "/x", "Visibility": "secret"},
        files={"Content": ("x.js", HELLO, "application/javascript")},
    )
    assert bad_visibility.status_code == 400 and "Visibility" in bad_visibility.json()["message"]
    assert bad_visibility.json()["code"] == 20001


# ---- builds and deployments ---
def test_build_is_building_then_completed_and_a_deployment_switches_the_environment(sdk, http, address):
    service = sdk.services.create(unique_name=_name("build"), friendly_name="build")
    environment = sdk.services(service.sid).environments.create(unique_name="production")
    function = sdk.services(service.sid).functions.create(friendly_name="/hello")
    version = upload(http, service.sid, function.sid, "/hello", HELLO)
    build = sdk.services(service.sid).builds.create(
        function_versions=[version["sid"]],
        runtime="node22",
        dependencies=json.dumps([{"name": "lodash", "version": "4.17.21"}]),
    )
    assert build.status == "building"
    assert (
        build.function_versions[0]["path"] == "/hello"
        and build.function_versions[0]["visibility"] == "PUBLIC"
    )
    assert {"name": "lodash", "version": "4.17.21"} in build.dependencies
    assert {d["name"] for d in build.dependencies} >= {"twilio", "@twilio/runtime-handler"}
    assert wait_for_build(sdk, http, service.sid, build.sid) == "completed"
    assert sdk.services(service.sid).builds(build.sid).fetch().status == "completed"
    built = address["statedir"] / "builds" / build.sid
    assert (built / "functions" / "hello.js").read_bytes() == HELLO
    assert json.loads((built / "package.json").read_text())["dependencies"]["lodash"] == "4.17.21"

    deployments = sdk.services(service.sid).environments(environment.sid).deployments
    deployment = deployments.create(build_sid=build.sid)
    assert deployment.build_sid == build.sid and deployment.environment_sid == environment.sid
    assert sdk.services(service.sid).environments(environment.sid).fetch().build_sid == build.sid
    assert [d.sid for d in deployments.list()] == [deployment.sid]
    assert deployments(deployment.sid).fetch().build_sid == build.sid
    assert [b.sid for b in sdk.services(service.sid).builds.list()] == [build.sid]
    with pytest.raises(TwilioRestException) as in_use:
        sdk.services(service.sid).builds(build.sid).delete()
    assert (in_use.value.status, in_use.value.code) == (409, 20409)
    assert "active deployment" in in_use.value.msg


def test_build_takes_the_toolkits_extra_quoted_dependencies(sdk, http):
    service = sdk.services.create(unique_name=_name("quoted"), friendly_name="quoted")
    function = sdk.services(service.sid).functions.create(friendly_name="/lodash")
    version = upload(http, service.sid, function.sid, "/lodash", NEEDS_LODASH)
    # @twilio-labs/serverless-api sends '"' + JSON.stringify(deps) + '"'
    quoted = '"' + json.dumps([{"name": "lodash", "version": "4.17.21"}]) + '"'
    response = http.post(
        f"/serverless/v1/Services/{service.sid}/Builds",
        data={"FunctionVersions": version["sid"], "Dependencies": quoted},
    )
    assert response.status_code == 201, response.text
    assert_matches_oas("POST", str(response.url), 201, response.content)
    assert response.json()["dependencies"][0] == {"name": "lodash", "version": "4.17.21"}
    assert wait_for_build(sdk, http, service.sid, response.json()["sid"]) == "completed"


def test_a_function_that_does_not_parse_fails_the_build_with_the_reason_and_cannot_be_deployed(sdk, http):
    service = sdk.services.create(unique_name=_name("syntax"), friendly_name="syntax")
    environment = sdk.services(service.sid).environments.create(unique_name="production")
    function = sdk.services(service.sid).functions.create(friendly_name="/broken")
    version = upload(http, service.sid, function.sid, "/broken", BROKEN)
    build = sdk.services(service.sid).builds.create(function_versions=[version["sid"]])
    assert wait_for_build(sdk, http, service.sid, build.sid) == "failed"
    failed = http.get(f"/serverless/v1/Services/{service.sid}/Builds/{build.sid}")
    assert_matches_oas("GET", str(failed.url), 200, failed.content)  # the extra reason field is allowed
    reason = failed.json()["sandbox_failure_reason"]
    assert reason.startswith("function /broken: node --check failed: line 2: SyntaxError"), reason
    assert "(fix:" in reason
    with pytest.raises(TwilioRestException) as refused:
        sdk.services(service.sid).environments(environment.sid).deployments.create(build_sid=build.sid)
    assert refused.value.status == 400 and "failed" in refused.value.msg
    assert sdk.services(service.sid).environments(environment.sid).fetch().build_sid is None


def test_an_undeclared_dependency_fails_the_build_but_builtins_and_twilio_defaults_pass(sdk, http):
    service = sdk.services.create(unique_name=_name("deps"), friendly_name="deps")
    functions = sdk.services(service.sid).functions
    lodash = upload(http, service.sid, functions.create(friendly_name="/lodash").sid, "/lodash", NEEDS_LODASH)
    defaults = upload(
        http, service.sid, functions.create(friendly_name="/defaults").sid, "/defaults", USES_DEFAULTS
    )
    missing = sdk.services(service.sid).builds.create(function_versions=[defaults["sid"], lodash["sid"]])
    assert wait_for_build(sdk, http, service.sid, missing.sid) == "failed"
    reason = failure_reason(http, service.sid, missing.sid)
    assert reason.startswith("function /lodash: requires 'lodash'") and '"name": "lodash"' in reason, reason
    fine = sdk.services(service.sid).builds.create(function_versions=[defaults["sid"]])
    assert wait_for_build(sdk, http, service.sid, fine.sid) == "completed"
    assert failure_reason(http, service.sid, fine.sid) is None


def test_runtimes_unknown_ones_are_82007_and_node18_builds_fail(sdk, http):
    service = sdk.services.create(unique_name=_name("runtime"), friendly_name="runtime")
    function = sdk.services(service.sid).functions.create(friendly_name="/hello")
    version = upload(http, service.sid, function.sid, "/hello", HELLO)
    with pytest.raises(TwilioRestException) as unknown:
        sdk.services(service.sid).builds.create(function_versions=[version["sid"]], runtime="node99")
    assert (unknown.value.status, unknown.value.code) == (400, 82007)
    old = sdk.services(service.sid).builds.create(function_versions=[version["sid"]], runtime="node18")
    assert wait_for_build(sdk, http, service.sid, old.sid) == "failed"
    assert "node18" in failure_reason(http, service.sid, old.sid)
    with pytest.raises(TwilioRestException) as empty:
        sdk.services(service.sid).builds.create(runtime="node22")
    assert empty.value.status == 400 and "FunctionVersions" in empty.value.msg


# ---- variables ---
def test_variables_keys_are_unique_and_sizes_are_twilios(sdk):
    service = sdk.services.create(unique_name=_name("vars"), friendly_name="vars")
    environment = sdk.services(service.sid).environments.create(unique_name="production")
    variables = sdk.services(service.sid).environments(environment.sid).variables
    queue = variables.create(key="TRANSFER_QUEUE", value="Sales")
    assert re.fullmatch(r"ZV[0-9a-f]{32}", queue.sid) and queue.value == "Sales"
    assert variables.create(key="K" * 128, value="é" * 225).key == "K" * 128  # 450 bytes is the limit
    for key, value, word in (
        ("K" * 129, "v", "Key"),
        ("BIG", "é" * 226, "450 bytes"),
        ("TRANSFER_QUEUE", "again", "already exists"),
    ):
        with pytest.raises(TwilioRestException) as refused:
            variables.create(key=key, value=value)
        assert refused.value.status == 400 and word in refused.value.msg
    assert variables(queue.sid).update(value="Support").value == "Support"
    assert variables(queue.sid).fetch().value == "Support"
    variables(queue.sid).delete()
    assert [v.key for v in variables.list()] == ["K" * 128]


# ---- /_runtime ---
def test_runtime_runs_a_public_function_with_event_and_context(sdk, http, address):
    service, environment, _ = deployed_function(sdk, http, HELLO, variables={"GREETING": "hej"})
    url = f"{address['url']}/_runtime/{environment.domain_name}/hello"
    answer = httpx.get(url, params={"name": "alice"}, timeout=30)  # no credentials: public
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "name": "alice",
        "greeting": "hej",
        "domain": environment.domain_name,
        "path": "/hello",
        "account": address["sid"],
    }
    posted = httpx.post(url, data={"name": "bob"}, timeout=30)
    assert posted.json()["name"] == "bob"
    assert (
        httpx.get(f"{address['url']}/_runtime/{environment.domain_name}/nope", timeout=30).status_code == 404
    )
    assert httpx.get(f"{address['url']}/_runtime/unknown.twil.io/hello", timeout=30).status_code == 404


def test_runtime_context_has_no_credentials_when_the_service_excludes_them(sdk, http, address):
    _, environment, _ = deployed_function(sdk, http, HELLO, include_credentials=False)
    answer = httpx.get(f"{address['url']}/_runtime/{environment.domain_name}/hello", timeout=30)
    assert answer.status_code == 200 and answer.json()["account"] is None


def test_runtime_protected_needs_a_valid_twilio_signature(sdk, http, address):
    _, environment, _ = deployed_function(sdk, http, HELLO, path="/guarded", visibility="protected")
    url = f"{address['url']}/_runtime/{environment.domain_name}/guarded"
    form = {"name": "carol", "Body": "hi"}
    unsigned = httpx.post(url, data=form, timeout=30)
    assert unsigned.status_code == 401
    wrong = httpx.post(url, data=form, headers={"X-Twilio-Signature": "bm9wZQ=="}, timeout=30)
    assert wrong.status_code == 401
    validator = RequestValidator(address["token"])
    signed = httpx.post(
        url, data=form, headers={"X-Twilio-Signature": validator.compute_signature(url, form)}, timeout=30
    )
    assert signed.status_code == 200 and signed.json()["name"] == "carol"
    # what Twilio itself would sign: the function's real address
    public_url = f"https://{environment.domain_name}/guarded"
    as_twilio = httpx.post(
        url,
        data=form,
        timeout=30,
        headers={"X-Twilio-Signature": validator.compute_signature(public_url, form)},
    )
    assert as_twilio.status_code == 200
    tampered = httpx.post(
        url,
        data={**form, "name": "mallory"},
        timeout=30,
        headers={"X-Twilio-Signature": validator.compute_signature(url, form)},
    )
    assert tampered.status_code == 401


def test_runtime_never_serves_a_private_function(sdk, http, address):
    _, environment, build = deployed_function(sdk, http, HELLO, path="/helper", visibility="private")
    url = f"{address['url']}/_runtime/{environment.domain_name}/helper"
    validator = RequestValidator(address["token"])
    assert httpx.get(url, timeout=30).status_code == 404
    signed = httpx.get(url, headers={"X-Twilio-Signature": validator.compute_signature(url, {})}, timeout=30)
    assert signed.status_code == 404
    assert (address["statedir"] / "builds" / build.sid / "functions" / "helper.private.js").is_file()


def test_runtime_checks_a_json_body_signature_through_body_sha256(sdk, http, address):
    _, environment, _ = deployed_function(sdk, http, HELLO, path="/json", visibility="protected")
    body = json.dumps({"name": "dave"})
    validator = RequestValidator(address["token"])
    url = (
        f"{address['url']}/_runtime/{environment.domain_name}/json?bodySHA256={validator.compute_hash(body)}"
    )
    headers = {"Content-Type": "application/json", "X-Twilio-Signature": validator.compute_signature(url, {})}
    signed = httpx.post(url, content=body, headers=headers, timeout=30)
    assert signed.status_code == 200, signed.text
    assert signed.json()["name"] == "dave"
    other = httpx.post(url, content=json.dumps({"name": "eve"}), headers=headers, timeout=30)
    assert other.status_code == 401


def test_runtime_refuses_a_context_above_3_kb_with_82006(sdk, http, address):
    variables = {f"BIG_{i}": "v" * 450 for i in range(7)}
    _, environment, _ = deployed_function(sdk, http, HELLO, variables=variables)
    answer = httpx.get(f"{address['url']}/_runtime/{environment.domain_name}/hello", timeout=30)
    assert answer.status_code == 400 and answer.json()["code"] == 82006


# ---- assets and logs ---
def test_assets_upload_build_and_serve_by_visibility(sdk, http, address):
    service = sdk.services.create(unique_name=_name("assets"), friendly_name="assets")
    environment = sdk.services(service.sid).environments.create(unique_name="production")
    versions = []
    for path, visibility in (
        ("/notes.txt", "public"),
        ("/secret.txt", "private"),
        ("/signed.txt", "protected"),
    ):
        asset = sdk.services(service.sid).assets.create(friendly_name=path)
        response = http.post(
            f"/serverless-upload/v1/Services/{service.sid}/Assets/{asset.sid}/Versions",
            data={"Path": path, "Visibility": visibility},
            files={"Content": (path.strip("/"), f"text of {path}".encode(), "text/plain")},
        )
        assert response.status_code == 201, response.text
        assert response.json()["asset_sid"] == asset.sid and response.json()["path"] == path
        assert_matches_oas("GET", response.json()["url"], 200, response.content)
        versions.append(response.json()["sid"])
    listed = sdk.services(service.sid).assets(asset.sid).asset_versions.list()
    assert [v.sid for v in listed] == versions[-1:]
    build = sdk.services(service.sid).builds.create(asset_versions=versions)
    assert wait_for_build(sdk, http, service.sid, build.sid) == "completed"
    assert [v["path"] for v in sdk.services(service.sid).builds(build.sid).fetch().asset_versions] == [
        "/notes.txt",
        "/secret.txt",
        "/signed.txt",
    ]
    sdk.services(service.sid).environments(environment.sid).deployments.create(build_sid=build.sid)
    base = f"{address['url']}/_runtime/{environment.domain_name}"
    public = httpx.get(f"{base}/notes.txt", timeout=30)
    assert public.status_code == 200 and public.text == "text of /notes.txt"
    assert public.headers["content-type"].startswith("text/plain")
    assert httpx.get(f"{base}/secret.txt", timeout=30).status_code == 404
    assert httpx.get(f"{base}/signed.txt", timeout=30).status_code == 401


def test_assets_are_fetched_renamed_and_deleted(sdk, http):
    service = sdk.services.create(unique_name=_name("assetcrud"), friendly_name="assets")
    assets = sdk.services(service.sid).assets
    asset = assets.create(friendly_name="/a.txt")
    assert re.fullmatch(r"ZH[0-9a-f]{32}", asset.sid)
    assert assets(asset.sid).update(friendly_name="/b.txt").friendly_name == "/b.txt"
    assert assets(asset.sid).fetch().friendly_name == "/b.txt"
    version = http.post(
        f"/serverless-upload/v1/Services/{service.sid}/Assets/{asset.sid}/Versions",
        data={"Path": "b.txt", "Visibility": "public"},
        files={"Content": ("b.txt", b"bee", "text/plain")},
    ).json()
    assert assets(asset.sid).asset_versions(version["sid"]).fetch().path == "/b.txt"
    assets(asset.sid).delete()
    assert assets.list() == []


def test_an_undeployed_build_can_be_deleted(sdk, http):
    service = sdk.services.create(unique_name=_name("delbuild"), friendly_name="delete build")
    function = sdk.services(service.sid).functions.create(friendly_name="/hello")
    version = upload(http, service.sid, function.sid, "/hello", HELLO)
    build = sdk.services(service.sid).builds.create(function_versions=[version["sid"]])
    sdk.services(service.sid).builds(build.sid).delete()
    with pytest.raises(TwilioRestException) as gone:
        sdk.services(service.sid).builds(build.sid).fetch()
    assert gone.value.status == 404


def test_logs_list_is_an_empty_twilio_page(sdk):
    service = sdk.services.create(unique_name=_name("logs"), friendly_name="logs")
    environment = sdk.services(service.sid).environments.create(unique_name="production")
    assert sdk.services(service.sid).environments(environment.sid).logs.list() == []
    with pytest.raises(TwilioRestException) as missing:
        sdk.services(service.sid).environments(environment.sid).logs("NO" + "0" * 32).fetch()
    assert (missing.value.status, missing.value.code) == (404, 20404)


def test_deployed_functions_survive_a_restart_on_the_same_db(sandbox_factory):
    own = sandbox_factory(seed="empty")
    with own.http() as http:
        deployed = deployed_function(
            own.client().serverless.v1, http, HELLO, variables={"GREETING": "still here"}
        )
    _, environment, build = deployed
    own.restart()
    answer = httpx.get(f"{own.url}/_runtime/{environment.domain_name}/hello", timeout=30)
    assert answer.status_code == 200 and answer.json()["greeting"] == "still here"
    client = own.client()
    service = client.serverless.v1.services(environment.service_sid)
    assert service.environments(environment.sid).fetch().build_sid == build.sid
    assert service.builds(build.sid).build_status().fetch().status == "completed"


def test_a_function_in_a_deployed_build_cannot_be_deleted_until_nothing_serves_it(sdk, http, address):
    """Twilio's delete rule (serverless-toolkit#148): a Function with a version in a build an environment
    serves is refused with 409/20409; once another build is live, it can go, and the old build keeps it."""
    service, environment, build = deployed_function(sdk, http, HELLO)
    functions = sdk.services(service.sid).functions
    hello = functions.list()[0]
    with pytest.raises(TwilioRestException) as refused:
        functions(hello.sid).delete()
    assert (refused.value.status, refused.value.code) == (409, 20409)
    assert build.sid in refused.value.msg and "dev-environment" in refused.value.msg
    answer = httpx.get(f"{address['url']}/_runtime/{environment.domain_name}/hello", timeout=30)
    assert answer.status_code == 200  # still served: nothing was deleted

    other = functions.create(friendly_name="/other")
    version = upload(http, service.sid, other.sid, "/other", HELLO)
    without_hello = sdk.services(service.sid).builds.create(function_versions=[version["sid"]])
    assert wait_for_build(sdk, http, service.sid, without_hello.sid) == "completed"
    sdk.services(service.sid).environments(environment.sid).deployments.create(build_sid=without_hello.sid)
    functions(hello.sid).delete()
    assert [f.friendly_name for f in functions.list()] == ["/other"]
    assert [v["path"] for v in sdk.services(service.sid).builds(build.sid).fetch().function_versions] == [
        "/hello"
    ]


def test_deleting_the_environment_frees_its_build_and_functions(sdk, http):
    """The order a destroy must take: the environment (and with it its deployment) first, then functions and
    builds delete without a conflict."""
    service, environment, build = deployed_function(sdk, http, HELLO)
    sdk.services(service.sid).environments(environment.sid).delete()
    for function in sdk.services(service.sid).functions.list():
        sdk.services(service.sid).functions(function.sid).delete()
    sdk.services(service.sid).builds(build.sid).delete()
    assert sdk.services(service.sid).functions.list() == []
    assert sdk.services(service.sid).builds.list() == []


def test_a_build_deployed_twice_to_one_environment_is_a_conflict(sdk, http):
    """Twilio answers 409/20409 when the build is already live there (twilio-run's promote says so)."""
    service, environment, build = deployed_function(sdk, http, HELLO)
    deployments = sdk.services(service.sid).environments(environment.sid).deployments
    with pytest.raises(TwilioRestException) as twice:
        deployments.create(build_sid=build.sid)
    assert (twice.value.status, twice.value.code) == (409, 20409) and "already live" in twice.value.msg
    assert len(deployments.list()) == 1


def test_a_service_is_deleted_with_everything_deployed_in_it(sdk, http):
    service, environment, build = deployed_function(sdk, http, HELLO)
    sdk.services(service.sid).delete()
    with pytest.raises(TwilioRestException) as gone:
        sdk.services(service.sid).fetch()
    assert gone.value.status == 404
