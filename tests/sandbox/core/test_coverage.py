"""sandbox/COVERAGE.md is generated from Twilio's OAS and the registered routes; it must be current."""

from __future__ import annotations

from pathlib import Path

from flex_chat_transfer.sandbox.core.coverage import report

COVERAGE = Path(__file__).resolve().parents[3] / "sandbox" / "COVERAGE.md"


def test_coverage_file_is_current():
    assert COVERAGE.read_text() == report(), (
        "sandbox/COVERAGE.md is stale: run "
        "`.venv/bin/python -m flex_chat_transfer.sandbox.core.coverage > sandbox/COVERAGE.md`"
    )


def test_coverage_counts_the_issue_operations():
    text = report()
    for row in (
        "| taskrouter | POST | `/v1/Workspaces/{WorkspaceSid}/Tasks/{TaskSid}/Reservations/{Sid}` | yes |",
        "| flex-api | POST | `/v1/Interactions/{InteractionSid}/Channels/{ChannelSid}/Invites` | yes |",
        "| conversations | POST | `/v1/Conversations/{Sid}` | yes |",
    ):
        assert row in text
    assert "| taskrouter | GET | `/v1/Workspaces/{WorkspaceSid}/TaskQueues/Statistics` |  |" in text
