"""The one Twilio client: credentials, sandbox rewrite, retries (429 + Retry-After, 503, dropped connections)
and the per-process concurrency bound, against a throwaway local HTTP server on a free port."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from flex_chat_transfer.infra.call_slots import NORMAL, URGENT, CallSlots, call_priority, current_priority
from flex_chat_transfer.infra.client import CredentialsError, make_client, resolve_credentials, retry_delay
from flex_chat_transfer.infra.rest import TASKROUTER, Rest, TwilioApiError
from harness.polling import wait_until

AC = "AC" + "0" * 32


class Script:
    """Answers queued per request; records what arrived."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.seen: list[tuple[str, str, str]] = []
        self.active = 0
        self.max_active = 0
        self.lock = threading.Lock()
        self.released = threading.Event()


def _server(script: Script):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            with script.lock:
                script.seen.append((self.command, self.path, self.headers.get("Authorization") or ""))
                script.active += 1
                script.max_active = max(script.max_active, script.active)
                answer = script.answers.pop(0) if script.answers else (200, {}, {"ok": True, "body": body})
            counted = True
            try:
                status, headers, payload = answer
                if status == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if status == "held":
                    # Held open until the test lets go: the requests it holds are in flight together.
                    assert script.released.wait(timeout=30), "the test never released the held requests"
                    status = 200
                data = json.dumps(payload).encode()
                # Done before the answer leaves: a client that got it may send its next request at once,
                # and that one must not be counted beside this one.
                with script.lock:
                    script.active -= 1
                    counted = False
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            finally:
                if counted:
                    with script.lock:
                        script.active -= 1

        do_GET = do_POST = do_DELETE = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def served():
    servers = []

    def start(answers):
        script = Script(answers)
        server = _server(script)
        servers.append(server)
        return script, f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _client(url, sleeps, **options):
    return make_client(AC, "token-value", sandbox_url=url, sleep=sleeps.append, **options)


def test_429_honours_retry_after_then_succeeds(served):
    script, url = served([(429, {"Retry-After": "3"}, {"code": 20429, "message": "Too Many Requests"})])
    sleeps: list[float] = []
    result = Rest(_client(url, sleeps)).get(f"{TASKROUTER}/Workspaces")
    assert result["ok"] is True
    assert sleeps == [3.0]
    assert [s[1] for s in script.seen] == ["/taskrouter/v1/Workspaces"] * 2  # rewritten onto the sandbox


def test_503_and_dropped_connection_are_retried_with_backoff(served):
    script, url = served([(503, {}, {"message": "busy"}), ("drop", {}, {}), (200, {}, {"sid": "WS1"})])
    sleeps: list[float] = []
    client = _client(url, sleeps, backoff_base=0.5)
    assert Rest(client).get(f"{TASKROUTER}/Workspaces/WS1") == {"sid": "WS1"}
    assert len(sleeps) == 2 and 0.25 <= sleeps[0] <= 0.5 and 0.5 <= sleeps[1] <= 1.0
    assert client.http_client.retries == 2


def test_gives_up_after_max_retries_with_one_clear_line(served):
    script, url = served([(429, {}, {"code": 20429, "message": "Too Many Requests"})] * 10)
    sleeps: list[float] = []
    with pytest.raises(TwilioApiError) as error:
        Rest(_client(url, sleeps, max_retries=2)).get(f"{TASKROUTER}/Workspaces")
    assert str(error.value) == "GET /v1/Workspaces: HTTP 429 (Twilio 20429): Too Many Requests"
    assert len(script.seen) == 3 and len(sleeps) == 2


def test_client_errors_are_not_retried(served):
    script, url = served([(404, {}, {"code": 20404, "message": "not found"})])
    assert Rest(_client(url, [])).find(f"{TASKROUTER}/Workspaces/WSx") is None
    assert len(script.seen) == 1


def test_concurrency_is_bounded(served):
    script, url = served([("held", {}, {})] * 12)
    client = _client(url, [], concurrency=3)
    threads = [
        threading.Thread(target=Rest(client).get, args=(f"{TASKROUTER}/Workspaces",)) for _ in range(12)
    ]
    for t in threads:
        t.start()
    # Twelve callers at once, every answer held: as many requests as the bound allow are out together.
    assert wait_until(lambda: script.active >= 3, timeout=30), script.active
    script.released.set()
    for t in threads:
        t.join()
    assert len(script.seen) == 12
    assert script.max_active == 3


