"""`OasChecker.check_request`: what the suites' request checks catch, on log entries shaped as
`GET /_sandbox/requests` gives them (no sandbox needed)."""

from __future__ import annotations

import pytest

from flex_chat_transfer.sandbox.core.openapi import OasChecker

WS = "WS" + "a" * 32
ZS = "ZS" + "b" * 32
ZH = "ZH" + "c" * 32
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def checker() -> OasChecker:
    return OasChecker()


def entry(method: str, path: str, body=None, query=None, content_type: str | None = FORM) -> dict:
    product = path.strip("/").split("/", 1)[0]
    return {"id": 1, "method": method, "product": product, "path": path, "status": 200, "ms": 1.0,
            "query": query or {}, "content_type": content_type if body is not None else None, "body": body}


def test_requests_the_provider_sends_hold(checker):
    assert checker.check_request(entry("POST", f"/taskrouter/v1/Workspaces/{WS}/Workflows", {
        "FriendlyName": "Chat Transfer", "Configuration": "{}", "TaskReservationTimeout": "120"})) == []
    assert checker.check_request(entry("POST", f"/serverless/v1/Services/{ZS}/Builds", {
        "FunctionVersions": ["ZN" + "1" * 32, "ZN" + "2" * 32], "Runtime": "node22"})) == []
    assert checker.check_request(entry("GET", f"/taskrouter/v1/Workspaces/{WS}/TaskQueues",
                                       query={"FriendlyName": "Sales", "PageSize": "50"})) == []
    assert checker.check_request(entry("DELETE", f"/serverless/v1/Services/{ZS}/Functions/{ZH}")) == []


def test_an_unknown_field_or_query_parameter_is_named(checker):
    problems = checker.check_request(entry("POST", f"/taskrouter/v1/Workspaces/{WS}/Workflows", {
        "FriendlyName": "W", "Configuration": "{}", "ReEvaluateTask": "true"}))
    assert problems == [
        "field ReEvaluateTask is not in Twilio's OAS for POST /v1/Workspaces/{WorkspaceSid}/Workflows"
    ]
    problems = checker.check_request(entry("GET", f"/taskrouter/v1/Workspaces/{WS}/TaskQueues",
                                           query={"Name": "Sales"}))
    assert problems and "query parameter Name" in problems[0]


def test_enums_required_fields_types_and_content_type_come_from_openapi_core(checker):
    (enum,) = checker.check_request(entry("POST", f"/taskrouter/v1/Workspaces/{WS}/TaskQueues", {
        "FriendlyName": "Q", "TaskOrder": "Random"}))
    assert "Random" in enum and "TaskOrder" in enum
    (required,) = checker.check_request(entry("POST", "/serverless/v1/Services", {"UniqueName": "svc"}))
    assert "'FriendlyName' is a required property" in required
    (typed,) = checker.check_request(entry("POST", "/serverless/v1/Services", {
        "UniqueName": "svc", "FriendlyName": "Svc", "IncludeCredentials": "maybe"}))
    assert "boolean" in typed
    (media,) = checker.check_request(entry("POST", "/serverless/v1/Services",
                                           {"UniqueName": "svc", "FriendlyName": "Svc"},
                                           content_type="application/json"))
    assert "application/json" in media


def test_an_operation_twilio_lacks_is_named(checker):
    (method,) = checker.check_request(entry("PUT", f"/serverless/v1/Services/{ZS}"))
    assert method.startswith(f"Twilio's OAS has no operation PUT /v1/Services/{ZS}")
    assert "DELETE, GET, POST" in method
    (path,) = checker.check_request(entry("GET", f"/serverless/v1/Services/{ZS}/Nothing"))
    assert "no operation GET" in path


def test_uploads_are_held_to_the_deployers_form(checker):
    url = f"/serverless-upload/v1/Services/{ZS}/Functions/{ZH}/Versions"
    good = {"Path": "/f", "Visibility": "protected",
            "Content": {"filename": "f.js", "content_type": "application/javascript", "bytes": 10}}
    assert checker.check_request(entry("POST", url, good, content_type="multipart/form-data")) == []
    problems = checker.check_request(entry("POST", url, {"Path": "/f", "Visibility": "secret", "Content": "x",
                                                         "Extra": "1"}, content_type="multipart/form-data"))
    assert any("Visibility 'secret'" in p for p in problems)
    assert any("Content as a file part" in p for p in problems)
    assert any("field Extra" in p for p in problems)
    (form,) = checker.check_request(entry("POST", url, good, content_type=FORM))
    assert "not multipart/form-data" in form
    (other,) = checker.check_request(entry("GET", f"/serverless-upload/v1/Services/{ZS}"))
    assert "not an upload" in other


def test_products_no_contract_describes_are_not_checked(checker):
    iam = entry("POST", "/iam/v1/Accounts/AC1/Tokens/validate", {"token": "x"})
    assert checker.check_request(iam) is None
    assert checker.check_request(entry("POST", "/_runtime/x.twil.io/invite", {"Token": "***"})) is None
