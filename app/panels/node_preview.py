"""The property panel's preview: what the selected node makes of the sample, larger.

The picture is the live preview's (the controller's ``previews``): the Input's image
as the model sees it, a layer's output as a grid of 16 channels a page (the arrows
page through them), the Target's mask in the data's class colours beside the
classes the model predicts; under it the tensor's shape, min, max, mean and std.
When there is no preview the section says why: no data, still reading, or the
node that blocks the graph. The person picks the sample (any page of the data,
the first validation one by default) and, once the project has runs, the
checkpoint whose weights the previews use. The section only reads the services'
state and asks them for changes; it keeps nothing of its own but the page.
"""
from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import (QComboBox, QFormLayout, QHBoxLayout, QLabel, QSizePolicy,
                               QToolButton, QVBoxLayout, QWidget)

from app.controller import ProjectController
from app.live_previews import RANDOM, node_picture, to_qimage
from app.previews import NodePreview

from .settings_form import ERROR_STYLE, HELP_STYLE, MIN_TEXT_WIDTH, small

PICTURE_WIDTH = 280  # px: the widest the picture is drawn (the dock is about 320 wide)
PICTURE_HEIGHT = 210


class PictureView(QWidget):
    """A picture drawn as large as the width allows (aspect kept, up to PICTURE_WIDTH x
    PICTURE_HEIGHT), pixels left sharp: a QLabel's pixmap would set the dock's minimum
    width instead."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pixmap = QPixmap()
        policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def set_pixmap(self, pixmap: QPixmap) -> None:
        self.pixmap = pixmap
        self.updateGeometry()
        self.update()

    def _scale(self, width: int) -> float:
        if self.pixmap.isNull():
            return 0.0
        return min(min(width, PICTURE_WIDTH) / self.pixmap.width(),
                   PICTURE_HEIGHT / self.pixmap.height())

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt's name
        return max(1, round(self.pixmap.height() * self._scale(width)))

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(PICTURE_WIDTH, self.heightForWidth(PICTURE_WIDTH))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(40, 1)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        scale = self._scale(self.width())
        if not scale:
            return
        width, height = self.pixmap.width() * scale, self.pixmap.height() * scale
        painter = QPainter(self)
        smooth = scale < 1  # shrinking: average; enlarging: keep the pixels square
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
        painter.drawPixmap(QRectF((self.width() - width) / 2, 0, width, height), self.pixmap,
                           QRectF(self.pixmap.rect()))
        painter.end()


class _PopupCombo(QComboBox):
    """A combo box that says when its list is about to open (to list the runs then)."""

    opening = Signal()

    def showPopup(self) -> None:  # noqa: N802 - Qt's name
        self.opening.emit()
        super().showPopup()


class NodePreviewSection(QWidget):
    """The selected node's preview with its statistics, pages, sample and weights."""

    def __init__(self, controller: ProjectController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.node_id: str | None = None
        self.page = 0
        self.heading = QLabel("Preview", self)
        self.heading.setStyleSheet("font-weight: 600; padding-top: 6px;")
        self.message = _label(self, HELP_STYLE)
        self.picture = PictureView(self)
        self.picture.setObjectName("previewPicture")
        self.caption = _label(self, HELP_STYLE)
        self.stats = _label(self, "")
        self.stats.setObjectName("previewStats")
        self.previous, self.next = _arrow("◀", self), _arrow("▶", self)
        self.previous.clicked.connect(lambda: self.turn(-1))
        self.next.clicked.connect(lambda: self.turn(1))
        self.page_label = QLabel(self)
        pager = QHBoxLayout()
        pager.addWidget(self.previous)
        pager.addWidget(self.page_label, 1, Qt.AlignmentFlag.AlignCenter)
        pager.addWidget(self.next)
        self.sample_box = _combo(QComboBox(self))
        self.sample_box.setToolTip("The page the previews show (first validation one by default)")
        self.sample_box.activated.connect(self._sample_picked)
        self.weights_box = _combo(_PopupCombo(self))
        self.weights_box.setToolTip("Random weights (fixed per node), or a run's checkpoint")
        self.weights_box.opening.connect(self._fill_weights)
        self.weights_box.activated.connect(self._weights_picked)
        self.notes = _label(self, HELP_STYLE)
        choices = QFormLayout()
        choices.addRow("Sample:", self.sample_box)
        choices.addRow("Weights:", self.weights_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.heading, self.message, self.picture, self.caption):
            layout.addWidget(widget)
        layout.addLayout(pager)
        layout.addWidget(self.stats)
        layout.addLayout(choices)
        layout.addWidget(self.notes)
        controller.previews.updated.connect(self.refresh)
        controller.samples.changed.connect(self._fill_samples)
        self._fill_samples()
        self._fill_weights()
        self.refresh()

    # --- what the panel calls ------------------------------------------------------------
    def show_node(self, node_id: str | None) -> None:
        if node_id != self.node_id:
            self.node_id, self.page = node_id, 0
        self.refresh()

    def turn(self, step: int) -> None:
        preview = self.preview()
        if preview is not None:
            self.page = min(max(self.page + step, 0), preview.pages - 1)
            self.refresh()

    def preview(self) -> NodePreview | None:
        result = self.controller.previews.result
        return result.nodes.get(self.node_id) if result and self.node_id else None

    def refresh(self, *args: object) -> None:
        if self.isHidden():
            return  # node_details shows it, then asks for the node: refreshed then
        previews = self.controller.previews
        preview = self.preview()
        message = previews.message
        if preview is None and not message and self.node_id:
            message = "This node is not part of the model, so it has no preview."
        self.message.setText(message)
        self.message.setVisible(bool(message))
        blocked = bool(previews.result and previews.result.blocked)
        self.message.setStyleSheet(ERROR_STYLE if blocked else HELP_STYLE)
        self._show_picture(preview)
        notes = list(previews.result.notes) if previews.result else []
        notes += [previews.weights_message] if previews.weights_message else []
        self.notes.setText("\n".join(notes))
        self.notes.setVisible(bool(notes))
        self._select_weights()

    # --- inside ----------------------------------------------------------------------------
    def _show_picture(self, preview: NodePreview | None) -> None:
        for widget in (self.picture, self.caption, self.stats):
            widget.setVisible(preview is not None)
        pages = preview.pages if preview is not None else 1
        for widget in (self.previous, self.next, self.page_label):
            widget.setVisible(pages > 1)
        if preview is None:
            self.picture.set_pixmap(QPixmap())
            return
        self.page = min(self.page, pages - 1)
        picture = node_picture(preview) if preview.kind != "features" else preview.page(self.page)
        self.picture.set_pixmap(QPixmap.fromImage(to_qimage(picture)))
        channels = preview.shape[0]
        first, last = self.page * 16 + 1, min((self.page + 1) * 16, channels)
        self.page_label.setText(f"channels {first}-{last} of {channels}")
        self.previous.setEnabled(self.page > 0)
        self.next.setEnabled(self.page < pages - 1)
        self.caption.setText(_caption(preview))
        shape = "x".join(str(s) for s in preview.shape)
        self.stats.setText(f"<b>{shape}</b> &nbsp; {escape(preview.stats.text())}")

    def _fill_samples(self) -> None:
        samples = self.controller.samples
        self.sample_box.clear()
        for name in samples.names:
            self.sample_box.addItem(name.label)
        chosen = samples.chosen or (samples.names[0] if samples.names else None)
        if chosen in samples.names:
            self.sample_box.setCurrentIndex(samples.names.index(chosen))
        self.sample_box.setEnabled(bool(samples.names))
        self.refresh()

    def _sample_picked(self, index: int) -> None:
        names = self.controller.samples.names
        if 0 <= index < len(names):
            self.controller.samples.choose(names[index])

    def _fill_weights(self) -> None:
        box = self.weights_box
        box.clear()
        box.addItem(RANDOM, None)
        for label, path in self.controller.previews.checkpoints():
            box.addItem(label, str(path))
        self._select_weights()

    def _select_weights(self) -> None:
        index = self.weights_box.findText(self.controller.previews.weights_label)
        self.weights_box.setCurrentIndex(max(index, 0))

    def _weights_picked(self, index: int) -> None:
        path = self.weights_box.itemData(index)
        self.controller.previews.choose_weights(Path(path) if path else None,
                                                self.weights_box.itemText(index))


def _caption(preview: NodePreview) -> str:
    if preview.kind == "image":
        return "The sample as the model takes it (resized, normalized)."
    if preview.kind == "mask":
        return "Left: the sample's mask in the class colours; right: the classes predicted."
    return "Each channel stretched to its own range; the numbers below are the whole output's."


def _combo(box: QComboBox) -> QComboBox:
    """A combo box that never widens the dock for a long file name (it elides it)."""
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(8)
    return box


def _label(parent: QWidget, style: str) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setMinimumWidth(MIN_TEXT_WIDTH)
    label.setTextFormat(Qt.TextFormat.AutoText)
    return small(label, style) if style else label


def _arrow(text: str, parent: QWidget) -> QToolButton:
    button = QToolButton(parent)
    button.setText(text)
    button.setAutoRaise(True)
    return button
