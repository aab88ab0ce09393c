"""Hostile input (issue 15): every reader of the `chat-transfer` CLI has a size and a depth bound, refuses
duplicate keys and numbers Twilio cannot hold, and answers with the exit code and ONE line naming what,
where and the limit. No traceback, no RecursionError, whatever the input."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flex_chat_transfer.workflow.cli import app
from flex_chat_transfer.workflow.loader import spec_from_config
from flex_chat_transfer.workflow.problems import ProblemsError
from flex_chat_transfer.workflow.validate import validate_configuration

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = ROOT / "scenarios" / "chat-transfer.yaml"
FIXTURE = ROOT / "tests" / "fixtures" / "scenarios" / "chat-transfer.workflow.json"
DEEP = 5_000  # far past Python's recursion limit


def deep_json(levels: int = DEEP) -> str:
    return '{"task_routing": ' + "[" * levels + "]" * levels + "}"


def deep_yaml(levels: int = DEEP) -> str:
    return "workspace: " + "[" * levels + "]" * levels + "\nscenarios: []\n"


def invoke(*args: str, cwd: Path | None = None):
    return CliRunner().invoke(app, list(args), catch_exceptions=True)


def one_line(result, code: int, *fragments: str) -> str:
    """The command exited `code` with exactly one problem line on stderr holding every fragment (what,
    where, the limit, the fix), and no traceback."""
    assert not isinstance(result.exception, (RecursionError, UnicodeDecodeError, OSError)), result.exception
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == code, (result.exit_code, result.output)
    assert "Traceback" not in result.output and "Error:" not in result.output.split(":", 1)[0]
    # Informational notes (placeholder SIDs in use) may precede it; the error is the one line with a fix.
    lines = [line for line in result.stderr.splitlines() if "(fix: " in line]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def workflow(tmp_path: Path, change=None, name: str = "w.json") -> Path:
    document = json.loads(FIXTURE.read_text())
    if change is not None:
        change(document)
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def target(document: dict, filter_index: int = 1) -> dict:
    return document["task_routing"]["filters"][filter_index]["targets"][0]


# -- JSON and YAML readers: depth, size, duplicates, numbers, encoding ----------------------------------


def test_validate_deep_json(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text(deep_json())
    one_line(invoke("validate", str(path)), 2, str(path), "nested more than 64 levels")


def test_validate_duplicate_json_key(tmp_path):
    path = tmp_path / "dup.json"
    path.write_text('{"task_routing": {"filters": [], "filters": []}}')
    one_line(invoke("validate", str(path)), 2, "$.task_routing.filters", "duplicate key 'filters'")


@pytest.mark.parametrize("number", ["1e999", "-1e999", "NaN", "Infinity", "1" * 5000])
def test_validate_json_number_twilio_cannot_hold(tmp_path, number):
    path = tmp_path / "n.json"
    path.write_text(
        '{"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": "WQ'
        + "1" * 32
        + f'", "priority": {number}}}]}}]}}}}'
    )
    one_line(invoke("validate", str(path)), 2, str(path), "not valid JSON")


def test_validate_file_over_the_size_bound(tmp_path):
    path = tmp_path / "big.json"
    path.write_bytes(b" " * (8 * 1024 * 1024 + 1))
    one_line(invoke("validate", str(path)), 2, "over the 8388608-byte limit")


def test_validate_library_bounds_a_deep_dict():
    document: dict = {"task_routing": {}}
    inner = document["task_routing"]
    for _ in range(DEEP):
        inner["x"] = {}
        inner = inner["x"]
    (problem,) = validate_configuration(document)
    assert "nested more than 64 levels" in str(problem)


def test_simulate_deep_workflow(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text(deep_json())
    one_line(
        invoke("simulate", "--workflow", str(path), "--scenarios", str(SHIPPED)), 2, "nested more than 64"
    )


def test_simulate_deep_yaml_scenarios(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text(deep_yaml())
    one_line(
        invoke("simulate", "--workflow", str(FIXTURE), "--scenarios", str(path)),
        2,
        str(path),
        "nested more than 64 levels deep at line 1",
    )


def test_simulate_non_utf8_scenarios(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("workspace: {queues: []}\nscenarios: [{name: caf\u00e9}]\n".encode("latin-1"))
    one_line(invoke("simulate", "--workflow", str(FIXTURE), "--scenarios", str(path)), 2, "is not UTF-8 text")


def test_simulate_duplicate_yaml_key(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text(
        SHIPPED.read_text().replace(
            "  - name: worker transfer reaches exactly the named agent\n",
            "  - name: a\n    name: worker transfer reaches exactly the named agent\n",
            1,
        )
    )
    one_line(
        invoke("simulate", "--workflow", str(FIXTURE), "--scenarios", str(path)),
        2,
        "$.scenarios[0].name",
        "duplicate key 'name'",
    )


def test_simulate_yaml_alias_bomb(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [
        f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, "
        f"*a{i - 1}, *a{i - 1}, *a{i - 1}]"
        for i in range(1, 9)
    ]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    one_line(
        invoke("simulate", "--workflow", str(FIXTURE), "--scenarios", str(path)), 2, "expands to more than"
    )


def test_simulate_worker_available_many(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(SHIPPED.read_text().replace("available: false}", 'available: "many"}', 1))
    one_line(
        invoke("simulate", "--workflow", str(FIXTURE), "--scenarios", str(path)),
        2,
        "workspace.workers[3].available",
        "found a string 'many'",
    )


def test_simulate_queue_sid_given_as_worker_sid(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        SHIPPED.read_text().replace(
            "{sid: WK00000000000000000000000000000001,", "{sid: WQ00000000000000000000000000000009,", 1
        )
    )
    one_line(
        invoke("simulate", "--workflow", str(FIXTURE), "--scenarios", str(path)),
        2,
        "workspace.workers[0].sid",
        "expected a worker SID",
        "found a TaskQueue SID",
    )


@pytest.mark.parametrize(
    ("task", "fragment"),
    [
        ("{created: 2001-12-14}", "$.scenarios[0].task.created: is a date, which JSON cannot hold"),
        ("{2001-01-01: x}", "key '2001-01-01' is a date, not text"),
        ("{1: x}", "key '1' is a int, not text"),
        ("!!set {a, b}", "$.scenarios[0].task: is a set"),
        ("{x: .inf}", "inf is not a finite number"),
        ("{x: !!binary aGVsbG8=}", "is a bytes"),
    ],
)
def test_simulate_scenario_values_json_cannot_hold(tmp_path, task, fragment):
    path = tmp_path / "s.yaml"
    path.write_text(
        f"workspace: {{queues: []}}\nscenarios: [{{name: a, task: {task}, expect: {{queue: x}}}}]\n"
    )
    one_line(invoke("simulate", "--workflow", str(FIXTURE), "--scenarios", str(path)), 2, fragment)


@pytest.mark.parametrize("command", ["validate", "diff"])
def test_lone_surrogate_in_json_text(tmp_path, command):
    path = tmp_path / "s.json"
    path.write_text('{"task_routing": {"filters": [{"expression": "a == \'\\ud800\'", "targets": []}]}}')
    args = [command, str(path)] if command == "validate" else [command, str(FIXTURE), str(path)]
    one_line(invoke(*args), 2, "$.task_routing.filters[0].expression", "lone surrogate")


def test_simulate_missing_scenario_file(tmp_path):
    one_line(
        invoke("simulate", "--workflow", str(FIXTURE), "--scenarios", str(tmp_path / "nope.yaml")),
        2,
        "no such file",
    )


# -- eval-expression: options and the expression itself ---------------------------------------------


@pytest.mark.parametrize("option", ["--task", "--worker"])
def test_eval_expression_deep_attributes(option):
    one_line(
        invoke("eval-expression", "1 == 1", option, "[" * DEEP + "]" * DEEP), 2, option, "nested more than 64"
    )


def test_eval_expression_duplicate_attribute():
    one_line(
        invoke("eval-expression", "a == 1", "--task", '{"a": 1, "a": 2}'), 2, "--task", "duplicate key 'a'"
    )


def test_eval_expression_worker_count_not_a_number():
    one_line(
        invoke(
            "eval-expression",
            "workers.available > 0",
            "--context",
            "skip_if",
            "--workers",
            '{"available": "many"}',
        ),
        2,
        "--workers",
        "$.available",
        "got a string 'many'",
    )


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("(" * DEEP + "a == 1" + ")" * DEEP, "nested more than 32 levels"),
        ("a == 1 AND " * 10_000 + "a == 1", "over the limit of 65536"),
        ("1e999999 == a", "the number 1e999999 is too large"),
        ("1 HAS skills", "HAS needs an array attribute on its left"),
        ("a IN 'x'", "IN needs an array on its right"),
        ("a CONTAINS 1", "CONTAINS compares two strings"),
    ],
)
def test_eval_expression_refused(expression, fragment):
    result = invoke("eval-expression", expression)
    assert result.exit_code == 2 and "Traceback" not in result.output
    first = result.stderr.splitlines()[0]  # the second line is the expression with a caret
    assert fragment in first and "at column" in first, first


# -- numbers against Twilio's documented ranges ------------------------------------------------------


@pytest.mark.parametrize("timeout", [99999999999, "99999999999", 1_209_601])
def test_validate_target_timeout_past_the_longest_ttl(tmp_path, timeout):
    path = workflow(tmp_path, lambda d: target(d).update(timeout=timeout))
    result = invoke("validate", str(path))
    assert result.exit_code == 1
    assert [line for line in result.stdout.splitlines()] == [
        line for line in result.stdout.splitlines() if "$.task_routing.filters[1].targets[0].timeout" in line
    ] and "1209600" in result.stdout


def test_validate_cascade_past_the_longest_ttl(tmp_path):
    def two_steps(document: dict) -> None:
        target(document).update(timeout=1_209_600)
        document["task_routing"]["filters"][1]["targets"].append({"queue": target(document)["queue"]})

    result = invoke("validate", str(workflow(tmp_path, two_steps)))
    assert result.exit_code == 1 and "filters[1].targets[1]: starts after 1209600 seconds" in result.stdout


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        (
            {"transferQueues": [{"name": "Sales", "timeout": 99999999999}]},
            "timeout: 99999999999 is out of range",
        ),
        ({"transferQueues": [{"name": "Sales", "timeout": "9" * 5000}]}, "timeout: must be a whole number"),
        ({"transferQueues": [{"name": "Sales", "priority": 2**31}]}, "priority: 2147483648 is out of range"),
        ({"taskReservationTimeout": 86_401}, "taskReservationTimeout: 86401 is out of range"),
    ],
)
def test_stack_config_numbers(values, fragment):
    with pytest.raises(ProblemsError) as caught:
        spec_from_config(values, "dev")
    assert [fragment in str(p) for p in caught.value.problems] == [True]


def test_stack_config_too_big_for_the_engine():
    values = {"transferQueues": [f"Queue {index:05d} " + "x" * 50 for index in range(15_000)]}
    with pytest.raises(ProblemsError) as caught:
        spec_from_config(values, "dev")
    (line,) = str(caught.value).splitlines()
    assert line.startswith("chat-transfer:transferQueues: the chat-transfer config is ")
    assert "of them in transferQueues), over the 126976 the Pulumi engine can hand to the program" in line


# -- render: the stack file ----------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  chat-transfer:transferQueues:\n    - Sales\n")
    return tmp_path


@pytest.mark.parametrize(
    ("content", "code", "fragment"),
    [
        ("config:\n  chat-transfer:workspace: " + "[" * DEEP + "]" * DEEP + "\n", 2, "nested more than 64"),
        (
            "config:\n  chat-transfer:workflowName: a\n  chat-transfer:workflowName: b\n",
            2,
            "duplicate key 'chat-transfer:workflowName' at line 3 (also line 2)",
        ),
        (
            "config:\n  chat-transfer:transferQueues:\n    - {name: Sales, timeout: 99999999999}\n",
            1,
            "transferQueues[0].timeout: 99999999999 is out of range",
        ),
        (b"config:\n  chat-transfer:workflowName: caf\xe9\n", 2, "is not UTF-8 text"),
    ],
)
def test_render_hostile_stack_file(project, content, code, fragment):
    path = project / "Pulumi.dev.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    one_line(invoke("render", "--stack", "dev", "--project-dir", str(project)), code, fragment)


def test_render_to_a_missing_folder(project, tmp_path):
    one_line(
        invoke(
            "render", "--stack", "dev", "--project-dir", str(project), "-o", str(tmp_path / "no" / "x.json")
        ),
        2,
        "the folder does not exist",
    )


# -- diff ------------------------------------------------------------------------------------------------


def test_diff_deep_json(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text(deep_json())
    one_line(invoke("diff", str(FIXTURE), str(path)), 2, "nested more than 64")


def test_diff_output_to_a_missing_folder(tmp_path):
    one_line(
        invoke("diff", str(FIXTURE), str(FIXTURE), "-o", str(tmp_path / "missing-dir" / "x.md")),
        2,
        "missing-dir",
        "the folder does not exist",
    )


def test_diff_side_that_does_not_validate(tmp_path):
    bad = workflow(
        tmp_path, lambda d: d["task_routing"]["filters"][1].update(expression="transferQueueName ==")
    )
    line = one_line(invoke("diff", str(FIXTURE), str(bad)), 2, f"{bad}: $.task_routing.filters[1].expression")
    assert "does not parse" in line


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("config", "user.email", "t@example.com")
    git("config", "user.name", "t")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  chat-transfer:transferQueues: [Sales]\n")
    git("add", ".")
    git("commit", "-q", "-m", "dev")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_diff_unknown_stack(repo):
    one_line(invoke("diff", "--stack", "nosuch", "--base", "HEAD"), 2, "no stack 'nosuch'")


def test_diff_unknown_revision(repo):
    one_line(
        invoke("diff", "--stack", "dev", "--base", "no-such-rev"),
        2,
        "--base",
        "git does not know the revision",
    )


def test_diff_side_with_hostile_stack_text(repo):
    (repo / "Pulumi.dev.yaml").write_text(
        "config:\n  chat-transfer:transferQueues: " + "[" * DEEP + "]" * DEEP + "\n"
    )
    one_line(invoke("diff", "--stack", "dev", "--base", "HEAD"), 2, "Pulumi.dev.yaml", "nested more than 64")


def test_diff_scenarios_that_know_none_of_the_queues_warn(tmp_path):
    def other_sids(document: dict) -> None:
        text = json.dumps(document).replace(
            "WQ000000000000000000000000000000", "WQaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        )
        document.clear()
        document.update(json.loads(text))

    old = workflow(tmp_path, other_sids, "old.json")
    result = invoke("diff", str(old), str(old), "--scenarios", str(SHIPPED))
    assert result.exit_code == 0, result.output
    (warning,) = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert "3 queue SID(s)" in warning and "the routing comparison is meaningless for those queues" in warning


def test_diff_scenarios_that_know_the_queues_do_not_warn():
    result = invoke("diff", str(FIXTURE), str(FIXTURE), "--scenarios", str(SHIPPED))
    assert result.exit_code == 0 and "warning" not in result.stderr


# -- long lists are summarised ---------------------------------------------------------------------


def test_thousands_of_unknown_queues_are_summarised(tmp_path):
    queue = "WQ" + "a" * 32
    filters = [
        {"filter_friendly_name": f"f{index}", "expression": "1==1", "targets": [{"queue": f"WQ{index:032x}"}]}
        for index in range(3_500)
    ]
    path = tmp_path / "many.json"
    path.write_text(json.dumps({"task_routing": {"filters": filters}}))
    sids = tmp_path / "sids.json"
    sids.write_text(json.dumps({"Only": queue}))
    result = invoke("validate", str(path), "--queue-sids", str(sids))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 21, len(lines)
    assert lines[-1].startswith("… and 3480 more of the same kind (CT401: queue WQ")


def test_render_a_900_kb_stack_config_names_the_key(project):
    queues = "".join(f"    - Queue {index:06d} {'x' * 40}\n" for index in range(16_000))
    (project / "Pulumi.dev.yaml").write_text("config:\n  chat-transfer:transferQueues:\n" + queues)
    assert (project / "Pulumi.dev.yaml").stat().st_size > 900_000
    one_line(
        invoke("render", "--stack", "dev", "--project-dir", str(project)),
        1,
        "chat-transfer:transferQueues: the chat-transfer config is",
        "the Pulumi engine can hand to the program",
    )


@pytest.mark.parametrize("stack", ["../etc/passwd", "", "a/b", ".."])
def test_diff_and_render_refuse_a_path_as_stack_name(repo, stack):
    one_line(invoke("diff", "--stack", stack, "--base", "HEAD"), 2, "--stack", "is not a stack name")
    one_line(invoke("render", "--stack", stack), 2, "--stack", "is not a stack name")


def test_diff_stack_outside_a_git_repository(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    one_line(invoke("diff", "--stack", "dev", "--base", "HEAD"), 2, "not in a git repository")


def test_real_entry_point_answers_hostile_input_with_one_line(tmp_path):
    """The same answers from the installed console script in its own process (real recursion limit)."""
    import sys

    deep = tmp_path / "deep.json"
    deep.write_text(deep_json())
    deep_scenarios = tmp_path / "deep.yaml"
    deep_scenarios.write_text(deep_yaml())
    runs = [
        (["validate", str(deep)], "nested more than 64"),
        (["simulate", "--workflow", str(FIXTURE), "--scenarios", str(deep_scenarios)], "nested more than 64"),
        (["eval-expression", "1 == 1", "--task", "[" * DEEP + "]" * DEEP], "nested more than 64"),
        (
            ["diff", str(FIXTURE), str(FIXTURE), "-o", str(tmp_path / "missing-dir" / "x.md")],
            "does not exist",
        ),
    ]
    for args, fragment in runs:
        done = subprocess.run(
            [sys.executable, "-c", "from flex_chat_transfer.workflow.cli import main; main()", *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert done.returncode == 2, (args[0], done.stderr[-500:])
        assert "Traceback" not in done.stderr and done.stdout == ""
        (line,) = [line for line in done.stderr.splitlines() if "(fix: " in line]
        assert fragment in line, line
