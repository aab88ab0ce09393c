"""`chat-transfer simulate --workflow FILE.json --scenarios FILE.yaml`

One line per scenario on stdout: `PASS <name>: <filter> -> <queue>; workers [...]; cascade ...` or
`FAIL <name>: <key>: expected X, got Y; ...`. A count on stderr. Exit 0 all pass, 1 any failure,
2 when a file cannot be read or is invalid (one line per problem on stderr).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from flex_chat_transfer.workflow.cli import app
from flex_chat_transfer.workflow.cli.common import EXIT_BAD_INPUT, answered, fail, read_json_file
from flex_chat_transfer.workflow.scenarios import load_scenarios, run_scenarios
from flex_chat_transfer.workflow.simulate import ConfigurationError


def _read_workflow(path: Path) -> dict[str, Any]:
    with answered(EXIT_BAD_INPUT):
        document = read_json_file(path, "workflow configuration")
    if not isinstance(document, dict):
        raise fail(
            f"{path}: expected a JSON object with task_routing (fix: give a workflow configuration)", 2
        )
    return document


@app.command("simulate")
def simulate_command(
    workflow: Annotated[Path, typer.Option("--workflow", help="Workflow configuration JSON.")],
    scenarios: Annotated[Path, typer.Option("--scenarios", help="Scenario file (YAML).")],
) -> None:
    """Route each scenario's task offline and check the expected filter, queue and workers."""
    document = _read_workflow(workflow)
    with answered(EXIT_BAD_INPUT):
        scenario_file = load_scenarios(scenarios)
    try:
        results = run_scenarios(document, scenario_file)
    except ConfigurationError as error:
        typer.echo(f"{workflow}: {error}", err=True)
        raise typer.Exit(2) from None
    failed = 0
    for result in results:
        typer.echo(("PASS " if result.passed else "FAIL ") + result.message)
        failed += not result.passed
    typer.echo(f"{len(results) - failed} passed, {failed} failed: {scenarios}", err=True)
    if failed:
        raise typer.Exit(1)
