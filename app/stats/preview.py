"""The live prediction of a chosen validation sample (Qt), from `preview` events.

A preview event names PNGs in the run directory; only the chosen sample's three
files are read, once per new preview. A file that cannot be read yet (the engine is
still writing it, or it is gone) keeps the previous picture and is tried again on
the next refresh.
"""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QVBoxLayout, QWidget

from . import overlay
from .history import RunHistory
from .overlay_panel import OverlayPanel

WAITING = "The prediction for a validation sample appears here after the first epoch."


class PreviewPanel(QWidget):
    """Sample chooser over an OverlayPanel."""

    def __init__(self, history: RunHistory, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history = history
        self.samples = QComboBox()
        self.samples.setToolTip("Validation sample to show")
        self.overlay = OverlayPanel()
        self.overlay.set_placeholder(WAITING)
        self._shown: tuple[int, str] | None = None   # (preview revision, sample name)
        self._classes: list[str] = []
        self._colors: list[tuple[int, ...]] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self.samples)
        layout.addWidget(self.overlay, 1)
        self.samples.currentIndexChanged.connect(self._chosen)

    def refresh(self) -> None:
        """Pick up a new preview event (called on the view's timer)."""
        if self.history.classes != self._classes:
            self._classes = list(self.history.classes)
            self.overlay.set_classes(self._classes, self._colors)
        preview = self.history.preview
        if preview is None:
            if self._shown is not None:
                self._shown = None
                self.samples.clear()
                self.overlay.set_placeholder(WAITING)
            return
        names = [sample.name for sample in preview.samples]
        if names != [self.samples.itemText(i) for i in range(self.samples.count())]:
            current = self.samples.currentText()
            self.samples.blockSignals(True)
            self.samples.clear()
            self.samples.addItems(names)
            self.samples.setCurrentIndex(max(0, names.index(current) if current in names else 0))
            self.samples.blockSignals(False)
        self._load()

    def set_class_colors(self, colors) -> None:
        self._colors = [tuple(c) for c in colors]
        self.overlay.set_classes(self._classes, self._colors)

    def _chosen(self) -> None:
        self._load()

    def _load(self) -> None:
        preview = self.history.preview
        name = self.samples.currentText()
        key = (self.history.revisions["preview"], name)
        if preview is None or key == self._shown:
            return
        sample = next((s for s in preview.samples if s.name == name), None)
        if sample is None:
            return
        try:
            image = overlay.read_image(self.history.resolve(sample.image))
            truth = overlay.read_classes(self.history.resolve(sample.truth))
            prediction = overlay.read_classes(self.history.resolve(sample.prediction))
        except (OSError, ValueError, SyntaxError):
            return  # not written yet: the next refresh tries again
        # previews come while an epoch trains: "epoch 1" read as one epoch done
        epoch = (f"during epoch {preview.epoch}" if preview.epoch is not None
                 else "latest preview")
        self.overlay.set_arrays(image, truth, prediction, epoch)
        self._shown = key
