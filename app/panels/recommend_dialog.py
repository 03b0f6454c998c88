"""Model > Recommend: the proposed model, its reasons and its settings, before applying.

The dialog only shows a proposal and says yes or no; applying it (the graph,
the training and data keys, as ONE undo step) is its owner's job:

    dialog = RecommendDialog(parent=window)
    dialog.plan(dataset)                         # runs off the GUI thread
    if dialog.exec() == QDialog.DialogCode.Accepted:
        controller.apply_recommendation(dialog.recommendation)

Planning compiles a few candidate models on the meta device (the first one in a
process takes about 3 s while torch warms up), so ``plan`` runs it on a Python
thread and the dialog says "Planning…" meanwhile.
"""
from __future__ import annotations

import logging
import threading
from html import escape

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QScrollArea, QVBoxLayout,
                               QWidget)

from app.data.dataset_info import DataSet
from app.recommend import MemoryBudget, Recommendation, recommend
from app.recommend.memory import gib
from canvas import theme
from components.errors import StudioError

LOG = logging.getLogger(__name__)
WARNING_STYLE = ("background: #fff7e6; color: #7a4b00; border: 1px solid #f2cf8f; "
                 "border-radius: 4px; padding: 6px 8px;")


class GraphSketch(QWidget):
    """Input -> UNet -> Target as three boxes with their key numbers (a picture, not a canvas)."""

    BOX_W, BOX_H, GAP = 170.0, 62.0, 46.0

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.boxes: list[tuple[str, str, str]] = []  # (category, title, detail)

    def set_recommendation(self, rec: Recommendation) -> None:
        unet, target = rec.node_settings("unet"), rec.node_settings("target")
        (h, w), c = rec.input_size, rec.fingerprint.channels
        self.boxes = [("Data", "Input", f"{c}x{h}x{w} · {rec.fit}"),
                      ("Blocks", "UNet", f"depth {unet['depth']} · {unet['base_filters']} filters"),
                      ("Data", "Target", f"{target['classes']} classes · {target['loss']}")]
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        count = max(1, len(self.boxes))
        return QSize(int(count * self.BOX_W + (count - 1) * self.GAP + 16), int(self.BOX_H + 16))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self.sizeHint()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        left = (self.width() - self.sizeHint().width()) / 2 + 8
        for index, (category, title, detail) in enumerate(self.boxes):
            x = left + index * (self.BOX_W + self.GAP)
            rect = QRectF(x, 8, self.BOX_W, self.BOX_H)
            self._box(painter, rect, category, title, detail)
            if index:
                self._arrow(painter, QPointF(x - self.GAP + 4, rect.center().y()),
                            QPointF(x - 4, rect.center().y()))
        painter.end()

    @staticmethod
    def _box(painter: QPainter, rect: QRectF, category: str, title: str, detail: str) -> None:
        path = QPainterPath()
        path.addRoundedRect(rect, theme.CORNER, theme.CORNER)
        painter.fillPath(path, theme.NODE_BODY)
        header = QRectF(rect.x(), rect.y(), rect.width(), 26)
        clip = QPainterPath()
        clip.addRect(header)
        painter.fillPath(path.intersected(clip), theme.header_tint(category))
        painter.setPen(QPen(theme.category_color(category), 1.5))
        painter.drawPath(path)
        painter.setFont(theme.font("title"))
        painter.setPen(theme.TEXT)
        painter.drawText(header.adjusted(10, 0, -6, 0), Qt.AlignmentFlag.AlignVCenter, title)
        painter.setFont(theme.font("info"))
        painter.setPen(theme.TEXT_MUTED)
        painter.drawText(QRectF(rect.x() + 10, rect.y() + 28, rect.width() - 16, 30),
                         Qt.AlignmentFlag.AlignVCenter, detail)

    @staticmethod
    def _arrow(painter: QPainter, start: QPointF, end: QPointF) -> None:
        painter.setPen(QPen(theme.WIRE, 2))
        painter.drawLine(start, end)
        head = QPainterPath(end)
        head.lineTo(end.x() - 8, end.y() - 5)
        head.lineTo(end.x() - 8, end.y() + 5)
        head.closeSubpath()
        painter.fillPath(head, theme.WIRE)


