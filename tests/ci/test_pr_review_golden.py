"""The PR review of a declared-queue change, as golden files: the pull-request job's diff script (taken from
pull-request.yml, run by bash on a git repository) writes the comment; it must equal
tests/fixtures/diff/stack-declared-queues/expected-comment.md byte for byte. The change (base.yaml ->
head.yaml) renames a declared queue (renamedFrom), changes one, adds one, removes one and switches two Flex
flags, so the comment shows each of them besides the workflow filters; and it holds the review only (the
command's stderr note stays in the job log). `chat-transfer diff --stack` in text form: expected.txt.

To refresh after an intended format change: run the failing test, review the difference it prints, and
write the new output over the golden file like any other change."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.ci.pr_review import run_diff_script, stack_change_repo

ROOT = Path(__file__).resolve().parents[2]
CASE = ROOT / "tests" / "fixtures" / "diff" / "stack-declared-queues"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return stack_change_repo(tmp_path, (CASE / "base.yaml").read_text(), (CASE / "head.yaml").read_text())


def test_the_pr_comment_of_a_declared_queue_change_matches_the_golden_file(repo: Path):
    result = run_diff_script(repo, "dev", repo / "summary.md")
    assert result.returncode == 0, result.stdout + result.stderr
    comment = (repo / "diff-comment.md").read_text()
    assert comment == (CASE / "expected-comment.md").read_text(), comment
    assert "dev: no --queue-sids" in result.stderr  # the note went to the log, not the comment


def test_the_text_review_matches_the_golden_file(repo: Path):
    result = subprocess.run([str(ROOT / ".venv" / "bin" / "chat-transfer"), "diff", "--stack", "dev",
                             "--base", "HEAD~1"], cwd=repo, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (CASE / "expected.txt").read_text(), result.stdout
