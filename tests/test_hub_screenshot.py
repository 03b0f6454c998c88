"""Pictures of the Model hub and of a run comparison, on a workspace of a few models with
runs (tests/hub_helpers.py), written into tmp_path, or into docs/screenshots/ for
``make screenshots`` (UNET_STUDIO_SCREENSHOTS=1)."""
from __future__ import annotations

import os

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication

from app.panels import hub as hub_module
from app.panels.hub import HubWindow
from hub_helpers import populated_workspace
from test_main_window_screenshot import DOCS_SHOTS, styled  # noqa: F401 - a fixture


@pytest.fixture
def shots(tmp_path):
    return DOCS_SHOTS if os.environ.get("UNET_STUDIO_SCREENSHOTS") else tmp_path / "shots"


@pytest.fixture
def hub(styled, make_window, studio_settings, tmp_path, monkeypatch, qtbot):  # noqa: F811
    monkeypatch.setenv("HOME", str(tmp_path))  # the label reads ~/U-Net Studio
    workspace = populated_workspace(tmp_path / "U-Net Studio")
    studio_settings.setValue(hub_module.SETTING, str(workspace))
    start = make_window()
    before = set(QApplication.topLevelWidgets())
    window = HubWindow(start)
    window.resize(1280, 760)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.close()  # and the comparison windows it opened
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    for widget in set(QApplication.topLevelWidgets()) - before:
        widget.close()
        widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_hub_screenshot(hub, shots):
    hub.tree.select_model(hub.listing.find(hub.workspace / "Cells" / "Cells.json").path)
    QApplication.processEvents()
    assert hub.workspace_label.text() == "~/U-Net Studio"
    assert hub.tree.model_names()[:3] == ["Broken", "Nuclei demo", "Cells"]
    demo_run = hub.tree.topLevelItem(1).child(0)
    assert (demo_run.text(4), demo_run.text(5)) == ("finished", "0.726")  # its test IoU
    assert hub.details.title.text() == "Cells"
    assert hub.size().width() == 1280  # nothing in it pushes the window wider
    assert hub.tree.columnWidth(0) > 300  # the names have room
    shots.mkdir(parents=True, exist_ok=True)
    path = shots / "model_hub.png"
    assert hub.grab().save(str(path))
    assert path.stat().st_size > 20_000


def test_run_comparison_screenshot(hub, shots):
    tree = hub.tree
    models = {tree.topLevelItem(i).text(0): tree.topLevelItem(i)
              for i in range(tree.topLevelItemCount())}
    for index in (1, 2):  # Cells' two finished runs (another learning rate)
        models["Cells"].child(index).setSelected(True)
    models["Nuclei demo"].child(0).setSelected(True)  # and the demo's
    view = hub.actions.compare()
    view.resize(1440, 720)
    QApplication.processEvents()
    view.curves.graphics.grab()  # lay the plots out before the picture
    rows = dict(view.differences.rows())
    assert rows["training · learning_rate"] == ["0.003", "0.001", "0.002"]
    assert rows["unet · base_filters"] == ["64", "64", "16"]
    assert view.curves.legend_names()[2] == "Nuclei demo · 2026-11-27_08-00-00"
    shots.mkdir(parents=True, exist_ok=True)
    path = shots / "run_comparison.png"
    assert view.grab().save(str(path))
    assert path.stat().st_size > 20_000
