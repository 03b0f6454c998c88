"""Weight and gradient statistics of the node selected on the canvas (Qt).

From the `layers` events: per parameter of the node, mean +- std and norm over the
epochs and the latest histogram, weights on the top row and gradients below. With
the view's log scale on, a vanishing gradient shows as a norm falling by decades.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from .history import RunHistory
from .plots import (TRAIN, VAL, HoverReadout, add_plot, curve, key_title, light_layout,
                    readout, set_title, show)

NO_NODE = "Select a node on the canvas to see the statistics of its weights and gradients."
ROWS = (("weight", "Weights", TRAIN), ("grad", "Gradients", VAL))


class WeightsPanel(QWidget):
    """Parameter chooser and six plots for one node."""

    def __init__(self, history: RunHistory, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history = history
        self.node: str | None = None
        self.title = QLabel(NO_NODE)
        self.parameters = QComboBox()
        self.parameters.setToolTip("Parameter of the node")
        self.parameters.setMinimumContentsLength(18)
        self.graphics = light_layout()
        self.items: dict[str, dict[str, pg.GraphicsObject]] = {}
        self.hist_plots: dict[str, pg.PlotItem] = {}
        self.readouts: list[HoverReadout] = []
        self.norm_plots: list[pg.PlotItem] = []
        for row, (part, label, color) in enumerate(ROWS):
            self._build_row(row, part, label, color)
        top = QHBoxLayout()
        top.setContentsMargins(6, 2, 6, 0)
        top.addWidget(self.title, 1)
        top.addWidget(QLabel("Parameter"))
        top.addWidget(self.parameters)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.graphics, 1)
        self._seen: tuple | None = None
        self.parameters.currentIndexChanged.connect(self._draw)

    def _build_row(self, row: int, part: str, label: str, color: str) -> None:
        spread = add_plot(self.graphics, row, 0, f"{label}: mean ± std")
        set_title(spread, key_title(f"{label}: mean ± std", [("mean", color, False)]))
        norm = add_plot(self.graphics, row, 1, f"{label}: norm")
        self.norm_plots.append(norm)
        hist = add_plot(self.graphics, row, 2, f"{label}: histogram", x_label="value")
        mean = curve(spread, color, symbol="o")
        upper, lower = curve(spread, (0, 0, 0, 0)), curve(spread, (0, 0, 0, 0))
        spread.addItem(pg.FillBetweenItem(upper, lower, brush=translucent(color, 45)))
        norm_curve = curve(norm, color, symbol="o")
        bars = pg.PlotDataItem(stepMode="center", fillLevel=0, pen=pg.mkPen(color),
                               brush=translucent(color, 90))
        hist.addItem(bars)
        self.items[part] = {"mean": mean, "upper": upper, "lower": lower, "norm": norm_curve,
                            "hist": bars}
        self.hist_plots[part] = hist
        self.readouts += [readout(spread, [("mean", mean), ("mean + std", upper),
                                           ("mean − std", lower)]),
                          readout(norm, [("norm", norm_curve)])]
        set_title(self.hist_plots[part], key_title(f"{label}: histogram"))

    def set_log_scale(self, on: bool) -> None:
        """Norms on a logarithmic axis: a vanishing gradient falls by decades."""
        for plot in self.norm_plots:
            plot.setLogMode(y=on)

    # --- what to show -------------------------------------------------------------------
    def set_node(self, node: str | None) -> None:
        """The canvas selection changed (None: nothing, or more than one node, selected)."""
        self.node = node
        self._seen = None
        self.refresh()

    def refresh(self) -> None:
        key = (self.node, self.history.revisions["layers"])
        if key == self._seen:
            return
        self._seen = key
        names = self.history.layer_keys(self.node) if self.node else []
        if names != [self.parameters.itemText(i) for i in range(self.parameters.count())]:
            current = self.parameters.currentText()
            self.parameters.blockSignals(True)
            self.parameters.clear()
            self.parameters.addItems(names)
            preferred = current if current in names else _preferred(names)
            if preferred:
                self.parameters.setCurrentText(preferred)
            self.parameters.blockSignals(False)
        self._draw()

    def _draw(self) -> None:
        parameter = self.parameters.currentText()
        buffer = self.history.layers.get((self.node, parameter)) if self.node else None
        self.title.setText(self._title(buffer is not None))
        latest = self.history.histograms.get((self.node, parameter)) if buffer else None
        for part, label, _ in ROWS:
            items = self.items[part]
            if buffer is None:
                for item in items.values():
                    item.clear()
                continue
            epochs = buffer.column("epoch")
            mean, std = buffer.column(f"{part}_mean"), buffer.column(f"{part}_std")
            show(items["mean"], epochs, mean)
            show(items["upper"], epochs, mean + std)
            show(items["lower"], epochs, mean - std)
            show(items["norm"], epochs, buffer.column(f"{part}_norm"))
            self._draw_histogram(part, label, latest)

    def _draw_histogram(self, part: str, label: str, latest) -> None:
        stats = getattr(latest, part) if latest else None
        bars = self.items[part]["hist"]
        if stats is None or not stats.hist or stats.range is None:
            bars.clear()
            set_title(self.hist_plots[part], key_title(f"{label}: histogram", extra="none yet"))
            return
        lo, hi = stats.range
        edges = np.linspace(lo, hi if hi > lo else lo + 1e-12, len(stats.hist) + 1)
        bars.setData(edges, np.asarray(stats.hist, float))
        set_title(self.hist_plots[part], key_title(f"{label}: histogram",
                                                 extra=f"epoch {latest.epoch}"))

    def _title(self, has_data: bool) -> str:
        if not self.node:
            return NO_NODE
        if not has_data:
            return (f"Node {self.node}: no weight statistics (it has no parameters, or no "
                    "epoch has finished yet).")
        return f"Node {self.node}"


def translucent(color: str, alpha: int) -> pg.QtGui.QBrush:
    tone = pg.mkColor(color)
    tone.setAlpha(alpha)
    return pg.mkBrush(tone)


def _preferred(names: list[str]) -> str | None:
    """A node's main parameter first: its first "weight" that is not a norm's bias."""
    weights = [n for n in names if n.endswith("weight")]
    return (weights or names or [None])[0]

