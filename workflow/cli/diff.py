"""`chat-transfer diff`: review a workflow change (two JSON files, or two git revisions of a stack)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from flex_chat_transfer.workflow.cli import app
from flex_chat_transfer.workflow.cli.common import read_json_file
from flex_chat_transfer.workflow.cli.render import replace_placeholders
from flex_chat_transfer.workflow.diff import (
    diff_plugin_settings,
    diff_stack_settings,
    diff_workflows,
    format_markdown,
    format_text,
    routing_outcomes,
)
from flex_chat_transfer.workflow.flex_plugin import PluginSettings, bundle_hash
from flex_chat_transfer.workflow.inputs import MAX_FILE_BYTES, check_stack_name, read_text, write_text
from flex_chat_transfer.workflow.loader import settings_from_stack_text
from flex_chat_transfer.workflow.problems import InputError, Problem, ProblemsError, summarize
from flex_chat_transfer.workflow.render import render
from flex_chat_transfer.workflow.scenarios import ScenarioFile, load_scenarios
from flex_chat_transfer.workflow.spec import ChatTransferSpec, StackSettings
from flex_chat_transfer.workflow.validate import validate_configuration

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
        "scenario routes differently (filter, queue or eligible workers); 2 bad input (a file that "
        "cannot be read or is too big or deep, a side that does not validate, an unknown stack or "
        "revision, an -o that cannot be written). With --scenarios, a warning on stderr names the "
        "workflows' queues that no scenario workspace knows."
    ),
)
def diff_command(
    old: Annotated[Path | None, typer.Argument(help="The old workflow configuration (JSON).")] = None,
    new: Annotated[Path | None, typer.Argument(help="The new workflow configuration (JSON).")] = None,
    output_format: Annotated[
        Format, typer.Option("--format", help="text for a terminal, markdown for a PR.")
    ] = Format.text,
    scenarios: Annotated[
        Path | None,
        typer.Option(
            help="Scenario file: adds a table of routing outcomes before/after, changed rows first, "
            "and names queues by its workspace."
        ),
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
        typer.Option(
            help="JSON object queue name -> WQ SID: used to render --stack sides, and to show "
            "queue names next to SIDs."
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Review a workflow change (the help text is in HELP)."""
    scenario_sids = False  # True when the stack is rendered with the scenario workspace's SIDs
    specs: tuple[ChatTransferSpec | None, ChatTransferSpec | None] | None = None  # --stack: both sides
    try:
        sids = _read_queue_sids(queue_sids) if queue_sids else None
        scenario_file = load_scenarios(scenarios) if scenarios is not None else None
        if stack is not None:
            check_stack_name(stack)
            if old is not None or new is not None:
                raise _usage(
                    "OLD/NEW",
                    "give either two JSON files or --stack with --base, not both",
                    "drop the files or drop --stack",
                )
            if base is None:
                raise _usage(
                    "--base",
                    "--stack needs the git revision to compare against",
                    "add --base origin/main (or any commit)",
                )
            if sids is None and scenario_file is not None:
                # Route with the scenario workspace's queues: render both sides with its SIDs.
                sids = {queue.name: queue.sid for queue in scenario_file.workspace.queues}
                scenario_sids = True
                typer.echo(f"queue SIDs taken from the workspace in {scenarios}", err=True)
            elif sids is None:
                typer.echo("no --queue-sids: queues appear as placeholder SIDs named after them", err=True)
            old_label = f"{base}:Pulumi.{stack}.yaml"
            new_label = f"{head}:Pulumi.{stack}.yaml" if head else f"Pulumi.{stack}.yaml"
            old_text = _stack_text_at(stack, base, "--base")
            new_text = _stack_text_at(stack, head, "--head")
            if old_text is None and new_text is None:
                raise _input(
                    f"Pulumi.{stack}.yaml",
                    f"no stack {stack!r}: the file is neither at {base} nor in "
                    f"{'the working tree' if head is None else head}",
                    "check the stack name (Pulumi.<stack>.yaml) and the revisions",
                )
            sides = (_spec_side(stack, old_text, old_label), _spec_side(stack, new_text, new_label))
            specs = (sides[0].spec if sides[0] else None, sides[1].spec if sides[1] else None)
            plugins = (sides[0].plugin if sides[0] else None, sides[1].plugin if sides[1] else None)
            old_document = _render_side(specs[0], old_label, sids, "old")
            new_document = _render_side(specs[1], new_label, sids, "new")
        else:
            if old is None or new is None:
                raise _usage(
                    "OLD/NEW",
                    "two workflow files are needed",
                    "run `chat-transfer diff OLD.json NEW.json` or use --stack NAME --base REV",
                )
            if base is not None or head is not None:
                raise _usage("--base", "--base/--head only apply with --stack", "add --stack NAME")
            old_label, new_label = str(old), str(new)
            old_document = _read_workflow(old)
            new_document = _read_workflow(new)
        _require_valid(old_label, old_document)
        _require_valid(new_label, new_document)

        queue_names = {sid: name for name, sid in (sids or {}).items()}
        if scenario_file is not None:
            queue_names.update({queue.sid: queue.name for queue in scenario_file.workspace.queues})
        result = diff_workflows(old_document, new_document, queue_names)
        if specs is not None:
            # What the workflow JSON does not carry: the queues the stack declares, and its Flex flags.
            new_hash = _bundle_hash_now(plugins[1]) if head is None else None
            result = result.with_settings(
                diff_stack_settings(*specs) + diff_plugin_settings(*plugins, new_hash)
            )
        if scenario_file is not None:
            _warn_unknown_queues(old_document, new_document, scenario_file, str(scenarios))
            outcomes = routing_outcomes(old_document, new_document, scenario_file, (old_label, new_label))
            result = result.with_routing(outcomes)
        rendered = format_markdown(result) if output_format is Format.markdown else format_text(result)
        if output is not None:
            write_text(output, rendered, "diff")
    except ProblemsError as error:
        problems = error.problems
        if scenario_sids:
            problems = [
                replace(
                    problem, hint=f"add the queue to workspace.queues in {scenarios}, or pass --queue-sids"
                )
                if "queue_sids[" in problem.path
                else problem
                for problem in problems
            ]
        for line in summarize(problems):
            typer.echo(line, err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None

    if output is None:
        sys.stdout.write(rendered)
    raise typer.Exit(EXIT_ROUTING_CHANGED if result.routing_changed else EXIT_OK)


def _require_valid(label: str, document: dict[str, Any]) -> None:
    """A side that TaskRouter would refuse cannot be reviewed: its problems, named by side. Placeholder
    SIDs (a --stack side rendered without --queue-sids) are checked as well-formed stand-ins."""
    problems = validate_configuration(replace_placeholders(document))
    if problems:
        raise ProblemsError(replace(problem, path=f"{label}: {problem.path}") for problem in problems)


def _queue_sids_of(document: dict[str, Any]) -> list[str]:
    routing = document.get("task_routing")
    routing = routing if isinstance(routing, dict) else {}
    targets = [routing.get("default_filter")]
    for item in routing.get("filters") or []:
        if isinstance(item, dict) and isinstance(item.get("targets"), list):
            targets += item["targets"]
    sids = [target.get("queue") for target in targets if isinstance(target, dict)]
    return list(dict.fromkeys(sid for sid in sids if isinstance(sid, str)))


def _warn_unknown_queues(
    old: dict[str, Any], new: dict[str, Any], scenario_file: ScenarioFile, source: str
) -> None:
    """Routing through a queue no scenario worker can belong to compares nothing: say so (issue 14)."""
    known = {queue.sid for queue in scenario_file.workspace.queues}
    unknown = [sid for sid in _queue_sids_of(old) + _queue_sids_of(new) if sid not in known]
    unknown = list(dict.fromkeys(unknown))
    if unknown:
        listed = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        typer.echo(
            f"warning: {len(unknown)} queue SID(s) of the workflows are in no queue of the scenario "
            "workspace "
            f"({listed}): the routing comparison is meaningless for those queues (fix: list them under "
            f"workspace.queues in {source}, or diff files rendered with that workspace's SIDs)",
            err=True,
        )


def _usage(where: str, message: str, hint: str) -> ProblemsError:
    return ProblemsError([Problem(where, message, hint)])


def _input(where: str, message: str, hint: str) -> InputError:
    return InputError([Problem(where, message, hint)])


def _read_workflow(path: Path) -> dict[str, Any]:
    document = read_json_file(path, "workflow configuration")
    if not isinstance(document, dict) or not isinstance(document.get("task_routing"), dict):
        raise _usage(
            f"{path}: $.task_routing",
            "not a workflow configuration (no task_routing object)",
            "pass the workflow's Configuration JSON, e.g. the output of `chat-transfer render`",
        )
    return document


def _read_queue_sids(path: Path) -> dict[str, str]:
    mapping = read_json_file(path, "queue SID map")
    if not isinstance(mapping, dict) or not all(
        isinstance(name, str) and isinstance(sid, str) for name, sid in mapping.items()
    ):
        raise _usage(
            f"{path}: $",
            "expected a JSON object mapping queue name to WQ SID",
            'write it as {"Sales": "WQ…", "Everyone": "WQ…"}',
        )
    return mapping


def _stack_text_at(stack: str, revision: str | None, option: str) -> str | None:
    """The text of Pulumi.<stack>.yaml at a revision (None = the working tree); None when it is absent."""
    file_name = f"Pulumi.{stack}.yaml"
    if revision is not None:
        return _git_show(revision, file_name, option)
    if not Path(file_name).exists():
        return None
    return read_text(file_name, "stack config")


def _spec_side(stack: str, text: str | None, where: str) -> StackSettings | None:
    """The settings one side's stack file describes; None when the file is absent on that side. Problems
    name the side: `REV:Pulumi.dev.yaml: ...`."""
    if text is None:
        return None
    try:
        return settings_from_stack_text(text, where, stack)
    except ProblemsError as error:
        problems = [_on_side(problem, where) for problem in error.problems]
        raise (InputError if isinstance(error, InputError) else ProblemsError)(problems) from None


def _bundle_hash_now(plugin: PluginSettings | None) -> str | None:
    """The content hash of the working tree's plugin bundle (relative to the current directory, where
    Pulumi.<stack>.yaml is), when the file is there; the build that `pulumi up` would release."""
    if plugin is None:
        return None
    try:
        return bundle_hash(Path(plugin.bundle).read_bytes())
    except OSError:
        return None


def _render_side(
    spec: ChatTransferSpec | None, where: str, queue_sids: dict[str, str] | None, side: str
) -> dict[str, Any]:
    """Render one side's workflow. A file missing on one side is an empty workflow, so a new stack diffs
    as all-added."""
    if spec is None:
        typer.echo(f"{where}: no such file; treating the {side} side as an empty workflow", err=True)
        return {"task_routing": {"filters": []}}
    try:
        return render(spec, queue_sids)
    except ProblemsError as error:
        problems = [_on_side(problem, where) for problem in error.problems]
        raise (InputError if isinstance(error, InputError) else ProblemsError)(problems) from None


def _on_side(problem: Problem, where: str) -> Problem:
    if problem.path.startswith(where):
        return problem
    return replace(problem, path=f"{where}: {problem.path}")


def _git_show(revision: str, file_name: str, option: str) -> str | None:
    """The file's text at a revision (path relative to the current directory), None if absent there."""
    try:
        verify = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"],
            capture_output=True,
            text=True,
        )
    except OSError as error:
        raise _input(
            option, f"cannot run git: {error.strerror or error}", "install git, or diff two JSON files"
        ) from None
    inside = subprocess.run(["git", "rev-parse", "--git-dir"], capture_output=True, text=True)
    if inside.returncode != 0:
        raise _input(
            option,
            "the current directory is not in a git repository",
            "run diff --stack from the project's clone, or diff two JSON files",
        )
    if verify.returncode != 0:
        raise _input(
            option,
            f"git does not know the revision {revision!r}",
            "fetch it first (e.g. `git fetch origin main`) or pass a commit SHA",
        )
    shown = subprocess.run(["git", "show", f"{revision}:./{file_name}"], capture_output=True)
    if shown.returncode != 0:
        return None
    if len(shown.stdout) > MAX_FILE_BYTES:
        raise _input(
            f"{revision}:{file_name}",
            f"the stack config is over the {MAX_FILE_BYTES}-byte limit",
            f"keep it under {MAX_FILE_BYTES} bytes",
        )
    try:
        return shown.stdout.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _input(
            f"{revision}:{file_name}",
            f"the stack config is not UTF-8 text (bad byte at offset {error.start})",
            "save it as UTF-8",
        ) from None
