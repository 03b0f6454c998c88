"""Live previews: what every node makes of one sample, computed off the GUI thread (no Qt).

Shaped like napari's layer slicer: one worker thread; each request carries all
it needs (a snapshot of the graph section, its revision, the sample, the class
colours); a newer request cancels the one running (checked between layers, by
the forward hooks) and replaces one still waiting; a result is delivered through
a callback, and only if no newer request was made meanwhile. ``force_sync()``
computes in the caller's thread, for tests. The window's owner wraps the
callback in a Qt signal to get back to the GUI thread.

Per node: the Input shows the sample as the model sees it (resized to the
Input and normalized, drawn over the bulk of its range), every layer its output as a
grid of channels (16 to a page), the Target the sample's mask in the data's
class colours beside the predicted classes; each with the tensor's min, max,
mean and std. A forward hook on each node's
module (the compiled GraphModule's ``meta["node_modules"]``) collects them.
Weights are random but fixed per node id (a change to one node leaves the
previews upstream of it as they were), or those of a checkpoint.
"""
from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

import numpy as np
import torch
import torch.nn.functional as F
from torch import fx

from components.compiler import analyze, compile_graph
from components.errors import Problem
from components.graph import GraphDocument
from components.serialize import graph_from_dict

from .preview_render import (PER_PAGE, TensorStats, channel_grid, colour_mask, image_rgb,
                             pages, predicted_classes, tensor_stats)

LOG = logging.getLogger(__name__)


class Cancelled(Exception):
    """A newer request superseded the one being computed."""


@dataclass(frozen=True)
class PreviewRequest:
    graph: Mapping[str, Any]                 # graph_to_dict(doc) of the revision
    revision: int
    image: torch.Tensor                      # (C, H, W) float in [0, 1], any size
    mask: torch.Tensor | None = None         # (H, W) int64 class ids
    colors: tuple[tuple[int, int, int], ...] = ()
    weights: Mapping[str, torch.Tensor] | None = None  # a checkpoint's "model"
    seed: int = 0


@dataclass
class NodePreview:
    node_id: str
    kind: str                     # "image", "features" or "mask"
    tensor: torch.Tensor          # the node's output (C, H, W), float32, for paging
    stats: TensorStats
    picture: np.ndarray           # (h, w, 3) uint8: the image, page 0 of the grid, the mask
    prediction: np.ndarray | None = None  # the Target: predicted classes in class colours

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.tensor.shape)

    @property
    def pages(self) -> int:
        return pages(self.tensor.shape[0]) if self.kind == "features" else 1

    def page(self, index: int) -> np.ndarray:
        """Channels ``index * 16`` ... as a grid (the person pages through them)."""
        return channel_grid(self.tensor, index) if self.kind == "features" else self.picture


@dataclass
class PreviewResult:
    revision: int
    nodes: dict[str, NodePreview] = field(default_factory=dict)
    blocked: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def message(self) -> str:
        """Why there is no preview: the node(s) that block it, by name."""
        if not self.blocked:
            return ""
        return "No preview until this is fixed: " + "; ".join(str(p) for p in self.blocked)


