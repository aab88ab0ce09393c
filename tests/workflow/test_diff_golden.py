"""Golden outputs of `chat-transfer diff`, text and Markdown, one directory per reviewed change.

Each tests/fixtures/diff/<case>/ holds old.json, new.json, an optional queue-sids.json (the name map) and
the expected output. To refresh after an intended format change, rerun the command shown in a failure
and review the difference like any other code change.
"""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from flex_chat_transfer.workflow.cli import app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "diff"
STRUCTURAL_CASES = [
    "queue-added",
    "queue-removed",
    "filters-reordered",
    "target-timeout-changed",
    "expression-changed",
    "whitespace-only",
]


def run_diff(case: Path, output_format: str, *extra: str):
    args = ["diff", str(case / "old.json"), str(case / "new.json"), "--format", output_format, *extra]
    if (case / "queue-sids.json").exists():
        args += ["--queue-sids", str(case / "queue-sids.json")]
    return CliRunner().invoke(app, args)


@pytest.mark.parametrize("output_format,suffix", [("text", "txt"), ("markdown", "md")])
@pytest.mark.parametrize("name", STRUCTURAL_CASES)
def test_structural_diff_matches_golden(name: str, output_format: str, suffix: str):
    case = FIXTURES / name
    result = run_diff(case, output_format)
    assert result.exit_code == 0, result.output
    expected = (case / f"expected.{suffix}").read_text(encoding="utf-8")
    assert result.stdout == expected, f"refresh with: chat-transfer diff ... --format {output_format}"


def test_whitespace_only_change_is_reported_as_no_change():
    case = FIXTURES / "whitespace-only"
    # The files really differ byte for byte; only the parsed values are equal.
    assert (case / "old.json").read_bytes() != (case / "new.json").read_bytes()
    assert run_diff(case, "text").stdout == "no changes\n"


def test_queue_names_appear_next_to_sids_only_with_a_name_map(tmp_path: Path):
    case = FIXTURES / "queue-added"
    named = run_diff(case, "text").stdout
    assert '"WQ00000000000000000000000000000004" (Billing)' in named
    result = CliRunner().invoke(app, ["diff", str(case / "old.json"), str(case / "new.json")])
    assert "(Billing)" not in result.stdout
    assert '"WQ00000000000000000000000000000004"' in result.stdout


@pytest.mark.parametrize("output_format,suffix", [("text", "txt"), ("markdown", "md")])
def test_routing_impact_of_a_filter_added_ahead_of_others(output_format: str, suffix: str):
    """A "VIP customers" filter inserted before the queue filters takes VIP customers' transfers to
    Sales and Support: two of four scenarios now route elsewhere, and they are listed first."""
    case = FIXTURES / "routing-impact"
    result = run_diff(case, output_format, "--scenarios", str(case / "scenarios.yaml"))
    assert result.exit_code == 1, result.output  # routing outcomes changed
    assert result.stdout == (case / f"expected.{suffix}").read_text(encoding="utf-8")


def test_routing_impact_is_computed_not_copied():
    # Diffing new against itself routes every scenario the same way: exit 0, nothing marked changed.
    case = FIXTURES / "routing-impact"
    new = str(case / "new.json")
    result = CliRunner().invoke(app, ["diff", new, new, "--scenarios", str(case / "scenarios.yaml")])
    assert result.exit_code == 0, result.output
    assert "Routing outcomes: 0 of 4 scenarios route differently" in result.stdout
    assert "VIP customers" in result.stdout and "* " not in result.stdout


def test_readme_example_is_the_real_output():
    readme = (FIXTURES.parents[2] / "README.md").read_text(encoding="utf-8")
    expected = (FIXTURES / "routing-impact" / "expected.txt").read_text(encoding="utf-8")
    assert "$ chat-transfer diff old.json new.json --scenarios scenarios.yaml\n" + expected in readme
