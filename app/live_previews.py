"""Live previews in the window: what every node makes of the sample, kept up to date.

The preview service (app/previews.py) computes on its own worker thread; this is its
owner on the GUI side. After a document change it waits DELAY_MS (the person may
still be typing), takes a snapshot and asks for previews; a request whose graph,
sample and weights are those of the previous one is not made (a node moved). The
service cancels an older request a newer one supersedes; its result comes back
through a queued signal, with the nodes' thumbnails already shrunk on the worker
(QImage may be made off the GUI thread, QPixmap not), and is dropped unless it
answers the newest request. A form's ``changing`` value (arrows still being
pressed) is previewed without touching the document: ``preview_value``.

Weights are random (fixed per node id) until the person picks a checkpoint of one
of the project's runs: ``checkpoints()`` lists them, ``choose_weights`` loads one
off the GUI thread with the engine's ``read_checkpoint`` (``torch.load(weights_only=
True)``), so a checkpoint can run no code.
"""
from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import torch
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage

from app.engine.checkpoint import read_checkpoint
from app.preview_render import channel_grid, side_by_side, thumbnail
from app.previews import NodePreview, PreviewRequest, PreviewResult, PreviewService
from app.project import Project
from app.runs import BEST, LAST, list_runs, project_runs_folder
from app.sample_source import SampleSource
from components.errors import StudioError
from components.events import Subscriptions

LOG = logging.getLogger(__name__)
DELAY_MS = 150
THUMB_ROWS = 72
"""Pixel rows of a node's thumbnail: its 36-unit strip at twice the resolution (sharp
on a 2x screen and when zoomed in)."""
THUMB_CHANNELS = 4
RANDOM = "random weights"


class LivePreviews(QObject):
    """Debounced previews of the project's graph on the SampleSource's sample."""

    updated = Signal()          # result, thumbnails or the weights' state changed
    _delivered = Signal(object, object)        # PreviewResult, {node id: QImage}
    _weights_loaded = Signal(int, object, str, str)  # serial, state_dict, label, message

    def __init__(self, project: Project, source: SampleSource, parent: QObject | None = None,
                 delay_ms: int = DELAY_MS) -> None:
        super().__init__(parent)
        self.project, self.source = project, source
        self.document = project.graph
        self.service = PreviewService(self._deliver)
        self.result: PreviewResult | None = None
        self.thumbnails: dict[str, QImage] = {}
        self.weights: dict[str, torch.Tensor] | None = None
        self.weights_label = RANDOM
        self.weights_message = ""
        self.serial = 0             # of the newest request
        self._key: tuple | None = None
        self._weights_serial = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self.request_now)
        self._subscriptions = Subscriptions()
        self._subscriptions.subscribe(self.document.changed, self.schedule)
        source.changed.connect(self._on_source_changed)
        self._delivered.connect(self._on_delivered)
        self._weights_loaded.connect(self._on_weights_loaded)

    # --- requests ------------------------------------------------------------------------
    @property
    def pending(self) -> bool:
        """A document change waits for its request (the debounce is running)."""
        return self._timer.isActive()

    def schedule(self, *args: Any) -> None:
        if self.source.enabled:
            self._timer.start()

    def request_now(self, graph: dict[str, Any] | None = None) -> bool:
        """Ask for previews of ``graph`` (the document's snapshot when None) now; False
        when there is no sample or nothing changed since the last request."""
        self._timer.stop()
        sample = self.source.sample
        if sample is None:
            if self.result is not None or self.thumbnails:
                self.result, self.thumbnails, self._key = None, {}, None
                self.updated.emit()
            return False
        graph = graph if graph is not None else self.document.snapshot()
        key = (content_key(graph), id(sample), id(self.weights))
        if key == self._key:
            return False
        self._key = key
        self.serial += 1
        self.service.request(PreviewRequest(graph, self.serial, sample.image, sample.mask,
                                            self.colors(), self.weights))
        return True

    def preview_value(self, node_ids: Iterable[str], name: str, value: Any) -> None:
        """Preview the graph as it would be with ``name`` = ``value`` on these nodes
        (a form's ``changing``): the document is not touched, nothing is undoable."""
        ids = set(node_ids)
        try:
            checked = {n: self.document.check_setting(n, name, value) for n in ids}
        except StudioError:
            return  # not a value the node takes: nothing to preview
        graph = self.document.snapshot()
        for node in graph["nodes"]:
            if node["id"] in checked:
                setting = checked[node["id"]]
                node["settings"][name] = list(setting) if isinstance(setting, tuple) else setting
        self.request_now(graph)

    def colors(self) -> tuple[tuple[int, int, int], ...]:
        dataset = self.source.dataset
        return tuple(tuple(c.color) for c in dataset.classes) if dataset else ()

    def close(self) -> None:
        """The window is closing: stop the debounce, the subscriptions and the worker."""
        self._timer.stop()
        self._subscriptions.close()
        self.service.close()

    # --- results ---------------------------------------------------------------------------
    def _deliver(self, result: PreviewResult) -> None:
        """On the worker thread: shrink the thumbnails there, hand over to the GUI thread."""
        thumbnails = {node_id: to_qimage(thumbnail(thumbnail_picture(p), THUMB_ROWS))
                      for node_id, p in result.nodes.items()}
        try:
            self._delivered.emit(result, thumbnails)
        except RuntimeError:  # the window closed meanwhile
            pass

    def _on_delivered(self, result: PreviewResult, thumbnails: dict[str, QImage]) -> None:
        if result.revision != self.serial:
            return  # a newer request was made after this one was handed over
        self.result, self.thumbnails = result, thumbnails
        self.updated.emit()

    def _on_source_changed(self) -> None:
        self.request_now()

    @property
    def message(self) -> str:
        """Why there is no preview (no data, reading, a node that blocks it), or ""."""
        if self.source.sample is None:
            return self.source.message or "No sample to preview yet."
        if self.result is None:
            return "Computing the previews…"
        return self.result.message

    # --- checkpoint weights ------------------------------------------------------------------
    def checkpoints(self) -> list[tuple[str, Path]]:
        """(label, file) of every checkpoint of the project's runs, newest run first."""
        if self.project.path is None:
            return []
        found = []
        for run in list_runs([project_runs_folder(self.project.path)]):
            for name, present in ((BEST, run.has_best), (LAST, run.has_last)):
                if present:
                    found.append((f"{run.name} · {name}", run.path / name))
        return found

    def choose_weights(self, path: Path | None, label: str = "") -> None:
        """Preview with a checkpoint's weights (None: random ones again), read off the GUI
        thread; a file that cannot be read leaves the weights as they were and says why."""
        self._weights_serial += 1
        serial = self._weights_serial
        if path is None:
            self._on_weights_loaded(serial, None, RANDOM, "")
            return
        self.weights_message = f"Reading {Path(path).name}…"
        self.updated.emit()
        def work() -> None:
            loaded = read_weights(Path(path), label or Path(path).name)
            try:
                self._weights_loaded.emit(serial, *loaded)
            except RuntimeError:  # the window closed meanwhile
                pass

        threading.Thread(target=work, name="preview-weights", daemon=True).start()

    def _on_weights_loaded(self, serial: int, weights: dict | None, label: str,
                           message: str) -> None:
        if serial != self._weights_serial:
            return
        if weights is not None or not message:
            self.weights, self.weights_label = weights, label
        self.weights_message = message
        self.updated.emit()
        self.request_now()


