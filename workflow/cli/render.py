"""`chat-transfer render --stack NAME [--queue-sids FILE.json] [-o FILE] [--project-dir DIR]`

Renders the Chat Transfer workflow from `Pulumi.NAME.yaml` (in --project-dir, default the current
directory). Output: the configuration JSON on stdout, or in -o FILE. Without --queue-sids, queue SIDs
are placeholders (`WQ<placeholder:NAME>`) that `validate` and TaskRouter reject, and stderr says so.
Exit 0 rendered; 1 config problems, queue names missing from the SID map, or a rendered document that
does not validate; 2 unreadable stack file or SID map. Every error is one line on stderr.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from flex_chat_transfer.workflow.cli import app
from flex_chat_transfer.workflow.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_FINDINGS,
    answered,
    fail,
    read_json_file,
)
from flex_chat_transfer.workflow.inputs import check_stack_name, write_text
from flex_chat_transfer.workflow.loader import load_stack_file
from flex_chat_transfer.workflow.problems import Problem, ProblemsError
from flex_chat_transfer.workflow.render import PLACEHOLDER_PREFIX, render, to_json
from flex_chat_transfer.workflow.spec import ChatTransferSpec
from flex_chat_transfer.workflow.validate import validate_configuration


def read_queue_sids(path: Path) -> dict[str, str]:
    """The `{"queue name": "WQ…"}` map from a JSON file; raises typer.Exit(2) with one line."""
    with answered(EXIT_BAD_INPUT):
        data = read_json_file(path, "queue SID map")
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise fail(
            f'{path}: must be a JSON object of queue name -> SID strings (fix: write {{"Sales": "WQ…"}})', 2
        )
    return data


def _in_file(problem: Problem, sid_file: Path) -> Problem:
    """Render reports SID-map problems against `queue_sids`; the user knows it as the file."""
    if not problem.path.startswith("queue_sids"):
        return problem
    return Problem(
        f"{sid_file}{problem.path[len('queue_sids') :]}",
        problem.message,
        problem.hint.replace("the queue SID map", str(sid_file)),
    )


def stand_in_sid(queue_name: str) -> str:
    """A well-formed fake SID per name, so a placeholder render can still be checked in full."""
    return "WQ" + hashlib.sha256(queue_name.encode()).hexdigest()[:32]


def replace_placeholders(value: Any) -> Any:
    """`value` with every placeholder SID swapped for its stand-in (for checking only, never output)."""
    if isinstance(value, dict):
        return {key: replace_placeholders(item) for key, item in value.items()}
    if isinstance(value, list):
        return [replace_placeholders(item) for item in value]
    if isinstance(value, str) and value.startswith(PLACEHOLDER_PREFIX) and value.endswith(">"):
        return stand_in_sid(value[len(PLACEHOLDER_PREFIX) : -1])
    return value


def placeholder_names(value: Any) -> set[str]:
    """Queue names of the placeholder SIDs in a document."""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return set().union(*(placeholder_names(item) for item in value))
    if isinstance(value, str) and value.startswith(PLACEHOLDER_PREFIX) and value.endswith(">"):
        return {value[len(PLACEHOLDER_PREFIX) : -1]}
    return set()


def _validate_rendered(
    document: dict[str, Any], spec: ChatTransferSpec, queue_sids: Mapping[str, str] | None
) -> None:
    if queue_sids is None:
        document = replace_placeholders(document)
        queue_sids = {name: stand_in_sid(name) for name in spec.queue_names()}
    problems = validate_configuration(document, queue_sids)
    if problems:
        raise fail([f"rendered workflow is invalid: {p}" for p in problems], 1)


@app.command("render")
def render_command(
    stack: Annotated[str, typer.Option("--stack", help="Stack name: reads Pulumi.<stack>.yaml.")],
    queue_sids: Annotated[
        Path | None, typer.Option("--queue-sids", help="JSON file mapping queue names to WQ SIDs.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write here instead of stdout.")
    ] = None,
    project_dir: Annotated[
        Path, typer.Option("--project-dir", help="Where Pulumi.<stack>.yaml lives.")
    ] = Path("."),
) -> None:
    """Render the Chat Transfer workflow configuration from the stack config."""
    with answered(EXIT_BAD_INPUT):
        check_stack_name(stack)
    stack_file = project_dir / f"Pulumi.{stack}.yaml"
    with answered(EXIT_FINDINGS):
        spec = load_stack_file(stack_file, stack)
    sids = read_queue_sids(queue_sids) if queue_sids is not None else None
    try:
        document = render(spec, sids)
    except ProblemsError as error:
        problems = [_in_file(p, queue_sids) if queue_sids else p for p in error.problems]
        raise fail([str(p) for p in problems], 1) from None
    _validate_rendered(document, spec, sids)
    text = to_json(document)
    if sids is None:
        typer.echo(
            f"note: no --queue-sids given: queue SIDs are placeholders ({PLACEHOLDER_PREFIX}NAME>) "
            "that validate and TaskRouter reject",
            err=True,
        )
    if output is None:
        typer.echo(text, nl=False)
    else:
        with answered(EXIT_BAD_INPUT):
            write_text(output, text, "rendered workflow")
