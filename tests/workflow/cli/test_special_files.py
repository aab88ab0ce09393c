"""Every file the `chat-transfer` commands read answers at once (issue 24): a FIFO with no writer, a
device, a directory or a socket given where a file belongs is one line naming it and exit 2, never a wait.
Each command runs as a real process with a deadline, so a command that would block fails the test instead
of hanging it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
WORKFLOW = ROOT / "tests" / "fixtures" / "scenarios" / "chat-transfer.workflow.json"
SCENARIOS = ROOT / "scenarios" / "chat-transfer.yaml"
CLI = str(Path(sys.executable).parent / "chat-transfer")
DEADLINE = 30  # seconds: far more than any of these commands takes; a blocked read never ends


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A folder with a short path: a Unix socket's path must stay under ~100 bytes."""
    folder = Path(tempfile.mkdtemp(prefix="ct-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def listeners() -> Iterator[list[socket.socket]]:
    """Sockets a test keeps listening while it runs; closed after."""
    opened: list[socket.socket] = []
    yield opened
    for listener in opened:
        listener.close()


def fifo(folder: Path, _: list[socket.socket]) -> tuple[Path, str]:
    path = folder / "pipe.json"
    os.mkfifo(path)  # nobody ever opens it for writing
    return path, "named pipe (FIFO)"


def directory(folder: Path, _: list[socket.socket]) -> tuple[Path, str]:
    path = folder / "folder.json"
    path.mkdir()
    return path, "directory"


def unix_socket(folder: Path, keep: list[socket.socket]) -> tuple[Path, str]:
    path = folder / "s.json"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    keep.append(listener)
    listener.bind(str(path))
    listener.listen(1)  # a live socket, listening while the commands run
    return path, "socket"


def char_device(_: Path, __: list[socket.socket]) -> tuple[Path, str]:
    return Path("/dev/zero"), "character device"  # endless bytes: the size bound would read 8 MB first


SPECIAL: dict[str, Callable[[Path, list[socket.socket]], tuple[Path, str]]] = {
    "fifo": fifo, "directory": directory, "socket": unix_socket, "device": char_device,
}


def commands(special: Path, folder: Path) -> dict[str, tuple[list[str], Path | None]]:
    """Each command with the special file in one of its file places (cwd for --stack)."""
    special_stack = folder / "special-project"
    special_stack.mkdir()
    (special_stack / "Pulumi.dev.yaml").symlink_to(special)  # `--stack dev` opens what the link names
    good_stack = folder / "project"
    good_stack.mkdir()
    (good_stack / "Pulumi.dev.yaml").write_text("config:\n  chat-transfer:transferQueues:\n    - Sales\n")
    return {
        "validate": ([CLI, "validate", str(special)], None),
        "validate --queue-sids": ([CLI, "validate", str(WORKFLOW), "--queue-sids", str(special)], None),
        "diff OLD": ([CLI, "diff", str(special), str(WORKFLOW)], None),
        "diff NEW": ([CLI, "diff", str(WORKFLOW), str(special)], None),
        "diff --scenarios": ([CLI, "diff", str(WORKFLOW), str(WORKFLOW), "--scenarios", str(special)], None),
        "simulate --workflow": ([CLI, "simulate", "--workflow", str(special), "--scenarios", str(SCENARIOS)],
                                None),
        "simulate --scenarios": ([CLI, "simulate", "--workflow", str(WORKFLOW), "--scenarios", str(special)],
                                 None),
        "render --stack": ([CLI, "render", "--stack", "dev"], special_stack),
        "render --queue-sids": ([CLI, "render", "--stack", "dev", "--queue-sids", str(special)], good_stack),
    }


@pytest.mark.parametrize("kind", sorted(SPECIAL))
def test_a_special_file_is_one_line_and_exit_2_at_once(
    kind: str, short_dir: Path, listeners: list[socket.socket]
):
    if kind == "device" and not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero on this system")
    special, named = SPECIAL[kind](short_dir, listeners)
    for label, (argv, cwd) in commands(special, short_dir).items():
        result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=DEADLINE,
                                stdin=subprocess.DEVNULL)
        assert result.returncode == 2, (label, result.returncode, result.stderr)
        errors = [line for line in result.stderr.splitlines() if "(fix: " in line]
        assert len(errors) == 1, (label, result.stderr)
        assert named in errors[0] and "regular file" in errors[0], (label, errors[0])
        assert "Traceback" not in result.stderr, label
        assert result.stdout == "", label
