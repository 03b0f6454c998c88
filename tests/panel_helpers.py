"""What the property panel's tests share: a small project with data, a window on it,
typing into the panel's fields."""
from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.helpers import chain
from tests.test_data_fixtures import label_pairs

SIZE = 32
CLASS_COLORS = [[0, 0, 0], [255, 0, 0], [0, 128, 255]]


def small_graph():
    """Input 1x32x32 -> conv1 -> pool -> conv2 -> up -> head -> Target (3 classes)."""
    return chain(("Input", {"channels": 1, "height": SIZE, "width": SIZE,
                            "normalization": "per_image"}),
                 ("Convolution", {"filters": 8}), ("Pooling", {}),
                 ("Convolution", {"filters": 8}), ("Upsample", {}),
                 ("Convolution", {"filters": 3}), ("Target", {"classes": 3}),
                 ids=["input", "conv1", "pool", "conv2", "up", "head", "target"])


def write_project(folder: Path, graph=None, pairs: int = 6) -> Path:
    """A project file in ``folder`` with ``pairs`` 32 px image/mask pairs beside it."""
    label_pairs(folder / "data", count=pairs, size=SIZE, classes=3)
    doc = graph if graph is not None else small_graph()
    project = {"format": 1, "name": "panel test", "graph": doc.snapshot(),
               "data": {"source": "folders", "images": "data/images", "masks": "data/masks",
                        "split": [0.5, 0.5, 0.0], "seed": 0,
                        "classes": [{"name": f"class {i}", "color": c}
                                    for i, c in enumerate(CLASS_COLORS)]},
               "training": {}}
    path = folder / "project.json"
    path.write_text(json.dumps(project), encoding="utf-8")
    return path


def open_window(make_window, qtbot, path: Path | None = None, previews: bool = False,
                select: list[str] | None = None):
    """A shown window on the project at ``path`` (the small graph without data when None)."""
    window = make_window(previews=previews)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    if path is not None:
        assert window.open_path(path, ask=False)
    else:
        window.project.graph.replace_with(small_graph())
        window.controller.refresh_analysis()
    if select is not None:
        window.editor.select_nodes(select)
        QApplication.processEvents()
    return window


def wait_for_previews(window, qtbot, timeout: int = 60_000):
    """Until the newest preview request's result is on display."""
    previews = window.controller.previews
    qtbot.waitUntil(lambda: bool(previews.result is not None and not previews.pending
                                 and previews.result.revision == previews.serial
                                 and previews.result.nodes), timeout=timeout)
    return previews.result


def type_into(widget, text: str) -> None:
    """Select what a field shows, type ``text``, press Enter (what a person does)."""
    widget.setFocus()
    line = widget.lineEdit() if hasattr(widget, "lineEdit") else widget
    line.selectAll()
    QTest.keyClick(widget, Qt.Key.Key_Backspace)
    QTest.keyClicks(widget, text)
    QTest.keyClick(widget, Qt.Key.Key_Return)
    QApplication.processEvents()


def badges(window) -> dict[str, str]:
    """The shape text every node shows on the canvas."""
    return {node_id: item.shape_text for node_id, item in window.editor.scene.nodes.items()}


def spin(window, name: str):
    return window.details.settings.form.editor(name).input_widget()
