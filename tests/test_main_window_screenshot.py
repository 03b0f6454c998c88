"""Screenshots of the main window, written to docs/screenshots/ (and checked for layout).

Run under QT_QPA_PLATFORM=offscreen like the rest of the suite; the images are the
ones the README shows, so a change in the look shows up in review.
"""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from app.paths import DEMO_PROJECT, ROOT, TEMPLATES
from app.style import apply_style
from canvas import theme

SHOTS = ROOT / "docs" / "screenshots"


@pytest.fixture
def styled(qapp):
    """The application's real look, restored afterwards for the other tests."""
    style, sheet, palette = qapp.style().name(), qapp.styleSheet(), qapp.palette()
    apply_style(qapp)
    yield qapp
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    qapp.setStyle(style)


def _shot(make_window, qtbot, template, select, name):
    window = make_window()
    window.resize(1440, 900)
    window.show()
    qtbot.waitExposed(window)
    window.open_template(template)
    window.editor.view.fit_to_graph()
    window.editor.scene.select_nodes(select)
    qtbot.waitUntil(lambda: not window.editor.live.pending)
    QApplication.processEvents()
    _check_layout(window)
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    assert window.grab().save(str(path))
    return window, path


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


def test_main_window_screenshot(styled, make_window, qtbot):
    window, path = _shot(make_window, qtbot, DEMO_PROJECT, ["unet"], "main_window.png")
    assert path.stat().st_size > 20_000
    assert "unet" in window.details.heading.text()


def test_unet_from_scratch_screenshot(styled, make_window, qtbot):
    window, path = _shot(make_window, qtbot, TEMPLATES / "unet_from_scratch.json", [],
                         "unet_from_scratch.png")
    assert path.stat().st_size > 20_000
