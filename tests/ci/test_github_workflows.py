"""The .github/workflows templates: valid GitHub Actions workflows (check-jsonschema's vendored schema,
offline), wired the way the README promises (one list of stacks, the official Pulumi CLI install at the
pinned version, Node where the program runs, refresh before preview and up), and their scripts really work:
the stack list and the PR diff run here on a git repository."""

import json
import os
import re
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


def pinned_pulumi_version() -> str:
    return re.search(r"^PULUMI_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.M).group(1)


def engine_jobs() -> list[tuple[str, str, dict]]:
    """(file, job, job document) of every job that runs the program against a real account."""
    found = []
    for path in FILES:
        for name, job in load(path.name)["jobs"].items():
            runs = "\n".join(step.get("run", "") for step in job.get("steps", []))
            if re.search(r"\bpulumi (preview|up)\b", runs):
                found.append((path.name, name, job))
    return found


def test_templates_exist():
    assert {path.name for path in FILES} >= {"pull-request.yml", "deploy.yml", "pulumi-up.yml", "stacks.yml"}


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
                assert step["uses"].split("/")[0] in ("actions", "pulumi"), f"{path.name}: {step['uses']}"


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
    preview_step = next(step for step in preview["steps"] if "pulumi preview" in step.get("run", ""))
    assert "--diff" in preview_step["run"]
    assert all("secrets" in value for key, value in preview_step["env"].items() if key.startswith("TWILIO_"))


# ---- one list of stacks ----------------------------------------------------------------------------------
def stacks_script() -> str:
    return load("stacks.yml")["jobs"]["list"]["steps"][0]["run"]


def run_stacks_script(tmp_path: Path, stacks: str) -> tuple[subprocess.CompletedProcess, dict[str, str]]:
    output = tmp_path / "github-output"
    output.write_text("")
    env = {**os.environ, "STACKS": stacks, "GITHUB_OUTPUT": str(output)}
    result = subprocess.run(["bash", "-e", "-c", stacks_script()], env=env, capture_output=True, text=True,
                            timeout=60)
    return result, dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)


def test_the_stacks_are_one_list_dev_stage_prod_and_the_readme_names_the_same():
    listed = load("stacks.yml")["jobs"]["list"]["env"]["STACKS"]
    assert listed.split() == ["dev", "stage", "prod"]
    readme = (ROOT / "README.md").read_text()
    assert f"`STACKS: {listed}` in `.github/workflows/stacks.yml`" in readme
    assert "(`dev`, `stage`, `prod`: the names the CI templates use)" in readme
    assert "`scenarios/<stack>.yaml`" in readme  # the per-stack scenario files the PR review reads
    # Every other template takes the list from stacks.yml and names no stack of its own.
    for name in ("pull-request.yml", "deploy.yml"):
        document = load(name)
        assert document["jobs"]["stacks"]["uses"] == "./.github/workflows/stacks.yml"
        text = yaml.safe_dump(document)  # comments aside
        assert not re.search(r"\b(stack|STACKS): *(dev|stage|staging|prod)\b", text), name
        assert not re.search(r"_(DEV|STAGE|STAGING|PROD)\b", text), name
    matrices = [load("pull-request.yml")["jobs"]["preview"], load("deploy.yml")["jobs"]["up"]]
    for job in matrices:
        assert "stacks" in job["needs"]
        assert job["strategy"]["matrix"]["include"] == "${{ fromJSON(needs.stacks.outputs.matrix) }}"


def test_the_stack_list_gives_each_stack_its_secret_suffix(tmp_path: Path):
    result, outputs = run_stacks_script(tmp_path, "dev stage prod eu-west")
    assert result.returncode == 0, result.stderr
    assert json.loads(outputs["matrix"]) == [
        {"stack": "dev", "suffix": "DEV"}, {"stack": "stage", "suffix": "STAGE"},
        {"stack": "prod", "suffix": "PROD"}, {"stack": "eu-west", "suffix": "EU_WEST"},
    ]
    assert outputs["names"] == "dev stage prod eu-west"


