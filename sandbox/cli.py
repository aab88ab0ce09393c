"""`twilio-sandbox`: the local Twilio API emulator."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from flex_chat_transfer.sandbox.core.server import StartError
from flex_chat_transfer.sandbox.core.server import serve as run
from flex_chat_transfer.sandbox.core.state import Settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Local Twilio API emulator.",
)
# Set to see the traceback of a failure the sandbox did not expect (a sandbox bug).
TRACEBACK_VARIABLE = "SANDBOX_TRACEBACK"


@app.callback()
def _root() -> None:
    """Local Twilio API emulator (TaskRouter, Serverless, Flex, Conversations, IAM)."""


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port; 0 picks a free one (it is printed).")] = 4010,
    db: Annotated[Path, typer.Option(help="SQLite file; survives restarts.")] = Path(".sandbox/sandbox.db"),
    seed: Annotated[str, typer.Option(help="Seed for an empty database.")] = "flex-demo",
    latency_ms: Annotated[int, typer.Option(min=0, help="Delay added to every API request.")] = 0,
    fail_rate: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share answered 429.")] = 0.0,
    build_seconds: Annotated[float, typer.Option(min=0.0, help="Serverless build duration.")] = 1.0,
    env_file: Annotated[Path, typer.Option(help="Where to write the TWILIO_* lines.")] = Path(".sandbox/env"),
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Refuse query parameters and form fields Twilio's OAS does not name."),
    ] = False,
) -> None:
    """Serve until stopped; prints the TWILIO_* lines of the env file, then 'sandbox ready'."""
    settings = Settings(
        db=db, seed=seed, latency_ms=latency_ms, fail_rate=fail_rate, build_seconds=build_seconds,
        strict=strict,
    )
    try:
        run(settings, host, port, env_file)
    except StartError as error:
        typer.echo(f"twilio-sandbox: {error}", err=True)
        raise typer.Exit(1) from None
    except Exception as error:
        if os.environ.get(TRACEBACK_VARIABLE):
            raise
        typer.echo(
            f"twilio-sandbox: stopped on an unexpected {type(error).__name__}: {error} "
            f"(fix: this is a sandbox bug; run again with {TRACEBACK_VARIABLE}=1 to see where; report it)",
            err=True,
        )
        raise typer.Exit(1) from None


def main() -> None:
    app()