class PreviewService:
    """One worker thread computing the newest request; results go to ``deliver``."""

    def __init__(self, deliver: Callable[[PreviewResult], None]) -> None:
        self.deliver = deliver
        self.synchronous = False
        self.cancelled = 0             # requests dropped unfinished (for tests and the bench)
        self.on_layer: Callable[[str], None] | None = None  # called before each hook's work
        self._lock = threading.Condition()
        self._pending: PreviewRequest | None = None
        self._running: threading.Event | None = None
        self._serial = 0               # of the newest request
        self._busy = False
        self._closed = False
        self._models = _ModelCache()
        self._thread = threading.Thread(target=self._loop, name="previews", daemon=True)
        self._thread.start()

    def request(self, request: PreviewRequest) -> None:
        """Compute previews for ``request``, cancelling whatever is older."""
        with self._lock:
            self._serial += 1
            if self._running is not None:
                self._running.set()
            if self.synchronous:
                serial = self._serial
            else:
                self._pending = request
                self._lock.notify_all()
                return
        self._compute_and_deliver(request, serial, threading.Event())

    @contextlib.contextmanager
    def force_sync(self) -> Iterator[None]:
        """Requests made inside are computed at once in the caller's thread."""
        self.wait()
        self.synchronous = True
        try:
            yield
        finally:
            self.synchronous = False

    def wait(self, timeout: float = 30.0) -> bool:
        """Block until nothing is waiting or running (True) or the timeout passes."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._pending is not None or self._busy:
                left = deadline - time.monotonic()
                if left <= 0 or not self._lock.wait(left):
                    return False
        return True

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._running is not None:
                self._running.set()
            self._lock.notify_all()
        self._thread.join(timeout=5)

    # --- the worker -------------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            with self._lock:
                while self._pending is None and not self._closed:
                    self._lock.wait()
                if self._closed:
                    return
                request, self._pending = self._pending, None
                serial, self._busy = self._serial, True
            try:
                self._compute_and_deliver(request, serial, threading.Event())
            finally:
                with self._lock:
                    self._busy = False
                    self._lock.notify_all()

    def _compute_and_deliver(self, request: PreviewRequest, serial: int,
                             cancel: threading.Event) -> None:
        with self._lock:
            self._running = cancel
        try:
            result = compute(request, cancel, self._models, self.on_layer)
        except Cancelled:
            with self._lock:
                self.cancelled += 1
            return
        except Exception as error:  # noqa: BLE001 - a preview must never take the window down
            LOG.exception("preview of revision %s failed", request.revision)
            result = PreviewResult(request.revision, notes=[f"preview failed: {error}"])
        finally:
            with self._lock:
                self._running = None
        with self._lock:
            stale = serial != self._serial
            self.cancelled += stale
        if not stale:
            self.deliver(result)


def compute(request: PreviewRequest, cancel: threading.Event | None = None,
            models: "_ModelCache | None" = None,
            on_layer: Callable[[str], None] | None = None) -> PreviewResult:
    """Every node's preview for one request (Cancelled when ``cancel`` gets set).

    The Target's picture is the sample's mask (the predicted classes when there is
    none), its ``prediction`` the classes predicted from what reaches it, and its
    tensor and stats those of what reaches it."""
    started = time.perf_counter()
    doc = graph_from_dict(dict(request.graph))
    analysis = analyze(doc)
    if not analysis.ok:
        return PreviewResult(request.revision, blocked=list(analysis.problems))
    model, notes = (models or _ModelCache()).get(request)
    channels, height, width = analysis.shapes[analysis.input_id]
    image = fit_image(request.image, channels, (height, width))
    outputs: dict[str, torch.Tensor] = {}
    handles = []
    for node_id, attr in model.meta["node_modules"].items():
        def hook(module, args, output, node_id=node_id):
            if cancel is not None and cancel.is_set():
                raise Cancelled(node_id)
            if on_layer is not None:
                on_layer(node_id)
            outputs[node_id] = output[0].detach().float()
        handles.append(model.get_submodule(attr).register_forward_hook(hook))
    try:
        with torch.inference_mode():
            model(image[None])
    finally:
        for handle in handles:
            handle.remove()
    result = PreviewResult(request.revision, notes=notes)
    for node_id, tensor in outputs.items():
        kind = "image" if node_id == analysis.input_id else "features"
        picture = image_rgb(stretched(tensor)) if kind == "image" else channel_grid(tensor)
        result.nodes[node_id] = NodePreview(node_id, kind, tensor, tensor_stats(tensor), picture)
    target = analysis.target_id
    source = doc.edges_into(target)[0].source
    if source in outputs:
        result.nodes[target] = _target_preview(request, target, outputs[source], (height, width))
    result.seconds = time.perf_counter() - started
    return result


STRETCH = (0.005, 0.995)
"""The Input's picture spans these quantiles of its values (a few bright pixels in a
dark microscopy image would otherwise leave the rest black)."""


def stretched(tensor: torch.Tensor) -> torch.Tensor:
    """The Input's output (normalized) mapped to [0, 1] between its 0.5 % and 99.5 %
    quantiles, all channels together: the image as the model sees it, readable even
    when the data is dark."""
    values = tensor.detach().float().flatten()
    if values.numel() > 1 << 20:  # torch.quantile's limit is 16 M; a sample is plenty
        values = values[torch.linspace(0, values.numel() - 1, 1 << 20).long()]
    low, high = torch.quantile(values, torch.tensor(STRETCH)).tolist()
    if high <= low:
        low, high = values.min().item(), values.max().item()
    if high <= low:
        return torch.full_like(tensor, 0.5)
    return ((tensor - low) / (high - low)).clamp(0, 1)


def fit_image(image: torch.Tensor, channels: int, size: tuple[int, int]) -> torch.Tensor:
    """The sample as the Input takes it: its channels (gray repeated, colour averaged)
    and its size (bilinear), float in [0, 1]."""
    picture = image.detach().float()
    if picture.shape[0] != channels:
        picture = (picture.mean(0, keepdim=True) if channels == 1
                   else picture[:1].expand(channels, -1, -1))
    if tuple(picture.shape[1:]) != tuple(size):
        picture = F.interpolate(picture[None], size=size, mode="bilinear",
                                align_corners=False)[0]
    return picture.contiguous()


def _target_preview(request: PreviewRequest, node_id: str, logits: torch.Tensor,
                    size: tuple[int, int]) -> NodePreview:
    colors = request.colors or tuple(tuple(c) for c in np.eye(3, dtype=np.uint8) * 255)
    predicted = colour_mask(predicted_classes(logits).numpy(), colors)
    if request.mask is not None:
        mask = request.mask.long()
        if tuple(mask.shape) != tuple(size):
            mask = F.interpolate(mask[None, None].float(), size=size, mode="nearest")[0, 0].long()
        truth = colour_mask(mask.numpy(), colors)
    else:
        truth = predicted
    return NodePreview(node_id, "mask", logits, tensor_stats(logits), truth, predicted)


class _ModelCache:
    """The model of the last request, and each node's module by what it is built from.

    The graph is compiled on the meta device (structure only, ~20 ms for 33 nodes)
    and every node's module is then taken from the cache when its type, settings
    and input shapes are unchanged, or built for real from a seed of its own id.
    So an edit rebuilds the nodes it changes, and the weights of the others, as
    their previews, stay as they were."""

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._model: fx.GraphModule | None = None
        self._notes: list[str] = []
        self._modules: dict[tuple, torch.nn.Module] = {}

    def get(self, request: PreviewRequest) -> tuple[fx.GraphModule, list[str]]:
        key = (json.dumps(request.graph, sort_keys=True, default=str), id(request.weights),
               request.seed)
        if key != self._key or self._model is None:
            model = self._assemble(graph_from_dict(dict(request.graph)), request.seed,
                                   id(request.weights))
            self._notes = _load_weights(model, request.weights) if request.weights else []
            self._key, self._model = key, model
        return self._model, list(self._notes)

    def _assemble(self, doc: GraphDocument, seed: int, weights: int) -> fx.GraphModule:
        model = compile_graph(doc, device="meta")
        analysis = analyze(doc)
        kept: dict[tuple, torch.nn.Module] = {}
        for node_id, attr in model.meta["node_modules"].items():
            node = doc.node(node_id)
            inputs = {e.target_port: analysis.shapes[e.source] for e in doc.edges_into(node_id)}
            key = (node_id, node.type, json.dumps(node.settings, sort_keys=True),
                   tuple(sorted(inputs.items())), analysis.context, seed, weights)
            module = self._modules.get(key)
            if module is None:
                with torch.random.fork_rng(devices=[]):
                    torch.manual_seed(zlib.crc32(node_id.encode()) ^ seed)
                    module = doc.component(node_id).build(inputs, analysis.context).eval()
            kept[key] = module
            setattr(model, attr, module)
        self._modules = kept  # only the current model's modules stay in memory
        return model.eval()


def _load_weights(model: fx.GraphModule, weights: Mapping[str, torch.Tensor]) -> list[str]:
    """Load the checkpoint's tensors that fit; name the nodes whose weights did not."""
    own = model.state_dict()
    fitting = {k: v for k, v in weights.items() if k in own and own[k].shape == v.shape}
    model.load_state_dict(fitting, strict=False)
    misfits = sorted({k.split(".")[0] for k in own if k not in fitting})
    if not misfits:
        return []
    return [f"random weights for {', '.join(misfits)}: the checkpoint's do not fit them"]


__all__ = ["Cancelled", "NodePreview", "PER_PAGE", "PreviewRequest", "PreviewResult",
           "PreviewService", "compute", "fit_image"]
