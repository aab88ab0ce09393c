"""Every file and text the tools read, with a size and a depth bound: past either, one Problem (what, where,
the limit) instead of a RecursionError or a silent surprise. Duplicate keys are errors in JSON and YAML
alike (both formats leave them undefined; Python would keep the last one without a word).

Readers raise InputError (a ProblemsError) with exactly one Problem, so every command can print it as
one line.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import yaml
from yaml.composer import Composer
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from flex_chat_transfer.workflow.problems import InputError, Problem, json_path

# Deeper than any workflow, scenario or stack config needs (a workflow document is 6 levels deep; task
# attributes rarely pass 5), far below what would exhaust Python's stack.
MAX_DEPTH: Final = 64
# Files: a workflow configuration may be 1 MB at Twilio; a scenario file with a big workspace is larger.
MAX_FILE_BYTES: Final = 8 * 1024 * 1024
# Values a YAML document may expand to through aliases (a "billion laughs" file is refused here).
MAX_YAML_VALUES: Final = 1_000_000
# A command-line JSON option (--task, --worker, --workers): a Task's attributes are at most 4,096
# characters at Twilio; a little room for whitespace.
MAX_OPTION_BYTES: Final = 64 * 1024


def _fail(where: str, message: str, hint: str) -> InputError:
    return InputError([Problem(where, message, hint)])


def read_text(
    path: Path | str,
    what: str = "file",
    max_bytes: int = MAX_FILE_BYTES,
    missing_hint: str = "check the path",
) -> str:
    """The UTF-8 text of a file, or one Problem: missing, unreadable, too big, not UTF-8."""
    where = str(path)
    try:
        # A FIFO, device or socket would make open() or read() wait for a writer that may never come (a
        # CI step hanging with no output): only a regular file is read. The file is opened without
        # blocking and checked again, so a path swapped after the stat cannot make it wait either.
        _require_regular(os.stat(path).st_mode, where, what)
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        with open(descriptor, "rb") as handle:
            _require_regular(os.fstat(handle.fileno()).st_mode, where, what)
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise _fail(where, f"cannot read the {what}: no such file", missing_hint) from None
    except IsADirectoryError:
        raise _fail(where, f"is a directory, not a {what}", "give the path of a file") from None
    except OSError as error:
        raise _fail(
            where, f"cannot read the {what}: {error.strerror or error}", "check the path and its permissions"
        ) from None
    if len(data) > max_bytes:
        raise _fail(
            where, f"the {what} is over the {max_bytes}-byte limit", f"keep it under {max_bytes} bytes"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _fail(
            where, f"the {what} is not UTF-8 text (bad byte at offset {error.start})", "save it as UTF-8"
        ) from None


def _require_regular(mode: int, where: str, what: str) -> None:
    """One Problem unless `mode` is a regular file's: what it is instead, and to give a file."""
    if stat.S_ISREG(mode):
        return
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    )
    kind = next((name for test, name in kinds if test(mode)), "not a regular file")
    raise _fail(where, f"is {kind}, not a {what}", "give the path of a regular file")


# Pulumi stack names: letters, digits, `-`, `_` and `.` (an organisation/project prefix is not a file).
_STACK_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")


def check_stack_name(stack: str, option: str = "--stack") -> None:
    """A stack name that can name a `Pulumi.<stack>.yaml` beside the project, nothing else (no `../`)."""
    if not _STACK_NAME.fullmatch(stack) or stack in (".", ".."):
        raise _fail(
            option,
            f"{stack[:40]!r} is not a stack name",
            "use the stack's name as in Pulumi.<stack>.yaml: letters, digits, '-', '_', '.'",
        )


def write_text(path: Path | str, text: str, what: str = "output") -> None:
    """Write `text` as UTF-8, or one Problem naming the path (missing folder, no permission)."""
    try:
        Path(path).write_text(text, encoding="utf-8")
    except FileNotFoundError:
        raise _fail(
            str(path),
            f"cannot write the {what}: the folder does not exist",
            "create the folder first, or pick another path",
        ) from None
    except OSError as error:
        raise _fail(
            str(path), f"cannot write the {what}: {error.strerror or error}", "pick a writable path"
        ) from None