def test_upload_goes_through_the_same_rewrite_auth_and_retries(served):
    script, url = served([(429, {"Retry-After": "0"}, {}), (201, {}, {"sid": "ZN1"})])
    sleeps: list[float] = []
    rest = Rest(_client(url, sleeps))
    version = rest.upload(
        "https://serverless-upload.twilio.com/v1/Services/ZS1/Functions/ZH1/Versions",
        {"Path": "/a", "Visibility": "public"},
        "a.js",
        b"exports.handler=1",
        "application/javascript",
    )
    assert version == {"sid": "ZN1"}
    assert script.seen[-1][1] == "/serverless-upload/v1/Services/ZS1/Functions/ZH1/Versions"
    assert script.seen[-1][2].startswith("Basic ")
    assert sleeps == [0.0]


def test_retry_delay_caps_and_falls_back_for_http_dates():
    assert retry_delay(1, "120", 0.5, 30) == 30
    assert 0.5 * 8 * 0.5 <= retry_delay(4, "Wed, 21 Oct 2015 07:28:00 GMT", 0.5, 30) <= 4.0


def test_credentials_config_wins_then_env_and_api_keys():
    env = {"TWILIO_ACCOUNT_SID": AC, "TWILIO_AUTH_TOKEN": "env-token"}
    assert resolve_credentials({}, env).password == "env-token"
    config = {"twilio:accountSid": AC, "twilio:authToken": "config-token"}
    assert resolve_credentials(config, env).password == "config-token"
    keyed = resolve_credentials({}, {**env, "TWILIO_API_KEY": "SK1", "TWILIO_API_SECRET": "sec"})
    assert (keyed.username, keyed.password, keyed.account_sid) == ("SK1", "sec", AC)
    assert "config-token" not in repr(resolve_credentials(config, env))


@pytest.mark.parametrize("env", [{}, {"TWILIO_API_KEY": "SK1"}, {"TWILIO_ACCOUNT_SID": AC}])
def test_missing_credentials_is_one_line_with_a_fix(env):
    with pytest.raises(CredentialsError) as error:
        resolve_credentials({}, env)
    message = str(error.value)
    assert "\n" not in message and "fix:" in message


def test_a_dropped_create_is_not_repeated_blindly(served):
    import requests

    from flex_chat_transfer.infra.client import is_create

    assert is_create("POST", "https://taskrouter.twilio.com/v1/Workspaces/WS1/Workflows")
    assert not is_create("POST", f"https://taskrouter.twilio.com/v1/Workspaces/WS1/Workflows/WW{'a' * 32}")
    assert not is_create("POST", "https://flex-api.twilio.com/v1/Configuration")
    assert not is_create("GET", "https://taskrouter.twilio.com/v1/Workspaces")
    script, url = served([("drop", {}, {}), (201, {}, {"sid": "WW2"})])
    client = _client(url, [])
    with pytest.raises((requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        Rest(client).post(f"{TASKROUTER}/Workspaces/WS1/Workflows", {"FriendlyName": "x"})
    assert len(script.seen) == 1
    looked: list[bool] = []
    assert Rest(client).create(
        f"{TASKROUTER}/Workspaces/WS1/Workflows", {"FriendlyName": "x"}, recover=lambda: looked.append(True)
    ) == {"sid": "WW2"}
    assert looked == [] and len(script.seen) == 2  # no drop the second time: no look needed


def test_a_freed_slot_goes_to_the_most_urgent_waiting_call_first():
    slots = CallSlots(1)
    order: list[str] = []
    started = threading.Barrier(3)

    def call(name: str, priority: int) -> None:
        started.wait()
        with slots.slot(priority):
            order.append(name)

    with slots.slot(NORMAL):  # the one slot is taken: both callers below have to wait for it
        normal = threading.Thread(target=call, args=("normal", NORMAL))
        urgent = threading.Thread(target=call, args=("urgent", URGENT))
        normal.start()
        urgent.start()
        started.wait()
        assert wait_until(lambda: len(slots.waiting) == 2, timeout=30)
    normal.join()
    urgent.join()
    assert order == ["urgent", "normal"]
    assert slots.free == 1 and not slots.waiting  # every slot came back


def test_call_priority_applies_to_the_calls_of_its_thread_only():
    seen: dict[str, int] = {}

    def other() -> None:
        seen["other"] = current_priority()

    with call_priority(URGENT):
        seen["inside"] = current_priority()
        worker = threading.Thread(target=other)
        worker.start()
        worker.join()
    seen["after"] = current_priority()
    assert seen == {"inside": URGENT, "other": NORMAL, "after": NORMAL}
