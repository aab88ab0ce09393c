"""`.ci/run` and `scripts/run-tests.sh` (what `make test` runs) on a throw-away repo with fake runners:
a suite that collects nothing fails loudly, every runner's summary is printed, any failure fails CI."""

import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _repo(tmp_path: Path, pytest_output: str, pytest_exit: int) -> Path:
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    (repo / ".ci").mkdir()
    shutil.copy2(REPO / "scripts" / "run-tests.sh", repo / "scripts")
    shutil.copy2(REPO / ".ci" / "run", repo / ".ci")
    (repo / "Makefile").write_text("test:\n\t@scripts/run-tests.sh\n")
    (repo / "tests").mkdir()
    fake = repo / ".venv" / "bin" / "pytest"
    fake.parent.mkdir(parents=True)
    fake.write_text(f"#!/bin/sh\necho '{pytest_output}'\nexit {pytest_exit}\n")
    fake.chmod(0o755)
    return repo


def _ci(repo: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(repo / ".ci" / "run")], cwd=repo, capture_output=True, text=True, timeout=120)


def test_pytest_collecting_nothing_fails_ci_with_a_clear_message(tmp_path):
    repo = _repo(
        tmp_path, "============================ no tests ran in 0.01s =============================", 5
    )

    result = _ci(repo)

    assert result.returncode == 1
    assert "no tests were collected under tests/ (pytest exit 5)" in result.stdout
    assert "CI FAILED: pytest collected no tests (exit 5)" in result.stdout


def test_passing_runners_pass_and_their_summaries_are_printed(tmp_path):
    repo = _repo(
        tmp_path, "============================== 3 passed in 0.10s ===============================", 0
    )

    result = _ci(repo)

    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stdout.split("== CI: test runner summaries", 1)[1]
    assert "pytest: ===" in summary and "3 passed in 0.10s" in summary and "[exit 0]" in summary
    assert result.stdout.rstrip().endswith("CI passed")


def test_a_failing_node_suite_fails_ci_even_when_pytest_passes(tmp_path):
    repo = _repo(
        tmp_path, "============================== 1 passed in 0.10s ===============================", 0
    )
    tests = repo / "functions" / "test"
    tests.mkdir(parents=True)
    (tests / "broken.test.js").write_text(
        "const test = require('node:test');\n"
        "const assert = require('node:assert');\n"
        "test('fails', () => { assert.strictEqual(1, 2); });\n"
        "test('passes', () => {});\n"
    )

    result = _ci(repo)

    assert result.returncode != 0
    summary = result.stdout.split("== CI: test runner summaries", 1)[1]
    assert "node --test functions/test: tests 2, pass 1, fail 1" in summary
    assert "CI FAILED: make test exited" in result.stdout
