"""The hub's smaller pieces: the first-run page that asks for the workspace, and the
message bar that says what an action did (with Undo) or what is wrong."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSizePolicy,
                               QVBoxLayout, QWidget)

WELCOME = ("Your models live in a workspace folder: each model is a folder with its "
           "project file and, once trained, its runs. Choose the folder once; the hub "
           "remembers it (File > Model Hub shows it again, Change… picks another).")
STYLES = {"info": "background: #eef4ff; color: #1e3a8a; border: 1px solid #c7d7fe;",
          "warning": "background: #fff7e6; color: #7a4b00; border: 1px solid #f2cf8f;",
          "error": "background: #fdecec; color: #8a1c1c; border: 1px solid #f3b4b4;"}


def default_workspace() -> Path:
    return Path.home() / "U-Net Studio"


class WelcomePage(QWidget):
    """Asked once: where the models go. ``chosen(path)`` for Use, ``browse`` for Choose…,
    ``demo`` for the demo project (one click, before any folder is chosen)."""

    chosen = Signal(str)
    browse = Signal()
    demo = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("Where should your models live?")
        title.setStyleSheet("font-size: 15pt; font-weight: 600;")
        text = QLabel(WELCOME)
        text.setWordWrap(True)
        self.folder = QLineEdit(str(default_workspace()))
        self.folder.setMinimumWidth(420)
        self.use_button = QPushButton("Use this folder")
        self.use_button.setDefault(True)
        self.browse_button = QPushButton("Choose another…")
        self.demo_button = QPushButton("Open the demo project")
        self.demo_button.setToolTip("The bundled nuclei demo, as an unsaved project")
        self.use_button.clicked.connect(lambda: self.chosen.emit(self.folder.text().strip()))
        self.folder.returnPressed.connect(self.use_button.click)
        self.browse_button.clicked.connect(self.browse)
        self.demo_button.clicked.connect(self.demo)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(self.use_button)
        row.addWidget(self.browse_button)
        box = QVBoxLayout()
        box.addWidget(title)
        box.addWidget(text)
        box.addSpacing(8)
        box.addLayout(row)
        box.addSpacing(16)
        demo_row = QHBoxLayout()
        demo_row.addWidget(QLabel("Or look around first:"))
        demo_row.addWidget(self.demo_button)
        demo_row.addStretch(1)
        box.addLayout(demo_row)
        inner = QWidget()
        inner.setLayout(box)
        inner.setMaximumWidth(760)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(inner, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)


class MessageBar(QFrame):
    """One line of news: what an action did (Undo takes it back), or what is wrong."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QLabel()
        self.text.setWordWrap(True)
        # a long path must wrap or clip, never widen the hub past the screen
        self.text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.undo_button = QPushButton("Undo")
        self.undo_button.clicked.connect(self._undo)
        self.close_button = QPushButton("✕")
        self.close_button.setFlat(True)
        self.close_button.setFixedWidth(28)
        self.close_button.setToolTip("Hide this message")
        self.close_button.clicked.connect(self.clear)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.undo_button)
        layout.addWidget(self.close_button)
        self._undo_action: Callable[[], None] | None = None
        self.clear()

    def say(self, text: str, kind: str = "info", undo: Callable[[], None] | None = None) -> None:
        self.setStyleSheet(f"MessageBar {{ {STYLES[kind]} border-radius: 4px; }}"
                           f" QLabel {{ border: none; background: transparent; }}")
        self.text.setText(text)
        self._undo_action = undo
        self.undo_button.setVisible(undo is not None)
        self.show()

    def clear(self) -> None:
        self._undo_action = None
        self.text.setText("")
        self.hide()

    @property
    def can_undo(self) -> bool:
        return self._undo_action is not None

    def _undo(self) -> None:
        action, self._undo_action = self._undo_action, None
        self.undo_button.hide()
        if action is not None:
            action()
