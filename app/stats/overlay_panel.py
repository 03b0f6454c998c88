"""A picture of prediction against truth with its mode and blend controls (Qt).

The pixels come from overlay.render (numpy); this widget only chooses the mode and
blend, scales the picture to its space without blurring class borders, and says
what the colours mean under it.
"""
from __future__ import annotations

import html
from typing import Sequence

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPalette
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QSizePolicy, QSlider,
                               QVBoxLayout, QWidget)

from . import overlay


def to_qimage(rgb: np.ndarray) -> QImage:
    """A QImage that owns a copy of (h, w, 3) uint8 pixels."""
    rgb = np.ascontiguousarray(rgb, np.uint8)
    height, width = rgb.shape[:2]
    return QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def swatch(color: Sequence[int], label: str) -> str:
    r, g, b = (int(v) for v in color[:3])
    return (f"<span style='color:rgb({r},{g},{b}); font-size:11pt'>■</span>&nbsp;"
            f"{html.escape(label)}")


class Picture(QWidget):
    """Paints one image as large as fits, aspect kept, pixels crisp when enlarged."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image: QImage | None = None
        self.placeholder = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(96, 96)

    def set_image(self, image: QImage | None) -> None:
        self.image = image
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt)
        return QSize(240, 240)

    def target_rect(self) -> QRect:
        if self.image is None or self.image.isNull():
            return QRect()
        size = self.image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        left, top = (self.width() - size.width()) // 2, (self.height() - size.height()) // 2
        return QRect(left, top, size.width(), size.height())

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt)
        painter = QPainter(self)
        if self.image is None or self.image.isNull():
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self.placeholder)
        else:
            painter.drawImage(self.target_rect(), self.image)
        painter.end()


class OverlayPanel(QWidget):
    """Mode, blend and the rendered picture of one (image, truth, prediction)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image: np.ndarray | None = None
        self.truth: np.ndarray | None = None
        self.prediction: np.ndarray | None = None
        self.table = overlay.color_table()
        self.class_names: list[str] = []
        self.mode_box = QComboBox()
        for mode in overlay.MODES:
            self.mode_box.addItem(overlay.MODE_LABELS[mode], mode)
        self.mode_box.setToolTip("How the prediction is drawn against the ground truth")
        self.blend = QSlider(Qt.Orientation.Horizontal)
        self.blend.setRange(0, 100)
        self.blend.setValue(round(overlay.DEFAULT_BLEND * 100))
        self.blend.setToolTip("Blend: how strongly the masks are drawn over the image")
        self.picture = Picture()
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self._lay_out()
        self.mode_box.currentIndexChanged.connect(self.redraw)
        self.blend.valueChanged.connect(self.redraw)

    def _lay_out(self) -> None:
        controls = QHBoxLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        controls.addWidget(self.mode_box)
        controls.addWidget(QLabel("Blend"))
        controls.addWidget(self.blend, 1)
        self.controls = controls
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addLayout(controls)
        layout.addWidget(self.picture, 1)
        layout.addWidget(self.legend)
        layout.addWidget(self.caption)

    # --- what to show -------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return self.mode_box.currentData()

    def set_mode(self, mode: str) -> None:
        self.mode_box.setCurrentIndex(overlay.MODES.index(mode))

    def set_blend(self, value: float) -> None:
        self.blend.setValue(round(value * 100))

    def set_classes(self, names: Sequence[str], colors: Sequence[Sequence[int]] | None = None
                    ) -> None:
        self.class_names = list(names)
        self.table = overlay.color_table(colors)
        self.redraw()

    def set_arrays(self, image: np.ndarray | None, truth: np.ndarray | None,
                   prediction: np.ndarray | None, caption: str = "") -> None:
        self.image, self.truth, self.prediction = image, truth, prediction
        self.caption.setText(caption)
        self.redraw()

    def set_placeholder(self, text: str) -> None:
        self.picture.placeholder = text
        self.set_arrays(None, None, None)

    def rendered(self) -> np.ndarray | None:
        """The picture as it is drawn now (None with nothing to show)."""
        if self.image is None or self.prediction is None:
            return None
        return overlay.render(self.image, self.truth, self.prediction, self.mode,
                              self.blend.value() / 100, self.table)

    def redraw(self) -> None:
        rgb = self.rendered()
        self.picture.set_image(to_qimage(rgb) if rgb is not None else None)
        self.legend.setText(self._legend_text())
        self.changed.emit()

    def _legend_text(self) -> str:
        if self.prediction is None:
            return ""
        if self.mode == "correctness" and self.truth is not None:
            return "&nbsp;&nbsp;".join([swatch(overlay.TRUE_POSITIVE, "true positive"),
                                        swatch(overlay.FALSE_POSITIVE, "false positive"),
                                        swatch(overlay.FALSE_NEGATIVE, "false negative")])
        parts = [swatch(self.table[i], name) for i, name in enumerate(self.class_names) if i]
        if self.truth is not None and self.mode in ("overlay", "outlines"):
            parts.append(swatch(overlay.TRUTH_LINE, "line: ground truth"))
        if self.mode == "side_by_side":
            parts.append("image | truth | prediction" if self.truth is not None
                         else "image | prediction")
        return "&nbsp;&nbsp;".join(parts)
