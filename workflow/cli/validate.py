"""`chat-transfer validate FILE.json [--queue-sids FILE.json]`

JSON Schema plus semantic checks (size, expressions, duplicate filter names, queues are SIDs, and with
--queue-sids: queues are in the map). Exit 0 valid: nothing on stdout, `valid: FILE` on stderr.
Exit 1: one line per problem on stdout (`<JSON path>: <what> (fix: <how>)`), a count on stderr.
Exit 2: the file cannot be read or is not JSON, one line on stderr.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from workflow.cli import app
from workflow.cli.render import fail, read_queue_sids
from workflow.validate import validate_configuration


@app.command("validate")
def validate_command(
    file: Annotated[Path, typer.Argument(help="Workflow configuration JSON.")],
    queue_sids: Annotated[
        Path | None, typer.Option("--queue-sids", help="Also require queues to be in this map.")
    ] = None,
) -> None:
    """Check a TaskRouter workflow configuration before deploying it."""
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise fail(f"{file}: cannot read: {error.strerror or error}", 2) from None
    except UnicodeDecodeError:
        raise fail(f"{file}: is not UTF-8 text (fix: save the configuration as UTF-8 JSON)", 2) from None
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        raise fail(
            f"{file}: not valid JSON: {error.msg} at line {error.lineno}, column {error.colno} "
            "(fix: correct the JSON syntax there)",
            2,
        ) from None
    sids = read_queue_sids(queue_sids) if queue_sids is not None else None
    problems = validate_configuration(text, sids)
    if problems:
        for problem in problems:
            typer.echo(str(problem))
        raise fail(f"invalid: {file}: {len(problems)} problem(s)", 1)
    typer.echo(f"valid: {file}", err=True)
