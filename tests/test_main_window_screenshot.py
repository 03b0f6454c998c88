"""Screenshots of the main window (checked for layout), written into the test's tmp_path.

Run under QT_QPA_PLATFORM=offscreen like the rest of the suite. ``make screenshots``
sets UNET_STUDIO_SCREENSHOTS=1, and then they go to docs/screenshots/ (the images
the README shows), so a test run never changes the checkout.
"""
from __future__ import annotations

import os

import pytest
from PySide6.QtWidgets import QApplication

from app.paths import DEMO_PROJECT, ROOT, TEMPLATES
from app.style import apply_style
from canvas import theme

DOCS_SHOTS = ROOT / "docs" / "screenshots"


@pytest.fixture
def shots(tmp_path):
    """Where the pictures go: tmp_path, or docs/screenshots/ for ``make screenshots``."""
    return DOCS_SHOTS if os.environ.get("UNET_STUDIO_SCREENSHOTS") else tmp_path


@pytest.fixture
def styled(qapp):
    """The application's real look, restored afterwards for the other tests."""
    style, sheet, palette = qapp.style().name(), qapp.styleSheet(), qapp.palette()
    apply_style(qapp)
    yield qapp
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    qapp.setStyle(style)


def _shot(make_window, qtbot, template, select, shots, name):
    window = make_window()
    window.resize(1440, 900)
    window.show()
    qtbot.waitExposed(window)
    window.open_template(template)
    window.editor.view.fit_to_graph()
    window.editor.scene.select_nodes(select)
    qtbot.waitUntil(lambda: not window.editor.live.pending)
    _settle()
    _check_layout(window)
    shots.mkdir(parents=True, exist_ok=True)
    path = shots / name
    assert window.grab().save(str(path))
    return window, path


def _settle():
    """Let the docks finish laying out (a scroll area's content takes a few rounds of
    events to reach its height; grabbed earlier, the help lines were cut off)."""
    for _ in range(3):
        QApplication.processEvents()


def _check_layout(window):
    """Nothing clipped: every node is inside the visible canvas; ports sit on node edges
    and wires end exactly on their ports."""
    view, scene = window.editor.view, window.editor.scene
    visible = view.visible_scene_rect()
    for item in scene.nodes.values():
        assert visible.contains(item.sceneBoundingRect()), item.node_id
        for port in item.ports.values():
            assert port.pos().x() == (0.0 if port.is_input else theme.NODE_WIDTH)
            assert item.body_rect().top() < port.pos().y() < item.body_rect().bottom()
    for edge in scene.edges.values():
        assert edge.path().pointAtPercent(0) == edge.source.scenePos()
        assert edge.path().pointAtPercent(1) == edge.target.scenePos()


def test_main_window_screenshot(styled, make_window, qtbot, shots):
    window, path = _shot(make_window, qtbot, DEMO_PROJECT, ["unet"], shots, "main_window.png")
    assert path.stat().st_size > 20_000
    assert "unet" in window.details.heading.text()


def test_unet_from_scratch_screenshot(styled, make_window, qtbot, shots):
    window, path = _shot(make_window, qtbot, TEMPLATES / "unet_from_scratch.json", [], shots,
                         "unet_from_scratch.png")
    assert path.stat().st_size > 20_000


def test_multi_selection_screenshot(styled, make_window, qtbot, shots):
    """Several nodes selected, two of them broken: the Properties list them and name both
    problems (issue 14: they said 'No problems'), and the window keeps its size."""
    selected = ["pool2", "enc3_conv1", "enc3_conv2", "pool3", "head"]
    window, path = _shot(make_window, qtbot, TEMPLATES / "unet_from_scratch.json", [], shots,
                         "multi_selection.png")
    doc = window.project.graph
    for node_id in ("pool2", "head"):
        doc.disconnect(doc.edge_at_input(node_id, "in"))
    window.controller.refresh_analysis()
    window.editor.scene.select_nodes(selected)
    _settle()
    assert window.size().height() == 900
    notes = window.details.notes.text()
    assert "pool2: input port" in notes and "head: input port" in notes
    assert f"{len(selected)} nodes selected" in window.details.heading.text()
    assert window.grab().save(str(path))


def _with_previews(make_window, qtbot, template, monkeypatch, tmp_path):
    """A styled window with live previews on (demo data generated into tmp_path if the
    nuclei sample is not installed), its first previews on display."""
    from app.data import sources

    monkeypatch.setenv(sources.CACHE_ENV, str(tmp_path / "cache"))
    window = make_window(previews=True)
    window.resize(1440, 900)
    window.show()
    qtbot.waitExposed(window)
    window.open_template(template)
    previews = window.controller.previews
    qtbot.waitUntil(lambda: bool(previews.result and previews.result.nodes
                                 and previews.result.revision == previews.serial),
                    timeout=120_000)
    return window


def test_property_panel_with_a_preview_screenshot(styled, make_window, qtbot, shots,
                                                  monkeypatch, tmp_path):
    """The panel of a convolution with its preview: 64 channels, the first page of 16,
    its numbers, then the form; the canvas zoomed in on the node and its thumbnail."""
    window = _with_previews(make_window, qtbot, TEMPLATES / "unet_from_scratch.json",
                            monkeypatch, tmp_path)
    window.editor.focus_node("enc1_conv1")
    _settle()
    preview = window.details.preview
    assert preview.page_label.text() == "channels 1-16 of 64"
    assert preview.stats.text().startswith("<b>64x256x256</b>")
    assert window.editor.scene.nodes["enc1_conv1"].picture is not None
    assert window.details.settings.form.editor("filters").input_widget().value() == 64
    shots.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(shots / "property_panel.png"))
    assert (shots / "property_panel.png").stat().st_size > 50_000


def test_code_view_screenshot(styled, make_window, qtbot, shots):
    """The generated code of the demo model with the U-Net's own module below it."""
    window = make_window()
    window.resize(1440, 900)
    window.show()
    qtbot.waitExposed(window)
    window.open_template(DEMO_PROJECT)
    window.editor.select_nodes(["unet"])
    window.centre.setCurrentWidget(window.code_view)
    window.code_view.refresh_now()
    _settle()
    assert window.code_view.code().startswith("# Nuclei demo")
    assert window.code_view.node_code().startswith("# unet: UNet")
    assert window.code_view.marked_lines()
    shots.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(shots / "code_view.png"))
