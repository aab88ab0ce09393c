"""`chat-transfer validate FILE.json [--queue-sids FILE.json]`

JSON Schema plus semantic checks (size, expressions, duplicate filter names, queues are SIDs, and with
--queue-sids: queues are in the map). Exit 0 valid: nothing on stdout, `valid: FILE` on stderr.
Exit 1: one line per problem on stdout (`<JSON path>: <what> (fix: <how>)`), a count on stderr.
Exit 2: the file cannot be read or is not JSON, one line on stderr.
--allow-placeholders checks a `render` output made without --queue-sids: placeholder SIDs are swapped
for well-formed stand-ins (and, with --queue-sids, never looked up), everything else is checked as usual.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flex_chat_transfer.workflow.cli import app
from flex_chat_transfer.workflow.cli.common import EXIT_BAD_INPUT, answered, fail
from flex_chat_transfer.workflow.cli.render import (
    placeholder_names,
    read_queue_sids,
    replace_placeholders,
    stand_in_sid,
)
from flex_chat_transfer.workflow.inputs import load_json, read_text
from flex_chat_transfer.workflow.problems import summarize
from flex_chat_transfer.workflow.render import to_json
from flex_chat_transfer.workflow.validate import validate_configuration


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
    with answered(EXIT_BAD_INPUT):
        text = read_text(file, "workflow configuration")
        document = load_json(text, str(file))
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
        for line in summarize(problems):
            typer.echo(line)
        raise fail(f"invalid: {file}: {len(problems)} problem(s)", 1)
    typer.echo(f"valid: {file}", err=True)
