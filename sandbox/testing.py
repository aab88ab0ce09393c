"""`SandboxProcess`: the sandbox as a subprocess for test suites and benchmarks (docs/SEAMS.md "sandbox/").

    with SandboxProcess(tmp_path) as sandbox:
        client = sandbox.client()   # = twilio_client(sandbox.url, sandbox.account_sid, sandbox.auth_token)
        sandbox.add_fault(route="/Workflows", kind="429", count=1)
        sandbox.advance_clock(120)  # timeouts fall due on the next request; no sleeping
        sandbox.summary()["writes"]

It always listens on a free port (`--port 0`) and reads the printed env lines; nothing touches the database
file directly. Failing to start raises RuntimeError with the server's stderr.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

READY_LINE = "sandbox ready"
START_TIMEOUT = 60.0


def sandbox_url_for(url: str, sandbox_url: str) -> str:
    """`https://<product>.twilio.com/<path>` -> `<sandbox_url>/<product>/<path>` (the sandbox mounts each
    product under its host's first label); any other URL, e.g. a link the sandbox returned, is unchanged."""
    target = urlsplit(url)
    host = target.hostname or ""
    if target.scheme != "https" or not host.endswith(".twilio.com"):
        return url
    base = urlsplit(sandbox_url)
    path = f"{base.path.rstrip('/')}/{host.partition('.')[0]}{target.path}"
    return urlunsplit((base.scheme, base.netloc, path, target.query, ""))


class SandboxHttpClient(TwilioHttpClient):
    """The twilio SDK's own HTTP client with one change: twilio.com URLs go to the sandbox. No retries, so
    tests see every answer as sent. `on_response(method, url, response)` is told of each answer."""

    def __init__(
        self, sandbox_url: str, on_response: Callable[[str, str, Response], None] | None = None
    ) -> None:
        super().__init__(timeout=60)
        self.sandbox_url = sandbox_url
        self.on_response = on_response

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        target = sandbox_url_for(url, self.sandbox_url)
        response = super().request(method, target, *args, **kwargs)
        if self.on_response is not None:
            self.on_response(method, target, response)
        return response


def twilio_client(
    sandbox_url: str,
    account_sid: str,
    auth_token: str,
    on_response: Callable[[str, str, Response], None] | None = None,
) -> Client:
    """An unmodified twilio `Client` talking to the sandbox at `sandbox_url`."""
    return Client(account_sid, auth_token, http_client=SandboxHttpClient(sandbox_url, on_response))


class SandboxProcess:
    # Every started, not yet stopped SandboxProcess of this Python process, for RequestWatch.
    _running: list[SandboxProcess] = []
    _watches: list[RequestWatch] = []
    _registry_lock = threading.Lock()

    def __init__(self, workdir: Path | str, seed: str = "flex-demo", **serve_options: Any) -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.seed = seed
        self.serve_options = serve_options
        self.db = Path(serve_options.pop("db", self.workdir / "sandbox.db"))
        self.env_file = Path(serve_options.pop("env_file", self.workdir / "env"))
        self._process: subprocess.Popen[str] | None = None
        self._env: dict[str, str] = {}

    # ---- lifecycle -------------------------------------------------------------------------------------
    def __enter__(self) -> SandboxProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        if self._process is not None:
            raise RuntimeError("sandbox already running; call stop() or restart()")
        args = [sys.executable, "-c", "from flex_chat_transfer.sandbox.cli import main; main()",
                "serve", "--port", "0", "--db", str(self.db), "--seed", self.seed,
                "--env-file", str(self.env_file)]
        for name, value in self.serve_options.items():
            flag = f"--{name.replace('_', '-')}"
            if isinstance(value, bool):  # a switch (strict=True -> --strict)
                args += [flag] if value else []
            else:
                args += [flag, str(value)]
        log = open(self.workdir / "sandbox.log", "a")  # noqa: SIM115 - kept open for the process's lifetime
        self._process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log, text=True,
                                         cwd=str(Path(__file__).resolve().parent.parent))
        log.close()
        self._env = self._read_env(self._process)
        with SandboxProcess._registry_lock:
            SandboxProcess._running.append(self)

    def _read_env(self, process: subprocess.Popen[str]) -> dict[str, str]:
        lines: list[str] = []
        done = threading.Event()

        def reader() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                lines.append(line.rstrip("\n"))
                if line.strip() == READY_LINE:
                    break
            done.set()

        threading.Thread(target=reader, daemon=True).start()
        if not done.wait(START_TIMEOUT) or not lines or lines[-1] != READY_LINE:
            self._kill()
            log = (self.workdir / "sandbox.log").read_text()[-2000:]
            shown = ["TWILIO_AUTH_TOKEN=***" if ln.startswith("TWILIO_AUTH_TOKEN=") else ln for ln in lines]
            raise RuntimeError(f"sandbox did not start within {START_TIMEOUT:.0f}s; stdout={shown!r}\n{log}")
        return dict(line.split("=", 1) for line in lines if "=" in line)

    def stop(self) -> None:
        if self._process is None:
            return
        with SandboxProcess._registry_lock:
            watches = list(SandboxProcess._watches)
            if self in SandboxProcess._running:
                SandboxProcess._running.remove(self)
        for watch in watches:  # the log lives in the process: keep what a watch still needs before it goes
            watch.harvest(self)
        process, self._process = self._process, None
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()

    def _kill(self) -> None:
        with SandboxProcess._registry_lock:
            if self in SandboxProcess._running:
                SandboxProcess._running.remove(self)
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def restart(self) -> None:
        """Stop and start again on the same database (the port may change; read `.url` again)."""
        self.stop()
        self.start()

    # ---- what clients need -----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return self._env["TWILIO_SANDBOX_URL"]

    @property
    def account_sid(self) -> str:
        return self._env["TWILIO_ACCOUNT_SID"]

    @property
    def auth_token(self) -> str:
        return self._env["TWILIO_AUTH_TOKEN"]

    def env(self) -> dict[str, str]:
        return {k: self._env[k] for k in ("TWILIO_SANDBOX_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")}

    def client(self) -> Client:
        """An unmodified twilio `Client` on this sandbox (twilio_client)."""
        return twilio_client(self.url, self.account_sid, self.auth_token)

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, auth=(self.account_sid, self.auth_token), timeout=30)

    # ---- control API -----------------------------------------------------------------------------------
    def _control(self, method: str, path: str, **kwargs: Any) -> Any:
        with self.http() as http:
            response = http.request(method, f"/_sandbox/{path}", **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} /_sandbox/{path} -> {response.status_code}: {response.text}")
        return response.json() if response.content else None

    def reset(self, seed: str | None = None) -> dict[str, Any]:
        return self._control("POST", "reset", json={"seed": seed or self.seed})

    def seed_info(self) -> dict[str, Any]:
        return self._control("GET", "seed")

    def requests(self, since: int | None = None) -> list[dict[str, Any]]:
        params = {"since": since} if since is not None else None
        return self._control("GET", "requests", params=params)["requests"]

    def summary(self) -> dict[str, Any]:
        return self._control("GET", "requests/summary")

    def last_request_id(self) -> int:
        """The id of the newest logged request (0 before any): a mark for `writes_since`."""
        entries = self.requests()
        return entries[-1]["id"] if entries else 0

    def writes_since(self, mark: int) -> list[str]:
        """`METHOD path` of every request after `mark` other than GET and HEAD, oldest first."""
        return [
            f"{r['method']} {r['path']}"
            for r in self.requests(since=mark)
            if r["method"] not in ("GET", "HEAD")
        ]

    def add_fault(self, **fault: Any) -> dict[str, Any]:
        return self._control("POST", "faults", json=fault)

    def clear_faults(self) -> None:
        self._control("DELETE", "faults")

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        """Move the sandbox's time forward (POST /_sandbox/clock); what fell due happens next request."""
        return self._control("POST", "clock", json={"advance": seconds})

    def alerts(self) -> list[dict[str, Any]]:
        """Twilio debugger alerts the sandbox raised (e.g. 40152)."""
        return self._control("GET", "alerts")["alerts"]

    def flex_token(self, worker_sid: str, ttl: int | None = None) -> str:
        body: dict[str, Any] = {"worker_sid": worker_sid}
        if ttl is not None:
            body["ttl"] = ttl
        return self._control("POST", "flex-tokens", json=body)["token"]