def _within(text: str, where: str, what: str, max_bytes: int) -> None:
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise _fail(
            where,
            f"{size} bytes of {what}, over the {max_bytes}-byte limit",
            f"keep it under {max_bytes} bytes",
        )


# -- JSON --------------------------------------------------------------------------------------------


class _Pairs(dict[str, Any]):
    """A JSON object that had duplicate keys; the loader reports them with their path."""

    duplicates: list[str]


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) == len(pairs):
        return result
    seen: set[str] = set()
    marked = _Pairs(result)
    marked.duplicates = [key for key, _ in pairs if key in seen or seen.add(key)]  # type: ignore[func-returns-value]
    return marked


def _finite(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise ValueError(
            f"the number {text[:20]}{'…' if len(text) > 20 else ''} is too large for a JSON number"
        )
    return number


def _no_constant(text: str) -> Any:
    raise ValueError(f"{text} is not JSON (only finite numbers are)")


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > 308:  # beyond any finite double, and before int()'s own digit limit
        raise ValueError(f"the number {text[:20]}… is too large for a JSON number")
    return int(text)


def load_json(text: str, where: str, max_bytes: int = MAX_FILE_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON text, or one Problem: syntax (line, column), too big, too deep, duplicate key, a number
    that is not finite (`1e999`, `NaN`)."""
    _within(text, where, "JSON", max_bytes)
    try:
        value = json.loads(
            text,
            object_pairs_hook=_object,
            parse_float=_finite,
            parse_int=_integer,
            parse_constant=_no_constant,
        )
    except json.JSONDecodeError as error:
        raise _fail(
            where,
            f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}",
            "fix the JSON syntax there",
        ) from None
    except RecursionError:
        raise _too_deep(where, "$", max_depth) from None
    except ValueError as error:
        raise _fail(where, f"not valid JSON: {error}", "write a number TaskRouter can store") from None
    check_value(value, where, max_depth)
    return value


def _too_deep(where: str, path: str, max_depth: int) -> InputError:
    at = "" if path == "$" else f" at {path}"
    return _fail(
        where, f"nested more than {max_depth} levels deep{at}", f"flatten it to at most {max_depth} levels"
    )


def _walk(value: Any) -> Iterator[tuple[list[Any], Any]]:
    """(path, value) for every value, depth first, without recursion."""
    stack: list[tuple[list[Any], Any]] = [([], value)]
    while stack:
        path, item = stack.pop()
        yield path, item
        if isinstance(item, dict):
            stack.extend(([*path, key], child) for key, child in reversed(list(item.items())))
        elif isinstance(item, (list, tuple)):
            stack.extend(([*path, index], child) for index, child in reversed(list(enumerate(item))))


_JSON_SCALARS = (str, int, float, bool, type(None))


def check_value(value: Any, where: str, max_depth: int = MAX_DEPTH) -> None:
    """What every reader guarantees of a parsed value (JSON, YAML, or a dict the Pulumi program hands
    over): JSON types only, string keys, text that is valid Unicode, finite numbers, no duplicate key,
    nested at most `max_depth` levels."""
    for path, item in _walk(value):
        if len(path) > max_depth:
            raise _too_deep(where, json_path(path[:max_depth]), max_depth)
        if isinstance(item, dict):
            if isinstance(item, _Pairs):
                key = item.duplicates[0]
                raise _fail(
                    _at(where, [*path, key]),
                    f"duplicate key {key!r}",
                    "keep one entry per key: readers disagree on which one wins",
                )
            for key in item:
                if not isinstance(key, str):
                    raise _fail(
                        _at(where, path),
                        f"key {str(key)[:40]!r} is a {type(key).__name__}, not text",
                        "quote the key: JSON keys are strings",
                    )
                _check_text(key, where, path)
        elif isinstance(item, str):
            _check_text(item, where, path)
        elif isinstance(item, float) and not math.isfinite(item):
            raise _fail(_at(where, path), f"{item} is not a finite number", "write an ordinary number")
        elif not isinstance(item, (list, tuple, *_JSON_SCALARS)):
            raise _fail(
                _at(where, path),
                f"is a {type(item).__name__}, which JSON cannot hold",
                "quote it as a string, or write a number, true/false, null, a list or an object",
            )


def _check_text(text: str, where: str, path: list[Any]) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise _fail(
            _at(where, path),
            f"text holds a lone surrogate (\\u{ord(text[error.start]):04x}), which is not Unicode",
            "remove the \\ud800-\\udfff escape, or write the character it pairs with",
        ) from None


def _at(where: str, path: list[Any]) -> str:
    if not path:
        return where
    return f"{where}: {json_path(path)}" if where else json_path(path)


def json_option(text: str, option: str) -> Any:
    """A JSON value given on the command line (bounded like a Task's attributes)."""
    return load_json(text, option, max_bytes=MAX_OPTION_BYTES)


# -- YAML --------------------------------------------------------------------------------------------


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader whose composer refuses documents nested past the bound (PyYAML recurses per level)."""

    max_depth = MAX_DEPTH

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        self._depth += 1
        try:
            if self._depth > self.max_depth + 1:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise _YamlTooDeep(mark.line + 1, mark.column + 1)
            return Composer.compose_node(self, parent, index)
        finally:
            self._depth -= 1


class _YamlTooDeep(Exception):
    def __init__(self, line: int, column: int) -> None:
        super().__init__(line, column)
        self.line, self.column = line, column


def _yaml_key(node: Node) -> Any:
    return node.value if isinstance(node, ScalarNode) else f"<{node.tag}>"


def _check_nodes(root: Node, where: str, max_depth: int) -> None:
    """Duplicate keys (with their path) and the alias expansion bound, walking nodes without recursion."""
    stack: list[tuple[list[Any], Node]] = [([], root)]
    visited = 0
    while stack:
        path, node = stack.pop()
        visited += 1
        if visited > MAX_YAML_VALUES:
            raise _fail(
                where,
                f"expands to more than {MAX_YAML_VALUES} values (aliases repeating aliases?)",
                "write the values out, or use fewer & / * aliases",
            )
        if len(path) > max_depth:
            raise _too_deep(where, json_path(path[:max_depth]), max_depth)
        if isinstance(node, MappingNode):
            seen: dict[Any, int] = {}
            for key_node, value_node in node.value:
                key = _yaml_key(key_node)
                if key == "<<" or key_node.tag == "tag:yaml.org,2002:merge":
                    stack.append((path, value_node))
                    continue
                if key in seen:
                    line = key_node.start_mark.line + 1
                    raise _fail(
                        _at(where, [*path, key]),
                        f"duplicate key {key!r} at line {line} (also line {seen[key]})",
                        "keep one entry per key: the last one would silently win",
                    )
                seen[key] = key_node.start_mark.line + 1
                stack.append(([*path, key], value_node))
        elif isinstance(node, SequenceNode):
            stack.extend(([*path, index], child) for index, child in enumerate(node.value))


def load_yaml(text: str, where: str, max_bytes: int = MAX_FILE_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """Parse one YAML document safely, or one Problem: syntax (line, column), too big, too deep, too many
    values through aliases, a duplicate key (with its path)."""
    _within(text, where, "YAML", max_bytes)
    loader = _BoundedLoader(text)
    loader.max_depth = max_depth
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_nodes(node, where, max_depth)
        value = loader.construct_document(node)
        check_value(value, where, max_depth)
        return value
    except _YamlTooDeep as error:
        raise _fail(
            where,
            f"nested more than {max_depth} levels deep at line {error.line}, column {error.column}",
            f"flatten it to at most {max_depth} levels",
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(error, "problem", None) or "invalid YAML"
        raise _fail(
            where, f"not valid YAML{at}: {reason}", "fix the YAML syntax (indentation, quotes)"
        ) from None
    except (ValueError, OverflowError) as error:  # a scalar the safe constructor cannot convert
        raise _fail(where, f"not valid YAML: {error}", "quote the value or correct it") from None
    finally:
        loader.dispose()
