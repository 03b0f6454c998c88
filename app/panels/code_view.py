"""The code view: the generated PyTorch code of the whole model, and of one node.

The owner tells it two things: ``graph_changed(doc)`` and ``select_node(id)``;
it never listens to the canvas. A change is compiled after a short pause (the
person may still be typing) and only while the view is visible; a hidden view
compiles when it is shown. Compiling on the meta device and writing the source
takes about 17 ms for the 33-node from-scratch template (docs/benchmarks.md), so
it runs on the GUI thread: a worker would cost more in snapshots than it saves.

For a selected node the lower pane shows its own module as ``self.<name> =
<the module's repr>`` and the forward() line that calls it. The repr shows the
layers with the numbers the settings resolved to (channels in and out, padding,
the U-Net's whole encoder and decoder), which is what "its code" means to a
person checking a node; the forward line shows where it is wired. The same
lines are marked in the whole model's code above.

When the graph has problems, a banner names each blocking node as a link
(``node_link_clicked(id)``: the owner selects it) and the last code that compiled
stays on display, marked as out of date.
"""
from __future__ import annotations

import time
from html import escape
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFontDatabase, QGuiApplication, QTextCursor, QTextFormat
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton,
                               QSplitter, QTextEdit, QVBoxLayout, QWidget)

from app import dialogs
from components.errors import GraphCompileError, Problem
from components.graph import GraphDocument

from .node_code import ModelCode, compile_code
from .python_highlighter import PythonHighlighter

DEBOUNCE_MS = 150
MARK = QColor("#fff4c2")
BANNER_STYLE = ("background: #fdecec; color: #8a1c1c; border: 1px solid #f3b4b4; "
                "border-radius: 4px; padding: 6px 8px;")
STATUS_STYLE = "color: #6a7384;"


