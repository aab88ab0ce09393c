"""The sandbox stands on its own: nothing in sandbox/ imports infra/ (the code it is used to test) nor the
project's workflow library (the model its TaskRouter is an independent check of: routing is the sandbox's own,
from Twilio's docs), and sandbox modules import each other without a circle (no import hidden in a function to
break one)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SANDBOX = Path(__file__).resolve().parents[2] / "sandbox"
# The import name of the project's packages (pyproject.toml maps flex_chat_transfer.sandbox onto sandbox/).
PACKAGE = "flex_chat_transfer"


def module_name(path: Path) -> str:
    parts = path.relative_to(SANDBOX.parent).with_suffix("").parts
    return ".".join((PACKAGE, *(parts[:-1] if parts[-1] == "__init__" else parts)))


def names(target: str, package: str) -> bool:
    """Does `target` name `package` (infra, workflow) or a module of it, by its import name or the old one?"""
    return any(target == name or target.startswith(name + ".") for name in (f"{PACKAGE}.{package}", package))


def imports(path: Path) -> list[tuple[str, bool]]:
    """(imported module, at module top?) for every import outside `if TYPE_CHECKING:`."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.Import):
                found.extend((alias.name, top) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                found.append((child.module, top))
                found.extend((f"{child.module}.{alias.name}", top) for alias in child.names)
            nested = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda))
            visit(child, top and not nested)

    visit(tree, True)
    return found


def sandbox_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(SANDBOX.rglob("*.py")) if "node_modules" not in p.parts}


@pytest.mark.parametrize("package", ["infra", "workflow"])
def test_nothing_in_the_sandbox_imports(package):
    offenders = [
        f"{name} imports {target}"
        for name, path in sandbox_modules().items()
        for target, _ in imports(path)
        if names(target, package)
    ]
    assert offenders == []


def test_the_routing_the_sandbox_owns_is_its_own_module():
    assert not (SANDBOX / "core" / "workflow_seam.py").exists()
    package_map = ast.get_docstring(ast.parse((SANDBOX / "core" / "__init__.py").read_text())) or ""
    assert "taskrouter/configuration.py" in package_map  # the routing it owns is declared in the package map


def test_sandbox_modules_import_each_other_without_a_circle():
    modules = sandbox_modules()
    graph = {
        name: {
            target
            for imported, _ in imports(path)
            for target in (imported, imported.rsplit(".", 1)[0])
            if target in modules and target != name
        }
        for name, path in modules.items()
    }
    # the graph is really built from the imports (they name modules by the same names as module_name)
    assert sum(len(targets) for targets in graph.values()) > len(graph)
    # a package's __init__ re-exporting its own modules is not a circle through them
    for name in graph:
        graph[name] = {t for t in graph[name] if not name.startswith(t + ".")}
    cycles: list[list[str]] = []

    def walk(node: str, trail: list[str], done: set[str]) -> None:
        if node in trail:
            cycles.append(trail[trail.index(node) :] + [node])
            return
        if node in done:
            return
        for target in sorted(graph[node]):
            walk(target, [*trail, node], done)
        done.add(node)

    finished: set[str] = set()
    for name in sorted(graph):
        walk(name, [], finished)
    assert cycles == []
