"""The sandbox as a process: `twilio-sandbox serve` output and env file, restart on the same database,
faults over real sockets, parallel writes."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest


def test_serve_prints_env_lines_then_ready_and_writes_the_env_file(tmp_path):
    env_file = tmp_path / "env"
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from flex_chat_transfer.sandbox.cli import main; main()",
            "serve",
            "--port",
            "0",
            "--db",
            str(tmp_path / "s.db"),
            "--seed",
            "empty",
            "--env-file",
            str(env_file),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [process.stdout.readline().rstrip("\n") for _ in range(4)]
    finally:
        process.terminate()
        process.wait(timeout=15)
    assert [line.split("=", 1)[0] for line in lines[:3]] == [
        "TWILIO_SANDBOX_URL",
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
    ]
    assert lines[3] == "sandbox ready"
    assert env_file.read_text().splitlines() == lines[:3]
    url = lines[0].split("=", 1)[1]
    assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
    assert process.returncode == 0


def test_state_survives_a_restart_on_the_same_database(sandbox_factory):
    sandbox = sandbox_factory()
    client = sandbox.client()
    ws = client.taskrouter.v1.workspaces(sandbox.seed_info()["workspace"]["sid"])
    queue = ws.task_queues.create(friendly_name="Persisted", target_workers="1==1")
    credentials = (sandbox.account_sid, sandbox.auth_token)
    sandbox.restart()
    same = (sandbox.account_sid, sandbox.auth_token) == credentials
    assert same, "credentials changed across the restart"  # never print the token itself
    fetched = (
        sandbox.client().taskrouter.v1.workspaces(ws._solution["sid"]).task_queues(queue.sid).fetch()
    )
    assert fetched.friendly_name == "Persisted"
    assert fetched.url.startswith(sandbox.url)  # links follow the new address
    assert len(sandbox.seed_info()["workers"]) == 12  # not reseeded over existing state


def test_reset_empties_and_reseeds(sandbox):
    client = sandbox.client()
    ws_sid = sandbox.seed_info()["workspace"]["sid"]
    client.taskrouter.v1.workspaces(ws_sid).task_queues.create(friendly_name="Gone after reset")
    reset = sandbox.reset()
    assert reset["reset"] is True
    new_ws = sandbox.seed_info()["workspace"]["sid"]
    assert new_ws != ws_sid
    names = [q.friendly_name for q in client.taskrouter.v1.workspaces(new_ws).task_queues.list()]
    assert names == ["Everyone", "Sales", "Support"]


def test_pagination_follows_absolute_urls_on_the_sandbox_host(sandbox, seeded):
    ws_sid = sandbox.seed_info()["workspace"]["sid"]
    with sandbox.http() as http:
        page = http.get(f"/taskrouter/v1/Workspaces/{ws_sid}/Workers", params={"PageSize": 5}).json()
        seen = [w["sid"] for w in page["workers"]]
        while page["meta"]["next_page_url"]:
            assert page["meta"]["next_page_url"].startswith(sandbox.url + "/taskrouter/v1/")
            assert "PageToken=PA" in page["meta"]["next_page_url"]
            page = http.get(page["meta"]["next_page_url"]).json()
            seen += [w["sid"] for w in page["workers"]]
    assert seen == list(sandbox.seed_info()["workers"].values())


def test_faults_429_latency_drop_and_the_request_log(sandbox, seeded):
    sandbox.clear_faults()
    ws_sid = sandbox.seed_info()["workspace"]["sid"]
    path = f"/taskrouter/v1/Workspaces/{ws_sid}/TaskQueues"
    first_id = (sandbox.requests() or [{"id": 0}])[-1]["id"]
    sandbox.add_fault(route="TaskQueues$", kind="429", count=1, retry_after=2)
    sandbox.add_fault(route="Activities$", kind="latency", latency_ms=300)
    sandbox.add_fault(route="Workflows$", kind="drop", count=1)
    with sandbox.http() as http:
        limited = http.get(path)
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "2"
        assert limited.json()["code"] == 20429
        assert http.get(path).status_code == 200
        started = time.perf_counter()
        assert http.get(f"/taskrouter/v1/Workspaces/{ws_sid}/Activities").status_code == 200
        assert time.perf_counter() - started >= 0.3
        with pytest.raises(httpx.HTTPError):
            http.get(f"/taskrouter/v1/Workspaces/{ws_sid}/Workflows")
        assert http.get(f"/taskrouter/v1/Workspaces/{ws_sid}/Workflows").status_code == 200
    sandbox.clear_faults()
    logged = sandbox.requests(since=first_id)
    assert [r["status"] for r in logged if r["path"] == path] == [429, 200]
    assert all(r["product"] == "taskrouter" and r["ms"] >= 0 for r in logged)
    assert sandbox.summary()["by"]["taskrouter GET"] >= 5


def test_bad_credentials_and_unknown_control_input(sandbox):
    response = httpx.get(f"{sandbox.url}/_sandbox/seed", auth=(sandbox.account_sid, "wrong"))
    assert response.status_code == 401 and response.json()["code"] == 20003
    with sandbox.http() as http:
        bad = http.post("/_sandbox/faults", json={"kind": "429", "rate": 3})
        assert (
            bad.status_code == 400 and bad.json()["message"] == "faults.rate must be between 0 and 1, got 3.0"
        )
        unknown = http.post("/_sandbox/reset", json={"seed": "nope"})
        assert unknown.status_code == 400 and "seed 'nope' is unknown" in unknown.json()["message"]


def test_parallel_creates_are_all_kept_and_names_stay_unique(sandbox):
    sandbox.reset()
    ws_sid = sandbox.seed_info()["workspace"]["sid"]
    url = f"/taskrouter/v1/Workspaces/{ws_sid}/TaskQueues"

    def create(i: int) -> int:
        with sandbox.http() as http:
            return http.post(url, data={"FriendlyName": f"Q{i % 10}"}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(create, range(40)))
    assert statuses.count(201) == 10 and statuses.count(400) == 30
    with sandbox.http() as http:
        names = [q["friendly_name"] for q in http.get(url, params={"PageSize": 100}).json()["task_queues"]]
    assert sorted(names) == sorted(["Everyone", "Sales", "Support", *[f"Q{i}" for i in range(10)]])
    assert json.dumps(names)  # plain JSON strings


def test_serve_options_latency_and_fail_rate(sandbox_factory):
    sandbox = sandbox_factory(seed="empty", latency_ms=200, fail_rate=1.0)
    with sandbox.http() as http:
        started = time.perf_counter()
        response = http.get("/taskrouter/v1/Workspaces")
        assert time.perf_counter() - started >= 0.2
        assert response.status_code == 429 and response.json()["code"] == 20429
        assert http.get("/_sandbox/requests/summary").status_code == 200  # control is never faulted


def test_keep_alive_requests_do_not_stall_on_nagle(sandbox, seeded):
    # Regression: without TCP_NODELAY each keep-alive response waited ~40 ms for a delayed ACK.
    ws_sid = sandbox.seed_info()["workspace"]["sid"]
    with sandbox.http() as http:
        http.get(f"/taskrouter/v1/Workspaces/{ws_sid}")
        timings = []
        for _ in range(21):
            started = time.perf_counter()
            http.get(f"/taskrouter/v1/Workspaces/{ws_sid}")
            timings.append(time.perf_counter() - started)
    assert sorted(timings)[10] < 0.030