class RequestWatch:
    """The requests every SandboxProcess of this Python process logged while the watch was open, including
    sandboxes started, restarted or stopped meanwhile (a stopping sandbox hands its log over first).

        with RequestWatch() as watch:
            ...                                  # drive the engine, call functions
        for entry in watch.requests(): ...       # GET /_sandbox/requests entries, each with "sandbox": url

    `requests()` may be called while the watch is open (what has been logged so far, each entry once).
    """

    def __init__(self) -> None:
        self._marks: dict[int, int] = {}  # id(SandboxProcess) -> last log id already taken
        self._taken: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def __enter__(self) -> RequestWatch:
        with SandboxProcess._registry_lock:
            running = list(SandboxProcess._running)
            SandboxProcess._watches.append(self)
        for sandbox in running:
            try:
                self._marks[id(sandbox)] = sandbox.summary()["total"]
            except (httpx.HTTPError, RuntimeError, KeyError):
                self._marks[id(sandbox)] = 0  # not answering: if it comes back, its log starts again
        return self

    def __exit__(self, *exc: object) -> None:
        with SandboxProcess._registry_lock:
            if self in SandboxProcess._watches:
                SandboxProcess._watches.remove(self)

    def harvest(self, sandbox: SandboxProcess) -> None:
        """Take `sandbox`'s new entries now (it is about to stop; a restarted one counts from 1 again)."""
        self._take(sandbox)
        with self._lock:
            self._marks[id(sandbox)] = 0

    def requests(self) -> list[dict[str, Any]]:
        with SandboxProcess._registry_lock:
            running = list(SandboxProcess._running)
        for sandbox in running:
            self._take(sandbox)
        with self._lock:
            return list(self._taken)

    def _take(self, sandbox: SandboxProcess) -> None:
        with self._lock:
            mark = self._marks.get(id(sandbox), 0)
        try:
            entries = sandbox.requests(since=mark)
        except (httpx.HTTPError, RuntimeError, KeyError):
            return  # a sandbox that died has nothing more to give; its death fails its own test
        with self._lock:
            if entries and entries[0]["id"] > mark + 1:
                self._taken.append({"lost": entries[0]["id"] - mark - 1, "sandbox": sandbox.url})
            for entry in entries:
                self._taken.append({**entry, "sandbox": sandbox.url})
            if entries:
                self._marks[id(sandbox)] = entries[-1]["id"]


__all__ = ["RequestWatch", "SandboxHttpClient", "SandboxProcess", "sandbox_url_for", "twilio_client"]
