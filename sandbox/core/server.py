"""Run the sandbox with uvicorn on a socket we bind ourselves, so `--port 0` gets a free port to report."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path

import uvicorn

from sandbox.core.state import SandboxState, Settings
from sandbox.core.store import Store


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
    from sandbox.app import create_app

    state = SandboxState(settings=settings, store=Store(settings.db))
    app = create_app(settings, state)
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets that say so, and without it
    # keep-alive responses stall ~40 ms on Nagle + delayed ACK.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
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
