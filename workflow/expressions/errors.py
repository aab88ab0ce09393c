"""The one error type of the expression language: what is wrong, and at which column."""

from __future__ import annotations


class ExpressionError(ValueError):
    """An expression that does not parse, or breaks its context's naming rules.

    `column` is 1-based and counts characters of `text`; `str()` is one human line
    such as "expected a value after '==' at column 14".
    """

    def __init__(self, message: str, column: int, text: str) -> None:
        super().__init__(message, column, text)
        self.message = message
        self.column = column
        self.text = text

    def __str__(self) -> str:
        return f"{self.message} at column {self.column}"

    def caret(self, width: int = 100) -> str:
        """The expression and a caret line under the offending column (for terminals); a long expression
        is cut to `width` characters around the column, with … where it was cut."""
        flat = self.text.replace("\n", " ").replace("\t", " ")
        start = max(0, min(self.column - 1 - width // 2, len(flat) - width))
        shown = flat[start : start + width]
        before = "…" if start > 0 else ""
        after = "…" if start + width < len(flat) else ""
        return f"{before}{shown}{after}\n{' ' * (len(before) + self.column - 1 - start)}^"
