"""pyqtgraph plots in the application's light look, with values on hover.

Each curve is one PlotDataItem made once and fed with ``setData`` from the run
history's buffers; nothing here adds an item per point. Legends are coloured keys in
the plot title, not a LegendItem, so no legend ever covers a curve.

Why a hand-written hover readout: pyqtgraph's tips belong to scatter points one at a
time; TensorBoard's "all curves at this x" readout is a vertical line plus a label,
a few lines on top of the scene's mouse signal.
"""
from __future__ import annotations

import html
import math
from typing import Callable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt

from canvas.pyside_fix import make_none_immortal

make_none_immortal()  # pyqtgraph emits signals per setData: each leaks a True otherwise

BACKGROUND = "#ffffff"
FOREGROUND = "#1f2633"
MUTED = "#6a7384"
TRAIN = "#2563eb"
VAL = "#d9480f"
BATCH_RAW = (196, 202, 211)  # "faint" as an opaque tint: a translucent 10,000-point line
# costs the raster engine ~60 ms a repaint, an opaque one ~1.5 ms (bench_stats.py)
BEST = "#16a34a"
TITLE_SIZE = "9pt"
HOVER_RATE = 30


def format_value(value: float) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
        return f"{value:.3e}"
    return f"{value:.4g}"


def key_title(title: str, keys: Sequence[tuple[str, str, bool]] = (), extra: str = "") -> str:
    """A title with a coloured key per curve: (label, colour, dashed)."""
    parts = [f"<b>{html.escape(title)}</b>"]
    for label, color, dashed in keys:
        mark = "╌" if dashed else "━"
        parts.append(f"<span style='color:{color}'>{mark}</span>&nbsp;{html.escape(label)}")
    if extra:
        parts.append(f"<span style='color:{BEST}'>{html.escape(extra)}</span>")
    return f"<span style='color:{FOREGROUND}; font-size:{TITLE_SIZE}'>" + \
        "&nbsp;&nbsp;".join(parts) + "</span>"


class ValueAxis(pg.AxisItem):
    """A left axis whose log mode labels only 1, 2 and 5 of each decade: pyqtgraph labels
    all of 1..9 when the range is under a decade, and they print over each other."""

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph)
        """Small values (a learning rate of 6e-4) as short as '6e-4': pyqtgraph's
        '0.0006' is wider than the axis, and it then draws no label at all."""
        strings = super().tickStrings(values, scale, spacing)
        if not self.logMode and values and max(abs(v) for v in values) < 1e-2:
            return [short_number(v * scale) for v in values]
        return strings

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph)
        strings = super().logTickStrings(values, scale, spacing)
        kept = []
        for value, label in zip(values, strings):
            mantissa = 10 ** (float(value) - math.floor(float(value)))
            kept.append(label if min(abs(mantissa - m) for m in (1, 2, 5, 10)) < 0.05 else "")
        return kept


def short_number(value: float) -> str:
    """'6e-4', '1.5e-5', '0': a tick label that fits a narrow axis."""
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"


def set_title(plot: pg.PlotItem, title: str) -> None:
    """Set a (key) title without letting its text width hold the plot column open:
    pyqtgraph makes a title's width the plot's minimum, so one long title would push
    the grid wider than a 1200 px dock. An unchanged title is left alone: setting one
    lays the whole grid out again."""
    if plot.titleLabel.isVisible() and plot.titleLabel.text == title:
        return
    plot.setTitle(title)
    label = plot.titleLabel
    label.setMinimumWidth(0)
    label._sizeHint[Qt.SizeHint.MinimumSize] = (0, label._sizeHint[Qt.SizeHint.MinimumSize][1])
    label.updateGeometry()


def light_layout() -> pg.GraphicsLayoutWidget:
    layout = pg.GraphicsLayoutWidget()
    layout.setBackground(BACKGROUND)
    layout.ci.setContentsMargins(2, 2, 2, 2)
    layout.ci.setSpacing(4)
    return layout


def add_plot(layout: pg.GraphicsLayoutWidget, row: int, col: int, title: str,
             x_label: str = "epoch") -> pg.PlotItem:
    plot = layout.addPlot(row=row, col=col, axisItems={"left": ValueAxis("left")})
    set_title(plot, key_title(title))
    plot.showGrid(x=True, y=True, alpha=0.15)
    plot.setMenuEnabled(False)
    # pyqtgraph makes its "Plot Options" menu without a parent: give it the layout, so it
    # goes with the window instead of outliving it as a top-level widget
    plot.ctrlMenu.setParent(layout, plot.ctrlMenu.windowFlags())
    plot.hideButtons()
    for side in ("left", "bottom"):
        axis = plot.getAxis(side)
        axis.setPen(pg.mkPen(MUTED))
        axis.setTextPen(pg.mkPen(FOREGROUND))
        axis.enableAutoSIPrefix(False)  # "value (x0.001)" reads worse than 0.2, 0.4
        axis.setStyle(maxTickLevel=0)  # grid lines at major ticks only: the minor ones
        # doubled the cost of a repaint (bench_stats.py) and crowded small plots
    plot.getAxis("left").setWidth(42)
    plot.setLabel("bottom", x_label, color=MUTED, size="8pt")
    plot.getAxis("bottom").setHeight(32)
    return plot


