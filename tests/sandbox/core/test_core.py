"""The sandbox core in-process: params, paging, store, errors, auth, faults and the request log."""

from __future__ import annotations

import json
import threading
import warnings
from pathlib import Path

import pytest

from flex_chat_transfer.sandbox.app import create_app
from flex_chat_transfer.sandbox.core.clock import Clock
from flex_chat_transfer.sandbox.core.errors import InvalidParameter, NotFound
from flex_chat_transfer.sandbox.core.paging import paginate
from flex_chat_transfer.sandbox.core.params import Params
from flex_chat_transfer.sandbox.core.sids import is_sid, mint_sid
from flex_chat_transfer.sandbox.core.state import Settings
from flex_chat_transfer.sandbox.core.store import ResourceTable, Store

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


@pytest.fixture
def client(tmp_path: Path):
    app = create_app(
        Settings(db=tmp_path / "core.db", seed="empty"), modules=("flex_chat_transfer.sandbox.control",)
    )
    state = app.state.sandbox
    with TestClient(app, base_url="http://sandbox.test:4321") as test_client:
        test_client.auth = (state.account_sid, state.auth_token)
        yield test_client


def test_sid_minting_follows_twilio_format():
    sid = mint_sid("WK")
    assert is_sid(sid, "WK") and len(sid) == 34
    assert not is_sid("WK<placeholder:x>")
    with pytest.raises(ValueError):
        mint_sid("wk")


def test_params_read_repeated_keys_json_strings_and_booleans():
    params = Params(
        items=[
            ("FunctionVersions", "ZN1"),
            ("FunctionVersions", "ZN2"),
            ("Available", "1"),
            ("Attributes", '{"skills": ["sales"]}'),
            ("Bad", "{nope"),
        ]
    )
    assert params.get_list("FunctionVersions") == ["ZN1", "ZN2"]
    assert params.get_bool("Available") is True
    assert params.get_json("Attributes") == {"skills": ["sales"]}
    with pytest.raises(InvalidParameter, match="Bad is not valid JSON"):
        params.get_json("Bad")
    with pytest.raises(InvalidParameter, match="Missing required parameter FriendlyName"):
        params.require("FriendlyName")


def test_paginate_walks_with_page_tokens_and_absolute_urls():
    items = [{"sid": f"WK{i:032x}"} for i in range(5)]
    first = paginate(
        items,
        key="workers",
        params=Params(items=[("PageSize", "2")]),
        page_url="http://h:1/taskrouter/v1/Workspaces/WS1/Workers",
        render=dict,
    )
    assert [w["sid"] for w in first["workers"]] == [items[0]["sid"], items[1]["sid"]]
    meta = first["meta"]
    assert meta["key"] == "workers" and meta["previous_page_url"] is None
    assert meta["next_page_url"].startswith("http://h:1/taskrouter/v1/Workspaces/WS1/Workers?")
    assert f"PageToken=PA{items[1]['sid']}" in meta["next_page_url"]
    query = meta["next_page_url"].split("?", 1)[1]
    second = paginate(
        items,
        key="workers",
        params=Params(items=[tuple(p.split("=")) for p in query.split("&")]),
        page_url="http://h:1/x",
        render=dict,
    )
    assert [w["sid"] for w in second["workers"]] == [items[2]["sid"], items[3]["sid"]]
    assert second["meta"]["previous_page_url"] is not None
    with pytest.raises(InvalidParameter, match="PageToken"):
        paginate(
            items, key="workers", params=Params(items=[("PageToken", "PAnope")]), page_url="u", render=dict
        )


