"""`chat-transfer diff`: review a workflow change (two JSON files, or two git revisions of a stack)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from workflow.cli import app
from workflow.diff import diff_workflows, format_markdown, format_text, routing_outcomes
from workflow.problems import Problem, ProblemsError
from workflow.scenarios import load_scenarios

EXIT_OK = 0
EXIT_ROUTING_CHANGED = 1
EXIT_BAD_INPUT = 2


class Format(StrEnum):
    text = "text"
    markdown = "markdown"


HELP = (
    "Review a workflow change: semantic diff of two configurations, or of two revisions of a stack.\n\n"
    "Reports filters added, removed, moved (old index -> new index) or changed (expression, each target's "
    "changed keys) and the default_filter; whitespace and key order are ignored. Queue names appear next to "
    "SIDs when a name map is available (--queue-sids, or the --scenarios workspace). With --scenarios, also "
    "the routing outcome of every scenario before and after, changed rows first."
)


@app.command(
    "diff",
    help=HELP,
    epilog=(
        "Exit status: 0 the diff was printed (with or without changes); 1 with --scenarios, at least one "
        "scenario routes differently (filter, queue or eligible workers); 2 bad input (unreadable or "
        "invalid file, unknown revision)."
    ),
)
def diff_command(
    old: Annotated[Path | None, typer.Argument(help="The old workflow configuration (JSON).")] = None,
    new: Annotated[Path | None, typer.Argument(help="The new workflow configuration (JSON).")] = None,
    output_format: Annotated[Format, typer.Option("--format", help="text for a terminal, markdown for a PR.")]
    = Format.text,
    scenarios: Annotated[
        Path | None,
        typer.Option(help="Scenario file: adds a table of routing outcomes before/after, changed rows first, "
                     "and names queues by its workspace."),
    ] = None,
    stack: Annotated[
        str | None,
        typer.Option(help="Instead of OLD/NEW: render Pulumi.STACK.yaml at --base and at --head offline."),
    ] = None,
    base: Annotated[str | None, typer.Option(help="Git revision of the old side (with --stack).")] = None,
    head: Annotated[
        str | None,
        typer.Option(help="Git revision of the new side (with --stack); default: the working tree."),
    ] = None,
    queue_sids: Annotated[
        Path | None,
        typer.Option(help="JSON object queue name -> WQ SID: used to render --stack sides, and to show "
                     "queue names next to SIDs."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Review a workflow change (the help text is in HELP)."""
    scenario_sids = False  # True when the stack is rendered with the scenario workspace's SIDs
    try:
        sids = _read_queue_sids(queue_sids) if queue_sids else None
        scenario_file = load_scenarios(scenarios) if scenarios is not None else None
        if stack is not None:
            if old is not None or new is not None:
                raise _usage("OLD/NEW", "give either two JSON files or --stack with --base, not both",
                              "drop the files or drop --stack")
            if base is None:
                raise _usage("--base", "--stack needs the git revision to compare against",
                             "add --base origin/main (or any commit)")
            if sids is None and scenario_file is not None:
                # Route with the scenario workspace's queues: render both sides with its SIDs.
                sids = {queue.name: queue.sid for queue in scenario_file.workspace.queues}
                scenario_sids = True
                typer.echo(f"queue SIDs taken from the workspace in {scenarios}", err=True)
            elif sids is None:
                typer.echo("no --queue-sids: queues appear as placeholder SIDs named after them", err=True)
            old_label = f"{base}:Pulumi.{stack}.yaml"
            new_label = f"{head}:Pulumi.{stack}.yaml" if head else f"Pulumi.{stack}.yaml"
            old_document = _render_stack_at(stack, base, sids, "--base")
            new_document = _render_stack_at(stack, head, sids, "--head")
        else:
            if old is None or new is None:
                raise _usage("OLD/NEW", "two workflow files are needed",
                             "run `chat-transfer diff OLD.json NEW.json` or use --stack NAME --base REV")
            if base is not None or head is not None:
                raise _usage("--base", "--base/--head only apply with --stack", "add --stack NAME")
            old_label, new_label = str(old), str(new)
            old_document = _read_workflow(old)
            new_document = _read_workflow(new)

        queue_names = {sid: name for name, sid in (sids or {}).items()}
        if scenario_file is not None:
            queue_names.update({queue.sid: queue.name for queue in scenario_file.workspace.queues})
        result = diff_workflows(old_document, new_document, queue_names)
        if scenario_file is not None:
            outcomes = routing_outcomes(old_document, new_document, scenario_file, (old_label, new_label))
            result = result.with_routing(outcomes)
    except ProblemsError as error:
        for problem in error.problems:
            if scenario_sids and "queue_sids[" in problem.path:
                problem = replace(problem, hint=f"add the queue to workspace.queues in {scenarios}, "
                                  "or pass --queue-sids")
            typer.echo(str(problem), err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None

    rendered = format_markdown(result) if output_format is Format.markdown else format_text(result)
    if output is not None:
        output.write_text(rendered, encoding="utf-8")
    else:
        sys.stdout.write(rendered)
    raise typer.Exit(EXIT_ROUTING_CHANGED if result.routing_changed else EXIT_OK)


def _usage(where: str, message: str, hint: str) -> ProblemsError:
    return ProblemsError([Problem(where, message, hint)])


def _parse_json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise _usage(where, f"not valid JSON at line {error.lineno} column {error.colno}: {error.msg}",
                     "fix the JSON syntax there") from None


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise _usage(str(path), f"cannot read the file ({error.strerror})", "check the path") from None


def _read_workflow(path: Path) -> dict:
    document = _parse_json(_read_text(path), str(path))
    if not isinstance(document, dict) or not isinstance(document.get("task_routing"), dict):
        raise _usage(f"{path}: $.task_routing", "not a workflow configuration (no task_routing object)",
                     "pass the workflow's Configuration JSON, e.g. the output of `chat-transfer render`")
    return document


def _read_queue_sids(path: Path) -> dict[str, str]:
    mapping = _parse_json(_read_text(path), str(path))
    if not isinstance(mapping, dict) or not all(
        isinstance(name, str) and isinstance(sid, str) for name, sid in mapping.items()
    ):
        raise _usage(f"{path}: $", "expected a JSON object mapping queue name to WQ SID",
                     'write it as {"Sales": "WQ…", "Everyone": "WQ…"}')
    return mapping


def _render_stack_at(
    stack: str, revision: str | None, queue_sids: dict[str, str] | None, option: str
) -> dict:
    """Render the workflow a revision of Pulumi.<stack>.yaml describes; None = the working tree.
    A stack file missing at that revision is an empty workflow, so a new stack diffs as all-added.
    Problems name the side they come from: `REV:Pulumi.dev.yaml: chat-transfer:transferQueues[1]...`."""
    from workflow.loader import load_stack_file
    from workflow.render import render

    file_name = f"Pulumi.{stack}.yaml"
    where = file_name if revision is None else f"{revision}:{file_name}"
    if revision is None:
        text = Path(file_name).read_text(encoding="utf-8") if Path(file_name).exists() else None
    else:
        text = _git_show(revision, file_name, option)
    if text is None:
        side = "new" if option == "--head" else "old"
        typer.echo(f"{where}: no such file; treating the {side} side as an empty workflow", err=True)
        return {"task_routing": {"filters": []}}
    # The loader reads files: give it this side's text in a scratch copy.
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / file_name
        copy.write_text(text, encoding="utf-8")
        try:
            return render(load_stack_file(copy, stack), queue_sids)
        except ProblemsError as error:
            raise ProblemsError(_on_side(problem, str(copy), where) for problem in error.problems) from None


def _on_side(problem: Problem, scratch_path: str, where: str) -> Problem:
    if scratch_path in problem.path:
        return replace(problem, path=problem.path.replace(scratch_path, where))
    return replace(problem, path=f"{where}: {problem.path}")


def _git_show(revision: str, file_name: str, option: str) -> str | None:
    """The file's text at a revision (path relative to the current directory), None if absent there."""
    verify = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"],
                            capture_output=True, text=True)
    if verify.returncode != 0:
        raise _usage(option, f"git does not know the revision {revision!r}",
                     "fetch it first (e.g. `git fetch origin main`) or pass a commit SHA")
    shown = subprocess.run(["git", "show", f"{revision}:./{file_name}"], capture_output=True, text=True)
    return shown.stdout if shown.returncode == 0 else None
