"""Behaviour of the structural workflow diff (workflow/diff.py) and the CLI's input errors."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flex_chat_transfer.workflow.cli import app
from flex_chat_transfer.workflow.diff import (
    MISSING,
    Outcome,
    RoutingOutcome,
    ValueChange,
    diff_workflows,
    format_markdown,
    format_text,
)

SALES, SUPPORT = "WQ" + "0" * 31 + "2", "WQ" + "0" * 31 + "3"


def queue_filter(name: str, sid: str, **target) -> dict:
    return {"filter_friendly_name": name, "expression": f"transferQueueName == '{name}'",
            "targets": [{"queue": sid, **target}]}


def doc(*filters, **routing) -> dict:
    return {"task_routing": {"filters": list(filters), **routing}}


def test_identical_documents_have_no_changes():
    document = doc(queue_filter("Sales", SALES))
    result = diff_workflows(document, json.loads(json.dumps(document)))
    assert not result.has_changes
    assert format_text(result) == "no changes\n"
    assert "No changes." in format_markdown(result)


def test_inserting_at_the_front_shifts_indexes_but_moves_nothing():
    a, b = queue_filter("A", SALES), queue_filter("B", SUPPORT)
    result = diff_workflows(doc(a, b), doc(queue_filter("New", SALES), a, b))
    assert [(c.name, c.kind, c.moved) for c in result.filters] == [("New", "added", False)]


def test_moving_the_last_filter_first_reports_only_that_filter():
    a, b, c = (queue_filter(n, SALES) for n in "ABC")
    result = diff_workflows(doc(a, b, c), doc(c, a, b))
    [change] = result.filters
    assert (change.name, change.old_index, change.new_index, change.moved) == ("C", 2, 0, True)
    assert (change.now_after, change.now_before) == (None, "A")


def test_swap_reports_the_filter_that_moved_up():
    a, b = queue_filter("A", SALES), queue_filter("B", SUPPORT)
    [change] = diff_workflows(doc(a, b), doc(b, a)).filters
    assert (change.name, change.old_index, change.new_index) == ("B", 1, 0)


def test_unnamed_filters_pair_by_expression():
    old = doc({"expression": "1==1", "targets": [{"queue": SALES}]})
    new = doc({"expression": "1==1", "targets": [{"queue": SALES, "priority": 5}]})
    [change] = diff_workflows(old, new).filters
    assert change.kind == "changed" and change.name == "(unnamed) 1==1"
    assert change.targets[0].changes == (ValueChange("priority", MISSING, 5),)


def test_renamed_filter_is_a_remove_and_an_add():
    result = diff_workflows(doc(queue_filter("A", SALES)), doc({**queue_filter("A", SALES),
                                                                "filter_friendly_name": "A2"}))
    assert sorted(c.kind for c in result.filters) == ["added", "removed"]


def test_duplicate_names_pair_in_order():
    first, second = queue_filter("Dup", SALES), queue_filter("Dup", SUPPORT)
    changed_second = queue_filter("Dup", SUPPORT, timeout=10)
    [change] = diff_workflows(doc(first, second), doc(first, changed_second)).filters
    assert (change.old_index, change.new_index) == (1, 1)
    assert change.targets[0].changes == (ValueChange("timeout", MISSING, 10),)


def test_target_added_removed_and_changed_per_index():
    old = queue_filter("A", SALES, timeout=30)
    old["targets"].append({"queue": SUPPORT, "timeout": 60})
    new = queue_filter("A", SALES, timeout=45)
    [change] = diff_workflows(doc(old), doc(new)).filters
    kinds = [(t.index, t.kind) for t in change.targets]
    assert kinds == [(0, "changed"), (1, "removed")]
    assert change.targets[0].changes == (ValueChange("timeout", 30, 45),)
    text = format_text(diff_workflows(doc(old), doc(new), {SUPPORT: "Support"}))
    assert "targets[0].timeout: 30 → 45" in text
    assert f'targets[1]: removed (queue "{SUPPORT}" (Support), timeout 60)' in text


def test_value_types_matter_but_key_order_does_not():
    # "30" and 30 are different JSON; true and 1 are too.
    [change] = diff_workflows(doc(queue_filter("A", SALES, timeout=30)),
                              doc(queue_filter("A", SALES, timeout="30"))).filters
    assert change.targets[0].changes == (ValueChange("timeout", 30, "30"),)
    flag_old, flag_new = doc(queue_filter("A", SALES), x=True), doc(queue_filter("A", SALES), x=1)
    assert diff_workflows(flag_old, flag_new).other == (ValueChange("$.task_routing.x", True, 1),)
    reordered_filter = {"targets": [{"queue": SALES}], "expression": "transferQueueName == 'A'",
                        "filter_friendly_name": "A"}
    reordered = {"task_routing": {"filters": [reordered_filter]}}
    assert not diff_workflows(doc(queue_filter("A", SALES)), reordered).has_changes


def test_null_is_not_absent():
    result = diff_workflows(doc(queue_filter("A", SALES)), doc(queue_filter("A", SALES, priority=None)))
    assert result.filters[0].targets[0].changes == (ValueChange("priority", MISSING, None),)
    assert "targets[0].priority: (absent) → null" in format_text(result)


def test_default_filter_added_changed_removed():
    base = doc(queue_filter("A", SALES))
    with_default = doc(queue_filter("A", SALES), default_filter={"queue": SALES})
    added = diff_workflows(base, with_default, {SALES: "Sales"})
    assert added.default_filter.kind == "added"
    assert f'~ default_filter: added\n    added (queue "{SALES}" (Sales))' in format_text(added)
    changed = diff_workflows(doc(default_filter={"queue": SALES}), doc(default_filter={"queue": SUPPORT}),
                             {SALES: "Sales", SUPPORT: "Support"})
    assert changed.default_filter.changes == (ValueChange("queue", SALES, SUPPORT),)
    assert f'queue: "{SALES}" (Sales) → "{SUPPORT}" (Support)' in format_text(changed)
    removed = diff_workflows(doc(default_filter={"queue": SALES}), doc())
    assert removed.default_filter.kind == "removed"


def test_markdown_escapes_pipes_in_table_cells():
    old = doc({"filter_friendly_name": "a|b", "expression": "x == 'p|q'", "targets": [{"queue": SALES}]})
    new = doc({"filter_friendly_name": "a|b", "expression": "x == 'p|r'", "targets": [{"queue": SALES}]})
    markdown = format_markdown(diff_workflows(old, new))
    row = [line for line in markdown.splitlines() if line.startswith("| `a")][0]
    assert "`a\\|b`" in row and "`x == 'p\\|r'`" in row
    # Every unescaped pipe is a column separator: 4 of them for 3 columns.
    assert row.replace("\\|", "").count("|") == 4


def test_routing_table_lists_changed_rows_first():
    unchanged = RoutingOutcome("stays", Outcome("A", "Sales", ("alice",)), Outcome("A", "Sales", ("alice",)))
    changed = RoutingOutcome("moves", Outcome("A", "Sales", ("alice",)), Outcome("VIP", "VIP", ()))
    result = diff_workflows(doc(), doc()).with_routing([unchanged, changed])
    assert result.routing_changed
    text = format_text(result)
    assert text.index('"moves"') < text.index('"stays"')
    assert '* "moves": "A" → Sales (alice) ⇒ "VIP" → VIP (no eligible worker)' in text
    markdown = format_markdown(result)
    rows = [line for line in markdown.splitlines() if line.startswith("| ") and "Scenario" not in line]
    assert rows[0].startswith("| **moves** (changed)") and rows[1].startswith("| stays |")


def run(*args: str):
    return CliRunner().invoke(app, ["diff", *args])


@pytest.mark.parametrize(
    ("content", "line_start"),
    [
        ('{"task_routing": {"filters": [}\n', "not valid JSON: Expecting value at line 1, column 31"),
        (
            '{"filters": []}',
            "$.task_routing: not a workflow configuration (no task_routing object) (fix: pass the workflow's "
            "Configuration JSON, e.g. the output of `chat-transfer render`)",
        ),
    ],
    ids=["broken JSON", "no task_routing"],
)
def test_cli_rejects_a_bad_document_with_one_line_naming_the_place(tmp_path: Path, content, line_start):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(doc()))
    bad.write_text(content)
    result = run(str(good), str(bad))
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"{bad}: {line_start}"), line
    assert "(fix: " in line


def test_cli_usage_errors(tmp_path: Path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(doc()))
    assert run(str(good)).exit_code == 2
    assert "two workflow files are needed" in run(str(good)).stderr
    assert run("--stack", "dev").exit_code == 2
    assert "--base: --stack needs the git revision" in run("--stack", "dev").stderr
    missing = run(str(good), str(tmp_path / "nope.json"))
    assert missing.exit_code == 2
    assert "nope.json: cannot read the workflow configuration: no such file" in missing.stderr
    sids = tmp_path / "sids.json"
    sids.write_text('["WQ1"]')
    assert "expected a JSON object mapping queue name to WQ SID" in run(str(good), str(good), "--queue-sids",
                                                                        str(sids)).stderr


def test_cli_writes_output_file(tmp_path: Path):
    old, new, out = tmp_path / "old.json", tmp_path / "new.json", tmp_path / "out.md"
    old.write_text(json.dumps(doc(queue_filter("A", SALES))))
    new.write_text(json.dumps(doc(queue_filter("A", SALES, timeout=5))))
    result = run(str(old), str(new), "--format", "markdown", "-o", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    assert out.read_text().startswith("### Workflow changes\n")


def test_cli_names_the_side_whose_workflow_the_simulator_rejects(tmp_path: Path):
    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "diff" / "routing-impact"
    broken = json.loads((fixtures / "new.json").read_text())
    broken["task_routing"]["filters"][1]["expression"] = "customerTier == "
    new = tmp_path / "new.json"
    new.write_text(json.dumps(broken))
    result = run(str(fixtures / "old.json"), str(new), "--scenarios", str(fixtures / "scenarios.yaml"))
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"{new}: $.task_routing.filters[1].expression") and "(fix: " in line


def test_cli_reports_a_bad_scenario_file(tmp_path: Path):
    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "diff" / "routing-impact"
    scenarios = tmp_path / "scenarios.yaml"
    scenarios.write_text("workspace: {queues: [], workers: []}\nscenarios: []\nextra: 1\n")
    result = run(str(fixtures / "old.json"), str(fixtures / "new.json"), "--scenarios", str(scenarios))
    assert result.exit_code == 2
    assert "extra" in result.stderr and "(fix: " in result.stderr


def test_help_documents_the_exit_codes():
    text = " ".join(CliRunner().invoke(app, ["diff", "--help"], terminal_width=200).stdout.split())
    assert "Exit status: 0 the diff was printed" in text
    assert "1 with --scenarios, at least one scenario routes differently" in text
    assert "2 bad input" in text


def test_markdown_keeps_angle_brackets_visible():
    outcome = RoutingOutcome("<b>bold</b> scenario", Outcome("A", "Q<1>"), Outcome("A", "Q<1>"))
    markdown = format_markdown(diff_workflows(doc(), doc()).with_routing([outcome]))
    assert "| &lt;b>bold&lt;/b> scenario | `A` → Q&lt;1> (no eligible worker) |" in markdown
