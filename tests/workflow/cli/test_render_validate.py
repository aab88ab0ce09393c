"""`chat-transfer render` and `chat-transfer validate`: outputs, one-line errors, exit codes 0/1/2.
Run in-process with typer's CliRunner, plus one real subprocess pipeline render -> validate."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flex_chat_transfer.workflow.cli import app
from flex_chat_transfer.workflow.render import PLACEHOLDER_PREFIX

REPO = Path(__file__).resolve().parents[3]
GOOD = REPO / "tests" / "fixtures" / "workflows" / "good"
SIDS = {"Everyone": "WQ" + "1" * 32, "Sales": "WQ" + "2" * 32, "O'Brien Team": "WQ" + "3" * 32}
STACK = (
    "config:\n"
    "  twilio:accountSid: AC00000000000000000000000000000000\n"
    "  chat-transfer:transferQueues:\n"
    "    - Sales\n"
    "    - name: O'Brien Team\n"
    "      timeout: 30\n"
    "      fallbackQueue: Everyone\n"
)


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture
def project(tmp_path):
    (tmp_path / "Pulumi.t.yaml").write_text(STACK)
    (tmp_path / "sids.json").write_text(json.dumps(SIDS))
    return tmp_path


def test_render_with_sids_to_stdout_is_valid(project):
    result = run("render", "--stack", "t", "--project-dir", project, "--queue-sids", project / "sids.json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert [f["targets"][0]["queue"] for f in document["task_routing"]["filters"]] == [
        SIDS["Everyone"],
        SIDS["Sales"],
        SIDS["O'Brien Team"],
    ]
    assert result.stderr == ""
    (project / "wf.json").write_text(result.stdout)
    checked = run("validate", project / "wf.json", "--queue-sids", project / "sids.json")
    assert (checked.exit_code, checked.stdout, checked.stderr) == (0, "", f"valid: {project / 'wf.json'}\n")


def test_render_without_sids_says_placeholders_on_stderr(project):
    out = project / "wf.json"
    result = run("render", "--stack", "t", "--project-dir", project, "-o", out)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "placeholders" in result.stderr
    assert f'"{PLACEHOLDER_PREFIX}Sales>"' in out.read_text()
    strict = run("validate", out)
    assert strict.exit_code == 1
    assert len(strict.stdout.splitlines()) == 4  # four queue references, one line each
    assert all("is a placeholder for queue" in line for line in strict.stdout.splitlines())
    assert run("validate", "--allow-placeholders", out).exit_code == 0


def test_render_output_is_byte_identical_across_runs(project):
    args = ("render", "--stack", "t", "--project-dir", project, "--queue-sids", project / "sids.json")
    assert run(*args).stdout == run(*args).stdout


def test_render_names_missing_from_sid_map_one_line_each(project):
    (project / "sids.json").write_text(json.dumps({"Everyone": SIDS["Everyone"]}))
    result = run("render", "--stack", "t", "--project-dir", project, "--queue-sids", project / "sids.json")
    assert result.exit_code == 1
    sid_file = project / "sids.json"
    assert result.stderr.splitlines() == [
        f'{sid_file}["Sales"]: no SID for queue \'Sales\' (fix: add "Sales": "WQ…" to {sid_file})',
        f'{sid_file}["O\'Brien Team"]: no SID for queue "O\'Brien Team" '
        f'(fix: add "O\'Brien Team": "WQ…" to {sid_file})',
    ]


def test_render_config_problem_uses_config_path(project):
    (project / "Pulumi.t.yaml").write_text(
        "config:\n  chat-transfer:transferQueues:\n    - name: Sales\n      timeout: -3\n"
    )
    result = run("render", "--stack", "t", "--project-dir", project)
    assert result.exit_code == 1
    assert result.stderr == (
        "chat-transfer:transferQueues[0].timeout: -3 is out of range "
        "(fix: use seconds between 1 and 1209600)\n"
    )


def test_render_refuses_unquotable_queue_name(project):
    (project / "Pulumi.t.yaml").write_text('config:\n  chat-transfer:transferQueues:\n    - It\'s "x"\n')
    result = run("render", "--stack", "t", "--project-dir", project)
    assert result.exit_code == 1
    assert result.stderr.startswith("chat-transfer:transferQueues[0]: queue name")
    assert result.stdout == ""


def test_render_missing_stack_file_exit_2(project):
    result = run("render", "--stack", "nope", "--project-dir", project)
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"{project / 'Pulumi.nope.yaml'}: cannot read the stack config")


@pytest.mark.parametrize("content", ["{", "[1, 2]", '{"Sales": 5}'])
def test_render_bad_sid_file_exit_2(project, content):
    (project / "sids.json").write_text(content)
    result = run("render", "--stack", "t", "--project-dir", project, "--queue-sids", project / "sids.json")
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1 and str(project / "sids.json") in result.stderr


@pytest.mark.parametrize("path", sorted(GOOD.glob("*.json")), ids=lambda p: p.name)
def test_validate_good_documents(path):
    result = run("validate", path)
    assert (result.exit_code, result.stdout) == (0, "")


def test_validate_reports_each_problem_with_path_and_fix(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "task_routing": {
                    "filters": [
                        {"filter_friendly_name": "A", "expression": "type ==", "targets": [{"timeout": 0}]}
                    ]
                }
            }
        )
    )
    result = run("validate", bad)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "$.task_routing.filters[0].targets[0].queue",
        "$.task_routing.filters[0].targets[0].timeout",
        "$.task_routing.filters[0].expression",
    ]
    assert all("(fix: " in line for line in lines)
    assert "at column 8" in lines[2]
    assert result.stderr == f"invalid: {bad}: 3 problem(s)\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ('{"task_routing": ', "not valid JSON: Expecting value at line 1, column 18"),
        (b"\xff\xfe", "is not UTF-8 text"),
    ],
)
def test_validate_unreadable_or_not_json_exit_2(tmp_path, content, message):
    path = tmp_path / "wf.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    result = run("validate", path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr


def test_console_script_pipeline_offline(project):
    """The installed entry point, as a user runs it: render --stack then validate the file."""
    script = Path(sys.executable).with_name("chat-transfer")
    out = project / "wf.json"
    rendered = subprocess.run(
        [script, "render", "--stack", "t", "--queue-sids", "sids.json", "-o", out],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert rendered.returncode == 0, rendered.stderr
    checked = subprocess.run(
        [script, "validate", out], cwd=project, capture_output=True, text=True, timeout=60
    )
    assert (checked.returncode, checked.stderr) == (0, f"valid: {out}\n")


def test_repository_local_stack_renders_and_validates(tmp_path):
    """The foundation's Pulumi.local.yaml, when present, renders and checks cleanly."""
    if not (REPO / "Pulumi.local.yaml").exists():
        pytest.fail("Pulumi.local.yaml is missing from the repository root")
    out = tmp_path / "local.json"
    result = run("render", "--stack", "local", "--project-dir", REPO, "-o", out)
    assert result.exit_code == 0, result.stderr
    assert run("validate", "--allow-placeholders", out).exit_code == 0
