"""Property-panel benchmarks in the window (run with `make bench`; never part of `make test`).

1. From a setting change in the panel's form to updated shape badges on the canvas:
   the demo U-Net (its Input's height, so every badge changes) and the 33-node
   from-scratch template (its Input's height too). Goal < 50 ms for the demo. Beside
   an in-run baseline: ``analyze()`` of the same graph alone, the floor of any update.
2. From a setting change in the panel (the U-Net's base filters) to the previews on the
   canvas and in the panel, the demo U-Net at a 128x128 Input on the nuclei sample.
   Goal < 300 ms. The panel asks at once; an undo (an edit that can come in bursts)
   goes through the previews' debounce, measured too. Beside a plain forward pass.

Rounds alternate between two values, so no round repeats the one before it.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import pytest
import torch
from PySide6.QtWidgets import QApplication

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from app.live_previews import DELAY_MS  # noqa: E402
from app.paths import DEMO_PROJECT, TEMPLATES  # noqa: E402
from components.compiler import analyze, compile_graph  # noqa: E402

ROUNDS = 15
SIZE = 128


def _window(make_window, qtbot, template, previews=False):
    window = make_window(previews=previews)
    window.resize(1440, 900)
    window.show()
    qtbot.waitExposed(window)
    assert window.open_template(template)
    window.controller.refresh_analysis()
    return window


def _commit(window, node_id, name, value):
    """What Enter in the panel's field does: the form's committed signal."""
    window.editor.select_nodes([node_id])
    QApplication.processEvents()
    window.details.settings.form.committed.emit(name, value)


@pytest.mark.parametrize("template", [DEMO_PROJECT, TEMPLATES / "unet_from_scratch.json"])
def test_setting_change_to_updated_shape_badges(make_window, qtbot, template):
    window = _window(make_window, qtbot, template)
    doc, scene = window.project.graph, window.editor.scene
    heights = (128, 256) if doc.node("input").settings["height"] != 128 else (256, 128)
    window.editor.select_nodes(["input"])
    QApplication.processEvents()
    form = window.details.settings.form
    changes, analyses = [], []
    for round_ in range(ROUNDS + 1):
        height = heights[round_ % 2]
        start = time.perf_counter()
        form.committed.emit("height", height)
        changes.append(time.perf_counter() - start)
        width = doc.node("input").settings["width"]
        assert scene.nodes["input"].shape_text.endswith(f"x{height}x{width}")
        start = time.perf_counter()
        analyze(doc)
        analyses.append(time.perf_counter() - start)
    change, floor = statistics.median(changes[1:]), statistics.median(analyses[1:])
    print(f"\n{Path(template).name} ({len(doc.nodes)} nodes): setting change -> shape badges "
          f"{change * 1000:.1f} ms (median of {ROUNDS}); analyze() alone {floor * 1000:.1f} ms; "
          f"ratio {change / floor:.2f}")


def test_setting_change_to_updated_previews(make_window, qtbot):
    window = _window(make_window, qtbot, DEMO_PROJECT, previews=True)
    doc, previews = window.project.graph, window.controller.previews
    for name in ("height", "width"):
        _commit(window, "input", name, SIZE)
    qtbot.waitUntil(lambda: bool(previews.result and previews.result.revision == previews.serial
                                 and previews.result.nodes and not previews.pending),
                    timeout=120_000)
    window.editor.select_nodes(["unet"])
    QApplication.processEvents()
    form = window.details.settings.form
    model = compile_graph(doc).eval()
    x = torch.rand(1, doc.node("input").settings["channels"], SIZE, SIZE)
    timings = {"panel": [], "undo": [], "forward": []}
    for round_ in range(ROUNDS + 1):
        for mode in ("panel", "undo"):
            serial = previews.serial
            start = time.perf_counter()
            if mode == "panel":  # Enter in the field: the previews are asked for at once
                form.committed.emit("base_filters", 12 if round_ % 2 else 20)  # never 16
            else:  # Ctrl+Z: a change that comes through the debounce
                window.undo_stack.undo()
            qtbot.waitUntil(lambda: bool(previews.serial > serial and previews.result
                                         and previews.result.revision == previews.serial),
                            timeout=60_000)
            QApplication.processEvents()  # the panel and the canvas draw it
            timings[mode].append(time.perf_counter() - start)
            assert window.details.preview.stats.text().startswith("<b>3x128x128</b>")
        start = time.perf_counter()
        with torch.inference_mode():
            model(x)
        timings["forward"].append(time.perf_counter() - start)
    median = {k: statistics.median(v[1:]) * 1000 for k, v in timings.items()}
    print(f"\ndemo U-Net at {SIZE}x{SIZE}: setting change in the panel -> previews shown "
          f"{median['panel']:.1f} ms; undo -> previews shown {median['undo']:.1f} ms (with "
          f"the {DELAY_MS} ms debounce); medians of {ROUNDS}; plain forward "
          f"{median['forward']:.1f} ms; ratio {median['panel'] / median['forward']:.2f}")
