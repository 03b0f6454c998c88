"""Several runs' curves on the same axes: validation mean IoU, loss, pixel accuracy and
learning rate, one colour per run (solid: validation, dashed: training), a legend
naming the runs, each run's best epoch starred.

Each run is read into its own RunHistory (history.py, the Statistics view's reader of
metrics.jsonl and events.jsonl), so a compared run shows the numbers its own
Statistics view shows.
"""
from __future__ import annotations

import html
from pathlib import Path
from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from .history import RunHistory
from .plots import (FOREGROUND, MUTED, add_plot, curve, key_title, light_layout, readout,
                    set_title, show)

# Distinct on white and for colour-blind eyes first (Okabe-Ito order), then more.
RUN_COLORS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#7c3aed",
              "#475569")
PLOTS = (("iou", "Validation mean IoU", "mean_iou", "train_mean_iou"),
         ("loss", "Loss", "val_loss", "train_loss"),
         ("accuracy", "Pixel accuracy", "pixel_accuracy", None),
         ("lr", "Learning rate", "learning_rate", None))


def run_color(index: int) -> str:
    return RUN_COLORS[index % len(RUN_COLORS)]


class CompareCurves(QWidget):
    """Four plots with one curve (or two) per run."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        self.legend.setContentsMargins(6, 2, 6, 2)
        self.graphics = light_layout()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.legend)
        layout.addWidget(self.graphics, 1)
        self.plots: dict[str, pg.PlotItem] = {}
        for index, (key, title, _, _) in enumerate(PLOTS):
            self.plots[key] = add_plot(self.graphics, index // 2, index % 2, title)
        self.plots["lr"].setLogMode(y=True)  # schedules multiply: a log axis shows them
        for key in ("iou", "accuracy"):  # a flat curve must not range the axis below 0
            self.plots[key].setLimits(yMin=-0.05, yMax=1.05)  # as app/stats/curves.py
        self.readouts = {key: readout(plot, []) for key, plot in self.plots.items()}
        self.histories: list[RunHistory] = []
        self.labels: list[str] = []
        self.items: list[tuple[pg.PlotItem, pg.GraphicsObject]] = []

    def set_runs(self, run_dirs: Sequence[Path], labels: Sequence[str]) -> None:
        """Read and draw these runs (labels name them in the legend and on hover)."""
        self._clear()
        self.labels = list(labels)
        self.histories = []
        for index, run_dir in enumerate(run_dirs):
            history = RunHistory()
            history.load_run(Path(run_dir))
            self.histories.append(history)
            self._draw(history, self.labels[index], run_color(index))
        self._titles()
        self.legend.setText(self.legend_html())

    def _clear(self) -> None:
        for plot, item in self.items:
            plot.removeItem(item)
        self.items = []
        for hover in self.readouts.values():
            hover.curves.clear()

    def _draw(self, history: RunHistory, label: str, color: str) -> None:
        for key, _, val_name, train_name in PLOTS:
            plot = self.plots[key]
            item = curve(plot, color, symbol="o" if key != "lr" else None)
            show(item, *history.epoch_curve(val_name))
            self.items.append((plot, item))
            self.readouts[key].add(label if train_name is None else f"{label} val", item)
            if train_name and np.isfinite(history.epoch_curve(train_name)[1]).any():
                train = curve(plot, color, width=1.2, dashed=True)
                show(train, *history.epoch_curve(train_name))
                self.items.append((plot, train))
                self.readouts[key].add(f"{label} train", train)
        best = history.best_epoch()
        if best is not None:
            star = pg.ScatterPlotItem([best[0]], [best[1]], symbol="star", size=15,
                                      pen=pg.mkPen(FOREGROUND), brush=pg.mkBrush(color))
            self.plots["iou"].addItem(star)
            self.items.append((self.plots["iou"], star))

    def _titles(self) -> None:
        style = [("validation", MUTED, False), ("training", MUTED, True)]
        set_title(self.plots["iou"], key_title("Validation mean IoU", [style[0]],
                                               "★ best epoch of each run"))
        set_title(self.plots["loss"], key_title("Loss", style))
        set_title(self.plots["accuracy"], key_title("Pixel accuracy", [style[0]]))
        set_title(self.plots["lr"], key_title("Learning rate (log axis)"))

    def legend_html(self) -> str:
        entries = []
        for index, label in enumerate(self.labels):
            history = self.histories[index]
            best = history.best_epoch()
            extra = f" (best {best[1]:.3f} @ {best[0]})" if best else " (no epochs)"
            entries.append(f"<span style='color:{run_color(index)}; font-size:12pt'>━</span>"
                           f"&nbsp;{html.escape(label)}<span style='color:{MUTED}'>"
                           f"{html.escape(extra)}</span>")
        return "&nbsp;&nbsp;&nbsp;".join(entries)

    def legend_names(self) -> list[str]:
        """The runs the legend names, in colour order (what the tests read)."""
        return list(self.labels)

    def curve_count(self, key: str) -> int:
        """How many curves a plot holds (its best-epoch stars not counted)."""
        return sum(1 for item in self.plots[key].listDataItems()
                   if isinstance(item, pg.PlotDataItem) and item.getOriginalDataset()[0] is not None
                   and len(item.getOriginalDataset()[0]))
