"""What a Serverless Build does to the code: parse its inputs, lay it out on disk, and really check it.

A build is materialised once into `<statedir>/builds/<ZB>/`:
`functions/<path>.js` (`.protected.js` / `.private.js` by visibility, the layout the Node runtime host reads),
`assets/<path>` and a `package.json` naming the build's dependencies. Then every function must pass
`node --check` and every bare `require()` / `import` it makes must be a Node built-in, a declared dependency
or one of Twilio's default dependencies. The first problem found is the build's failure reason.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

# Twilio adds these to every build (docs "Dependencies"; OAS CreateBuild example); a function may require them
# without declaring them.
TWILIO_DEFAULT_DEPENDENCIES: dict[str, str] = {"twilio": "5.4.0", "@twilio/runtime-handler": "2.1.0"}

# The runtimes Twilio documents (research/twilio-api.md §4: S3, S4, S6). node18 is still accepted as a value
# but its deployments fail since 2025-11-10; anything else is 82007. Extend when Twilio adds one.
DEFAULT_RUNTIME = "node22"
RUNTIMES_ACCEPTED = ("node18", "node20", "node22", "node24")
RUNTIMES_RETIRED = {"node18": "node18 deployments fail since 2025-11-10"}

_VISIBILITY_SUFFIX = {"public": "", "protected": ".protected", "private": ".private"}

# require('x'), import('x'), import ... from 'x', import 'x', export ... from 'x'
_SPECIFIER = re.compile(
    r"""\brequire\s*\(\s*(['"])(?P<req>[^'"]+)\1\s*\)"""
    r"""|\bimport\s*\(\s*(['"])(?P<dyn>[^'"]+)\3\s*\)"""
    r"""|\b(?:import|export)\s[^'";]*?\bfrom\s*(['"])(?P<from>[^'"]+)\5"""
    r"""|\bimport\s*(['"])(?P<bare>[^'"]+)\7"""
)


class BuildInputError(ValueError):
    """A Build create parameter Twilio would refuse; `param` names it, `code` is Twilio's error code."""

    def __init__(self, param: str, message: str, code: int = 20001) -> None:
        super().__init__(message)
        self.param = param
        self.code = code


@dataclass(frozen=True)
class BuildFile:
    """One function or asset version as it goes into a build."""

    path: str  # always starts with '/'
    visibility: str  # public | protected | private
    content: bytes


@dataclass(frozen=True)
class BuildOutcome:
    status: str  # completed | failed
    reason: str | None = None


def parse_dependencies(raw: str | None) -> list[dict[str, str]]:
    """The `Dependencies` form field: a JSON array of {name, version}, also in the toolkit's quoted form."""
    if raw is None or raw.strip() == "":
        return []
    text = raw.strip()
    # serverless-api sends '"' + JSON.stringify(deps) + '"' (unescaped); a JSON-encoded string works too.
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        try:
            decoded = json.loads(text)
            text = decoded if isinstance(decoded, str) else text
        except json.JSONDecodeError:
            text = text[1:-1]
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise BuildInputError(
            "Dependencies",
            f"Dependencies is not valid JSON ({error.msg} at column {error.colno}); "
            'send a JSON array like [{"name": "lodash", "version": "4.17.21"}]',
        ) from None
    if not isinstance(value, list):
        raise BuildInputError(
            "Dependencies",
            'Dependencies must be a JSON array like [{"name": "lodash", "version": "4.17.21"}]',
        )
    dependencies: list[dict[str, str]] = []
    for index, item in enumerate(value):
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("name"), str)
            or not item["name"]
            or not isinstance(item.get("version", ""), str)
        ):
            raise BuildInputError(
                "Dependencies",
                f"Dependencies[{index}] must be an object with string name and version, "
                'e.g. {"name": "lodash", "version": "4.17.21"}',
            )
        dependencies.append({"name": item["name"], "version": item.get("version") or "*"})
    return dependencies


def with_twilio_defaults(dependencies: list[dict[str, str]]) -> list[dict[str, str]]:
    """The dependency list a build reports: the declared ones plus Twilio's defaults when not declared."""
    declared = {d["name"] for d in dependencies}
    defaults = [
        {"name": n, "version": v} for n, v in TWILIO_DEFAULT_DEPENDENCIES.items() if n not in declared
    ]
    return [*dependencies, *defaults]


def parse_runtime(raw: str | None) -> str:
    """The `Runtime` form field; unknown runtimes are refused with 82007 like Twilio."""
    if raw is None or raw == "":
        return DEFAULT_RUNTIME
    if raw not in RUNTIMES_ACCEPTED:
        raise BuildInputError(
            "Runtime",
            f"Runtime '{raw}' is not supported; use one of {', '.join(RUNTIMES_ACCEPTED)}",
            code=82007,
        )
    return raw


