"""`chat-transfer simulate --workflow FILE.json --scenarios FILE.yaml`

One line per scenario on stdout: `PASS <name>: <filter> -> <queue>; workers [...]; cascade ...` or
`FAIL <name>: <key>: expected X, got Y; ...`. A count on stderr. Exit 0 all pass, 1 any failure,
2 when a file cannot be read or is invalid (one line per problem on stderr).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from workflow.cli import app
from workflow.problems import ProblemsError
from workflow.scenarios import load_scenarios, run_scenarios
from workflow.simulate import ConfigurationError


def _read_workflow(path: Path) -> dict:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        typer.echo(f"{path}: cannot read: {error.strerror or error} (fix: check the path)", err=True)
        raise typer.Exit(2) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        where = f" at line {error.lineno}, column {error.colno}" if hasattr(error, "lineno") else ""
        typer.echo(f"{path}: not valid JSON{where} (fix: correct the JSON syntax there)", err=True)
        raise typer.Exit(2) from None
    if not isinstance(document, dict):
        typer.echo(
            f"{path}: expected a JSON object with task_routing (fix: give a workflow configuration)",
            err=True,
        )
        raise typer.Exit(2)
    return document


@app.command("simulate")
def simulate_command(
    workflow: Annotated[Path, typer.Option("--workflow", help="Workflow configuration JSON.")],
    scenarios: Annotated[Path, typer.Option("--scenarios", help="Scenario file (YAML).")],
) -> None:
    """Route each scenario's task offline and check the expected filter, queue and workers."""
    document = _read_workflow(workflow)
    try:
        scenario_file = load_scenarios(scenarios)
    except ProblemsError as error:
        for problem in error.problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(2) from None
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
