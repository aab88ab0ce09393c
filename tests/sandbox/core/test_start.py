"""`twilio-sandbox serve` that cannot start ends with one line on stderr (what, where, the fix), exit 1, no
traceback and nothing written; `scripts/sandbox-ctl.sh start` (make local-up) shows that same line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[3]


def serve(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from flex_chat_transfer.sandbox.cli import main; main()", "serve"]
    defaults = {"--db": str(tmp_path / "state" / "sandbox.db"), "--env-file": str(tmp_path / "state" / "env")}
    for flag, value in defaults.items():
        if flag not in args:
            command += [flag, value]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, timeout=60, cwd=REPO, stdin=subprocess.DEVNULL
    )


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port this test process listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield held.getsockname()[1]


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_a_taken_port_is_one_line_naming_the_port_its_holder_and_the_fix(tmp_path, taken_port):
    line = one_line(serve(tmp_path, "--port", str(taken_port)))
    assert line.startswith(f"twilio-sandbox: port {taken_port} on 127.0.0.1 is already in use by ")
    assert f"(pid {os.getpid()}" in line
    assert "SANDBOX_PORT=" in line and "make local-up" in line
    assert not (tmp_path / "state" / "sandbox.db").exists()  # nothing written before the port was known


def test_a_port_held_by_another_sandbox_says_which_clone_to_stop(tmp_path, sandbox):
    port = urlsplit(sandbox.url).port
    line = one_line(serve(tmp_path, "--port", str(port)))
    assert f"port {port}" in line and f"run `make local-down` in {REPO}" in line


def test_an_unwritable_database_path_is_one_line(tmp_path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    line = one_line(serve(tmp_path, "--port", "0", "--db", str(not_a_dir / "sandbox.db")))
    assert line.startswith(f"twilio-sandbox: cannot open the sandbox database {not_a_dir / 'sandbox.db'}: ")
    assert "(fix: " in line


def test_an_unknown_seed_is_one_line_before_anything_is_written(tmp_path):
    line = one_line(serve(tmp_path, "--port", "0", "--seed", "nope"))
    assert (
        line
        == "twilio-sandbox: --seed 'nope' is not a seed of the sandbox (fix: use one of empty, flex-demo)"
    )
    assert not (tmp_path / "state" / "sandbox.db").exists()


def test_sandbox_ctl_start_shows_the_sandbox_line(tmp_path, taken_port):
    env = {**os.environ, "SANDBOX_PORT": str(taken_port), "SANDBOX_DIR": str(tmp_path / "ctl")}
    result = subprocess.run(
        ["bash", str(REPO / "scripts" / "sandbox-ctl.sh"), "start"],
        capture_output=True,
        text=True,
        timeout=90,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"twilio-sandbox: port {taken_port} on 127.0.0.1 is already"
    )
    assert not (tmp_path / "ctl" / "sandbox.pid").exists()


def test_a_database_file_that_is_not_sqlite_is_one_line(tmp_path):
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database" * 100)
    line = one_line(serve(tmp_path, "--port", "0", "--db", str(garbage)))
    expected = f"twilio-sandbox: cannot open the sandbox database {garbage}: file is not a database"
    assert line.startswith(expected)
    assert garbage.read_bytes() == b"not a database" * 100  # left as it was