def read_weights(path: Path, label: str) -> tuple[dict | None, str, str]:
    """(state_dict, label, "") of a checkpoint, or (None, label, why it cannot be used);
    read as the engine reads it (app/engine/checkpoint.py: weights only, no code runs)."""
    try:
        return read_checkpoint(path)["model"], label, ""
    except StudioError as error:
        return None, label, str(error)


def content_key(graph: dict[str, Any]) -> str:
    """What a preview depends on: the nodes' types and settings and the wires, not where
    the nodes sit or how they are grouped."""
    nodes = [(n["id"], n["type"], n["settings"]) for n in graph.get("nodes", [])]
    return json.dumps({"nodes": nodes, "edges": graph.get("edges", [])}, sort_keys=True,
                      default=str)


CAPTIONS = {
    "image": "the sample as it enters the model",
    "features": "the first channels of this node's output for the sample",
    "mask": "left, the sample's mask; right, the classes the model predicts for it now "
            "(with untrained weights, mostly one class)",
}


def thumbnail_captions(result: PreviewResult | None) -> dict[str, str]:
    """What each node's thumbnail shows, by node id (for its tooltip on the canvas)."""
    if result is None:
        return {}
    return {node_id: CAPTIONS.get(preview.kind, "") for node_id, preview in result.nodes.items()}


def node_picture(preview: NodePreview) -> np.ndarray:
    """The picture of a node: the Target its mask beside the predicted classes."""
    if preview.kind == "mask" and preview.prediction is not None:
        return side_by_side(preview.picture, preview.prediction)
    return preview.picture


def thumbnail_picture(preview: NodePreview) -> np.ndarray:
    """What the node's strip on the canvas shows: a layer's first four channels in a row
    (sixteen shrunk to 36 px are noise), else the node's picture."""
    if preview.kind == "features":
        return channel_grid(preview.tensor[:THUMB_CHANNELS])
    return node_picture(preview)


def to_qimage(rgb: np.ndarray) -> QImage:
    """An (h, w, 3) uint8 array as a QImage that owns its pixels."""
    rgb = np.ascontiguousarray(rgb)
    height, width = rgb.shape[:2]
    return QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()
