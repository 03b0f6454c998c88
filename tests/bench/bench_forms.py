"""Property-panel benchmarks (run with `make bench`; never part of `make test`).

1. From a setting change to updated live previews of every node of the demo
   U-Net at a 128x128 Input: the change, the snapshot, the request, the worker's
   compile and hooked forward pass, the delivered result. Goal < 300 ms. Against
   a plain forward pass of the same compiled model in the same run.
2. The code view's refresh of the 33-node from-scratch template (compile on the
   meta device, write the source, show it highlighted), which decides whether it
   needs a worker thread.
"""
from __future__ import annotations

import statistics
import sys
import threading
import time
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from app.paths import TEMPLATES  # noqa: E402
from app.previews import PreviewRequest, PreviewService  # noqa: E402
from app.project import load_project  # noqa: E402
from components.compiler import compile_graph  # noqa: E402
from components.serialize import graph_to_dict  # noqa: E402

ROUNDS = 15
SIZE = 128


def template_graph(name: str):
    doc = load_project(TEMPLATES / name).graph
    doc.set_setting("input", "height", SIZE)
    doc.set_setting("input", "width", SIZE)
    return doc


@pytest.mark.parametrize("template, node, setting, values", [
    ("demo.json", "unet", "base_filters", (16, 12)),
    ("unet_from_scratch.json", "head", "kernel_size", (1, 3))])
def test_setting_change_to_updated_previews(template, node, setting, values):
    doc = template_graph(template)
    image, mask = torch.rand(1, 300, 300), torch.randint(0, 3, (300, 300))
    done = threading.Event()
    service = PreviewService(lambda result: done.set())
    changes, forwards = [], []
    model = compile_graph(doc).eval()
    x = torch.rand(1, doc.node("input").settings["channels"], SIZE, SIZE)
    try:
        for round_ in range(ROUNDS + 1):
            done.clear()
            start = time.perf_counter()
            doc.set_setting(node, setting, values[round_ % 2])
            service.request(PreviewRequest(graph_to_dict(doc), round_, image, mask))
            assert done.wait(60)
            changes.append(time.perf_counter() - start)
            start = time.perf_counter()
            with torch.inference_mode():
                model(x)
            forwards.append(time.perf_counter() - start)
    finally:
        service.close()
    change, forward = statistics.median(changes[1:]), statistics.median(forwards[1:])
    print(f"\nsetting change -> previews of {len(doc.nodes)} nodes at {SIZE}x{SIZE}: "
          f"{change * 1000:.1f} ms (median of {ROUNDS}); plain forward {forward * 1000:.1f} ms; "
          f"ratio {change / forward:.2f}")


def test_code_view_refresh_of_the_from_scratch_template(qtbot):
    from app.panels.code_view import CodeView

    doc = load_project(TEMPLATES / "unet_from_scratch.json").graph
    view = CodeView()
    qtbot.addWidget(view)
    view.show()
    times = []
    for round_ in range(ROUNDS + 1):
        doc.set_setting("head", "kernel_size", 1 if round_ % 2 else 3)
        view.graph_changed(doc)
        view.refresh_now()
        times.append(view.last_refresh_ms)
    start = time.perf_counter()
    for _ in range(ROUNDS):
        compile_graph(doc, device="meta")
    compile_only = (time.perf_counter() - start) / ROUNDS * 1000
    print(f"\ncode view refresh, {len(doc.nodes)} nodes: {statistics.median(times[1:]):.1f} ms "
          f"(median of {ROUNDS}); compile_graph on meta alone {compile_only:.1f} ms")
