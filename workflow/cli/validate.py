"""`chat-transfer validate FILE.json [--queue-sids FILE.json]`

JSON Schema plus semantic checks (size, expressions, duplicate filter names, queues are SIDs, and with
--queue-sids: queues are in the map). Exit 0 valid: nothing on stdout, `valid: FILE` on stderr.
Exit 1: one line per problem on stdout (`<JSON path>: <what> (fix: <how>)`), a count on stderr.
Exit 2: the file cannot be read or is not JSON, one line on stderr.
--allow-placeholders checks a `render` output made without --queue-sids: placeholder SIDs are swapped
for well-formed stand-ins (and, with --queue-sids, never looked up), everything else is checked as usual.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from workflow.cli import app
from workflow.cli.render import fail, placeholder_names, read_queue_sids, replace_placeholders, stand_in_sid
from workflow.render import to_json
from workflow.validate import validate_configuration


@app.command("validate")
def validate_command(
    file: Annotated[Path, typer.Argument(help="Workflow configuration JSON.")],
    queue_sids: Annotated[
        Path | None, typer.Option("--queue-sids", help="Also require queues to be in this map.")
    ] = None,
    allow_placeholders: Annotated[
        bool,
        typer.Option(
            "--allow-placeholders", help="Accept the placeholder SIDs of `render` without --queue-sids."
        ),
    ] = False,
) -> None:
    """Check a TaskRouter workflow configuration before deploying it."""
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise fail(f"{file}: cannot read: {error.strerror or error}", 2) from None
    except UnicodeDecodeError:
        raise fail(f"{file}: is not UTF-8 text (fix: save the configuration as UTF-8 JSON)", 2) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise fail(
            f"{file}: not valid JSON: {error.msg} at line {error.lineno}, column {error.colno} "
            "(fix: correct the JSON syntax there)",
            2,
        ) from None
    sids = read_queue_sids(queue_sids) if queue_sids is not None else None
    if allow_placeholders:
        # Measured as render would write it once real SIDs (same length as the stand-ins) are in.
        text = to_json(replace_placeholders(document))
        if sids is not None:
            sids = {
                **sids,
                **{f"placeholder:{name}": stand_in_sid(name) for name in placeholder_names(document)},
            }
    problems = validate_configuration(text, sids)
    if problems:
        for problem in problems:
            typer.echo(str(problem))
        raise fail(f"invalid: {file}: {len(problems)} problem(s)", 1)
    typer.echo(f"valid: {file}", err=True)