def test_the_stack_list_refuses_local_example_and_repeats_in_one_line(tmp_path: Path):
    for stacks, named in (("dev local", "'local'"), ("example", "'example'"), ("dev dev", "each stack once"),
                          ("", "each stack once")):
        result, outputs = run_stacks_script(tmp_path, stacks)
        assert result.returncode == 1 and outputs == {}, stacks
        assert result.stderr.count("\n") == 1 and named in result.stderr and "(fix: " in result.stderr


# ---- real-account jobs -----------------------------------------------------------------------------------
def test_real_account_jobs_exist_for_preview_and_up():
    assert {(file, job) for file, job, _ in engine_jobs()} == {("pull-request.yml", "preview"),
                                                             ("pulumi-up.yml", "up")}


def test_real_account_jobs_install_the_pinned_cli_with_the_official_action_not_go():
    for file, name, job in engine_jobs():
        uses = [step.get("uses", "") for step in job["steps"]]
        install = [step for step in job["steps"] if step.get("uses", "").startswith("pulumi/actions@")]
        assert len(install) == 1, (file, name)
        assert str(install[0]["with"]["pulumi-version"]) == pinned_pulumi_version(), (file, name)
        assert "command" not in install[0]["with"], (file, name)  # install only; our steps run pulumi
        assert not any(u.startswith("actions/setup-go") for u in uses), (file, name)
        # `make pulumi` (linking the installed CLI) comes after the install.
        make = next(i for i, step in enumerate(job["steps"]) if "make venv pulumi" in step.get("run", ""))
        assert job["steps"].index(install[0]) < make, (file, name)


def test_node_20_or_newer_is_set_up_before_the_program_runs():
    for file, name, job in engine_jobs():
        steps = job["steps"]
        node = [i for i, step in enumerate(steps) if step.get("uses", "").startswith("actions/setup-node@")]
        engine = next(i for i, step in enumerate(steps) if re.search(r"\bpulumi (preview|up)\b",
                                                                       step.get("run", "")))
        assert node and node[0] < engine, (file, name)
        assert int(str(steps[node[0]]["with"]["node-version"]).split(".")[0]) >= 20, (file, name)
    # ... and the pre-flight it serves really runs `node --check`.
    assert "node --check" in (ROOT / "infra" / "README.md").read_text()


def test_every_preview_and_up_refreshes_first():
    commands = [line.strip() for _, _, job in engine_jobs() for step in job["steps"]
                for line in step.get("run", "").replace("\\\n", " ").splitlines()
                if re.match(r"\s*pulumi (preview|up)\b", line)]
    assert len(commands) == 3  # PR preview; up and its convergence preview
    for command in commands:
        assert " --refresh" in command, command


def test_real_account_jobs_log_in_before_they_run_pulumi():
    for file, name, job in engine_jobs():
        run = next(step["run"] for step in job["steps"] if re.search(r"\bpulumi (preview|up)\b",
                                                                       step.get("run", "")))
        assert run.index("pulumi login") < re.search(r"pulumi (preview|up)", run).start(), (file, name)
        assert {"PULUMI_BACKEND_URL", "PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE"} <= set(
            next(step for step in job["steps"] if step.get("run") == run)["env"]), (file, name)


def test_merge_deploys_each_stack_in_list_order_behind_its_protection():
    document = load("deploy.yml")
    assert document["on"]["push"]["branches"] == ["main"]
    up_job = document["jobs"]["up"]
    assert up_job["needs"] == ["stacks", "test"]
    assert up_job["strategy"]["max-parallel"] == 1 and up_job["strategy"]["fail-fast"] is True
    assert up_job["uses"] == "./.github/workflows/pulumi-up.yml"
    assert up_job["with"] == {"stack": "${{ matrix.stack }}", "secret_suffix": "${{ matrix.suffix }}"}
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