class CodeView(QWidget):
    """Read-only, highlighted model code with Copy and Save as .py."""

    node_link_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None, delay_ms: int = DEBOUNCE_MS,
                 ask_save_path: Callable[[QWidget, Path], str | None] | None = None) -> None:
        super().__init__(parent)
        self._doc: GraphDocument | None = None
        self._title = ""
        self._dirty = False
        self._selected: str | None = None
        self._code: ModelCode | None = None
        self.problems: list[Problem] = []
        self.last_refresh_ms = 0.0
        self.ask_save_path = ask_save_path or _ask_save_path
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._refresh_if_visible)
        self._build()

    # --- what the owner calls ---------------------------------------------------------------
    def graph_changed(self, doc: GraphDocument, title: str = "") -> None:
        """The graph (or a setting) changed: recompile after a pause."""
        self._doc, self._title, self._dirty = doc, title, True
        self._timer.start()

    def select_node(self, node_id: str | None) -> None:
        """Show this node's module below the model code (None: nothing selected)."""
        self._selected = node_id
        self._show_node()

    def refresh_now(self) -> None:
        """Compile and show at once (also what the pause ends in)."""
        self._timer.stop()
        if self._doc is None:
            return
        started = time.perf_counter()
        try:
            self._code = compile_code(self._doc, self._title)
            self.problems = []
        except GraphCompileError as error:
            self.problems = error.problems
        self._dirty = False
        self._show_model()
        self._show_node()
        self.last_refresh_ms = (time.perf_counter() - started) * 1000

    # --- reading (tests, the owner) ----------------------------------------------------------
    def code(self) -> str:
        return self.model_text.toPlainText()

    def node_code(self) -> str:
        return self.node_text.toPlainText()

    def marked_lines(self) -> list[int]:
        """Line numbers (0-based) marked in the model code for the selected node."""
        return [s.cursor.block().blockNumber() for s in self.model_text.extraSelections()]

    @property
    def out_of_date(self) -> bool:
        return bool(self.problems)

    # --- actions ----------------------------------------------------------------------------
    def copy_code(self) -> None:
        QGuiApplication.clipboard().setText(self.code())  # plain text (see the clipboard trap)
        self.status.setText("Copied the model code to the clipboard.")

    def save_as(self) -> None:
        suggested = Path.home() / "model.py"
        chosen = self.ask_save_path(self, suggested)
        if chosen:
            self.save_to(Path(chosen))

    def save_to(self, path: Path) -> Path:
        """Write the model code to ``path`` (".py" added when missing)."""
        path = path if path.suffix == ".py" else path.with_name(path.name + ".py")
        try:
            path.write_text(self.code(), encoding="utf-8")
        except OSError as error:
            dialogs.show_error(self, "Save the model code", f"Could not write {path}: "
                               f"{error.strerror or error}")
            return path
        self.status.setText(f"Saved {path.name}.")
        return path

    # --- inside -----------------------------------------------------------------------------
    def _build(self) -> None:
        self.heading = QLabel("Model code", self)
        self.heading.setStyleSheet("font-weight: 600;")
        self.status = QLabel(self)
        self.status.setStyleSheet(STATUS_STYLE)
        self.copy_button = QPushButton("Copy", self)
        self.copy_button.clicked.connect(self.copy_code)
        self.save_button = QPushButton("Save as .py…", self)
        self.save_button.clicked.connect(self.save_as)
        bar = QHBoxLayout()
        bar.addWidget(self.heading)
        bar.addWidget(self.status, 1)
        bar.addWidget(self.copy_button)
        bar.addWidget(self.save_button)
        self.banner = QLabel(self)
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.linkActivated.connect(self._link)
        self.banner.hide()
        self.model_text = _code_edit(self)
        self.node_heading = QLabel(self)
        self.node_heading.setStyleSheet("font-weight: 600; padding-top: 4px;")
        self.node_text = _code_edit(self)
        lower = QWidget(self)
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.node_heading)
        lower_layout.addWidget(self.node_text, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(self.model_text)
        self.splitter.addWidget(lower)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addLayout(bar)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)
        self._show_model()
        self._show_node()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._dirty:
            self._timer.start(0)

    def _refresh_if_visible(self) -> None:
        if self.isVisible():
            self.refresh_now()

    def _show_model(self) -> None:
        has_code = self._code is not None
        text = self._code.source if has_code else "# No model yet: add an Input, layers and a Target."
        if self.model_text.toPlainText() != text:
            self.model_text.setPlainText(text)
        self.copy_button.setEnabled(has_code)
        self.save_button.setEnabled(has_code)
        self.banner.setVisible(bool(self.problems))
        if self.problems:
            self.banner.setText(_banner_html(self.problems, has_code))
            self.status.setText("out of date" if has_code else "")
        elif has_code:
            lines = text.count("\n")
            self.status.setText(f"{lines} lines, {self._code.parameters:,} parameters")

    def _show_node(self) -> None:
        node_id = self._selected
        if node_id is None or self._code is None:
            self.node_heading.setText("Selected node")
            self.node_text.setPlainText("# Select a node to see its own module here.")
            self.model_text.setExtraSelections([])
            return
        self.node_heading.setText(f"Selected node: {node_id}")
        self.node_text.setPlainText(self._code.node_source(node_id))
        self._mark(self._code.node_lines(node_id))

    def _mark(self, lines: list[int]) -> None:
        selections = []
        document = self.model_text.document()
        for number in lines:
            selection = QTextEdit.ExtraSelection()
            selection.format.setBackground(MARK)
            selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            cursor = QTextCursor(document.findBlockByNumber(number))
            cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock,
                                QTextCursor.MoveMode.KeepAnchor)
            selection.cursor = cursor
            selections.append(selection)
        self.model_text.setExtraSelections(selections)
        if lines:
            cursor = QTextCursor(document.findBlockByNumber(lines[0]))
            self.model_text.setTextCursor(cursor)
            self.model_text.centerCursor()

    def _link(self, href: str) -> None:
        if href.startswith("node:"):
            self.node_link_clicked.emit(href[len("node:"):])


def _code_edit(parent: QWidget) -> QPlainTextEdit:
    edit = QPlainTextEdit(parent)
    edit.setReadOnly(True)
    edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    edit.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                 | Qt.TextInteractionFlag.TextSelectableByKeyboard)
    edit.highlighter = PythonHighlighter(edit.document())  # kept alive with the editor
    return edit


def _banner_html(problems: list[Problem], has_code: bool) -> str:
    items = []
    for problem in problems:
        if problem.node_id:
            node = escape(problem.node_id)
            items.append(f"<li><a href='node:{node}'>{node}</a>: {escape(problem.message)}</li>")
        else:
            items.append(f"<li>{escape(problem.message)}</li>")
    tail = " The code below is from before the problem." if has_code else ""
    return (f"<b>The model cannot be generated until this is fixed.</b>{tail}"
            f"<ul style='margin: 2px 0 0 -20px'>{''.join(items)}</ul>")


def _ask_save_path(parent: QWidget, suggested: Path) -> str | None:
    chosen, _ = QFileDialog.getSaveFileName(parent, "Save the model code", str(suggested),
                                            "Python files (*.py)")
    return chosen or None
