"""The .github/workflows templates: valid GitHub Actions workflows (check-jsonschema's vendored schema,
offline), wired the way the README promises, and the PR diff script really works on a git repository."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))


def check_jsonschema(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
         *map(str, paths)],
        capture_output=True, text=True, timeout=120,
    )


def load(name: str) -> dict:
    document = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as True.
    document["on"] = document.pop(True, document.get("on"))
    return document


def all_steps(document: dict) -> list[dict]:
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


def test_templates_exist():
    assert {path.name for path in FILES} >= {"pull-request.yml", "deploy.yml", "pulumi-up.yml"}


def test_every_workflow_validates_against_the_github_workflow_schema():
    result = check_jsonschema(*FILES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path: Path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    stepz: []\n")
    result = check_jsonschema(broken)
    assert result.returncode == 1
    assert "broken.yml" in result.stdout


def test_actions_come_only_from_well_known_publishers():
    for path in FILES:
        for step in all_steps(load(path.name)):
            if "uses" in step:
                assert step["uses"].split("/")[0] == "actions", f"{path.name}: {step['uses']}"


def test_pull_request_runs_lint_tests_diff_comment_and_preview_per_stack():
    document = load("pull-request.yml")
    assert "pull_request" in document["on"]
    runs = "\n".join(step.get("run", "") for step in all_steps(document))
    assert "make lint" in runs and "make test" in runs and "make venv pulumi" in runs
    assert "chat-transfer diff" in runs and "--base" in runs and "--format markdown" in runs
    comment = next(step for step in all_steps(document)
                   if step.get("uses", "").startswith("actions/github-script"))
    assert "createComment" in comment["with"]["script"] and "updateComment" in comment["with"]["script"]
    assert document["jobs"]["workflow-diff"]["permissions"]["pull-requests"] == "write"
    preview = document["jobs"]["preview"]
    stacks = [entry["stack"] for entry in preview["strategy"]["matrix"]["include"]]
    assert stacks == ["dev", "staging", "prod"]
    preview_step = next(step for step in preview["steps"] if "pulumi preview" in step.get("run", ""))
    assert "--diff" in preview_step["run"]
    assert all("secrets" in value for key, value in preview_step["env"].items() if key.startswith("TWILIO_"))


def test_merge_deploys_each_environment_in_order_behind_its_protection():
    document = load("deploy.yml")
    assert document["on"]["push"]["branches"] == ["main"]
    jobs = document["jobs"]
    order = (jobs["dev"]["needs"], jobs["staging"]["needs"], jobs["prod"]["needs"])
    assert order == ("test", "dev", "staging")
    for stack in ("dev", "staging", "prod"):
        assert jobs[stack]["uses"] == "./.github/workflows/pulumi-up.yml"
        assert jobs[stack]["with"]["stack"] == stack
    up = load("pulumi-up.yml")
    assert "workflow_call" in up["on"]
    job = up["jobs"]["up"]
    assert job["environment"] == "${{ inputs.stack }}"
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert "make venv pulumi" in runs and "pulumi up" in runs and "--expect-no-changes" in runs


def diff_script() -> str:
    steps = load("pull-request.yml")["jobs"]["workflow-diff"]["steps"]
    return next(step["run"] for step in steps if "chat-transfer diff" in step.get("run", ""))


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def pr_repo(tmp_path: Path) -> Path:
    """A repository with a base commit and a head commit that adds a transfer queue to `dev`."""
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.email", "ci@example.com")
    git(tmp_path, "config", "user.name", "ci")
    stack = tmp_path / "Pulumi.dev.yaml"
    stack.write_text("config:\n  chat-transfer:transferQueues:\n    - Sales\n")
    git(tmp_path, "add", "Pulumi.dev.yaml")
    git(tmp_path, "commit", "-q", "-m", "base")
    stack.write_text("config:\n  chat-transfer:transferQueues:\n    - Sales\n    - Billing\n")
    git(tmp_path, "commit", "-q", "-am", "head")
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    return tmp_path


def test_the_pr_diff_script_writes_the_comment(pr_repo: Path):
    summary = pr_repo / "summary.md"
    # STACKS empty: the script finds the stacks itself (here: dev, from Pulumi.dev.yaml).
    env = {**os.environ, "STACKS": "", "BASE_SHA": "HEAD~1", "GITHUB_STEP_SUMMARY": str(summary)}
    result = subprocess.run(["bash", "-e", "-c", diff_script()], cwd=pr_repo, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    comment = (pr_repo / "diff-comment.md").read_text()
    heading = "<!-- chat-transfer-diff -->\n## Workflow review: stack `dev`\n### Workflow changes"
    assert comment.startswith(heading)
    assert comment.count("## Workflow review: stack") == 1
    assert "| `Assign To Queue - Billing` | added at [2] |" in comment
    assert summary.read_text() == comment


def test_the_pr_diff_script_fails_on_a_broken_stack_and_still_writes_the_comment(pr_repo: Path):
    (pr_repo / "Pulumi.dev.yaml").write_text("config:\n  chat-transfer:transferQueues: 7\n")
    git(pr_repo, "commit", "-q", "-am", "broken")
    env = {**os.environ, "STACKS": "dev", "BASE_SHA": "HEAD~1", "GITHUB_STEP_SUMMARY": os.devnull}
    result = subprocess.run(["bash", "-e", "-c", diff_script()], cwd=pr_repo, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    comment = (pr_repo / "diff-comment.md").read_text()
    assert "chat-transfer:transferQueues" in comment and "(fix: " in comment
