"""Python syntax colours for the code view, from Python's own tokenizer.

Each line is tokenized with ``tokenize`` (so a ``#`` inside a string is not a
comment and ``1e-4`` is one number) rather than with hand-written regular
expressions; a triple-quoted string that spans lines is carried from block to
block in the block state.
"""
from __future__ import annotations

import builtins
import io
import keyword
import tokenize

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

IN_TRIPLE = {1: '"""', 2: "'''"}
_STRING_TOKENS = {tokenize.STRING} | {getattr(tokenize, n) for n in ("FSTRING_START",
                                       "FSTRING_MIDDLE", "FSTRING_END") if hasattr(tokenize, n)}
_BUILTINS = frozenset(dir(builtins)) | {"self", "cls"}


def _format(color: str, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(color))
    if bold:
        fmt.setFontWeight(QFont.Weight.Bold)
    fmt.setFontItalic(italic)
    return fmt


FORMATS = {
    "keyword": _format("#1d4ed8", bold=True),
    "builtin": _format("#7c3aed"),
    "string": _format("#15803d"),
    "comment": _format("#5b6474"),
    "number": _format("#b45309"),
    "decorator": _format("#a21caf"),
    "definition": _format("#0f172a", bold=True),
}
"""Colours on the light code background: each at least 4.5:1 contrast against white."""


class PythonHighlighter(QSyntaxHighlighter):
    """Keywords, builtins, strings, comments, numbers, decorators, def/class names."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)

    def highlightBlock(self, text: str) -> None:  # noqa: N802 - Qt's name
        self.setCurrentBlockState(0)
        start = 0
        open_quote = IN_TRIPLE.get(self.previousBlockState())
        if open_quote:
            end = text.find(open_quote)
            if end < 0:
                self.setFormat(0, len(text), FORMATS["string"])
                self.setCurrentBlockState(self.previousBlockState())
                return
            start = end + 3
            self.setFormat(0, start, FORMATS["string"])
        for kind, begin, length in classify(text[start:]):
            self.setFormat(start + begin, length, FORMATS[kind])
        self._open_triple(text[start:], start)

    def _open_triple(self, text: str, offset: int) -> None:
        """A triple quote left open at the end of the line colours the next lines."""
        for state, quote in IN_TRIPLE.items():
            index = _unclosed_triple(text, quote)
            if index is not None:
                self.setFormat(offset + index, len(text) - index, FORMATS["string"])
                self.setCurrentBlockState(state)
                return


def classify(line: str) -> list[tuple[str, int, int]]:
    """(kind, start, length) for the coloured tokens of one line of Python."""
    spans: list[tuple[str, int, int]] = []
    previous, decorating = None, False
    try:
        for token in tokenize.generate_tokens(io.StringIO(line).readline):
            if token.start[0] != 1:
                break
            if token.type in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
                continue
            decorating = (token.string == "@" and previous is None) or (
                decorating and (token.type == tokenize.NAME or token.string == "."))
            kind = "decorator" if decorating else _kind(token, previous)
            if kind:
                end = token.end[1] if token.end[0] == 1 else len(line)
                spans.append((kind, token.start[1], end - token.start[1]))
            previous = token
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass  # an unfinished bracket or string: what was read is coloured
    return spans


def _kind(token: tokenize.TokenInfo, previous: tokenize.TokenInfo | None) -> str | None:
    if token.type == tokenize.COMMENT:
        return "comment"
    if token.type in _STRING_TOKENS:
        return "string"
    if token.type == tokenize.NUMBER:
        return "number"
    if token.type != tokenize.NAME:
        return None
    if previous is not None and previous.string in ("def", "class"):
        return "definition"
    if token.string in ("True", "False", "None"):
        return "builtin"
    if keyword.iskeyword(token.string):
        return "keyword"
    return "builtin" if token.string in _BUILTINS else None


def _unclosed_triple(text: str, quote: str) -> int | None:
    """Where an unclosed ``quote`` starts in ``text`` (outside comments), or None."""
    index, opened = 0, None
    while True:
        found = text.find(quote, index)
        if found < 0:
            return opened
        hash_at = text.find("#", index)
        if opened is None and 0 <= hash_at < found:
            return None
        opened = found if opened is None else None
        index = found + 3
