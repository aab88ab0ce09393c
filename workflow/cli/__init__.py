"""`chat-transfer`: the workflow tooling. Works offline, needs no credentials.

Each command lives in its own module and registers itself on `app`; this module only assembles
them. Results go to stdout, diagnostics to stderr. Exit 0 ok, 1 findings, 2 usage or parse error.
"""

import typer

app = typer.Typer(
    name="chat-transfer",
    help="Render, validate, simulate and diff the Twilio Flex 'Chat Transfer' TaskRouter workflow.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Command modules register on `app` when imported.
from flex_chat_transfer.workflow.cli import diff, eval_expression, render, simulate, validate  # noqa: E402,F401


def main() -> None:
    app()
