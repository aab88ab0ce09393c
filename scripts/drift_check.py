"""The nightly drift check of one stack (.github/workflows/drift.yml): runs
`pulumi preview --refresh --expect-no-changes --json` and, when what is live differs from what the stack
deployed, writes a markdown report (each drifted resource, its change and the properties that differ; the
routing review of live vs deployed when the TaskRouter workflow drifted) to the job summary and exits 1.

Exit status: 0 no drift; 1 drift (the report says what); 2 the check could not run (one line on stderr:
the CLI's own error, e.g. a wrong passphrase or backend). Property values are never printed, only their
names, so no secret reaches the summary.

    python scripts/drift_check.py --stack dev [--summary FILE] [--cwd DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

# Steps that mean "live equals the stack": the refresh's own reads, and resources left as they are.
QUIET_OPS = frozenset({"same", "refresh", "read"})
WORKFLOW_TYPE = "twiliox:taskrouter:Workflow"
# The CLI's exit code when --expect-no-changes found changes (any other non-zero is a failure to run).
EXIT_DRIFT, EXIT_CANNOT_RUN = 1, 2


def drifted_steps(preview: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The preview's steps that would change something, stack resource aside."""
    return [
        step
        for step in preview.get("steps") or []
        if step.get("op") not in QUIET_OPS and _resource(step)[1] != "pulumi:pulumi:Stack"
    ]


def _resource(step: Mapping[str, Any]) -> tuple[str, str]:
    """(name, type) of a step from its URN `urn:pulumi:<stack>::<project>::<type>::<name>`."""
    parts = step.get("urn", "").split("::")
    kind = parts[-2].split("$")[-1] if len(parts) >= 2 else "?"
    return (parts[-1] if parts else "?"), kind


def _properties(step: Mapping[str, Any]) -> list[str]:
    detailed = step.get("detailedDiff") or {}
    return sorted(detailed) or sorted(step.get("diffReasons") or [])


def _configuration(state: Any) -> Any:
    inputs = state.get("inputs") if isinstance(state, Mapping) else None
    return inputs.get("configuration") if isinstance(inputs, Mapping) else None


def routing_review(step: Mapping[str, Any]) -> str | None:
    """`chat-transfer diff --format markdown` of the workflow as it is live (old) and as the stack has it
    (new); None when the step carries no configuration on both sides (e.g. a deleted workflow)."""
    from flex_chat_transfer.workflow.diff import diff_workflows, format_markdown

    live, wanted = _configuration(step.get("oldState")), _configuration(step.get("newState"))
    if not (isinstance(live, Mapping) and isinstance(wanted, Mapping)):
        return None
    return format_markdown(diff_workflows(dict(live), dict(wanted), {}))


def report(stack: str, preview: Mapping[str, Any]) -> tuple[bool, str]:
    """(drifted, markdown) for the job summary."""
    steps = drifted_steps(preview)
    if not steps:
        heading = f"### Drift check: stack `{stack}`"
        return False, f"{heading}\n\nNo drift: what is live is what the stack deployed.\n"
    lines = [
        f"### Drift check: stack `{stack}`",
        "",
        f"{len(steps)} resource(s) differ from what the stack deployed. `pulumi up --refresh` puts the "
        "stack's values back; or change the stack's config to keep what is live.",
        "",
        "| resource | type | change | properties that differ |",
        "| --- | --- | --- | --- |",
    ]
    for step in steps:
        name, kind = _resource(step)
        properties = ", ".join(f"`{p}`" for p in _properties(step)) or "(the whole resource)"
        lines.append(f"| `{name}` | `{kind}` | {step.get('op')} | {properties} |")
    for step in steps:
        if _resource(step)[1] == WORKFLOW_TYPE:
            review = routing_review(step)
            if review:
                lines += ["", f"#### Routing: live (old) vs stack `{stack}` (new)", "", review.rstrip("\n")]
    return True, "\n".join(lines) + "\n"


def run_preview(stack: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["pulumi", "preview", "--stack", stack, "--refresh", "--expect-no-changes", "--json",
         "--non-interactive"],
        cwd=cwd, capture_output=True, text=True,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", required=True)
    parser.add_argument("--summary", type=Path, default=os.environ.get("GITHUB_STEP_SUMMARY") or None,
                        help="append the report here (default: $GITHUB_STEP_SUMMARY; else stdout only)")
    parser.add_argument("--cwd", type=Path, default=Path.cwd(), help="the project folder (Pulumi.yaml)")
    args = parser.parse_args(argv)
    try:
        done = run_preview(args.stack, args.cwd)
    except OSError as error:
        print(f"drift check of {args.stack}: cannot run pulumi: {error.strerror or error} (fix: put the "
              "Pulumi CLI on PATH, e.g. `make pulumi` and .tools/bin)", file=sys.stderr)
        return EXIT_CANNOT_RUN
    try:
        preview = json.loads(done.stdout) if done.stdout.strip() else None
    except json.JSONDecodeError:
        preview = None
    if not isinstance(preview, dict) or (done.returncode != 0 and not drifted_steps(preview)):
        reason = next((line for line in reversed(done.stderr.splitlines()) if line.strip()),
                      f"pulumi exited {done.returncode}")
        print(f"drift check of {args.stack} could not run: {reason.strip()} (fix: see the pulumi output "
              "above; check the login, passphrase and credentials)", file=sys.stderr)
        sys.stderr.write(done.stderr[-4000:])
        return EXIT_CANNOT_RUN
    drifted, markdown = report(args.stack, preview)
    print(markdown, end="")
    if args.summary is not None:
        with open(args.summary, "a", encoding="utf-8") as summary:
            summary.write(markdown)
    return EXIT_DRIFT if drifted else 0


if __name__ == "__main__":
    sys.exit(main())
