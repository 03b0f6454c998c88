"""The hub's side panel: the chosen model's picture, file, data, training and runs,
or what is wrong with its file, or what the selected runs are for."""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from app.data.problems import plural
from app.hub.workspace import ModelEntry

PICTURE = QSize(340, 200)
NOTHING = "Choose a model to see it here; double-click (or Enter) opens it."


def home_text(path: Path) -> str:
    """A path as people write it: the home folder as ~."""
    try:
        return f"~/{Path(path).relative_to(Path.home()).as_posix()}"
    except ValueError:
        return str(path)


def data_text(data: Any) -> str:
    """The data section in a few words."""
    if not isinstance(data, dict):
        return "not set"
    source = data.get("source")
    if source == "demo":
        return f"bundled sample '{data.get('name', 'shapes')}'"
    if source == "csv":
        return f"CSV {data.get('csv', '?')}"
    if data.get("root"):
        return f"folder {data['root']}"
    if source == "folders":
        return f"images {data.get('images', '?')}, masks {data.get('masks', '?')}"
    return str(source or "not set")


def training_text(training: Any) -> str:
    if not isinstance(training, dict):
        return "defaults"
    epochs = training.get("epochs")
    parts = [plural(epochs, "epoch") if isinstance(epochs, int) else
             (f"{epochs} epochs" if epochs is not None else ""),
             str(training.get("optimizer", "")),
             f"learning rate {training['learning_rate']:g}"
             if isinstance(training.get("learning_rate"), (int, float)) else "",
             f"batch {training['batch_size']}" if "batch_size" in training else ""]
    return " · ".join(p for p in parts if p) or "defaults"


class ModelDetails(QWidget):
    """What the hub knows of the chosen model."""

    def __init__(self, picture: Callable[[ModelEntry, QSize], QPixmap],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._picture = picture
        self.image = QLabel()
        self.image.setFixedSize(PICTURE)
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 13pt; font-weight: 600;")
        self.title.setWordWrap(True)
        self.body = QLabel(NOTHING)
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.body.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.image)
        layout.addWidget(self.title)
        layout.addWidget(self.body, 1)
        self.setFixedWidth(PICTURE.width() + 20)
        self.show_nothing()

    def show_nothing(self, text: str = NOTHING) -> None:
        self.image.clear()
        self.image.hide()
        self.title.setText("")
        self.body.setText(html.escape(text))

    def show_model(self, entry: ModelEntry) -> None:
        self.image.setPixmap(self._picture(entry, PICTURE))
        self.image.show()
        self.title.setText(entry.name)
        rows = [("File", home_text(entry.path)),
                ("Changed", entry.modified.strftime("%Y-%m-%d %H:%M"))]
        if entry.error:
            body = _table(rows) + (f"<p style='color:#b91c1c'><b>This file cannot be opened:"
                                   f"</b> {html.escape(entry.error)}</p><p>Fix it in a text "
                                   "editor, or rename or delete it here.</p>")
            self.body.setText(body)
            return
        project = entry.project or {}
        rows += [("Graph", f"{entry.node_count} nodes · {entry.edge_count} wires"),
                 ("Data", data_text(project.get("data"))),
                 ("Training", training_text(project.get("training")))]
        if entry.runs:
            best = max((r for r in entry.runs if r.best_mean_iou is not None),
                       key=lambda r: r.best_mean_iou, default=None)
            summary = f"{len(entry.runs)}"
            if best is not None:
                summary += f" · best val IoU {best.best_mean_iou:.3f} ({best.name})"
            rows.append(("Runs", summary))
        else:
            rows.append(("Runs", "none yet"))
        self.body.setText(_table(rows))

    def show_runs(self, count: int) -> None:
        self.show_nothing(f"{count} runs selected. Compare runs overlays their curves and "
                          "lists what differs between their projects.")


def _table(rows: list[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><td style='color:#6a7384; padding-right:8px'>{html.escape(k)}</td>"
                    f"<td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f"<table cellspacing='2'>{cells}</table>"
