"""The training curves: loss, mean IoU, IoU per class, Dice, pixel accuracy, learning rate.

Two rows of three plots share the epoch as their x axis (a batch sits at its
fraction of the epoch), so the per-batch loss, its smoothed line and the per-epoch
train and validation losses line up. ``refresh`` copies nothing: it hands the
history's buffer views to the items made once here, and only for the kinds of data
whose revision moved since the last call.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from .history import RunHistory
from .overlay import color_table
from .overlay_panel import swatch
from .plots import (BATCH_RAW, BEST, MUTED, TRAIN, VAL, HoverReadout, add_plot, curve,
                    key_title, light_layout, readout, set_title, show)

BATCH_SMOOTH = "#334155"
MAX_KEYS = 6


def curve_color(rgb: Sequence[int]) -> tuple[int, int, int]:
    """A class colour readable as a line on white: light ones darkened, black softened."""
    r, g, b = (int(v) for v in rgb[:3])
    luminance = (0.299 * r + 0.587 * g + 0.114 * b) / 255
    if luminance < 0.08:
        return (80, 80, 80)
    if luminance > 0.65:
        return (int(r * 0.7), int(g * 0.7), int(b * 0.7))
    return (r, g, b)


class CurvesPanel(QWidget):
    """Six plots fed from a RunHistory."""

    def __init__(self, history: RunHistory, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history = history
        self.graphics = light_layout()
        self.key = QLabel()
        self.key.setTextFormat(Qt.TextFormat.RichText)
        self.key.setContentsMargins(6, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.key)
        layout.addWidget(self.graphics, 1)
        self.colors = color_table()
        self._seen: dict[str, int] = {}
        self.readouts: list[HoverReadout] = []
        self.class_curves: dict[tuple[str, str], pg.PlotDataItem] = {}
        self._build()

    # --- building -----------------------------------------------------------------------
    def _build(self) -> None:
        add = lambda row, col, title: add_plot(self.graphics, row, col, title)  # noqa: E731
        self.loss_plot, self.iou_plot = add(0, 0, "Loss"), add(0, 1, "Mean IoU")
        self.class_plot, self.dice_plot = add(0, 2, "IoU per class"), add(1, 0, "Dice")
        self.accuracy_plot, self.lr_plot = add(1, 1, "Pixel accuracy"), add(1, 2, "Learning rate")
        self.plots = (self.loss_plot, self.iou_plot, self.class_plot, self.dice_plot,
                      self.accuracy_plot, self.lr_plot)
        for plot in (self.iou_plot, self.class_plot, self.dice_plot, self.accuracy_plot):
            # a single point must not get a 0.6-1.4 axis; 0.05 leaves its symbol room at 0 or 1
            plot.setLimits(yMin=-0.05, yMax=1.05)
        self._build_loss()
        self._build_iou()
        self.accuracy = curve(self.accuracy_plot, VAL, symbol="o")
        set_title(self.accuracy_plot, key_title("Pixel accuracy", [("val", VAL, False)]))
        self.lr_batch = curve(self.lr_plot, TRAIN, long=True)
        self.lr_epoch = curve(self.lr_plot, TRAIN, symbol="o")
        self.readouts += [
            readout(self.loss_plot, [("batch", self.batch_raw), ("smoothed", self.batch_smooth),
                                     ("train", self.train_loss), ("val", self.val_loss)]),
            readout(self.iou_plot, [("train", self.train_iou), ("val", self.val_iou)]),
            readout(self.accuracy_plot, [("val", self.accuracy)]),
            readout(self.lr_plot, [("per batch", self.lr_batch), ("per epoch", self.lr_epoch)])]
        self.class_readout, self.dice_readout = readout(self.class_plot, []), \
            readout(self.dice_plot, [])
        self.readouts += [self.class_readout, self.dice_readout]

    def _build_loss(self) -> None:
        set_title(self.loss_plot, key_title("Loss", [("batch", BATCH_SMOOTH, False),
                                                   ("train", TRAIN, False), ("val", VAL, False)]))
        self.batch_raw = curve(self.loss_plot, BATCH_RAW, width=1, long=True)
        self.batch_smooth = curve(self.loss_plot, BATCH_SMOOTH, width=1.6, long=True)
        self.train_loss = curve(self.loss_plot, TRAIN, symbol="o")
        self.val_loss = curve(self.loss_plot, VAL, symbol="o")

    def _build_iou(self) -> None:
        """Train (dashed) and val mean IoU, the best epoch's star and a line through it."""
        self.train_iou = curve(self.iou_plot, TRAIN, dashed=True, symbol="o", hollow=True)
        self.val_iou = curve(self.iou_plot, VAL, symbol="o")
        self.best_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(BEST, width=1,
                                                                style=Qt.PenStyle.DotLine))
        self.best_line.hide()
        self.iou_plot.addItem(self.best_line, ignoreBounds=True)
        self.best_point = pg.ScatterPlotItem(symbol="star", size=16, pen=pg.mkPen(BEST),
                                             brush=pg.mkBrush(BEST))
        self.iou_plot.addItem(self.best_point)

    def forget_view(self) -> None:
        """A new run: no readout of the old one's values, every axis fitted afresh (a
        person zoomed or the old run's ranges would otherwise stay)."""
        self.hide_readouts()
        for plot in self.plots:
            plot.enableAutoRange()

    def hide_readouts(self) -> None:
        for item in self.readouts:
            item.hide()

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        """The scene reports no mouse move once the mouse has left the plots."""
        self.hide_readouts()
        super().leaveEvent(event)

    def readout_for(self, plot: pg.PlotItem) -> HoverReadout:
        return next(r for r in self.readouts if r.plot is plot)

    def set_class_colors(self, colors: Sequence[Sequence[int]]) -> None:
        """The data's class colours (the same as the preview's); redraws the class curves."""
        self.colors = color_table(colors)
        for (group, name), item in self.class_curves.items():
            color = self._class_color(name)
            item.setPen(pg.mkPen(color, width=1.6, style=item.opts["pen"].style()))
            if item.opts.get("symbol"):
                item.setSymbolPen(pg.mkPen(color))
                item.setSymbolBrush(pg.mkBrush("w" if group == "train_iou" else color))
        self._seen.pop("epochs", None)

    def set_log_scale(self, on: bool) -> None:
        """Loss and learning rate on a logarithmic axis (or back to linear)."""
        for plot in (self.loss_plot, self.lr_plot):
            plot.setLogMode(y=on)

    # --- refreshing ---------------------------------------------------------------------
    def refresh(self) -> None:
        """Hand changed buffers to their curves (called on the view's timer)."""
        revisions = self.history.revisions
        if self._seen.get("batches") != revisions["batches"]:
            self._seen["batches"] = revisions["batches"]
            batches = self.history.batches
            x = batches.column("x")
            show(self.batch_raw, x, batches.column("loss"))
            show(self.batch_smooth, x, batches.column("smooth"))
            show(self.lr_batch, x, batches.column("learning_rate"))
        if self._seen.get("epochs") != revisions["epochs"]:
            self._seen["epochs"] = revisions["epochs"]
            self._refresh_epochs()

    def _refresh_epochs(self) -> None:
        history = self.history
        for item, name in ((self.train_loss, "train_loss"), (self.val_loss, "val_loss"),
                           (self.train_iou, "train_mean_iou"), (self.val_iou, "mean_iou"),
                           (self.accuracy, "pixel_accuracy")):
            show(item, *history.epoch_curve(name))
        if len(history.batches):  # the per-batch rate says it all
            self.lr_epoch.clear()
        else:  # a run replayed from metrics.jsonl alone
            show(self.lr_epoch, *history.epoch_curve("learning_rate"))
        for group in ("iou", "train_iou", "dice"):
            for name in history.classes:
                if f"{group}:{name}" in history.epochs.columns:
                    self._class_curve(group, name)
        for (group, name), item in self.class_curves.items():  # a class of another run: empty
            show(item, *history.epoch_curve(f"{group}:{name}"))
        self._refresh_best()
        self._refresh_titles()

    def _refresh_best(self) -> None:
        best = self.history.best_epoch()
        if best is None:
            self.best_point.setData([], [])
            self.best_line.hide()
            return
        epoch, value = best
        self.best_point.setData([epoch], [value])
        self.best_line.setPos(epoch)
        self.best_line.show()

    def _refresh_titles(self) -> None:
        best = self.history.best_epoch()
        extra = f"best {best[1]:.3f} @ {best[0]}" if best else ""
        has_train = self._has("train_mean_iou")
        keys = ([("train", TRAIN, True)] if has_train else []) + [("val", VAL, False)]
        set_title(self.iou_plot, key_title("Mean IoU", keys, extra))
        class_keys = [("val", MUTED, False)] + ([("train", MUTED, True)]
                                                if self._has("train_iou:") else [])
        set_title(self.class_plot, key_title("IoU per class", class_keys))
        set_title(self.dice_plot, key_title("Dice per class", [("val", MUTED, False)]))
        classes = [swatch(self._class_color(name), name)
                   for name in self.history.classes[:MAX_KEYS]]
        more = len(self.history.classes) - MAX_KEYS
        more_text = f"&nbsp; +{more} more" if more > 0 else ""
        self.key.setText(f"<span style='color:{MUTED}'>Classes</span>&nbsp;&nbsp;"
                         + "&nbsp;&nbsp;".join(classes) + more_text)

    def _has(self, prefix: str) -> bool:
        return any(c.startswith(prefix) and np.isfinite(self.history.epochs.column(c)).any()
                   for c in self.history.epochs.columns)

    def _class_curve(self, group: str, name: str) -> pg.PlotDataItem:
        key = (group, name)
        if key not in self.class_curves:
            plot = self.dice_plot if group == "dice" else self.class_plot
            train = group == "train_iou"  # points marked: one epoch is one point
            item = curve(plot, self._class_color(name), dashed=train, symbol="o", hollow=train)
            self.class_curves[key] = item
            readout = self.dice_readout if group == "dice" else self.class_readout
            readout.add(f"{'train ' if group == 'train_iou' else ''}{name}", item)
        return self.class_curves[key]

    def _class_color(self, name: str) -> tuple[int, int, int]:
        index = self.history.classes.index(name) if name in self.history.classes else 0
        return curve_color(self.colors[index])
