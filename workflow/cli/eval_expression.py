"""`chat-transfer eval-expression EXPR [--task JSON] [--worker JSON] [--workers JSON] [--context ...]`

Prints `true` or `false` on stdout (exit 0). An expression that does not parse: exit 2, one line on
stderr naming the column, then the expression and a caret under that column. Bad JSON: exit 2, one line.
`taskrouter.*` time variables take the current UTC time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer

from flex_chat_transfer.workflow.cli import app
from flex_chat_transfer.workflow.cli.common import EXIT_BAD_INPUT, answered, fail
from flex_chat_transfer.workflow.expressions import ExpressionError, parse, time_variables
from flex_chat_transfer.workflow.inputs import json_option
from flex_chat_transfer.workflow.problems import json_path, kind, shown


class ExpressionContext(StrEnum):
    filter = "filter"
    target = "target"
    queue = "queue"
    skip_if = "skip_if"


def _json_object(text: str | None, option: str) -> dict[str, Any]:
    if text is None:
        return {}
    with answered(EXIT_BAD_INPUT):
        value = json_option(text, option)
    if not isinstance(value, dict):
        raise fail(
            f"{option}: expected a JSON object, found {kind(value)} (fix: wrap the attributes in {{...}})", 2
        )
    return value


def _worker_counts(text: str | None) -> dict[str, Any]:
    """skip_if's `workers.*` are counts of workers: whole numbers, never negative."""
    counts = _json_object(text, "--workers")
    for name, count in counts.items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise fail(
                f"--workers: {json_path([name])}: a worker count must be a whole number >= 0, "
                f"got {shown(count)} "
                "(fix: e.g. '{\"available\": 2}')",
                2,
            )
    return counts


@app.command("eval-expression")
def eval_expression_command(
    expression: Annotated[str, typer.Argument(help="A TaskRouter expression, e.g. \"skills HAS 'sales'\".")],
    task: Annotated[str | None, typer.Option("--task", help="Task attributes as a JSON object.")] = None,
    worker: Annotated[
        str | None,
        typer.Option(
            "--worker", help="Worker attributes as a JSON object (sid, friendly_name too, for target)."
        ),
    ] = None,
    workers: Annotated[
        str | None, typer.Option("--workers", help="skip_if counts as JSON, e.g. '{\"available\": 0}'.")
    ] = None,
    context: Annotated[
        ExpressionContext, typer.Option("--context", help="Where the expression lives.")
    ] = ExpressionContext.filter,
) -> None:
    """Evaluate one expression against a task and/or worker; print true or false."""
    bindings = {
        "task": _json_object(task, "--task"),
        "worker": _json_object(worker, "--worker"),
        "workers": _worker_counts(workers),
        "taskrouter": time_variables(datetime.now(UTC)),
    }
    try:
        compiled = parse(expression, context.value)
    except ExpressionError as error:
        typer.echo(f"{context.value} expression: {error}", err=True)
        typer.echo(error.caret(), err=True)
        raise typer.Exit(2) from None
    typer.echo("true" if compiled.test(bindings) else "false")
