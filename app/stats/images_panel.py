"""The test images worst first, each with its overlay, and a person's own image (Qt).

The list shows a thumbnail per image drawn in the detail panel's mode; thumbnails
are drawn a few per timer tick so a long test split never freezes the window.
"Open image..." hands the file to an injected predictor (path -> class ids),
run on a worker thread because a model may take seconds; "Save mask..." writes
its class ids as `main.py predict` does.
"""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
                               QPushButton, QSplitter, QVBoxLayout, QWidget)

from . import overlay
from .evaluation import EvaluationError, TestImage, sorted_worst_first
from .overlay_panel import OverlayPanel, to_qimage

Predictor = Callable[[Path], np.ndarray]
THUMBNAIL = 72
THUMBNAILS_PER_TICK = 6
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.tif *.tiff *.bmp);;All files (*)"


def ask_image(parent: QWidget) -> Path | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Open image", "", IMAGE_FILTER)
    return Path(path) if path else None


def ask_mask_path(parent: QWidget, suggested: str) -> Path | None:
    path, _ = QFileDialog.getSaveFileName(parent, "Save mask", suggested, "PNG (*.png)")
    return Path(path) if path else None


class TestImagesPanel(QWidget):
    """List of test images | the chosen one large, with Open image and Save mask."""

    __test__ = False  # not a pytest class
    predicted = Signal(str)   # a person's image was predicted (its path)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.images: list[TestImage] = []
        self.predictor: Predictor | None = None
        self.ask_image, self.ask_mask_path = ask_image, ask_mask_path
        self.own: tuple[Path, np.ndarray] | None = None   # (image path, class ids)
        self._executor: ThreadPoolExecutor | None = None
        self._pending: tuple[Path, Future] | None = None
        self._to_draw: list[int] = []
        self.list = QListWidget()
        self.list.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.list.setUniformItemSizes(True)
        self.list.setMinimumWidth(200)
        # test images of one data set often share a long prefix: keep both ends
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.overlay = OverlayPanel()
        self.overlay.set_placeholder("Choose a test image, or open one of your own.")
        self.open_button = QPushButton("Open image…")
        self.open_button.setToolTip("Predict the mask of an image file with this run's model")
        self.save_button = QPushButton("Save mask…")
        self.save_button.setToolTip("Save the predicted class ids as an 8-bit PNG")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self._lay_out()
        self.set_predictor(None)
        self.save_button.setEnabled(False)
        self.list.currentRowChanged.connect(self._chosen)
        self.open_button.clicked.connect(lambda: self.open_image())
        self.save_button.clicked.connect(lambda: self.save_mask())
        self.overlay.mode_box.currentIndexChanged.connect(self._redraw_thumbnails)
        self.timer = QTimer(self)
        self.timer.setInterval(30)
        self.timer.timeout.connect(self._tick)

    def _lay_out(self) -> None:
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.message, 1)
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.overlay, 1)
        column.addLayout(buttons)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.list)
        split.addWidget(right)
        split.setSizes([240, 360])
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)

    # --- test images --------------------------------------------------------------------
    def set_images(self, images: Sequence[TestImage], class_names: Sequence[str] = (),
                   colors: Sequence[Sequence[int]] | None = None) -> None:
        """The evaluated images (any order: shown worst first)."""
        self.images = sorted_worst_first(list(images))
        self.overlay.set_classes(class_names, colors)
        self.list.blockSignals(True)
        self.list.clear()
        for image in self.images:
            score = f"{image.mean_iou:.3f}" if image.mean_iou is not None else "–"
            item = QListWidgetItem(f"IoU {score}\n{Path(image.name).name}")
            item.setToolTip(f"{image.name}: mean IoU {score}")
            self.list.addItem(item)
        self.list.blockSignals(False)
        self._redraw_thumbnails()
        if self.images:
            self.list.setCurrentRow(0)

    def names(self) -> list[str]:
        return [image.name for image in self.images]

    def _chosen(self, row: int) -> None:
        if 0 <= row < len(self.images):
            self.own = None
            self.save_button.setEnabled(False)
            self._show(self.images[row], self.images[row].name)

    def _show(self, image: TestImage, caption: str) -> None:
        try:
            arrays = image.arrays()
        except EvaluationError as error:
            self.overlay.set_placeholder(str(error))
            return
        except (OSError, ValueError, SyntaxError) as error:
            self.overlay.set_placeholder(f"{image.name}: cannot be read ({error})")
            return
        self.overlay.set_arrays(*arrays, caption)

    def _redraw_thumbnails(self) -> None:
        self._to_draw = list(range(len(self.images)))
        if self._to_draw:
            self.timer.start()

    def draw_thumbnails(self) -> None:
        """Draw every pending thumbnail now (what the timer does a few at a time)."""
        while self._to_draw:
            self._draw_next()

    def _draw_next(self) -> None:
        index = self._to_draw.pop(0)
        try:
            image, truth, prediction = self.images[index].arrays()
        except (EvaluationError, OSError, ValueError, SyntaxError):
            return
        rgb = overlay.render(image, truth, prediction, self.overlay.mode,
                             self.overlay.blend.value() / 100, self.overlay.table)
        pixmap = QPixmap.fromImage(to_qimage(rgb)).scaled(
            THUMBNAIL, THUMBNAIL, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation)
        self.list.item(index).setIcon(QIcon(pixmap))

    # --- a person's own image -----------------------------------------------------------
    def set_predictor(self, predictor: Predictor | None) -> None:
        """The model of the chosen run as a function: image path -> (h, w) class ids."""
        self.predictor = predictor
        self.open_button.setEnabled(predictor is not None)
        if predictor is None:
            self.open_button.setToolTip("Choose a trained run first")

    def open_image(self, path: Path | None = None) -> bool:
        """Predict ``path`` (asks for a file when None); False when nothing was started."""
        if self.predictor is None or self._pending is not None:
            return False
        path = Path(path) if path else self.ask_image(self)
        if path is None:
            return False
        self._executor = self._executor or ThreadPoolExecutor(1, "studio-predict")
        self._pending = (path, self._executor.submit(self.predictor, path))
        self.message.setText(f"Predicting {path.name}…")
        self.open_button.setEnabled(False)
        self.timer.start()
        return True

    @property
    def predicting(self) -> bool:
        return self._pending is not None

    def save_mask(self, path: Path | None = None) -> Path | None:
        if self.own is None:
            return None
        source, classes = self.own
        path = Path(path) if path else self.ask_mask_path(self, f"{source.stem}.png")
        if path is None:
            return None
        try:
            overlay.save_classes(path, classes)
        except (OSError, ValueError) as error:
            self.message.setText(f"Could not save {path}: {error}")
            return None
        self.message.setText(f"Saved {path.name}")
        return path

    def _finish_prediction(self) -> None:
        path, future = self._pending
        self._pending = None
        self.open_button.setEnabled(self.predictor is not None)
        try:
            classes = np.asarray(future.result())
            image = overlay.read_image(path)
        except Exception as error:  # noqa: BLE001 (the predictor is injected; say what failed)
            self.message.setText(f"Could not predict {path.name}: {error}")
            return
        self.own = (path, classes)
        self.list.blockSignals(True)
        self.list.setCurrentRow(-1)  # choosing a test image again shows it again
        self.list.blockSignals(False)
        self.overlay.set_arrays(image, None, classes, f"{path.name} (your image, no ground truth)")
        self.save_button.setEnabled(True)
        self.message.setText(f"Predicted {path.name}")
        self.predicted.emit(str(path))

    def _tick(self) -> None:
        for _ in range(THUMBNAILS_PER_TICK):
            if self._to_draw:
                self._draw_next()
        if self._pending is not None and self._pending[1].done():
            self._finish_prediction()
        if not self._to_draw and self._pending is None:
            self.timer.stop()

    def shutdown(self) -> None:
        """Let a running prediction finish on its own; the window is closing."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
