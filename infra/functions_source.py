"""Reads the Functions project (`functions/`) and runs the pre-flight checks before anything is uploaded.

Layout: `functions/functions/<path>.js` public, `<path>.protected.js`, `<path>.private.js`; dependencies from
`functions/package.json`. Checks: `node --check` of every file (through infra/syntax_check.py: one node
process for them all, none for files this node already passed), and every bare `require()`/`import` is
declared in package.json, a Node built-in, or a Twilio default dependency. A failure names the file and the
reason.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from flex_chat_transfer.infra.syntax_check import NodeUnavailableError, check_files
from flex_chat_transfer.infra.twiliox.function import content_hash

TWILIO_DEFAULT_DEPENDENCIES = frozenset({"twilio", "@twilio/runtime-handler"})
_SPECIFIER = re.compile(
    r"""(?:\brequire\s*\(\s*|\bimport\s*\(\s*|\bfrom\s+|^\s*import\s+)(['"])(?P<spec>[^'"]+)\1""",
    re.MULTILINE,
)


class PreflightError(ValueError):
    """One line per problem: file, what is wrong, how to fix it."""


@dataclass(frozen=True)
class FunctionFile:
    source: Path  # on disk
    relative: str  # e.g. functions/features/x/flex/invite-participant.protected.js
    path: str  # the Twilio path, e.g. /features/x/flex/invite-participant
    visibility: str
    content: str

    @property
    def content_hash(self) -> str:
        return content_hash(self.content)


@dataclass(frozen=True)
class FunctionsProject:
    root: Path
    files: tuple[FunctionFile, ...]
    dependencies: dict[str, str]


def _visibility(name: str) -> tuple[str, str]:
    stem = name[: -len(".js")]
    for suffix in ("protected", "private"):
        if stem.endswith(f".{suffix}"):
            return stem[: -len(suffix) - 1], suffix
    return stem, "public"


def load_project(root: Path) -> FunctionsProject:
    root = Path(root)
    source_dir = root / "functions"
    if not source_dir.is_dir():
        raise PreflightError(f"{source_dir}: no functions directory (fix: put the Function files under it)")
    files = []
    for source in sorted(source_dir.rglob("*.js")):
        rel_dir = source.parent.relative_to(source_dir).as_posix()
        stem, visibility = _visibility(source.name)
        path = "/" + (f"{rel_dir}/{stem}" if rel_dir != "." else stem)
        files.append(
            FunctionFile(
                source,
                source.relative_to(root.parent).as_posix(),
                path,
                visibility,
                source.read_text(encoding="utf-8"),
            )
        )
    package = root / "package.json"
    dependencies: dict[str, str] = {}
    if package.exists():
        try:
            dependencies = dict(json.loads(package.read_text()).get("dependencies") or {})
        except ValueError as error:
            raise PreflightError(f"{package}: not valid JSON ({error}) (fix: repair package.json)") from error
    if not files:
        raise PreflightError(f"{source_dir}: no .js files (fix: add at least one Function)")
    return FunctionsProject(root, tuple(files), dependencies)


def _package_name(specifier: str) -> str | None:
    if specifier.startswith((".", "/", "node:")):
        return None
    parts = specifier.split("/")
    return "/".join(parts[:2]) if specifier.startswith("@") else parts[0]


def node_builtins(node: str = "node") -> frozenset[str]:
    out = subprocess.run(
        [node, "-p", "require('module').builtinModules.join('\\n')"],
        capture_output=True,
        text=True,
        check=True,
    )
    return frozenset(out.stdout.split())


def preflight(project: FunctionsProject, node: str = "node", cache_dir: Path | None = None) -> None:
    """Raises PreflightError naming every file that would fail the build, before any upload. The syntax
    check is node's own (`node --check`), run through infra/syntax_check.py: files this node already
    passed are not checked again (`cache_dir`, default ~/.cache/flex-chat-transfer/node-check)."""
    problems = []
    try:
        report = check_files([file.source for file in project.files], node, cache_dir)
    except NodeUnavailableError as error:
        raise PreflightError(
            f"node: cannot run `{node}` for the syntax check ({error}) (fix: install Node.js)"
        ) from error
    for file in project.files:
        stderr = report.failures.get(file.source)
        if stderr is not None:
            reason = next((line for line in stderr.splitlines() if "Error" in line), stderr.strip())
            line = re.search(rf"{re.escape(str(file.source))}:(\d+)", stderr)
            where = f"{file.relative}:{line.group(1)}" if line else file.relative
            problems.append(
                f"{where}: does not parse: {reason} (fix: correct the syntax; `node --check` must pass)"
            )
            continue
        for match in _SPECIFIER.finditer(file.content):
            name = _package_name(match["spec"])
            if (
                name
                and name not in report.builtins
                and name not in TWILIO_DEFAULT_DEPENDENCIES
                and name not in project.dependencies
            ):
                problems.append(
                    f"{file.relative}: requires {name!r}, which functions/package.json does not declare "
                    f"(fix: add it to dependencies)"
                )
    if problems:
        raise PreflightError("\n".join(problems))
