"""The program's look-ups, against the sandbox: the queues of the workspace SID a name had last time are
listed beside the workspace look-up, and used only when Twilio confirms that SID. A wrong or foreign memory
costs one wasted read, never a wrong SID."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flex_chat_transfer.infra.cache import MAX_ENTRY_BYTES
from flex_chat_transfer.infra.lookup import remember_workspace, remembered_workspace
from flex_chat_transfer.infra.program import prepare, workspace_memory_key

REPO = Path(__file__).resolve().parents[2]
NS = "chat-transfer:"


@pytest.fixture
def program(sandbox, seeded, tmp_path, monkeypatch):
    monkeypatch.setenv("CHAT_TRANSFER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("TWILIO_SANDBOX_URL", sandbox.url)
    functions_dir = tmp_path / "functions"
    shutil.copytree(REPO / "functions", functions_dir, ignore=shutil.ignore_patterns("node_modules", "test"))
    config = {
        f"{NS}workspace": "Flex Task Assignment",
        f"{NS}workerTransferQueue": "Everyone",
        f"{NS}transferQueues": ["Sales", "Support"],
        "twilio:accountSid": sandbox.account_sid,
        "twilio:authToken": sandbox.auth_token,
    }
    key = workspace_memory_key(config, "Flex Task Assignment")

    def run():
        log = sandbox.requests()
        mark = log[-1]["id"] if log else 0
        prepared = prepare(config, "memory", functions_dir)
        reads = [r["path"] for r in sandbox.requests(since=mark) if r["path"].endswith("/TaskQueues")]
        return prepared, reads

    return run, key


def test_the_workspace_sid_is_remembered_and_its_queues_listed_once(program):
    run, key = program
    first, first_reads = run()
    assert remembered_workspace(key) == first.workspace_sid
    again, reads = run()
    assert again.queue_sids == first.queue_sids and again.workspace_sid == first.workspace_sid
    assert len(first_reads) == 1 and len(reads) == 1  # listed beside the look-up, not twice


def test_a_wrong_memory_costs_one_read_and_is_corrected(program):
    run, key = program
    first, _ = run()
    wrong = "WS" + "0" * 32
    remember_workspace(key, wrong)
    again, reads = run()
    assert again.queue_sids == first.queue_sids  # from the confirmed workspace, not the remembered one
    listed = {f"/taskrouter/v1/Workspaces/{sid}/TaskQueues" for sid in (wrong, first.workspace_sid)}
    assert len(reads) == 2 and set(reads) == listed  # the guess (a wasted read), then the real one
    assert remembered_workspace(key) == first.workspace_sid


def test_a_damaged_memory_file_is_ignored(program, tmp_path):
    run, key = program
    memory = tmp_path / "cache" / "workspaces.json"
    memory.parent.mkdir(parents=True, exist_ok=True)
    memory.write_text("{not json")
    first, reads = run()
    assert len(reads) == 1 and remembered_workspace(key) == first.workspace_sid
    for damage in ("[" * 100_000, "x" * (MAX_ENTRY_BYTES + 1), '{"a": "b", "a": "c"}'):
        memory.write_text(damage)  # too deep, over the reader's bound, a duplicate key: ignored
        assert remembered_workspace(key) is None
    remember_workspace(key, first.workspace_sid)  # and written whole again
    assert remembered_workspace(key) == first.workspace_sid
