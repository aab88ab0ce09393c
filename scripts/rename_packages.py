#!/usr/bin/env python3
"""Renames the project's import names to its own package (issue 24): `infra`, `workflow` and `sandbox`,
top-level until now, become `flex_chat_transfer.infra`, `flex_chat_transfer.workflow` and
`flex_chat_transfer.sandbox`. The folders stay where they are; pyproject.toml maps the names onto them.
`harness` and `bench` are not installed and keep their names.

Mechanical and idempotent, so it can be run again on a tree that gained code with the old names:
  .venv/bin/python scripts/rename_packages.py          # rewrite, print every change
  .venv/bin/python scripts/rename_packages.py --check  # rewrite nothing; exit 1 if anything is left to do

What is rewritten, in every file git tracks (Twilio's OAS files, JSON, lock files and JavaScript left alone):
- in Python code, `from infra… import` and `import infra….x as y` statements (a bare `import infra.x` binds
  the name `infra` and is reported for a hand edit instead);
- in Python strings and comments, and in every other text file (Markdown, TOML, shell, YAML, Makefile, the
  provider launcher), a dotted name such as `sandbox.core.coverage`, `infra.twiliox` or `workflow.cli:main`
  whose first part after the package is a module or package that exists in that folder (so `sandbox.db`,
  `self.workflow.id` or `workflow.json` are not module names and stay);
- in Python, a bare "infra", "workflow" or "sandbox" string passed to `files(`, `import_module(`,
  `find_spec(` or `__import__(` (importlib's names for a package).
Then `ruff check --select I --fix` re-sorts the imports of the changed Python files (the renamed imports are
first-party). Lines the rename made longer than the project's limit are listed for a look.
"""

from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
import tokenize
from pathlib import Path

PACKAGE = "flex_chat_transfer"
RENAMED = ("infra", "workflow", "sandbox")
LINE_LIMIT = 110
SKIPPED_SUFFIXES = (".json", ".js", ".cjs", ".mjs", ".lock", ".lark", ".db", ".png", ".svg")
SKIPPED_PREFIXES = ("sandbox/oas/", "node_modules/")
# This script and its test name the old packages on purpose.
SKIPPED_FILES = ("scripts/rename_packages.py", "tests/package/test_import_names.py")
# Calls whose first argument is a module name: a bare "workflow" there is the package, not a word.
NAME_TAKERS = ("files", "import_module", "find_spec", "__import__")

# A dotted name starting with one of the renamed packages, not itself part of a longer dotted name or a path.
DOTTED = re.compile(r"(?<![\w.\-/])(" + "|".join(RENAMED) + r")((?:\.[A-Za-z_]\w*)+)")


def is_module(repo: Path, root: str, first: str) -> bool:
    folder = repo / root
    return (folder / f"{first}.py").is_file() or (folder / first / "__init__.py").is_file() or (
        first == "__main__" and (folder / "__main__.py").is_file()
    )


def rewrite_dotted(repo: Path, text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        root, rest = match.group(1), match.group(2)
        first = rest[1:].split(".", 1)[0]
        return f"{PACKAGE}.{root}{rest}" if is_module(repo, root, first) else match.group(0)

    return DOTTED.sub(replace, text)


def rewrite_python(repo: Path, path: str, text: str, notes: list[str]) -> str:
    """Import statements in code; dotted module names in strings and comments. Edits by token position."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError) as error:
        notes.append(f"{path}: not tokenized ({error}); left alone")
        return text
    edits: list[tuple[tuple[int, int], tuple[int, int], str]] = []
    statement_start = True
    for index, token in enumerate(tokens):
        kind, string = token.type, token.string
        if kind == tokenize.STRING and string[1:-1] in RENAMED and string[0] == string[-1] and index >= 2:
            # A package named by a bare string where a module name is expected: files("workflow"), …
            if tokens[index - 1].string == "(" and tokens[index - 2].string in NAME_TAKERS:
                edits.append((token.start, token.end, f"{string[0]}{PACKAGE}.{string[1:-1]}{string[-1]}"))
        elif kind in (tokenize.STRING, tokenize.COMMENT):
            new = rewrite_dotted(repo, string)
            if new != string:
                edits.append((token.start, token.end, new))
        elif kind == tokenize.NAME and string in ("from", "import") and statement_start:
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            if following is not None and following.type == tokenize.NAME and following.string in RENAMED:
                if string == "import":
                    rest = tokens[index + 2 : index + 12]
                    names = [t.string for t in rest if t.type in (tokenize.NAME, tokenize.OP)]
                    if "as" not in names or "," in names[: names.index("as")]:
                        notes.append(
                            f"{path}:{token.start[0]}: `import {following.string}…` without `as`: "
                            f"rename by hand (`from {PACKAGE}.{following.string}… import …`)"
                        )
                        continue
                edits.append((following.start, following.end, f"{PACKAGE}.{following.string}"))
        ends = kind in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)
        if ends or (kind == tokenize.OP and string == ";"):
            statement_start = True
        elif kind not in (tokenize.NL, tokenize.COMMENT):
            statement_start = False
    if not edits:
        return text
    lines = text.splitlines(keepends=True)
    for (srow, scol), (erow, ecol), new in sorted(edits, reverse=True):
        head = lines[srow - 1][:scol]
        tail = lines[erow - 1][ecol:]
        lines[srow - 1 : erow] = [head + new + tail]
    return "".join(lines)


def tracked_files(repo: Path) -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=repo, capture_output=True, check=True).stdout
    return [
        name
        for name in listed.decode().split("\0")
        if name
        and not name.endswith(SKIPPED_SUFFIXES)
        and not name.startswith(SKIPPED_PREFIXES)
        and "/node_modules/" not in name
        and name not in SKIPPED_FILES
    ]


def changed_lines(path: str, old: str, new: str) -> list[str]:
    before = old.splitlines()
    return [
        f"{path}:{number}: {line.strip()}"
        for number, line in enumerate(new.splitlines(), start=1)
        if number > len(before) or before[number - 1] != line
    ]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file would change")
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1])
    args = parser.parse_args(argv)
    repo: Path = args.repo.resolve()
    notes: list[str] = []
    changed: list[str] = []
    for name in tracked_files(repo):
        path = repo / name
        if not path.is_file():
            continue
        try:
            old = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        new = rewrite_python(repo, name, old, notes) if name.endswith(".py") else rewrite_dotted(repo, old)
        if new == old:
            continue
        changed.append(name)
        for line in changed_lines(name, old, new):
            print(line)
        if not args.check:
            path.write_text(new, encoding="utf-8")
    python_changed = [name for name in changed if name.endswith(".py")]
    if python_changed and not args.check:
        ruff = repo / ".venv" / "bin" / "ruff"
        if ruff.exists():
            subprocess.run(
                [str(ruff), "check", "--quiet", "--select", "I", "--fix", "--config",
                 f'lint.isort.known-first-party = ["{PACKAGE}"]', *python_changed],
                cwd=repo, check=False,
            )
        else:
            notes.append("no .venv/bin/ruff: imports not re-sorted (`make setup`, then this script again)")
    for name in changed:
        if args.check or not (repo / name).is_file():
            continue
        for number, line in enumerate((repo / name).read_text(encoding="utf-8").splitlines(), start=1):
            if len(line) > LINE_LIMIT and PACKAGE in line and name.endswith(".py"):
                notes.append(f"{name}:{number}: {len(line)} characters after the rename (limit {LINE_LIMIT})")
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    verb = "would change" if args.check else "changed"
    print(f"{verb} {len(changed)} files", file=sys.stderr)
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
