"""CPU, memory and GPU use of the training process over time (Qt), from `system` events."""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from .history import RunHistory
from .plots import (TRAIN, VAL, add_plot, curve, format_value, key_title, light_layout,
                    readout, set_title, show)

WAITING = "CPU, memory and GPU use appear here while a model trains."


def x_as_minutes(x: float) -> str:
    return f"{x:.1f} min"


class SystemPanel(QWidget):
    """Two plots (use in %, memory in MB) and a line with the latest figures."""

    def __init__(self, history: RunHistory, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history = history
        self.summary = QLabel(WAITING)
        self.summary.setContentsMargins(6, 2, 6, 2)
        self.summary.setToolTip("CPU use of the training process: 100 % is one core busy")
        self.graphics = light_layout()
        self.use_plot = add_plot(self.graphics, 0, 0, "Use (%)", x_label="minutes")
        self.memory_plot = add_plot(self.graphics, 0, 1, "Memory (MB)", x_label="minutes")
        set_title(self.use_plot, key_title("Use (%)", [("CPU", TRAIN, False), ("GPU", VAL, False)]))
        set_title(self.memory_plot, key_title("Memory (MB)", [("process", TRAIN, False),
                                                            ("GPU", VAL, False)]))
        self.curves = {"cpu_percent": curve(self.use_plot, TRAIN),
                       "gpu_percent": curve(self.use_plot, VAL),
                       "memory_mb": curve(self.memory_plot, TRAIN),
                       "gpu_memory_mb": curve(self.memory_plot, VAL)}
        named = lambda *pairs: [(label, self.curves[c]) for label, c in pairs]  # noqa: E731
        self.readouts = [
            readout(self.use_plot, named(("CPU %", "cpu_percent"), ("GPU %", "gpu_percent")),
                    x_as_minutes),
            readout(self.memory_plot, named(("process MB", "memory_mb"),
                                            ("GPU MB", "gpu_memory_mb")), x_as_minutes)]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.graphics, 1)
        self._seen = -1

    def refresh(self) -> None:
        revision = self.history.revisions["system"]
        if revision == self._seen:
            return
        self._seen = revision
        system = self.history.system
        minutes = system.column("t") / 60.0
        for column, item in self.curves.items():
            show(item, minutes, system.column(column))
        self.summary.setText(self.summary_text())

    def summary_text(self) -> str:
        system = self.history.system
        if not len(system):
            return WAITING
        parts = [f"CPU use {format_value(system.last('cpu_percent'))} %",
                 f"memory {format_value(system.last('memory_mb'))} MB"]
        gpu = [system.last("gpu_percent"), system.last("gpu_memory_mb")]
        if np.isfinite(gpu).any():
            parts.append(f"GPU {format_value(gpu[0])} %, {format_value(gpu[1])} MB")
        elif self.history.started and (self.history.started.device or "").startswith("cuda"):
            parts.append("GPU use unknown")
        device = self.history.started.device_name if self.history.started else None
        return " · ".join(([f"training on {device}"] if device else []) + parts)