def function_file(path: str, visibility: str) -> str:
    """Where a function version lives inside a build directory."""
    return f"functions{path}{_VISIBILITY_SUFFIX[visibility]}.js"


def asset_file(path: str) -> str:
    return f"assets{path}"


def materialise(
    build_dir: Path, functions: list[BuildFile], assets: list[BuildFile], dependencies: list[dict[str, str]]
) -> None:
    """Write the build's files once; a half-written directory never becomes visible under its final name."""
    if build_dir.exists():
        return
    staging = build_dir.with_name(build_dir.name + ".staging")
    shutil.rmtree(staging, ignore_errors=True)
    for version in functions:
        _write(staging / function_file(version.path, version.visibility), version.content)
    for version in assets:
        _write(staging / asset_file(version.path), version.content)
    package = {
        "name": build_dir.name.lower(),
        "private": True,
        "dependencies": {d["name"]: d["version"] for d in dependencies},
    }
    _write(staging / "package.json", json.dumps(package, indent=2).encode())
    try:
        staging.rename(build_dir)
    except OSError:
        # another worker finished first: its copy holds the same files
        shutil.rmtree(staging, ignore_errors=True)


def _write(target: Path, content: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)


@functools.cache
def node_builtins(node: str = "node") -> frozenset[str]:
    """Node's own module names, asked from the node that will run the functions (never a hand-kept list)."""
    output = subprocess.run(
        [node, "-p", "JSON.stringify(require('module').builtinModules)"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    return frozenset(json.loads(output))


def package_name(specifier: str) -> str | None:
    """The npm package a bare specifier names (`@scope/pkg/sub` → `@scope/pkg`); None for relative paths."""
    if specifier.startswith("node:"):
        return specifier
    if specifier.startswith((".", "/")) or re.match(r"^[a-z][a-z0-9+.-]*:", specifier):
        return None  # relative, absolute, or a URL (data:, file:)
    parts = specifier.split("/")
    return "/".join(parts[:2]) if specifier.startswith("@") else parts[0]


def required_packages(source: str) -> list[str]:
    """Bare packages a function's source requires or imports, in first-use order."""
    found: list[str] = []
    for match in _SPECIFIER.finditer(source):
        specifier = match["req"] or match["dyn"] or match["from"] or match["bare"]
        name = package_name(specifier)
        if name and name not in found:
            found.append(name)
    return found


def check_build(
    build_dir: Path,
    functions: list[BuildFile],
    dependencies: list[dict[str, str]],
    runtime: str,
    node: str = "node",
) -> BuildOutcome:
    """Run the checks Twilio's build would fail on; the reason is one line: what, where, how to fix."""
    if runtime in RUNTIMES_RETIRED:
        return BuildOutcome(
            "failed",
            f"Runtime {runtime}: {RUNTIMES_RETIRED[runtime]} (fix: build with Runtime={DEFAULT_RUNTIME})",
        )
    for version in functions:
        file = build_dir / function_file(version.path, version.visibility)
        problem = _syntax_problem(node, file, version.path)
        if problem:
            return BuildOutcome("failed", problem)
    allowed = {d["name"] for d in dependencies} | set(TWILIO_DEFAULT_DEPENDENCIES)
    builtins = node_builtins(node)
    for version in functions:
        for name in required_packages(version.content.decode("utf-8", errors="replace")):
            if name.startswith("node:") or name in builtins or name in allowed:
                continue
            return BuildOutcome(
                "failed",
                f"function {version.path}: requires '{name}', which is not a Node built-in, not a Twilio "
                f"default dependency and not in the build's Dependencies "
                f'(fix: add {{"name": "{name}", "version": "<version>"}} to Dependencies)',
            )
    return BuildOutcome("completed")


def _syntax_problem(node: str, file: Path, path: str) -> str | None:
    result = subprocess.run([node, "--check", str(file)], capture_output=True, text=True, timeout=60)
    if result.returncode == 0:
        return None
    error = _first_error(result.stderr, file)
    return f"function {path}: node --check failed: {error} (fix: correct the syntax)"


def _first_error(stderr: str, file: Path) -> str:
    """node prints `file:line`, the line, a caret, a blank line, then `SyntaxError: …`; keep line + error."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    location = next((line.rsplit(":", 1)[-1] for line in lines if line.startswith(str(file) + ":")), None)
    error = next((line.strip() for line in lines if re.match(r"^\w*Error\b", line.strip())), None)
    error = error or (lines[-1].strip() if lines else "unknown error")
    return f"line {location}: {error}" if location and location.isdigit() else error
