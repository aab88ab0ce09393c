"""The `build-failed` fault (POST /_sandbox/faults): matching build creations are accepted as usual, then end
`failed` with the fault's reason after the build duration; count and rate are used like other faults, and bad
fault bodies get one 400 line naming the field."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from flex_chat_transfer.sandbox.app import create_app
from flex_chat_transfer.sandbox.core.state import Settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

BUILD_SECONDS = 30  # long: only the clock control moves a build on
BUILDS_ROUTE = r"/serverless/v1/Services/.*/Builds$"
HELLO = b"exports.handler = (context, event, callback) => callback(null, {ok: true});\n"


@pytest.fixture
def client(tmp_path: Path):
    settings = Settings(db=tmp_path / "sandbox.db", seed="empty", build_seconds=BUILD_SECONDS)
    modules = ("flex_chat_transfer.sandbox.serverless.urls", "flex_chat_transfer.sandbox.control")
    app = create_app(settings, modules=modules)
    state = app.state.sandbox
    with TestClient(app, base_url="http://sandbox.test:4321") as test_client:
        test_client.auth = (state.account_sid, state.auth_token)
        yield test_client


def service_with_version(client: TestClient, name: str) -> tuple[str, str]:
    """A service holding one uploaded function version: (service SID, version SID)."""
    service = client.post("/serverless/v1/Services", data={"UniqueName": name, "FriendlyName": name})
    assert service.status_code == 201, service.text
    sid = service.json()["sid"]
    function = client.post(f"/serverless/v1/Services/{sid}/Functions", data={"FriendlyName": "/hello"})
    assert function.status_code == 201, function.text
    version = client.post(
        f"/serverless-upload/v1/Services/{sid}/Functions/{function.json()['sid']}/Versions",
        data={"Path": "/hello", "Visibility": "public"},
        files={"Content": ("hello.js", HELLO, "application/javascript")},
    )
    assert version.status_code == 201, version.text
    return sid, version.json()["sid"]


def create_build(client: TestClient, service: str, version: str) -> dict:
    answer = client.post(f"/serverless/v1/Services/{service}/Builds", data={"FunctionVersions": version})
    assert answer.status_code == 201, answer.text
    return answer.json()


def settled(client: TestClient, service: str, build: str) -> dict:
    """The build once the build duration has passed on the sandbox clock (no sleep)."""
    assert client.post("/_sandbox/clock", json={"advance": BUILD_SECONDS}).status_code == 200
    body = client.get(f"/serverless/v1/Services/{service}/Builds/{build}").json()
    assert body["status"] != "building", body
    return body


def add_fault(client: TestClient, **fault) -> dict:
    answer = client.post("/_sandbox/faults", json=fault)
    assert answer.status_code == 201, answer.text
    return answer.json()


def fault_hits(client: TestClient) -> list[int]:
    return [f["hits"] for f in client.get("/_sandbox/faults").json()["faults"]]


def test_exactly_count_builds_fail_with_the_reason_then_the_next_build_completes(client):
    service, version = service_with_version(client, "flaky")
    reason = "npm install failed: registry timed out (fix: deploy again)"
    listed = add_fault(client, kind="build-failed", route=BUILDS_ROUTE, count=2, reason=reason)
    assert listed["faults"][0]["reason"] == reason and listed["faults"][0]["hits"] == 0

    created = [create_build(client, service, version) for _ in range(3)]
    # accepted like any build: the failure shows only once the build duration has passed
    assert [b["status"] for b in created] == ["building"] * 3
    assert all(b["sandbox_failure_reason"] is None for b in created)

    outcomes = [settled(client, service, b["sid"]) for b in created]
    assert [o["status"] for o in outcomes] == ["failed", "failed", "completed"]
    assert [o["sandbox_failure_reason"] for o in outcomes] == [reason, reason, None]
    assert fault_hits(client) == [2]
    status = client.get(f"/serverless/v1/Services/{service}/Builds/{created[0]['sid']}/Status").json()
    assert status["status"] == "failed"


def test_default_reason_and_only_matching_routes_fail(client):
    flaky, flaky_version = service_with_version(client, "flaky")
    healthy, healthy_version = service_with_version(client, "healthy")
    add_fault(client, kind="build-failed", route=f"/Services/{flaky}/Builds$")

    fine = create_build(client, healthy, healthy_version)
    broken = create_build(client, flaky, flaky_version)
    assert settled(client, healthy, fine["sid"])["status"] == "completed"
    failed = settled(client, flaky, broken["sid"])
    assert (failed["status"], failed["sandbox_failure_reason"]) == ("failed", "injected build failure")


def test_it_is_not_an_http_fault_and_refused_creates_do_not_use_it(client):
    service, version = service_with_version(client, "flaky")
    add_fault(client, kind="build-failed", route=r"/Builds", count=1)
    # reads of the matching route are answered normally and use nothing
    assert client.get(f"/serverless/v1/Services/{service}/Builds").status_code == 200
    # a create Twilio would refuse stays a 400 and leaves the fault for a real build
    refused = client.post(f"/serverless/v1/Services/{service}/Builds", data={"Runtime": "node22"})
    assert refused.status_code == 400 and "FunctionVersions" in refused.json()["message"]
    assert fault_hits(client) == [0]
    build = create_build(client, service, version)
    assert settled(client, service, build["sid"])["status"] == "failed"
    assert fault_hits(client) == [1]


def test_rate_zero_never_fires_and_clearing_ends_the_fault(client):
    service, version = service_with_version(client, "steady")
    add_fault(client, kind="build-failed", route=BUILDS_ROUTE, rate=0)
    assert settled(client, service, create_build(client, service, version)["sid"])["status"] == "completed"
    assert fault_hits(client) == [0]
    client.delete("/_sandbox/faults")
    add_fault(client, kind="build-failed", route=BUILDS_ROUTE)
    assert settled(client, service, create_build(client, service, version)["sid"])["status"] == "failed"
    assert client.delete("/_sandbox/faults").status_code == 204
    assert settled(client, service, create_build(client, service, version)["sid"])["status"] == "completed"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"kind": "build-fail"}, "faults.kind must be one of latency, 429, 503, drop, build-failed"),
        ({"kind": "build-failed", "reason": 5}, "faults.reason must be one non-empty line of text, got 5"),
        ({"kind": "build-failed", "reason": "  "}, "faults.reason must be one non-empty line of text"),
        ({"kind": "build-failed", "reason": "a\nb"}, "faults.reason must be one non-empty line of text"),
        ({"kind": "429", "reason": "x"}, "faults.reason only applies to kind build-failed; remove it"),
        ({"kind": "build-failed", "count": 0}, "faults.count must be 1 or more"),
        ({"kind": "build-failed", "count": "two"}, "faults.count must be a number, got 'two'"),
        ({"kind": "build-failed", "rate": 2}, "faults.rate must be between 0 and 1, got 2"),
        ({"kind": "build-failed", "rate": None}, "faults.rate must be between 0 and 1, got None"),
        ({"kind": "build-failed", "route": "(Builds"}, "faults.route is not a valid regular expression"),
    ],
    ids=[
        "unknown kind",
        "reason not text",
        "reason blank",
        "reason two lines",
        "reason on another kind",
        "count zero",
        "count not a number",
        "rate above 1",
        "rate null",
        "route not a regex",
    ],
)
def test_bad_fault_bodies_get_one_clear_400_line_and_add_nothing(client, body, expected):
    answer = client.post("/_sandbox/faults", json=body)
    assert answer.status_code == 400, answer.text
    message = answer.json()["message"]
    assert message.startswith(expected) and "\n" not in message, message
    assert client.get("/_sandbox/faults").json()["faults"] == []
