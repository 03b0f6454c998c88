"""The compiler's analysis, kept fresh while the person edits.

``analyze()`` runs about 100 ms after the last edit that can change a shape
(node, wire or setting; moving a node or editing a frame cannot), so a drag or
a burst of typing costs one analysis, not one per event. Listeners get the
result through ``updated``.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from components.compiler import Analysis, analyze
from components.events import Subscriptions
from components.graph import GraphDocument

DELAY_MS = 100


class LiveAnalysis(QObject):
    """Debounced ``analyze(document)``; ``analysis`` holds the latest result."""

    updated = Signal(object)  # Analysis

    def __init__(self, document: GraphDocument, parent: QObject | None = None,
                 delay_ms: int = DELAY_MS) -> None:
        super().__init__(parent)
        self.document = document
        self.analysis: Analysis = analyze(document)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self.run_now)
        self._subscriptions = Subscriptions()
        for event in (document.node_added, document.node_removed, document.setting_changed,
                      document.edge_added, document.edge_removed, document.reset):
            self._subscriptions.subscribe(event, self._schedule)

    @property
    def pending(self) -> bool:
        return self._timer.isActive()

    def _schedule(self, *args: Any) -> None:
        self._timer.start()

    def run_now(self) -> Analysis:
        self._timer.stop()
        self.analysis = analyze(self.document)
        self.updated.emit(self.analysis)
        return self.analysis

    def close(self) -> None:
        """Stop listening (the window is closing)."""
        self._timer.stop()
        self._subscriptions.close()
