"""The pull-request job's workflow-diff script, run as the job runs it (bash, in a git checkout whose HEAD~1
is the base), and the two-commit repository of a stack file change it runs on."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def diff_script() -> str:
    """The `run` of the workflow-diff job's step that calls `chat-transfer diff`, from pull-request.yml."""
    document = yaml.safe_load((ROOT / ".github" / "workflows" / "pull-request.yml").read_text())
    steps = document["jobs"]["workflow-diff"]["steps"]
    return next(step["run"] for step in steps if "chat-transfer diff" in step.get("run", ""))


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def stack_change_repo(repo: Path, base: str, head: str) -> Path:
    """A git repository at `repo` whose Pulumi.dev.yaml is `base` in its first commit and `head` in its
    second, with the project's .venv linked in (the script runs `.venv/bin/chat-transfer`)."""
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "ci@example.com")
    git(repo, "config", "user.name", "ci")
    stack = repo / "Pulumi.dev.yaml"
    stack.write_text(base)
    git(repo, "add", "Pulumi.dev.yaml")
    git(repo, "commit", "-q", "-m", "base")
    stack.write_text(head)
    git(repo, "commit", "-q", "-am", "head")
    (repo / ".venv").symlink_to(ROOT / ".venv")
    return repo


def run_diff_script(repo: Path, stacks: str, summary: Path | None = None) -> subprocess.CompletedProcess:
    """The script on `repo` for the stacks named in `stacks` (space-separated), against HEAD~1."""
    env = {
        **os.environ,
        "STACKS": stacks,
        "BASE_SHA": "HEAD~1",
        "GITHUB_STEP_SUMMARY": str(summary) if summary else os.devnull,
    }
    return subprocess.run(
        ["bash", "-e", "-c", diff_script()], cwd=repo, env=env, capture_output=True, text=True, timeout=120
    )