def test_store_is_safe_under_parallel_writes_and_survives_reopen(tmp_path: Path):
    store = Store(tmp_path / "s.db")
    table = ResourceTable(store, "test.thing", "ZZ")
    threads = [
        threading.Thread(target=lambda: [table.create({"n": 1}, parent="P") for _ in range(25)])
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(table.list(parent="P")) == 200
    sid = table.list(parent="P")[0]["sid"]
    table.update(sid, {"n": 2})
    store.close()
    reopened = ResourceTable(Store(tmp_path / "s.db"), "test.thing", "ZZ")
    assert reopened.get(sid)["n"] == 2
    with pytest.raises(NotFound, match="The requested resource /Things/x was not found"):
        reopened.fetch("x", path="/Things/x")


def test_wrong_credentials_get_twilio_401_body(client):
    response = client.get("/taskrouter/v1/Workspaces", auth=("AC" + "0" * 32, "wrong"))
    assert response.status_code == 401
    assert response.json() == {
        "code": 20003,
        "message": "Authenticate",
        "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401,
    }


def test_unknown_path_gets_20404_naming_the_path(client):
    response = client.get("/taskrouter/v1/Nowhere/WS1")
    assert response.status_code == 404
    assert response.json()["code"] == 20404
    assert response.json()["message"] == "The requested resource /Nowhere/WS1 was not found"


def test_429_fault_carries_retry_after_and_expires_after_count(client):
    added = client.post(
        "/_sandbox/faults", json={"route": "^/taskrouter/", "kind": "429", "count": 1, "retry_after": 3}
    )
    assert added.status_code == 201
    hit = client.get("/taskrouter/v1/Workspaces")
    assert hit.status_code == 429 and hit.headers["Retry-After"] == "3" and hit.json()["code"] == 20429
    assert client.get("/taskrouter/v1/Workspaces").status_code != 429
    assert (
        client.post("/_sandbox/faults", json={"kind": "teapot"}).json()["message"].startswith("faults.kind")
    )


def test_503_fault_and_clear(client):
    client.post("/_sandbox/faults", json={"route": "Workspaces", "kind": "503"})
    assert client.get("/taskrouter/v1/Workspaces").status_code == 503
    assert client.delete("/_sandbox/faults").status_code == 204
    assert client.get("/taskrouter/v1/Workspaces").status_code != 503


def test_request_log_counts_by_product_and_method_and_skips_control(client):
    client.get("/taskrouter/v1/Workspaces")
    first = client.get("/_sandbox/requests").json()["requests"]
    client.post("/flex-api/v1/Configuration", json={})
    later = client.get("/_sandbox/requests", params={"since": first[-1]["id"]}).json()["requests"]
    assert [(r["method"], r["product"]) for r in later] == [("POST", "flex-api")]
    summary = client.get("/_sandbox/requests/summary").json()
    assert summary["total"] == 2 and summary["writes"] == 1
    assert summary["by"] == {"taskrouter GET": 1, "flex-api POST": 1}


def test_oas_checker_rejects_a_response_twilio_would_not_send():
    from flex_chat_transfer.sandbox.core.openapi import OasChecker, OasMismatch

    checker = OasChecker()
    sid = "WS" + "a" * 32
    good = {"sid": sid, "multi_task_enabled": True, "prioritize_queue_order": "FIFO", "links": {}}
    assert checker.check("GET", f"http://127.0.0.1:1/taskrouter/v1/Workspaces/{sid}", 200, json.dumps(good))
    bad = {**good, "multi_task_enabled": "yes"}
    with pytest.raises(OasMismatch, match="at multi_task_enabled: 'yes' is not of type 'boolean'"):
        checker.check("GET", f"https://taskrouter.twilio.com/v1/Workspaces/{sid}", 200, json.dumps(bad))
    assert not checker.check(
        "POST", "http://h/iam/v1/Accounts/AC1/Tokens/validate", 200, "{}"
    )  # not in the OAS


def test_a_handler_bug_answers_twilio_500_body(tmp_path: Path):
    from flex_chat_transfer.sandbox.core.http import route

    def broken(ctx):
        raise KeyError("oops")

    app = create_app(
        Settings(db=tmp_path / "bug.db", seed="empty"), modules=("flex_chat_transfer.sandbox.control",)
    )
    app.router.routes.append(route("/broken", "_sandbox", GET=broken))
    state = app.state.sandbox
    with TestClient(app) as test_client:
        response = test_client.get("/broken", auth=(state.account_sid, state.auth_token))
    assert response.status_code == 500
    assert response.json()["code"] == 20500 and "KeyError" in response.json()["message"]


def test_the_clock_only_moves_forward_and_is_kept_in_the_store(tmp_path: Path):
    wall = [1_000_000.0]
    clock = Clock(wall=lambda: wall[0])
    assert clock.iso() == "1970-01-12T13:46:40Z"
    clock.advance(90)
    assert clock() == 1_000_090.0 and clock.seconds_since("1970-01-12T13:46:40Z") == 90
    with pytest.raises(ValueError):
        clock.advance(-1)
    store = Store(tmp_path / "clock.db")
    clock.save(store.set_meta)
    assert Clock.restored(store.get_meta).offset == 90
    table = ResourceTable(Store(tmp_path / "stamped.db", clock=clock), "test.thing", "TT")
    assert table.create({})["date_created"] == "1970-01-12T13:48:10Z"  # documents are dated by the clock


def test_clock_control_advances_and_refuses_going_back(client):
    before = client.get("/_sandbox/clock").json()
    moved = client.post("/_sandbox/clock", json={"advance": 120}).json()
    assert moved["offset_seconds"] == before["offset_seconds"] + 120
    refused = client.post("/_sandbox/clock", json={"advance": -5})
    assert refused.status_code == 400
    message = refused.json()["message"]
    assert message == 'clock.advance must be a number of seconds >= 0: POST {"advance": 120}'
    assert client.post("/_sandbox/clock", json={}).status_code == 400
