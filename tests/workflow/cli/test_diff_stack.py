"""`chat-transfer diff --stack NAME --base REV`: both sides rendered offline from git revisions."""

import hashlib
import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flex_chat_transfer.workflow.cli import app

BEFORE = """\
config:
  twilio:accountSid: AC00000000000000000000000000000000
  chat-transfer:transferQueues:
    - Sales
    - name: Support
      timeout: 30
"""
AFTER = """\
config:
  twilio:accountSid: AC00000000000000000000000000000000
  chat-transfer:transferQueues:
    - name: Support
      timeout: 90
    - Sales
    - Billing
"""
SIDS = {name: f"WQ{index:032x}" for index, name in enumerate(["Everyone", "Sales", "Support", "Billing"], 1)}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.email", "test@example.com")
    git(tmp_path, "config", "user.name", "test")
    (tmp_path / "Pulumi.dev.yaml").write_text(BEFORE)
    git(tmp_path, "add", "Pulumi.dev.yaml")
    git(tmp_path, "commit", "-q", "-m", "before")
    (tmp_path / "Pulumi.dev.yaml").write_text(AFTER)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(app, ["diff", *args])


def test_stack_working_tree_against_base_with_queue_sids(repo: Path):
    (repo / "sids.json").write_text(json.dumps(SIDS))
    result = run("--stack", "dev", "--base", "HEAD", "--queue-sids", "sids.json")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Workflow changes: 1 added, 1 moved, 1 changed"
    assert '~ filter "Assign To Queue - Support": moved [2] → [1], changed at [1]' in lines
    assert "    targets[0].timeout: 30 → 90" in lines
    assert '+ filter "Assign To Queue - Billing": added at [3]' in lines
    assert f'"{SIDS["Billing"]}" (Billing)' in result.stdout


def test_stack_between_two_revisions_with_placeholders(repo: Path):
    git(repo, "commit", "-q", "-am", "after")
    result = run("--stack", "dev", "--base", "HEAD~1", "--head", "HEAD", "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert "placeholder" in result.stderr
    assert "| `Assign To Queue - Billing` | added at [3] |" in result.stdout
    assert "`WQ<placeholder:Billing>`" in result.stdout
    same = run("--stack", "dev", "--base", "HEAD", "--head", "HEAD")
    assert same.stdout == "no changes\n"


def test_stack_missing_at_base_diffs_as_all_added(repo: Path):
    (repo / "Pulumi.new.yaml").write_text(BEFORE)
    result = run("--stack", "new", "--base", "HEAD")
    assert result.exit_code == 0, result.output
    assert "HEAD:Pulumi.new.yaml: no such file" in result.stderr
    assert result.stdout.startswith("Workflow changes: 3 added\n")


def test_stack_errors_name_the_revision_and_key(repo: Path):
    bad = run("--stack", "dev", "--base", "no-such-branch")
    assert bad.exit_code == 2
    assert bad.stderr.splitlines()[-1].startswith("--base: git does not know the revision 'no-such-branch'")
    (repo / "Pulumi.dev.yaml").write_text(BEFORE.replace("timeout: 30", "timeout: soon"))
    git(repo, "commit", "-q", "-am", "broken")
    broken = run("--stack", "dev", "--base", "HEAD", "--head", "HEAD")
    assert broken.exit_code == 2
    assert "HEAD:Pulumi.dev.yaml: chat-transfer:transferQueues[1].timeout" in broken.stderr
    assert "(fix: " in broken.stderr


SCENARIOS = """\
workspace:
  queues:
    - {sid: WQ00000000000000000000000000000001, name: Everyone}
    - {sid: WQ00000000000000000000000000000002, name: Sales}
    - {sid: WQ00000000000000000000000000000003, name: Support}
    - {sid: WQ00000000000000000000000000000004, name: Billing}
  workers:
    - {sid: WK00000000000000000000000000000001, name: alice}
scenarios:
  - name: to Billing
    task: {transferTargetType: queue, transferQueueName: Billing, workerSidsInConversation: []}
    expect: {queue: Billing}
  - name: to Sales
    task: {transferTargetType: queue, transferQueueName: Sales, workerSidsInConversation: []}
    expect: {queue: Sales}
"""


def test_stack_with_scenarios_renders_with_the_workspace_sids(repo: Path):
    (repo / "scenarios.yaml").write_text(SCENARIOS)
    result = run("--stack", "dev", "--base", "HEAD", "--scenarios", "scenarios.yaml")
    assert result.exit_code == 1, result.output
    assert "queue SIDs taken from the workspace" in result.stderr
    assert '"WQ00000000000000000000000000000004" (Billing)' in result.stdout
    changed = '* "to Billing": no filter matched ⇒ "Assign To Queue - Billing" → Billing (alice)'
    assert changed in result.stdout
    assert '  "to Sales": unchanged, "Assign To Queue - Sales" → Sales (alice)' in result.stdout


def test_stack_queue_missing_from_the_scenario_workspace_says_where_to_add_it(repo: Path):
    (repo / "scenarios.yaml").write_text(SCENARIOS.replace(
        "    - {sid: WQ00000000000000000000000000000004, name: Billing}\n", ""
    ).replace("Billing, workerSids", "Sales, workerSids").replace("{queue: Billing}", "{queue: Sales}"))
    result = run("--stack", "dev", "--base", "HEAD", "--scenarios", "scenarios.yaml")
    assert result.exit_code == 2
    problem = result.stderr.strip().splitlines()[-1]
    assert problem.startswith('Pulumi.dev.yaml: queue_sids["Billing"]: no SID for queue \'Billing\'')
    hint = "(fix: add the queue to workspace.queues in scenarios.yaml, or pass --queue-sids)"
    assert problem.endswith(hint)


def test_stack_review_names_the_flex_plugin_change_with_the_bundle_hash(repo: Path):
    """`chat-transfer:plugin` is not in the workflow JSON: the review shows its version change and the hash
    of the bundle the working tree would release."""
    with_plugin = BEFORE + "  chat-transfer:plugin:\n    name: plugin-x\n    bundle: build/plugin-x.js\n"
    (repo / "Pulumi.dev.yaml").write_text(with_plugin)
    git(repo, "commit", "-qam", "plugin")
    (repo / "Pulumi.dev.yaml").write_text(with_plugin + "    version: 2.0.0\n")
    (repo / "build").mkdir()
    (repo / "build" / "plugin-x.js").write_bytes(b"(function(){})();\n")
    digest = "sha256:" + hashlib.sha256(b"(function(){})();\n").hexdigest()
    result = run("--stack", "dev", "--base", "HEAD")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "Declared queues, Flex flags and the Flex plugin: 1 changed" in lines
    assert '~ Flex plugin "plugin-x": changed' in lines
    assert '    version: "derived (the patch after the latest)" → "2.0.0"' in lines
    assert f'    bundle hash "{digest}"' in lines
    markdown = run("--stack", "dev", "--base", "HEAD", "--format", "markdown").stdout
    assert "### Declared queues, Flex flags and the Flex plugin" in markdown and digest in markdown
    # Unchanged plugin config: no plugin section.
    (repo / "Pulumi.dev.yaml").write_text(with_plugin)
    assert "Flex plugin" not in run("--stack", "dev", "--base", "HEAD").stdout
