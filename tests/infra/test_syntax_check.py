"""The pre-flight's syntax check: node's verdicts and error text, at most one node process, none for files
this node already passed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from flex_chat_transfer.infra.functions_source import PreflightError, load_project, preflight
from flex_chat_transfer.infra.syntax_check import (
    BATCH_SCRIPT,
    NodeUnavailableError,
    check_files,
    module_format,
)

NODE = shutil.which("node") or "node"


@pytest.fixture
def node(tmp_path) -> tuple[str, Path]:
    """A `node` that logs each start (one line of arguments) and runs the real one."""
    log = tmp_path / "node-starts.log"
    wrapper = tmp_path / "bin" / "node"
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> {log}\nexec {NODE} "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper), log


def starts(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def write(root: Path, files: dict[str, str]) -> list[Path]:
    paths = []
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        paths.append(path)
    return paths


def test_one_node_process_then_none_until_a_file_changes(tmp_path, node):
    node_bin, log = node
    cache = tmp_path / "cache"
    files = write(tmp_path / "p", {f"f{i}.js": f"exports.handler = () => {i};\n" for i in range(9)})
    report = check_files(files, node_bin, cache)
    assert report.failures == {}
    assert {"fs", "path", "node:test"} & report.builtins >= {"fs", "path"}
    assert len(starts(log)) == 1 and starts(log)[0].startswith(str(BATCH_SCRIPT))

    again = check_files(files, node_bin, cache)
    assert again == report and len(starts(log)) == 1  # all passed before: no node at all

    files[3].write_text("exports.handler = () => 'changed';\n")
    assert check_files(files, node_bin, cache).failures == {}
    assert starts(log)[1] == f"{BATCH_SCRIPT} {files[3]}"  # only the changed file


def test_failures_are_nodes_own_text_and_never_cached(tmp_path, node):
    node_bin, log = node
    bad, good = write(
        tmp_path / "p",
        {"bad.js": "exports.handler = (c, e, cb) => {\n  cb(null, 1;\n};\n", "good.js": "exports.a = 1;\n"},
    )
    expected = subprocess.run([NODE, "--check", str(bad)], capture_output=True, text=True).stderr
    for _ in range(2):
        report = check_files([bad, good], node_bin, tmp_path / "cache")
        assert report.failures == {bad: expected}
    assert f"{bad}:2" in expected and "SyntaxError: missing ) after argument list" in expected
    assert starts(log)[2:] == [f"{BATCH_SCRIPT} {bad}", f"--check {bad}"]  # good.js was remembered


def test_es_module_syntax_gets_nodes_verdict(tmp_path, node):
    node_bin, log = node
    detected = write(tmp_path / "cjs", {"a.js": "import x from './b.js';\nexports.handler = () => x;\n"})
    assert check_files(detected, node_bin, tmp_path / "cache").failures == {}  # node detects the module
    # A file that compiles as CommonJS but not as the ES module its package.json makes it (strict mode).
    write(tmp_path / "esm", {"package.json": '{"type": "module"}'})
    [sloppy] = write(tmp_path / "esm", {"w.js": "with (Math) { max(1, 2); }\n"})
    assert module_format(sloppy) == "module"
    report = check_files([sloppy], node_bin, tmp_path / "cache")
    assert "SyntaxError" in report.failures[sloppy]
    assert starts(log)[-1] == f"--check {sloppy}"


def test_preflight_reports_as_before_through_the_cache(tmp_path, node):
    node_bin, _ = node
    root = tmp_path / "functions"
    write(root, {"package.json": "{}", "functions/x/bad.protected.js": "exports.h = (;\n",
                 "functions/ok.js": "const fs = require('fs');\nexports.h = () => fs;\n"})
    for _ in range(2):
        with pytest.raises(PreflightError) as error:
            preflight(load_project(root), node_bin, tmp_path / "cache")
        line = str(error.value)
        assert line.startswith("functions/functions/x/bad.protected.js:1: does not parse: SyntaxError")
        assert len(str(error.value).splitlines()) == 1


def test_missing_node_is_one_line(tmp_path):
    with pytest.raises(NodeUnavailableError):
        check_files([], str(tmp_path / "no-node"), tmp_path / "cache")
    root = tmp_path / "functions"
    write(root, {"functions/a.js": "exports.a = 1;\n"})
    with pytest.raises(PreflightError, match=r"^node: cannot run `.*no-node` .*\(fix: install Node.js\)$"):
        preflight(load_project(root), str(tmp_path / "no-node"), tmp_path / "cache")


def test_a_damaged_builtins_entry_is_asked_again_not_a_traceback(tmp_path, node):
    node_bin, log = node
    cache = tmp_path / "cache"
    files = write(tmp_path / "p", {"f.js": "exports.handler = () => 1;\n"})
    report = check_files(files, node_bin, cache)
    entries = [p for p in cache.rglob("*") if p.is_file() and p.read_text().startswith("[")]
    assert len(entries) == 1  # the built-in module names
    for damage in ("[" * 100_000, '["fs", 1]', "{not json"):
        entries[0].write_text(damage)
        assert check_files(files, node_bin, cache).builtins == report.builtins
    assert len(starts(log)) == 4  # each damaged entry made node answer again
