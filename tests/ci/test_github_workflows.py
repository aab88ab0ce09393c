"""The .github/workflows templates: valid GitHub Actions workflows (check-jsonschema's vendored schema and
actionlint, both offline), wired the way the README promises (one list of stacks in deployment waves; every
job that talks to Twilio or the state backend in its stack's GitHub environment; OIDC token permission only
where a cloud login uses it; the official Pulumi CLI install at the pinned version, Node where the program
runs, refresh before preview and up; a nightly drift check), and their scripts really work: the stack list
and the PR diff run here on a git repository."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.ci.pr_review import git, run_diff_script, stack_change_repo

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))


ACTIONLINT = ROOT / ".tools" / "actionlint"  # scripts/ensure-actionlint.sh (make test) links it
# The official OpenID Connect login action of each cloud whose bucket can hold Pulumi state.
OIDC_ACTIONS = ("aws-actions/configure-aws-credentials@", "google-github-actions/auth@", "azure/login@")
REUSABLE = "./.github/workflows/pulumi-stack.yml"


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
            if re.search(r"\bpulumi (preview|up|login)\b|drift_check\.py", runs):
                found.append((path.name, name, job))
    return found


def account_jobs() -> list[tuple[str, str, dict]]:
    """(file, job, job document) of every job that talks to Twilio or the state backend: it runs pulumi, or
    names a Twilio or Pulumi secret anywhere in it."""
    found = []
    for path in FILES:
        for name, job in load(path.name)["jobs"].items():
            text = yaml.safe_dump(job)
            runs_pulumi = re.search(r"\bpulumi (preview|up|login|stack|refresh|destroy)\b|drift_check", text)
            if runs_pulumi or re.search(r"secrets(\.|\[format\(')(TWILIO_|PULUMI_)", text):
                found.append((path.name, name, job))
    return found


def callers_of_the_reusable_workflow() -> list[tuple[str, str, dict]]:
    return [(path.name, name, job) for path in FILES for name, job in load(path.name)["jobs"].items()
            if job.get("uses") == REUSABLE]


def test_templates_exist():
    assert {path.name for path in FILES} >= {"pull-request.yml", "deploy.yml", "pulumi-stack.yml",
                                             "stacks.yml", "drift.yml"}


def test_every_workflow_validates_against_the_github_workflow_schema():
    result = check_jsonschema(*FILES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path: Path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    stepz: []\n")
    result = check_jsonschema(broken)
    assert result.returncode == 1
    assert "broken.yml" in result.stdout


def run_actionlint(*paths: Path) -> subprocess.CompletedProcess:
    assert ACTIONLINT.exists(), f"{ACTIONLINT} is missing: run `make test` (scripts/ensure-actionlint.sh)"
    return subprocess.run([str(ACTIONLINT), "-no-color", "-shellcheck=", "-pyflakes=", *map(str, paths)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_every_workflow_passes_actionlint():
    # Expressions, contexts, job outputs, reusable-workflow inputs and secrets, action inputs, cron syntax.
    result = run_actionlint(*FILES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_is_the_pinned_build_and_rejects_what_the_schema_lets_through(tmp_path: Path):
    pinned = re.search(r"^ACTIONLINT_VERSION=(\S+)$", (ROOT / "scripts" / "ensure-actionlint.sh").read_text(),
                       re.M).group(1)
    version = subprocess.run([str(ACTIONLINT), "-version"], capture_output=True, text=True, timeout=30)
    assert version.stdout.splitlines()[0] == f"v{pinned}"
    # Schema-valid, but the job needs a job that does not exist and reads an output nobody sets.
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    broken = workflows / "broken.yml"
    broken.write_text("on: push\njobs:\n  build:\n    needs: [tset]\n    runs-on: ubuntu-latest\n"
                      "    steps:\n      - run: echo ${{ needs.tset.outputs.nothing }}\n")
    assert check_jsonschema(broken).returncode == 0
    result = run_actionlint(broken)
    assert result.returncode == 1 and "tset" in result.stdout, result.stdout + result.stderr


def test_actions_come_only_from_well_known_publishers():
    publishers = ("actions", "pulumi", "aws-actions", "google-github-actions", "azure")
    for path in FILES:
        for step in all_steps(load(path.name)):
            if "uses" in step:
                assert step["uses"].split("/")[0] in publishers, f"{path.name}: {step['uses']}"


def test_pull_request_runs_lint_tests_diff_comment_and_preview_per_stack():
    document = load("pull-request.yml")
    assert "pull_request" in document["on"]
    runs = "\n".join(step.get("run", "") for step in all_steps(document))
    assert "make lint" in runs and "make test" in runs
    assert "chat-transfer diff" in runs and "--base" in runs and "--format markdown" in runs
    comment = next(step for step in all_steps(document)
                   if step.get("uses", "").startswith("actions/github-script"))
    assert "createComment" in comment["with"]["script"] and "updateComment" in comment["with"]["script"]
    assert document["jobs"]["workflow-diff"]["permissions"]["pull-requests"] == "write"
    preview = document["jobs"]["preview"]
    assert preview["uses"] == REUSABLE and preview["with"]["command"] == "preview"
    assert preview["strategy"]["fail-fast"] is False  # one stack's failure does not hide another's plan
    step = next(step for step in load("pulumi-stack.yml")["jobs"]["pulumi"]["steps"]
                if 'pulumi preview --stack "$STACK" --refresh --diff' in step.get("run", ""))
    assert step["if"] == "${{ inputs.command == 'preview' }}"


# ---- one list of stacks, in waves ------------------------------------------------------------------------
WAVES = ("dev", "stage", "production")


def stacks_script() -> str:
    return load("stacks.yml")["jobs"]["list"]["steps"][0]["run"]


def run_stacks_script(tmp_path: Path, dev: str = "dev", stage: str = "stage", production: str = "prod",
                      max_parallel: str = "2") -> tuple[subprocess.CompletedProcess, dict[str, str]]:
    output = tmp_path / "github-output"
    output.write_text("")
    env = {**os.environ, "DEV_STACKS": dev, "STAGE_STACKS": stage, "PRODUCTION_STACKS": production,
           "PRODUCTION_MAX_PARALLEL": max_parallel, "GITHUB_OUTPUT": str(output)}
    result = subprocess.run(["bash", "-e", "-c", stacks_script()], env=env, capture_output=True, text=True,
                            timeout=60)
    return result, dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)


def test_the_stacks_are_one_list_in_waves_and_the_readme_names_the_same():
    listed = load("stacks.yml")["jobs"]["list"]["env"]
    assert {key: listed[key] for key in ("DEV_STACKS", "STAGE_STACKS", "PRODUCTION_STACKS")} == {
        "DEV_STACKS": "dev", "STAGE_STACKS": "stage", "PRODUCTION_STACKS": "prod"}
    readme = " ".join((ROOT / "README.md").read_text().split())  # line breaks aside
    assert ("`DEV_STACKS: dev`, `STAGE_STACKS: stage`, `PRODUCTION_STACKS: prod` in "
            "`.github/workflows/stacks.yml`") in readme
    assert "(`dev`, `stage`, `prod`: the names the CI templates use)" in readme
    assert "`scenarios/<stack>.yaml`" in readme  # the per-stack scenario files the PR review reads
    # Every other template takes the list from stacks.yml and names no stack of its own.
    for name in ("pull-request.yml", "deploy.yml", "drift.yml", "pulumi-stack.yml"):
        document = load(name)
        if name != "pulumi-stack.yml":
            assert document["jobs"]["stacks"]["uses"] == "./.github/workflows/stacks.yml"
        text = yaml.safe_dump(document["jobs"])  # comments and input descriptions aside
        assert not re.search(r"\b(stack|STACKS): *(dev|stage|staging|prod)\b", text), name
        assert not re.search(r"_(DEV|STAGE|STAGING|PROD)\b", text), name
        assert "DEV_STACKS" not in text and "PRODUCTION_STACKS" not in text, name
    for file, name, job in callers_of_the_reusable_workflow():
        assert "stacks" in job["needs"], (file, name)
        assert re.fullmatch(r"\$\{\{ fromJSON\(needs\.stacks\.outputs\.(matrix|dev|stage|production)\) \}\}",
                            job["strategy"]["matrix"]["include"]), (file, name)
        assert job["with"]["stack"] == "${{ matrix.stack }}", (file, name)
        assert job["with"]["secret_suffix"] == "${{ matrix.suffix }}", (file, name)


def test_the_stack_list_gives_each_stack_its_secret_suffix_and_its_wave(tmp_path: Path):
    result, outputs = run_stacks_script(tmp_path, production="prod eu-west", max_parallel="3")
    assert result.returncode == 0, result.stderr
    assert json.loads(outputs["matrix"]) == [
        {"stack": "dev", "suffix": "DEV"}, {"stack": "stage", "suffix": "STAGE"},
        {"stack": "prod", "suffix": "PROD"}, {"stack": "eu-west", "suffix": "EU_WEST"},
    ]
    assert outputs["names"] == "dev stage prod eu-west"
    assert json.loads(outputs["dev"]) == [{"stack": "dev", "suffix": "DEV"}]
    assert json.loads(outputs["stage"]) == [{"stack": "stage", "suffix": "STAGE"}]
    assert [row["stack"] for row in json.loads(outputs["production"])] == ["prod", "eu-west"]
    assert outputs["production_max_parallel"] == "3"
    # An empty wave is an empty list (its deploy job is skipped, the next wave still runs).
    result, outputs = run_stacks_script(tmp_path, stage="")
    assert result.returncode == 0 and outputs["stage"] == "[]", result.stderr


def test_the_stack_list_refuses_local_example_repeats_and_bad_bounds_in_one_line(tmp_path: Path):
    cases = ({"dev": "dev local"}, {"production": "example"}, {"stage": "dev"}, {"dev": "", "stage": "",
             "production": ""}, {"max_parallel": "0"}, {"max_parallel": "two"})
    for case in cases:
        result, outputs = run_stacks_script(tmp_path, **case)
        assert result.returncode == 1 and outputs == {}, case
        assert result.stderr.count("\n") == 1 and "(fix: " in result.stderr, (case, result.stderr)


# ---- jobs that talk to Twilio or the backend -------------------------------------------------------------
def test_every_job_that_talks_to_twilio_or_the_backend_runs_in_its_stacks_environment():
    jobs = account_jobs()
    assert {(file, name) for file, name, _ in jobs} == {("pulumi-stack.yml", "pulumi")}
    for file, name, job in jobs:
        assert job["environment"] == "${{ inputs.stack }}", (file, name)
    # ... and every stack's job is that job, called once per stack of a list (PR preview, deploy waves,
    # drift), so each stack runs in its own environment with that environment's secrets.
    callers = {(file, name): job["with"]["command"] for file, name, job in callers_of_the_reusable_workflow()}
    assert callers == {("pull-request.yml", "preview"): "preview", ("deploy.yml", "dev"): "up",
                       ("deploy.yml", "stage"): "up", ("deploy.yml", "production"): "up",
                       ("drift.yml", "drift"): "drift"}
    for file, name, job in callers_of_the_reusable_workflow():
        assert job["secrets"] == "inherit", (file, name)  # the environment's secrets resolve in the callee


def uses_oidc(job: dict) -> bool:
    """The job logs in to a cloud with an OIDC action, itself or through the reusable workflow it calls."""
    if job.get("uses", "").startswith("./.github/workflows/"):
        called = load(Path(job["uses"]).name)
        return any(uses_oidc(inner) for inner in called["jobs"].values())
    return any(step.get("uses", "").startswith(OIDC_ACTIONS) for step in job.get("steps", []))


def test_the_oidc_token_permission_is_granted_only_to_jobs_that_log_in_to_a_cloud():
    seen = 0
    for path in FILES:
        document = load(path.name)
        assert "id-token" not in (document.get("permissions") or {}), path.name  # never workflow-wide
        for name, job in document["jobs"].items():
            granted = (job.get("permissions") or {}).get("id-token") == "write"
            assert granted == uses_oidc(job), (path.name, name)
            seen += granted
    assert seen == 6  # the reusable job and its five callers


def test_each_clouds_official_oidc_login_runs_only_when_its_variables_are_set():
    steps = load("pulumi-stack.yml")["jobs"]["pulumi"]["steps"]
    logins = {step["uses"].split("@")[0]: step
              for step in steps if step.get("uses", "").startswith(OIDC_ACTIONS)}
    aws = "aws-actions/configure-aws-credentials"
    assert set(logins) == {aws, "google-github-actions/auth", "azure/login"}
    assert logins[aws]["with"]["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}"
    assert logins[aws]["if"] == "${{ vars.AWS_ROLE_ARN != '' }}"
    assert logins["google-github-actions/auth"]["with"]["workload_identity_provider"] == (
        "${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}")
    assert logins["azure/login"]["with"]["client-id"] == "${{ vars.AZURE_CLIENT_ID }}"
    # Logged in before the backend is: the login step comes after every cloud login.
    login = next(i for i, step in enumerate(steps) if step.get("run") == "pulumi login")
    assert all(steps.index(step) < login for step in logins.values())
    readme = (ROOT / "README.md").read_text()
    for variable in ("AWS_ROLE_ARN", "GCP_WORKLOAD_IDENTITY_PROVIDER", "AZURE_CLIENT_ID",
                     "AZURE_STORAGE_ACCOUNT"):
        assert f"`{variable}`" in readme, variable


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
        steps = job["steps"]
        login = next(i for i, step in enumerate(steps) if step.get("run") == "pulumi login")
        runs = [i for i, step in enumerate(steps)
                if re.search(r"\bpulumi (preview|up)\b|drift_check", step.get("run", "")) and i != login]
        assert runs and min(runs) > login, (file, name)
        needed = {"PULUMI_BACKEND_URL", "PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE",
                  "TWILIO_AUTH_TOKEN"}
        assert needed <= set(job["env"]), (file, name)


# ---- many accounts: ordered waves ------------------------------------------------------------------------
def test_merge_deploys_the_waves_in_order_each_stack_behind_its_protection():
    document = load("deploy.yml")
    assert document["on"]["push"]["branches"] == ["main"]
    jobs = document["jobs"]
    assert jobs["test"]["steps"][-1]["run"] == "make test"
    # dev, then stage, then production: each wave needs every wave before it and the tests.
    assert jobs["dev"]["needs"] == ["stacks", "test"]
    assert jobs["stage"]["needs"] == ["stacks", "test", "dev"]
    assert jobs["production"]["needs"] == ["stacks", "test", "dev", "stage"]
    for wave in WAVES:
        job = jobs[wave]
        assert job["uses"] == REUSABLE and job["with"]["command"] == "up", wave
        assert job["strategy"]["matrix"]["include"] == f"${{{{ fromJSON(needs.stacks.outputs.{wave}) }}}}"
        # An empty wave is skipped, not an error (a matrix of nothing is).
        assert f"needs.stacks.outputs.{wave} != '[]'" in job["if"], wave
    # A failure (or a cancel) in an earlier wave stops the later ones; a skipped (empty) wave does not.
    for wave in ("stage", "production"):
        assert "!cancelled()" in jobs[wave]["if"] and "!failure()" in jobs[wave]["if"], wave
    assert "always()" not in yaml.safe_dump(document)
    # dev and stage one stack at a time; production in parallel, bounded by the list's own setting.
    assert jobs["dev"]["strategy"]["max-parallel"] == jobs["stage"]["strategy"]["max-parallel"] == 1
    assert jobs["production"]["strategy"]["max-parallel"] == (
        "${{ fromJSON(needs.stacks.outputs.production_max_parallel) }}")
    assert jobs["production"]["strategy"]["fail-fast"] is False
    up = load("pulumi-stack.yml")
    assert "workflow_call" in up["on"]
    job = up["jobs"]["pulumi"]
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert "make venv pulumi" in runs and "pulumi up" in runs and "--expect-no-changes" in runs
    # Two ups of one stack never overlap; previews and drift checks get a group of their own run.
    assert "format('pulumi-up-{0}', inputs.stack)" in job["concurrency"]["group"]
    assert job["concurrency"]["cancel-in-progress"] is False


# ---- nightly drift -------------------------------------------------------------------------------------
def test_drift_is_checked_nightly_per_stack_with_the_report_in_the_job_summary():
    document = load("drift.yml")
    assert [entry["cron"] for entry in document["on"]["schedule"]] == ["23 4 * * *"]
    assert "workflow_dispatch" in document["on"]
    job = document["jobs"]["drift"]
    assert job["uses"] == REUSABLE and job["with"]["command"] == "drift"
    assert job["strategy"]["fail-fast"] is False
    assert job["strategy"]["matrix"]["include"] == "${{ fromJSON(needs.stacks.outputs.matrix) }}"
    step = next(step for step in load("pulumi-stack.yml")["jobs"]["pulumi"]["steps"]
                if "drift_check.py" in step.get("run", ""))
    assert step["if"] == "${{ inputs.command == 'drift' }}"
    assert step["run"] == (
        '.venv/bin/python scripts/drift_check.py --stack "$STACK" --summary "$GITHUB_STEP_SUMMARY"')
    # What the script runs (tests/ci/test_drift_check.py runs it against the sandbox).
    script = (ROOT / "scripts" / "drift_check.py").read_text()
    assert '"preview", "--stack", stack, "--refresh", "--expect-no-changes", "--json"' in script


@pytest.fixture
def pr_repo(tmp_path: Path) -> Path:
    """A repository with a base commit and a head commit that adds a transfer queue to `dev`."""
    base = "config:\n  chat-transfer:transferQueues:\n    - Sales\n"
    return stack_change_repo(tmp_path, base, base + "    - Billing\n")


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
    # The comment is the review only: the command's note on stderr went to the job log.
    assert "dev: no --queue-sids" in result.stderr
    assert "--queue-sids" not in comment and "```" not in comment


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
    assert "Cannot review `dev`:" in comment and "no --queue-sids" not in comment
