"""Live previews: per-node pictures and stats, off the GUI thread, newest request wins."""
from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from app.preview_render import channel_grid, colour_mask, image_rgb, tensor_stats
from app.previews import PreviewRequest, PreviewService, compute, fit_image
from components.compiler import compile_graph
from components.serialize import graph_to_dict
from tests.helpers import chain

COLORS = ((0, 0, 0), (255, 0, 0), (0, 128, 255))


def graph(filters=6, size=16, classes=3):
    doc = chain(("Input", {"channels": 1, "height": size, "width": size,
                           "normalization": "per_image"}),
                ("Convolution", {"filters": filters}), ("Convolution", {"filters": classes}),
                ("Target", {"classes": classes}), ids=["input", "conv1", "head", "target"])
    return doc


def sample(size=20):
    rows, cols = np.mgrid[0:size, 0:size]
    image = torch.tensor((rows + cols) / (2 * size), dtype=torch.float32)[None]
    mask = torch.tensor(np.minimum(cols * 3 // size, 2))
    return image, mask


def request(doc, revision=1, **kwargs):
    image, mask = sample()
    return PreviewRequest(graph_to_dict(doc), revision, image, mask, COLORS, **kwargs)


@pytest.fixture
def service():
    results = []
    previews = PreviewService(results.append)
    previews.results = results
    yield previews
    previews.close()


def test_every_node_shows_what_it_makes_of_the_sample(service):
    with service.force_sync():
        service.request(request(graph()))
    (result,) = service.results
    assert result.revision == 1 and not result.blocked
    assert set(result.nodes) == {"input", "conv1", "head", "target"}
    source = result.nodes["input"]
    assert source.kind == "image" and source.picture.shape == (16, 16, 3)
    assert source.shape == (1, 16, 16)  # what the Input hands on: standardized
    assert source.stats.mean == pytest.approx(0.0, abs=1e-5)
    assert source.stats.std == pytest.approx(1.0, abs=1e-2)
    conv = result.nodes["conv1"]
    assert conv.kind == "features" and conv.shape == (6, 16, 16) and conv.pages == 1
    assert conv.picture.shape == (2 * 16 + 1, 4 * 16 + 3, 3)  # 6 channels: 4 + 2 tiles
    exact = tensor_stats(conv.tensor)
    assert (conv.stats.min, conv.stats.max) == (exact.min, exact.max) and exact.min >= 0  # ReLU
    target = result.nodes["target"]
    assert target.kind == "mask" and target.picture.shape == (16, 16, 3)
    assert {tuple(c) for c in target.picture.reshape(-1, 3)} == set(COLORS)
    assert tuple(target.picture[0, 0]) == COLORS[0] and tuple(target.picture[0, -1]) == COLORS[2]
    assert target.prediction.shape == (16, 16, 3)


def test_channels_come_in_pages_of_sixteen(service):
    with service.force_sync():
        service.request(request(graph(filters=40)))
    conv = service.results[0].nodes["conv1"]
    assert conv.pages == 3
    assert conv.page(2).shape == (2 * 16 + 1, 4 * 16 + 3, 3)  # channels 32..39
    assert conv.page(0).shape == (4 * 16 + 3, 4 * 16 + 3, 3)


def test_the_weights_of_a_node_stay_when_another_node_changes(service):
    doc = graph()
    with service.force_sync():
        service.request(request(doc, 1))
        doc.set_setting("head", "kernel_size", 5)
        service.request(request(doc, 2))
    first, second = service.results
    assert torch.equal(first.nodes["conv1"].tensor, second.nodes["conv1"].tensor)
    assert not torch.equal(first.nodes["head"].tensor, second.nodes["head"].tensor)


def test_a_graph_with_problems_says_which_node_blocks_the_preview(service):
    doc = graph()
    doc.disconnect(doc.edges_into("head")[0])
    with service.force_sync():
        service.request(request(doc))
    (result,) = service.results
    assert result.nodes == {}
    assert [p.node_id for p in result.blocked] == ["head", "target"]
    assert result.message.startswith("No preview until this is fixed: head: input port 'in' "
                                     "is not connected")


def test_a_newer_request_cancels_the_one_being_computed(service):
    doc = graph()
    started, release = threading.Event(), threading.Event()

    def slow_first_layer(node_id):
        if node_id == "conv1" and not release.is_set():
            started.set()
            release.wait(10)
    service.on_layer = slow_first_layer
    service.request(request(doc, 1))
    assert started.wait(10)
    doc.set_setting("conv1", "filters", 4)
    service.request(request(doc, 2))  # arrives while revision 1 is in its first layer
    release.set()
    assert service.wait(30)
    assert [r.revision for r in service.results] == [2]
    assert service.cancelled == 1
    assert service.results[0].nodes["conv1"].shape == (4, 16, 16)


def test_a_waiting_request_is_replaced_by_a_newer_one(service):
    doc = graph()
    started, release = threading.Event(), threading.Event()

    def hold(node_id):
        if not release.is_set():
            started.set()
            release.wait(10)
    service.on_layer = hold
    service.request(request(doc, 1))
    assert started.wait(10)
    service.request(request(doc, 2))   # waits: never computed
    service.request(request(doc, 3))
    release.set()
    assert service.wait(30)
    assert [r.revision for r in service.results] == [3]


def test_checkpoint_weights_are_used_where_they_fit():
    doc = graph()
    trained = compile_graph(doc).eval()
    weights = {k: v for k, v in trained.state_dict().items() if not k.startswith("head")}
    req = request(doc, weights=weights)
    result = compute(req)
    assert result.notes == ["random weights for head: the checkpoint's do not fit them"]
    with torch.inference_mode():
        x = fit_image(req.image, 1, (16, 16))[None]
        conv1 = trained.conv1(trained.input(x))
        head = trained.head(conv1)
    assert torch.allclose(result.nodes["conv1"].tensor, conv1[0])
    assert not torch.allclose(result.nodes["head"].tensor, head[0])  # its own random weights


def test_pictures_of_tensors():
    gray = torch.linspace(0, 1, 16).reshape(1, 4, 4)
    assert image_rgb(gray)[3, 3].tolist() == [255, 255, 255]
    assert image_rgb(gray)[0, 0].tolist() == [0, 0, 0]
    flat = torch.ones(2, 3, 3)
    assert channel_grid(flat)[0, 0].tolist() == [128, 128, 128]  # a constant channel: mid gray
    assert channel_grid(flat)[:, 3].tolist() == [[255] * 3] * 3  # the gap between tiles
    mask = colour_mask(np.array([[0, 2], [9, 1]]), COLORS)
    assert mask.tolist() == [[[0, 0, 0], [0, 128, 255]], [[0, 128, 255], [255, 0, 0]]]


def test_checkpoint_weights_do_not_leak_into_later_random_previews(service):
    doc = graph()
    with service.force_sync():
        service.request(request(doc, 1))
        trained = {k: torch.zeros_like(v) for k, v in compile_graph(doc).state_dict().items()}
        service.request(request(doc, 2, weights=trained))
        service.request(request(doc, 3))
    first, with_weights, again = service.results
    assert with_weights.nodes["conv1"].stats.max == 0  # zero weights, zero batch-norm scale
    assert torch.equal(first.nodes["conv1"].tensor, again.nodes["conv1"].tensor)


def test_the_previews_import_no_qt():
    import subprocess
    import sys

    code = ("import sys, app.previews; "
            "print([m for m in sys.modules if m.startswith(('PySide6', 'shiboken'))])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_preview_classes_read_logits_as_the_engine_does():
    from app.preview_render import predicted_classes

    one_channel = torch.tensor([[[-1.0, 0.5], [0.0, 2.0]]])  # BCE-style: foreground > 0
    assert predicted_classes(one_channel).tolist() == [[0, 1], [0, 1]]
    three = torch.zeros(3, 1, 2)
    three[2, 0, 0], three[1, 0, 1] = 1.0, 1.0
    assert predicted_classes(three).tolist() == [[2, 1]]
    assert predicted_classes(torch.zeros(4, 1, 1)).tolist() == [[0]]  # ties: the first
