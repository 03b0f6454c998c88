"""The Statistics view (issue 11 item 3): a run's curves, live prediction, weights, system.

Events go in through ``feed`` (one dict, as the engine wrote it), ``replay`` (many)
or ``load_run`` (a past run's directory); all of them only append to the RunHistory.
Drawing happens on a timer at REFRESH_HZ, so a burst of events costs one redraw,
and a tick with nothing new costs a few integer comparisons.
"""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any, Iterable, Sequence

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import (QCheckBox, QHBoxLayout, QLabel, QSizePolicy, QSlider, QSplitter,
                               QTabWidget, QVBoxLayout, QWidget)

from .compare_view import CompareView
from .curves import CurvesPanel
from .history import RunHistory
from .plots import format_value
from .preview import PreviewPanel
from .smoothing import DEFAULT_WEIGHT
from .system import SystemPanel
from .weights import WeightsPanel

REFRESH_HZ = 10
IDLE = "No run shown yet. Press Train, or choose a past run in the Runs list."
STATUS_COLORS = {"failed": "#b91c1c", "stopped": "#a16207", "finished": "#15803d"}


class StatisticsView(QWidget):
    """Curves + preview | weights of the selected node | system use, for one run."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history = RunHistory()
        self.curves = CurvesPanel(self.history)
        self.preview = PreviewPanel(self.history)
        self.weights = WeightsPanel(self.history)
        self.system = SystemPanel(self.history)
        self.status = QLabel(IDLE)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        # a long status line must not widen the view (it pushed the runs list aside)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.smoothing = QSlider(Qt.Orientation.Horizontal)
        self.smoothing.setRange(0, 99)
        self.smoothing.setValue(round(DEFAULT_WEIGHT * 100))
        self.smoothing.setFixedWidth(110)
        self.smoothing.setToolTip("Smoothing of the per-batch loss (exponential moving "
                                  "average, de-biased at the start; 0 = raw)")
        self.smoothing_value = QLabel(f"{DEFAULT_WEIGHT:.2f}")
        self.log_scale = QCheckBox("Log scale")
        self.log_scale.setToolTip("Loss, learning rate and weight norms on a logarithmic axis")
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.comparison: CompareView | None = None  # the Compare tab, once compare_runs is called
        self._lay_out()
        self.smoothing.valueChanged.connect(self._smoothing_changed)
        self.log_scale.toggled.connect(self.curves.set_log_scale)
        self.log_scale.toggled.connect(self.weights.set_log_scale)
        self._status_seen = -1
        self.timer = QTimer(self)
        self.timer.setInterval(1000 // REFRESH_HZ)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()

    def _lay_out(self) -> None:
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.curves)
        split.addWidget(self.preview)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([860, 340])
        split.setChildrenCollapsible(False)
        self.tabs.addTab(split, "Curves")
        self.tabs.addTab(self.weights, "Weights")
        self.tabs.addTab(self.system, "System")
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 2, 6, 0)
        bar.addWidget(self.status, 1)
        bar.addWidget(QLabel("Smoothing"))
        bar.addWidget(self.smoothing)
        bar.addWidget(self.smoothing_value)
        bar.addSpacing(8)
        bar.addWidget(self.log_scale)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(bar)
        layout.addWidget(self.tabs, 1)

    # --- input ----------------------------------------------------------------------------
    @Slot(dict)
    def feed(self, event: dict[str, Any]) -> None:
        """One event line (decoded) of the run being shown; drawn on the next tick."""
        self.history.add(event)

    def replay(self, events: Iterable[dict[str, Any]]) -> None:
        self.history.replay(events)

    def start_run(self, run_dir: Path | None = None) -> None:
        """Forget what is shown; the next events belong to a new run in ``run_dir``."""
        self.history.clear()
        self.history.run_dir = Path(run_dir) if run_dir else None
        self.curves.forget_view()

    def load_run(self, run_dir: Path) -> None:
        """Show a past run from its directory (no child process)."""
        self.history.load_run(Path(run_dir))
        self.curves.forget_view()
        self.refresh()

    def compare_runs(self, run_dirs: Sequence[Path]) -> None:
        """Overlay several runs' curves, with what differs between their projects, in the
        Compare tab (made the first time; app/stats/compare_view.py)."""
        if self.comparison is None:
            self.comparison = CompareView()
            self.tabs.addTab(self.comparison, "Compare")
        self.comparison.set_runs(run_dirs)
        self.tabs.setCurrentWidget(self.comparison)

    @Slot(object)
    def set_node(self, node_id: str | None) -> None:
        """The node selected on the canvas (None when none or several are)."""
        self.weights.set_node(node_id)

    def set_class_colors(self, colors: Sequence[Sequence[int]]) -> None:
        """The data's class colours, in class-id order (background first)."""
        self.curves.set_class_colors(colors)
        self.preview.set_class_colors(colors)

    # --- drawing --------------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        """Draw what changed since the last tick (the timer calls this; tests may too)."""
        self.curves.refresh()
        self.preview.refresh()
        self.weights.refresh()
        self.system.refresh()
        seen = self.history.revisions["status"] + self.history.revisions["epochs"]
        if self._status_seen != seen:
            self._status_seen = seen
            self.status.setText(self.status_text())

    def status_text(self) -> str:
        """One line: epoch, batch, loss, speed and the best validation IoU so far."""
        history, parts = self.history, []
        started, batch, ended = history.started, history.last_batch, history.ended
        total = started.epochs if started else None
        if batch is not None:
            parts.append(f"epoch {batch.epoch}" + (f"/{total}" if total else ""))
            if batch.batches:
                parts.append(f"batch {batch.batch}/{batch.batches}")
            parts.append(f"loss {format_value(batch.loss)}")
            if batch.samples_per_s:
                parts.append(f"{batch.samples_per_s:.1f} samples/s")
        elif len(history.epochs):
            parts.append(f"{len(history.epochs)} epochs")
        best = history.best_epoch()
        if best:
            parts.append(f"best val IoU {format_value(best[1])} (epoch {best[0]})")
        if started and started.device:
            parts.append(started.device_name or started.device)
        if not parts:
            parts.append(f"{history.run_dir.name}: nothing recorded yet" if history.run_dir
                         else IDLE)
        line = html.escape(" · ".join(parts))
        if ended is not None:
            color = STATUS_COLORS.get(ended.status, "#1f2633")
            message = f": {ended.message}" if ended.message else ""
            line = (f"<b style='color:{color}'>{html.escape(ended.status.capitalize() + message)}"
                    f"</b> · {line}")
        return line

    def _smoothing_changed(self, value: int) -> None:
        self.smoothing_value.setText(f"{value / 100:.2f}")
        self.history.set_smoothing(value / 100)
