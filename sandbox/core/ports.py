"""Who holds a TCP port, for the one-line start failure (Linux: /proc/net/tcp* and /proc/<pid>/fd; else
`ss -ltnp` when installed; else nobody named)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

_LISTEN = "0A"


@dataclass(frozen=True)
class Holder:
    pid: int
    command: str
    cwd: str | None

    @property
    def is_sandbox(self) -> bool:
        return "twilio-sandbox" in self.command or "flex_chat_transfer.sandbox.cli" in self.command

    def describe(self) -> str:
        where = f", in {self.cwd}" if self.cwd else ""
        return f"{self.command} (pid {self.pid}{where})"


def _listening_inodes(port: int, proc: Path) -> set[str]:
    inodes: set[str] = set()
    for table in ("net/tcp", "net/tcp6"):
        try:
            lines = (proc / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[3] == _LISTEN and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def _describe_pid(pid: int, proc: Path) -> Holder:
    try:
        argv = (proc / str(pid) / "cmdline").read_bytes().split(b"\0")
        words = [w.decode(errors="replace") for w in argv if w]
    except OSError:
        words = []
    if len(words) > 1 and Path(words[0]).name.startswith("python") and words[1].startswith("/"):
        words = words[1:]  # `python /…/bin/twilio-sandbox serve`: the script says more than the interpreter
    command = " ".join(Path(words[0]).name if i == 0 else w for i, w in enumerate(words[:4])) or "?"
    command = " ".join(command.split())  # one line, whatever the arguments hold
    command = command if len(command) <= 80 else command[:77] + "..."
    try:
        cwd: str | None = os.readlink(proc / str(pid) / "cwd")
    except OSError:
        cwd = None
    return Holder(pid, command, cwd)


def _from_proc(port: int, proc: Path) -> Holder | None:
    inodes = _listening_inodes(port, proc)
    if not inodes:
        return None
    wanted = {f"socket:[{inode}]" for inode in inodes}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fds = list((entry / "fd").iterdir())
        except OSError:
            continue  # another user's process
        for fd in fds:
            try:
                if os.readlink(fd) in wanted:
                    return _describe_pid(int(entry.name), proc)
            except OSError:
                continue
    return None


def _from_ss(port: int) -> Holder | None:
    if shutil.which("ss") is None:
        return None
    try:
        out = subprocess.run(
            ["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True, timeout=5
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r'users:\(\("([^"]+)",pid=(\d+)', out)
    return _describe_pid(int(match[2]), Path("/proc")) if match else None


def holder(port: int, proc: Path = Path("/proc")) -> Holder | None:
    """The process listening on `port`, when this user may know it."""
    return _from_proc(port, proc) or _from_ss(port)


def free_port_near(port: int, host: str, tries: int = 20) -> int | None:
    """A port above `port` that is free right now (a suggestion for the fix)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for candidate in range(port + 1, min(port + 1 + tries, 65536)):
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((host, candidate))
            except OSError:
                continue
            return candidate
    return None
