"""Run the sandbox with uvicorn on a socket we bind ourselves, so `--port 0` gets a free port to report.

Starting fails with `StartError`, one line (what, where, fix), before anything is written: the port first,
then the database, then the seed. `twilio-sandbox serve` prints that line alone and exits 1.
"""

from __future__ import annotations

import asyncio
import errno
import signal
import socket
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import uvicorn

from flex_chat_transfer.sandbox.app import create_app
from flex_chat_transfer.sandbox.core.errors import TwilioError
from flex_chat_transfer.sandbox.core.ports import free_port_near, holder
from flex_chat_transfer.sandbox.core.state import SandboxState, Settings
from flex_chat_transfer.sandbox.core.store import Store
from flex_chat_transfer.sandbox.seeds import SEEDS


class StartError(Exception):
    """The sandbox could not start; `str()` is the one line to show."""


def port_taken_message(host: str, port: int) -> str:
    held = holder(port)
    who = f" by {held.describe()}" if held else ""
    other = free_port_near(port, host)
    elsewhere = f"SANDBOX_PORT={other} make local-up (or --port {other})" if other else "--port 0"
    if held is not None and held.is_sandbox and held.cwd:
        fix = f"run `make local-down` in {held.cwd}, or start this one elsewhere: {elsewhere}"
    elif held is not None and held.is_sandbox:
        fix = f"stop that sandbox (`make local-down` in its clone), or start this one elsewhere: {elsewhere}"
    else:
        fix = f"stop what holds it, or start the sandbox elsewhere: {elsewhere}"
    return f"port {port} on {host} is already in use{who} (fix: {fix})"


def bind(host: str, port: int) -> socket.socket:
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets that say so, and without it
    # keep-alive responses stall ~40 ms on Nagle + delayed ACK.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise StartError(port_taken_message(host, port)) from None
        if error.errno == errno.EACCES:
            raise StartError(
                f"port {port} on {host} needs privileges this user lacks (fix: use a port above 1023, "
                "e.g. SANDBOX_PORT=4010 or --port 0)"
            ) from None
        raise StartError(
            f"cannot listen on {host}:{port}: {error.strerror or error} "
            "(fix: --host 127.0.0.1, or another port)"
        ) from None
    return sock


def check_inputs(settings: Settings, env_file: Path | None) -> None:
    """What can be checked before anything is bound or written."""
    if settings.seed and settings.seed not in SEEDS:
        raise StartError(
            f"--seed {settings.seed!r} is not a seed of the sandbox "
            f"(fix: use one of {', '.join(sorted(SEEDS))})"
        )
    if env_file is not None:
        try:
            env_file.parent.mkdir(parents=True, exist_ok=True)
            existed = env_file.exists()
            env_file.touch()
            if not existed:  # only a probe: an env file appears once the sandbox is ready
                env_file.unlink()
        except OSError as error:
            raise StartError(
                f"cannot write the env file {env_file}: {error.strerror or error} (fix: make its folder "
                "writable, or pass --env-file with a writable path)"
            ) from None


def open_state(settings: Settings) -> SandboxState:
    try:
        store = Store(settings.db)
    except (OSError, sqlite3.Error) as error:
        raise StartError(
            f"cannot open the sandbox database {settings.db}: {error} (fix: make its folder writable, "
            "or pass --db with a writable path)"
        ) from None
    return SandboxState(settings=settings, store=store)


def env_lines(url: str, state: SandboxState) -> list[str]:
    return [
        f"TWILIO_SANDBOX_URL={url}",
        f"TWILIO_ACCOUNT_SID={state.account_sid}",
        f"TWILIO_AUTH_TOKEN={state.auth_token}",
    ]


def serve(
    settings: Settings,
    host: str,
    port: int,
    env_file: Path | None,
    on_ready: Callable[[list[str]], None] | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM. Once listening: write the env file, print it, then `sandbox ready`."""
    check_inputs(settings, env_file)
    sock = bind(host, port)
    try:
        state = open_state(settings)
        try:
            app = create_app(settings, state)
        except TwilioError as error:  # a seed refused (unknown name, bad data)
            raise StartError(
                f"cannot seed the sandbox with --seed {settings.seed}: {error.message}"
            ) from None
        except sqlite3.Error as error:
            raise StartError(
                f"the sandbox database {settings.db} is unusable: {error} (fix: move it aside, or pass --db "
                "with a new path)"
            ) from None
    except BaseException:
        sock.close()
        raise
    bound_port = sock.getsockname()[1]
    url = f"http://{host}:{bound_port}"
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", timeout_keep_alive=30)
    server = uvicorn.Server(config)

    async def announce() -> None:
        while not server.started:
            if server.should_exit:
                return
            await asyncio.sleep(0.01)
        lines = env_lines(url, state)
        if env_file is not None:
            env_file.parent.mkdir(parents=True, exist_ok=True)
            env_file.write_text("\n".join(lines) + "\n")
        for line in lines:
            print(line)
        print("sandbox ready", flush=True)
        if on_ready:
            on_ready(lines)

    async def main() -> None:
        task = asyncio.create_task(announce())
        await server.serve(sockets=[sock])
        task.cancel()

    # uvicorn re-raises the signal that stopped it once shut down; a no-op handler makes that a clean exit 0.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)
    try:
        asyncio.run(main())
    finally:
        state.store.close()
        sys.stdout.flush()