def curve(plot: pg.PlotItem, color, width: float = 1.6, dashed: bool = False,
          symbol: str | None = None, long: bool = False, hollow: bool = False
          ) -> pg.PlotDataItem:
    """One curve; ``long`` ones (per batch) clip to the view and downsample; ``hollow``
    symbols (white inside) tell train points from the filled val ones."""
    style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
    item = pg.PlotDataItem(pen=pg.mkPen(color, width=width, style=style), connect="finite")
    if symbol:
        item.setSymbol(symbol)
        item.setSymbolSize(5)
        item.setSymbolPen(pg.mkPen(color))
        item.setSymbolBrush(pg.mkBrush("w" if hollow else color))
    plot.addItem(item)
    if long:  # after addItem: the plot hands its own (off) settings to a new item
        item.setClipToView(True)
        item.setDownsampling(auto=True, method="peak")
    return item


def show(item: pg.PlotDataItem, x: np.ndarray, y: np.ndarray) -> None:
    """Hand a curve its data; one with no finite value is emptied instead (pyqtgraph warns
    on an all-NaN series, e.g. train IoU a run does not report)."""
    if len(y) and np.isfinite(y).any():
        item.setData(x, y)
    elif item.getOriginalDataset()[0] is not None:
        item.setData(np.empty(0), np.empty(0))


def x_as_epoch(x: float) -> str:
    return f"epoch {x:g}" if float(x).is_integer() else f"epoch {x:.2f}"


class HoverReadout:
    """A vertical line and the value of every named curve at the x under the mouse."""

    def __init__(self, plot: pg.PlotItem, x_text: Callable[[float], str] = x_as_epoch) -> None:
        self.plot, self.x_text = plot, x_text
        self.curves: list[tuple[str, pg.PlotDataItem]] = []
        self.line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(MUTED, width=1))
        self.label = pg.TextItem(anchor=(0, 0), color=FOREGROUND,
                                 fill=pg.mkBrush(255, 255, 255, 225),
                                 border=pg.mkPen(MUTED))
        for item in (self.line, self.label):
            item.setZValue(1000)
            item.hide()
            plot.addItem(item, ignoreBounds=True)
        self._proxy = None

    def add(self, name: str, item: pg.PlotDataItem) -> None:
        self.curves.append((name, item))

    def connect(self) -> None:
        """Follow the mouse once the plot is in a scene."""
        self._proxy = pg.SignalProxy(self.plot.scene().sigMouseMoved, delay=0.0,
                                     rateLimit=HOVER_RATE, slot=self._moved)

    def text_at(self, x: float) -> str:
        """What the readout says at ``x`` (data coordinates): the nearest point of each
        curve that has one within half an x step; empty when none has."""
        lines = []
        for name, item in self.curves:
            point = nearest(item, x)
            if point is not None:
                lines.append(f"{name}: {format_value(point[1])}")
        return "\n".join([self.x_text(x)] + lines) if lines else ""

    def show_at(self, x: float) -> bool:
        text = self.text_at(x)
        if not text:
            self.hide()
            return False
        self.label.setText(text)
        (left, right), (bottom, top) = self.plot.vb.viewRange()
        self.label.setAnchor((1, 0) if x > (left + right) / 2 else (0, 0))
        self.label.setPos(x, top)
        self.line.setPos(x)
        self.line.show()
        self.label.show()
        return True

    def hide(self) -> None:
        self.line.hide()
        self.label.hide()

    def _moved(self, args) -> None:
        position: QPointF = args[0]
        if not self.plot.sceneBoundingRect().contains(position):
            self.hide()
            return
        self.show_at(self.plot.vb.mapSceneToView(position).x())


def readout(plot: pg.PlotItem, named: Sequence[tuple[str, pg.PlotDataItem]],
            x_text: Callable[[float], str] = x_as_epoch) -> HoverReadout:
    """A connected hover readout over the named curves of a plot."""
    hover = HoverReadout(plot, x_text)
    for name, item in named:
        hover.add(name, item)
    hover.connect()
    return hover


def nearest(item: pg.PlotDataItem, x: float) -> tuple[float, float] | None:
    """The point of a curve nearest to ``x`` in x, if one lies within its own spacing."""
    xs, ys = item.getOriginalDataset()
    if xs is None or not len(xs):
        return None
    index = int(np.clip(np.searchsorted(xs, x), 0, len(xs) - 1))
    if index > 0 and abs(xs[index - 1] - x) <= abs(xs[index] - x):
        index -= 1
    spacing = float(np.median(np.diff(xs))) if len(xs) > 1 else 1.0
    if abs(xs[index] - x) > max(spacing, 1e-9) * 0.75 or not math.isfinite(ys[index]):
        return None
    return float(xs[index]), float(ys[index])
