"""workflow/ is pure (issue 18): it imports no Twilio SDK, no Pulumi, no database, no network library, and
nothing of the packages built on it (infra/, sandbox/). Checked on the source, so a function-level import
cannot hide a dependency."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

WORKFLOW = Path(__file__).resolve().parents[2] / "workflow"
FORBIDDEN = {
    "twilio",
    "pulumi",
    "pulumi_twilio",
    "sqlite3",
    "flex_chat_transfer.infra",
    "flex_chat_transfer.sandbox",
    "infra",
    "sandbox",
    "socket",
    "ssl",
    "http",
    "urllib",
    "urllib3",
    "requests",
    "httpx",
    "aiohttp",
    "uvicorn",
    "starlette",
    "asyncio",
}
MODULES = sorted(WORKFLOW.rglob("*.py"))


def package_of(module: str) -> str:
    """The top-level name, or for the project's own import name its package (flex_chat_transfer.infra)."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "flex_chat_transfer" else parts[0]


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(package_of(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(package_of(node.module))
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__":
            names.add("__import__")
    return names


def test_every_module_is_checked():
    assert len(MODULES) >= 20


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(WORKFLOW.parent)))
def test_workflow_imports_nothing_impure(path):
    names = imported(path)
    assert not names & FORBIDDEN and "__import__" not in names, sorted(names & (FORBIDDEN | {"__import__"}))


def test_the_check_would_catch_an_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from flex_chat_transfer.workflow.spec import StackSettings\n"
        "def f():\n    import sqlite3\n    from urllib.request import urlopen\n"
        "    from flex_chat_transfer.infra.client import make_client\n"
    )
    assert imported(bad) & FORBIDDEN == {"sqlite3", "urllib", "flex_chat_transfer.infra"}


def test_importing_every_command_loads_no_sdk_database_or_network_client():
    """At run time too: what the third-party libraries workflow/ uses (typer, lark, jsonschema) pull in."""
    import subprocess
    import sys

    code = (
        "import sys, flex_chat_transfer.workflow.cli, flex_chat_transfer.workflow.diff, "
        "flex_chat_transfer.workflow.simulate, flex_chat_transfer.workflow.validate, "
        "flex_chat_transfer.workflow.loader, flex_chat_transfer.workflow.scenarios, "
        "flex_chat_transfer.workflow.rules\n"
        "print(' '.join(sorted(sys.modules)))"
    )
    loaded = set(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    banned = {
        "twilio",
        "pulumi",
        "sqlite3",
        "_sqlite3",
        "socket",
        "ssl",
        "http.client",
        "urllib3",
        "requests",
        "httpx",
    }
    assert not loaded & banned, sorted(loaded & banned)