class RecommendDialog(QDialog):
    """Shows a Recommendation; Apply accepts, the owner applies it as one undo step."""

    planned = Signal(object)  # a Recommendation or a StudioError, from the planning thread

    def __init__(self, recommendation: Recommendation | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Recommended model")
        self.recommendation: Recommendation | None = None
        self.error: str = ""
        self.headline = QLabel(self)
        self.headline.setWordWrap(True)
        self.headline.setStyleSheet("font-size: 12pt; font-weight: 600;")
        self.sketch = GraphSketch(self)
        self.warnings = QLabel(self)
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet(WARNING_STYLE)
        self.warnings.hide()
        self.details = QLabel(self)
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.details)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.apply_button = self.buttons.addButton("Apply", QDialogButtonBox.ButtonRole.AcceptRole)
        self.apply_button.setToolTip("Replace the graph and set the training and data settings "
                                     "shown here; one undo step takes it all back.")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.sketch)
        layout.addWidget(self.warnings)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.buttons)
        self.resize(720, 640)
        self.planned.connect(self._on_planned)
        if recommendation is not None:
            self.show_recommendation(recommendation)
        else:
            self._waiting("Nothing planned yet.")

    def plan(self, dataset: DataSet, budget: MemoryBudget | None = None,
             wait: bool = False) -> None:
        """Plan for ``dataset`` on a worker thread (``wait``: block until done, for tests)."""
        self._waiting("Planning the model from the data…")

        def work() -> None:
            try:
                self.planned.emit(recommend(dataset, budget))
            except StudioError as error:
                self.planned.emit(error)
            except Exception as error:  # noqa: BLE001 - a bug must not leave "Planning…" forever
                LOG.exception("planning the recommended model failed")
                self.planned.emit(RuntimeError(f"planning failed: {error}"))

        thread = threading.Thread(target=work, name="recommend", daemon=True)
        thread.start()
        if wait:
            thread.join()

    def show_recommendation(self, rec: Recommendation) -> None:
        self.recommendation, self.error = rec, ""
        self.headline.setText(rec.summary)
        self.sketch.set_recommendation(rec)
        self.sketch.show()
        self.warnings.setText("\n".join(f"⚠ {w}" for w in rec.warnings))
        self.warnings.setVisible(bool(rec.warnings))
        self.details.setText(details_html(rec))
        self.apply_button.setEnabled(True)

    def _waiting(self, text: str) -> None:
        self.recommendation = None
        self.headline.setText(text)
        self.sketch.hide()
        self.warnings.hide()
        self.details.setText("")
        self.apply_button.setEnabled(False)

    def _on_planned(self, result: object) -> None:
        if isinstance(result, Recommendation):
            self.show_recommendation(result)
            return
        self.error = str(result)
        self._waiting("No recommendation for this data.")
        self.warnings.setText(f"⚠ {self.error}")
        self.warnings.show()


def details_html(rec: Recommendation) -> str:
    """The reasons, classes and settings of a recommendation as the dialog shows them."""
    reasons = "".join(f"<li style='margin-bottom:3px'>{escape(r)}</li>" for r in rec.reasons)
    classes = "".join(
        f"<tr><td><span style='color:{QColor(*c.color).name()}'>■</span> {escape(c.name)}</td>"
        f"<td align='right'>{share:.2%}</td></tr>"
        for c, share in zip(rec.classes, rec.fingerprint.class_shares))
    settings = [("Training", _pairs(rec.training)), ("Data", _pairs(rec.data)),
                ("Memory", f"{gib(rec.memory.total(rec.batch_size))} of {gib(rec.budget.bytes)} "
                           f"({rec.budget.device})")]
    rows = "".join(f"<tr><td><b>{escape(k)}</b></td><td>{escape(v)}</td></tr>"
                   for k, v in settings)
    return (f"<p style='margin-bottom:2px'><b>Why</b></p><ul style='margin-top:0'>{reasons}</ul>"
            f"<p style='margin-bottom:2px'><b>Classes</b> (share of the training pixels)</p>"
            f"<table cellspacing='6' style='margin-top:0'>{classes}</table>"
            f"<p style='margin-bottom:2px'><b>Settings</b></p>"
            f"<table cellspacing='6' style='margin-top:0'>{rows}</table>")


def _pairs(values: dict) -> str:
    return ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in values.items())
