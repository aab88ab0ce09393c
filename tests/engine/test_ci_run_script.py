"""`.ci/run` and `scripts/run-tests.sh` (what `make test` runs) on a throw-away git repository with fake
runners: `.ci/run` tests a fresh clone with nothing beside it, a suite that collects nothing fails loudly,
every runner's summary is printed, any failure fails CI."""

import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# The fake `make test`: fails when anything is beside the clone (as the `shared/` folder is beside our
# checkouts), installs the fake pytest into the clone's .venv (untracked, as a real .venv is), then runs the
# real run-tests.sh.
MAKEFILE = """test:
\t@test -z "$$(ls -A .. | grep -vx -e repo -e make-test.log)" || { echo "beside: $$(ls -A ..)"; exit 4; }
\t@mkdir -p .venv/bin && cp fake-pytest .venv/bin/pytest
\t@scripts/run-tests.sh
"""


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def _repo(tmp_path: Path, pytest_output: str, pytest_exit: int, extra: dict[str, str] | None = None) -> Path:
    """A committed repository under tmp_path/work/repo, with a `shared/` folder beside it (as on our
    machines) that the clone `.ci/run` makes must not see."""
    repo = tmp_path / "work" / "repo"
    (repo / "scripts").mkdir(parents=True)
    (repo / ".ci").mkdir()
    (tmp_path / "work" / "shared" / "twilio-oai").mkdir(parents=True)
    shutil.copy2(REPO / "scripts" / "run-tests.sh", repo / "scripts")
    shutil.copy2(REPO / ".ci" / "run", repo / ".ci")
    (repo / "Makefile").write_text(MAKEFILE)
    (repo / "tests").mkdir()
    (repo / "tests" / "README").write_text("fake suite\n")
    fake = repo / "fake-pytest"
    fake.write_text(f"#!/bin/sh\necho '{pytest_output}'\nexit {pytest_exit}\n")
    fake.chmod(0o755)
    for name, text in (extra or {}).items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "-c", "user.email=ci@example.com", "-c", "user.name=ci", "add", "-A")
    _git(repo, "-c", "user.email=ci@example.com", "-c", "user.name=ci", "commit", "-q", "-m", "fake")
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


def test_passing_runners_pass_in_a_clone_with_nothing_beside_it(tmp_path):
    repo = _repo(
        tmp_path, "============================== 3 passed in 0.10s ===============================", 0
    )

    result = _ci(repo)

    # The fake Makefile exits 4 when anything (the `shared/` beside the repository, say) is beside the clone.
    assert result.returncode == 0, result.stdout + result.stderr
    assert "== CI: make test in a fresh clone, nothing beside it:" in result.stdout
    summary = result.stdout.split("== CI: test runner summaries", 1)[1]
    assert "pytest: ===" in summary and "3 passed in 0.10s" in summary and "[exit 0]" in summary
    assert result.stdout.rstrip().endswith("CI passed")
    # The suites ran in the clone, never in the repository itself, and the clone is gone afterwards.
    assert not (repo / ".venv").exists()
    clone = result.stdout.split("nothing beside it: ", 1)[1].split(" (", 1)[0]
    assert not Path(clone).exists() and not Path(clone).is_relative_to(repo)


def test_only_committed_files_reach_the_clone(tmp_path):
    repo = _repo(
        tmp_path, "============================== 1 passed in 0.10s ===============================", 0
    )
    # An uncommitted suite that would fail CI if it were run: the clone must not have it.
    tests = repo / "functions" / "test"
    tests.mkdir(parents=True)
    (tests / "broken.test.js").write_text("require('node:test')('fails', () => { throw new Error('x'); });\n")

    result = _ci(repo)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "node --test functions/test" not in result.stdout


def test_a_failing_node_suite_fails_ci_even_when_pytest_passes(tmp_path):
    broken = (
        "const test = require('node:test');\n"
        "const assert = require('node:assert');\n"
        "test('fails', () => { assert.strictEqual(1, 2); });\n"
        "test('passes', () => {});\n"
    )
    repo = _repo(
        tmp_path, "============================== 1 passed in 0.10s ===============================", 0,
        extra={"functions/test/broken.test.js": broken},
    )

    result = _ci(repo)

    assert result.returncode != 0
    summary = result.stdout.split("== CI: test runner summaries", 1)[1]
    assert "node --test functions/test: tests 2, pass 1, fail 1" in summary
    assert "CI FAILED: make test exited" in result.stdout
