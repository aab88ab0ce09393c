"""What every command shares: one line per problem on stderr (long lists summarised), and the exit codes
(0 ok, 1 findings, 2 the input itself cannot be used)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from flex_chat_transfer.workflow.inputs import load_json, read_text
from flex_chat_transfer.workflow.problems import InputError, ProblemsError, summarize

EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2


def fail(lines: list[str] | str, code: int) -> typer.Exit:
    for line in [lines] if isinstance(lines, str) else lines:
        typer.echo(line, err=True)
    return typer.Exit(code)


@contextmanager
def answered(code: int = EXIT_FINDINGS) -> Iterator[None]:
    """ProblemsError -> its lines on stderr and exit `code`; InputError -> exit 2 whatever `code` is."""
    try:
        yield
    except InputError as error:
        raise fail(summarize(error.problems), EXIT_BAD_INPUT) from None
    except ProblemsError as error:
        raise fail(summarize(error.problems), code) from None


def read_json_file(path: Path, what: str) -> Any:
    """A JSON file, bounded (inputs.py); InputError for anything that stops it being read."""
    return load_json(read_text(path, what), str(path))