def run_diff_script(repo: Path, stacks: str, summary: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "STACKS": stacks, "BASE_SHA": "HEAD~1",
           "GITHUB_STEP_SUMMARY": str(summary) if summary else os.devnull}
    return subprocess.run(["bash", "-e", "-c", diff_script()], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_pr_diff_script_writes_the_comment_and_skips_local_and_example(pr_repo: Path):
    summary = pr_repo / "summary.md"
    # Were they reviewed, these would be: the example is a whole stack, local is broken here.
    (pr_repo / "Pulumi.example.yaml").write_text((ROOT / "Pulumi.example.yaml").read_text())
    (pr_repo / "Pulumi.local.yaml").write_text("config:\n  chat-transfer:transferQueues: 7\n")
    git(pr_repo, "add", "-A")
    git(pr_repo, "commit", "-q", "-m", "the template and the sandbox stack")
    git(pr_repo, "commit", "-q", "--allow-empty", "-m", "nothing")
    stack = pr_repo / "Pulumi.dev.yaml"
    stack.write_text("config:\n  chat-transfer:transferQueues:\n    - Sales\n    - Billing\n    - Returns\n")
    git(pr_repo, "commit", "-q", "--amend", "-am", "head")

    result = run_diff_script(pr_repo, "local dev example", summary)

    assert result.returncode == 0, result.stdout + result.stderr
    comment = (pr_repo / "diff-comment.md").read_text()
    heading = "<!-- chat-transfer-diff -->\n## Workflow review: stack `dev`\n### Workflow changes"
    assert comment.startswith(heading)
    assert comment.count("## Workflow review: stack") == 1
    assert "| `Assign To Queue - Returns` | added at [3] |" in comment
    assert summary.read_text() == comment


def test_a_stack_with_a_scenario_file_gets_the_routing_impact(pr_repo: Path):
    (pr_repo / "scenarios").mkdir()
    (pr_repo / "scenarios" / "dev.yaml").write_text(SCENARIOS)
    git(pr_repo, "add", "-A")
    git(pr_repo, "commit", "-q", "-m", "scenarios of dev")
    stack = pr_repo / "Pulumi.dev.yaml"
    stack.write_text("config:\n  chat-transfer:transferQueues:\n    - Sales\n    - Billing\n    - Returns\n")
    git(pr_repo, "commit", "-q", "-am", "add Returns")

    result = run_diff_script(pr_repo, "dev")

    assert result.returncode == 0, result.stdout + result.stderr
    comment = (pr_repo / "diff-comment.md").read_text()
    assert "Routing outcomes" in comment and "1 of 2 scenarios route differently" in comment, comment
    assert "returns request" in comment


# Queue SIDs of the dev account's workspace: the scenario file's own.
SCENARIOS = """workspace:
  queues:
    - {sid: WQ00000000000000000000000000000001, name: Everyone}
    - {sid: WQ00000000000000000000000000000002, name: Sales}
    - {sid: WQ00000000000000000000000000000003, name: Billing}
    - {sid: WQ00000000000000000000000000000004, name: Returns}
  workers:
    - {sid: WK00000000000000000000000000000001, name: alice}
scenarios:
  - name: returns request
    task: {transferTargetType: queue, transferQueueName: Returns, workerSidsInConversation: []}
    expect: {queue: Returns}
  - name: sales request
    task: {transferTargetType: queue, transferQueueName: Sales, workerSidsInConversation: []}
    expect: {queue: Sales}
"""


def test_the_pr_diff_script_fails_on_a_broken_stack_and_still_writes_the_comment(pr_repo: Path):
    (pr_repo / "Pulumi.dev.yaml").write_text("config:\n  chat-transfer:transferQueues: 7\n")
    git(pr_repo, "commit", "-q", "-am", "broken")
    result = run_diff_script(pr_repo, "dev")
    assert result.returncode == 1
    comment = (pr_repo / "diff-comment.md").read_text()
    assert "chat-transfer:transferQueues" in comment and "(fix: " in comment
