"""Text to syntax tree with lark (LALR, grammar.lark), and lark's errors to one human line.

Only this module knows about lark; the compiler walks the tree it returns.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

from flex_chat_transfer.workflow.expressions.errors import ExpressionError

# Bounds (Twilio documents none for one expression; the whole configuration is at most 1 MB): long
# enough for an IN list of a thousand SIDs, nested deeper than any hand-written expression needs.
MAX_EXPRESSION_CHARS = 65_536
MAX_NESTING = 32

_OPERATORS = {"COMPARE", "CONTAINS", "HAS", "IN", "NOT_IN"}
_OPERATOR_LIST = "==, !=, >, >=, <, <=, CONTAINS, HAS, IN or NOT IN"


@lru_cache(maxsize=1)
def _parser() -> Lark:
    grammar = resources.files("flex_chat_transfer.workflow.expressions").joinpath("grammar.lark").read_text()
    return Lark(grammar, parser="lalr", lexer="basic", start="start", maybe_placeholders=True)


def parse_tree(text: str) -> Tree[Token]:
    """Parse `text` into a lark tree; raise ExpressionError with a 1-based column."""
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be a string, not {type(text).__name__}", 1, str(text))
    if not text.strip():
        raise ExpressionError("empty expression: write a comparison such as 1==1", 1, text)
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(
            f"expression is {len(text)} characters, over the limit of {MAX_EXPRESSION_CHARS}: split it",
            MAX_EXPRESSION_CHARS + 1,
            text[: MAX_EXPRESSION_CHARS + 1],
        )
    _check_nesting(text)
    try:
        return _parser().parse(text)
    except UnexpectedCharacters as error:
        raise _bad_character(text, error.pos_in_stream or 0) from None
    except UnexpectedEOF:  # not raised by LALR in practice; kept for safety
        raise _unexpected(text, len(text.rstrip()), "$END") from None
    except UnexpectedToken as error:
        token = error.token
        # At the end, point just past the last token rather than past trailing spaces.
        at = len(text.rstrip()) if token.type == "$END" else token.start_pos
        raise _unexpected(text, at, token.type) from None


def _check_nesting(text: str) -> None:
    """Refuse parentheses nested past MAX_NESTING before the parser builds (and we walk) a deep tree.
    Lexing is iterative; a text that does not lex is left to the parser's own message."""
    depth = 0
    try:
        for token in _parser().lex(text):
            if token.type == "_LPAR":
                depth += 1
                if depth > MAX_NESTING:
                    raise ExpressionError(
                        f"parentheses nested more than {MAX_NESTING} levels deep: flatten the expression",
                        (token.start_pos or 0) + 1,
                        text,
                    )
            elif token.type == "_RPAR":
                depth -= 1
    except (UnexpectedCharacters, UnexpectedToken):
        return


def _bad_character(text: str, pos: int) -> ExpressionError:
    char = text[pos]
    column = pos + 1
    if char in "\"'":
        return ExpressionError(f"unterminated string: add the closing {char}", column, text)
    if char == "=":
        return ExpressionError("'=' is not an operator: use '=='", column, text)
    if char == "-":
        return ExpressionError("hyphens are not supported in expressions: rename the attribute", column, text)
    if char == "!":
        return ExpressionError("'!' alone is not an operator: use '!=' or NOT IN", column, text)
    if char == "&" or char == "|":
        return ExpressionError(f"'{char}' is not an operator: use AND / OR", column, text)
    return ExpressionError(f"unexpected character {char!r}", column, text)


def _tokens_before(text: str, pos: int) -> list[Token]:
    """The tokens before `pos` (that prefix lexed fine, or the parser would not have got there)."""
    return list(_parser().lex(text[:pos]))


def _describe(token: Token | None) -> str:
    if token is None:
        return "the start"
    if token.type == "STRING":
        return f"string {token.value}"
    return f"'{token.value}'"


_CONSTANTS = {"STRING", "NUMBER", "TRUE", "FALSE", "NULL"}


def _unexpected(text: str, pos: int, found_type: str) -> ExpressionError:
    """Explain a token the parser could not take, from the tokens before it.

    LALR merges states, so lark's expected set is too loose for a good message (inside `[...]` it
    also lists operators); the tokens before the error say exactly where we are.
    """
    column = pos + 1
    before = _tokens_before(text, pos)
    previous = before[-1] if before else None
    kind = previous.type if previous is not None else None
    found = "the end of the expression" if found_type == "$END" else f"'{_token_text(text, pos)}'"

    def error(message: str) -> ExpressionError:
        return ExpressionError(message, column, text)

    # The innermost unclosed '[' is either an index (after a name or ']') or an array literal.
    stack: list[int] = []
    for index, token in enumerate(before):
        if token.type == "_LSQB":
            stack.append(index)
        elif token.type == "_RSQB" and stack:
            stack.pop()
    if stack:
        opener = stack[-1]
        if opener > 0 and before[opener - 1].type in ("NAME", "_RSQB"):
            if kind == "_LSQB":
                return error(f"expected an index (a whole number) after '[', found {found}")
            return error(f"expected ']' after the index, found {found}")
        if kind in _CONSTANTS:
            return error(f"expected ',' or ']' in the array literal, found {found}")
        return error(f"expected a constant in the array literal, found {found}")
    if kind is None:
        return error(f"expected a comparison at the start, found {found}")
    if kind in ("_AND", "_OR", "_LPAR"):
        return error(f"expected a comparison after {_describe(previous)}, found {found}")
    if kind in _OPERATORS:
        return error(f"expected a value after {_describe(previous)}, found {found}")
    if kind == "_DOT":
        return error(f"expected an attribute name after '.', found {found}")
    # `previous` ends an operand: either the comparison still needs its operator, or it is complete.
    operator_seen = False
    for token in reversed(before):
        if token.type in ("_AND", "_OR", "_LPAR"):
            break
        if token.type in _OPERATORS:
            operator_seen = True
            break
    if not operator_seen:
        return error(f"expected an operator ({_OPERATOR_LIST}) after {_describe(previous)}, found {found}")
    open_parens = sum(t.type == "_LPAR" for t in before) - sum(t.type == "_RPAR" for t in before)
    if found_type == "_RPAR" and open_parens <= 0:
        return error("unbalanced ')': remove it or add the matching '('")
    if open_parens > 0:
        return error(f"expected AND, OR or ')', found {found}: close the '('")
    return error(f"expected AND, OR or the end of the expression, found {found}")


def _token_text(text: str, pos: int) -> str:
    try:
        return str(next(iter(_parser().lex(text[pos:]))).value)
    except Exception:  # the rest does not even lex: show the raw characters
        return text[pos : pos + 10]
