"""`node --check` of many files at the cost of at most one node process, usually none.

Files this node already passed (same content, same node binary, same module format) are remembered in a
cache outside the checkout; the rest are compiled as CommonJS in ONE node process (syntax_check.cjs), which
also lists Node's built-in modules. Only a pass there is trusted: a file that fails it, or is an ES module by
its extension or package.json, is checked by `node --check` itself, so the verdict and the error text are
exactly node's. Failures are never cached.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from flex_chat_transfer.infra.cache import cache_root, read_json, write_atomically

BATCH_SCRIPT = Path(__file__).with_name("syntax_check.cjs")


class NodeUnavailableError(RuntimeError):
    """`node` cannot be found or run."""


@dataclass(frozen=True)
class SyntaxReport:
    builtins: frozenset[str]
    failures: dict[Path, str]  # file -> node --check's stderr


def default_cache_dir() -> Path:
    return cache_root() / "node-check"


def module_format(source: Path) -> str:
    """How node would load the file: "module", "commonjs", or "unknown" (package.json unreadable)."""
    if source.suffix == ".mjs":
        return "module"
    if source.suffix == ".cjs":
        return "commonjs"
    for directory in source.resolve().parents:
        package = directory / "package.json"
        if package.is_file():
            try:
                kind = json.loads(package.read_text(encoding="utf-8")).get("type")
            except (ValueError, AttributeError, OSError):
                return "unknown"
            return "module" if kind == "module" else "commonjs"
    return "commonjs"


def _node_identity(node: str) -> str:
    """Stands in for the node version without starting node: the binary's real path, size and mtime."""
    found = shutil.which(node)
    if not found:
        raise NodeUnavailableError(f"`{node}` not found on PATH")
    real = os.path.realpath(found)
    stat = os.stat(real)
    return f"{real}\0{stat.st_size}\0{stat.st_mtime_ns}"


def _digest(*parts: str | bytes) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part.encode() if isinstance(part, str) else part)
        hasher.update(b"\0")
    return hasher.hexdigest()


def check_files(sources: Iterable[Path], node: str = "node", cache_dir: Path | None = None) -> SyntaxReport:
    """Node's verdict on every file plus Node's built-in module names. Raises NodeUnavailableError."""
    sources = [Path(s) for s in sources]
    cache = cache_dir if cache_dir is not None else default_cache_dir()
    try:
        identity = _node_identity(node)
    except OSError as error:
        raise NodeUnavailableError(str(error)) from error
    builtins_entry = cache / f"builtins-{_digest(identity)}.json"
    keys = {s: _digest(identity, module_format(s), s.read_bytes()) for s in sources}
    unchecked = [s for s in sources if not (cache / keys[s]).exists()]
    builtins = _cached_builtins(builtins_entry)

    batch = [s for s in unchecked if module_format(s) == "commonjs"]
    passed: set[Path] = set()
    if batch or builtins is None:
        answer = _run_batch(node, batch)
        builtins = frozenset(answer["builtins"])
        write_atomically(builtins_entry, json.dumps(sorted(builtins)))
        passed = {s for s, ok in zip(batch, answer["compiled"], strict=True) if ok}

    failures: dict[Path, str] = {}
    for source in unchecked:
        if source not in passed:
            check = _run(node, ["--check", str(source)])
            if check.returncode != 0:
                failures[source] = check.stderr
                continue
        write_atomically(cache / keys[source], "")
    return SyntaxReport(builtins, failures)


def _cached_builtins(entry: Path) -> frozenset[str] | None:
    names = read_json(entry)
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        return None
    return frozenset(names)


def _run(node: str, args: list[str]) -> subprocess.CompletedProcess:
    try:
        return subprocess.run([node, *args], capture_output=True, text=True)
    except OSError as error:
        raise NodeUnavailableError(str(error)) from error


def _run_batch(node: str, files: list[Path]) -> dict:
    done = _run(node, [str(BATCH_SCRIPT), *map(str, files)])
    try:
        answer = json.loads(done.stdout.strip().splitlines()[-1])
        if len(answer["compiled"]) != len(files):
            raise ValueError("one verdict per file expected")
        return answer
    except (ValueError, IndexError, KeyError, TypeError) as error:
        reason = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else str(error)
        raise NodeUnavailableError(f"{BATCH_SCRIPT.name} failed (exit {done.returncode}): {reason}") from None
