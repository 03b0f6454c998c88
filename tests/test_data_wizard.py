"""The data wizard: scan off the GUI thread, show, refuse bad data, finish as one undo step."""
from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QApplication

from app.data import scan as scan_module
from app.data import sources
from app.panels.data_wizard import DataWizard
from app.paths import DEMO_PROJECT, ROOT
from app.project import Project, load_project
from components.graph import GraphDocument
from test_data_fixtures import label_pairs, save

TIMEOUT = 20_000


def _project(tmp_path: Path, data: dict) -> Project:
    graph = GraphDocument()
    graph.add_node("Input", settings={"channels": 3, "height": 64, "width": 64,
                                      "normalization": "imagenet"}, node_id="input")
    graph.add_node("UNet", (200, 0), {"depth": 2, "base_filters": 4}, node_id="unet")
    graph.add_node("Target", (400, 0), {"classes": 2}, node_id="target")
    graph.connect("input", "out", "unet", "in")
    graph.connect("unet", "out", "target", "in")
    return Project("wizard test", graph, data, path=tmp_path / "project.json")


@pytest.fixture
def open_wizard(qtbot):
    """Build wizards; each is closed (its scan thread stopped) after the test."""
    made: list[DataWizard] = []

    def make(project: Project, stack: QUndoStack | None = None) -> DataWizard:
        wizard = DataWizard(project, stack or QUndoStack(), None)
        qtbot.addWidget(wizard)
        made.append(wizard)
        return wizard

    yield make
    for wizard in made:
        wizard.reject()


def _wait_scanned(qtbot, wizard: DataWizard) -> None:
    qtbot.waitUntil(lambda: not wizard.scanning and not wizard._scan_timer.isActive()
                    and wizard.dataset is not None, timeout=TIMEOUT)


def _gray_pairs(folder: Path, count: int = 8) -> None:
    label_pairs(folder, count=count, size=32)
    for path in (folder / "images").iterdir():  # make the images gray
        from PIL import Image
        with Image.open(path) as image:
            gray = image.convert("L")
        gray.save(path)


def test_finish_sets_data_input_and_target_as_one_undo_step(qtbot, tmp_path, open_wizard) -> None:
    _gray_pairs(tmp_path)
    project = _project(tmp_path, {"source": "folders", "images": "images", "masks": "masks"})
    stack = QUndoStack()
    wizard = open_wizard(project, stack)
    _wait_scanned(qtbot, wizard)
    assert wizard.class_table.rowCount() == 3 and wizard.grid.count() == 8
    assert wizard.counts.table.item(3, 0).text() == "8" and wizard.finish_button.isEnabled()
    assert wizard.form.input_shape()[0] == 1  # gray images detected
    wizard.class_table.item(1, 1).setText("petal")
    wizard.class_table.set_color(2, (10, 20, 30))
    wizard.augment.boxes["flip"].setChecked(True)
    before = {n.id: dict(n.settings) for n in project.graph.nodes}
    old_data = dict(project.data)
    wizard.finish_button.click()
    assert wizard.result() == wizard.DialogCode.Accepted
    data = project.data
    assert data["classes"][1] == {"name": "petal", "color": list(data["classes"][1]["color"])}
    assert data["classes"][2]["color"] == [10, 20, 30] and data["mask"] == {"kind": "labels"}
    assert data["augment"] == {"flip": True} and "skip" not in data
    settings = {n.id: n.settings for n in project.graph.nodes}
    assert settings["input"]["channels"] == 1 and settings["target"]["classes"] == 3
    assert settings["input"]["normalization"] == "per_image"  # imagenet needs 3 channels
    assert stack.count() == 1 and stack.text(0) == "Set up data"
    stack.undo()
    assert project.data == old_data
    assert {n.id: dict(n.settings) for n in project.graph.nodes} == before
    stack.redo()
    assert project.data == data and project.graph.node("target").settings["classes"] == 3


def test_bad_pairs_are_listed_and_must_be_skipped(qtbot, tmp_path, open_wizard) -> None:
    label_pairs(tmp_path, count=5)
    save(tmp_path / "images" / "orphan.png", np.zeros((32, 32, 3), np.uint8))
    (tmp_path / "masks" / "003.png").write_bytes(b"broken")
    project = _project(tmp_path, {"source": "folders", "images": "images", "masks": "masks"})
    wizard = open_wizard(project)
    _wait_scanned(qtbot, wizard)
    texts = [wizard.problem_list.item(i).text() for i in range(wizard.problem_list.count())]
    assert any(t.startswith("images/orphan.png: image without a mask") for t in texts)
    assert any(t.startswith("masks/003.png: not an image file") for t in texts)
    assert wizard.skip_box.isVisible() or not wizard.isVisible()
    assert wizard.status.text() == "Scanned 5 pairs: images + masks"
    assert wizard.problems.summary.text() == ("2 problems found in 1 of the 5 pairs and 1 "
                                              "unpaired file; 4 pairs are usable.")
    assert wizard.skip_box.text() == ("Skip the 1 bad pair and 1 unpaired file (leave them out "
                                      "of training)")
    assert not wizard.finish_button.isEnabled()
    assert wizard.refusal.text() == "1 bad pair and 1 unpaired file are neither fixed nor skipped"
    wizard.accept()  # refused: the dialog stays, the project is untouched
    assert wizard.result() != wizard.DialogCode.Accepted and "skip" not in project.data
    wizard.skip_box.setChecked(True)
    assert wizard.finish_button.isEnabled()
    wizard.finish_button.click()
    assert project.data["skip"] == ["images/003.png", "images/orphan.png"]


def test_problems_that_cannot_be_skipped_refuse_finish(qtbot, tmp_path, open_wizard) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    project = _project(tmp_path, {"source": "folders", "images": "images", "masks": "masks"})
    wizard = open_wizard(project)
    _wait_scanned(qtbot, wizard)
    assert "no image files in this folder" in wizard.problem_list.item(0).text()
    assert wizard.refusal.text() == "1 problem must be fixed in the data first"
    wizard.skip_box.setChecked(True)
    assert not wizard.finish_button.isEnabled()


def test_a_long_scan_shows_progress_and_can_be_cancelled(qtbot, tmp_path, open_wizard,
                                                         monkeypatch) -> None:
    label_pairs(tmp_path, count=40, size=16)
    real = scan_module._read_pair
    monkeypatch.setattr(scan_module, "CHUNK", 1)
    monkeypatch.setattr(scan_module, "_read_pair", lambda *a: time.sleep(0.05) or real(*a))
    project = _project(tmp_path, {"source": "folders", "images": "images", "masks": "masks"})
    wizard = open_wizard(project)
    qtbot.waitUntil(lambda: wizard.progress.maximum() == 40 and wizard.progress.value() > 0,
                    timeout=TIMEOUT)
    assert wizard.status.text().startswith("Reading images and masks")
    assert not wizard.finish_button.isEnabled()
    wizard.cancel_scan.click()
    qtbot.waitUntil(lambda: wizard.pool.activeThreadCount() == 0, timeout=TIMEOUT)
    assert wizard.dataset is None and not wizard.scanning
    assert wizard.refusal.text() == "The scan was cancelled: press Scan again"


def test_changing_the_source_scans_again(qtbot, tmp_path, open_wizard) -> None:
    label_pairs(tmp_path / "a", count=3)
    label_pairs(tmp_path / "b", count=5)
    project = _project(tmp_path, {"source": "folders", "images": "a/images", "masks": "a/masks"})
    wizard = open_wizard(project)
    _wait_scanned(qtbot, wizard)
    assert len(wizard.dataset.pairs) == 3
    wizard.form.images.set_text("b/images")
    wizard.form.masks.set_text("b/masks")
    wizard.form.changed.emit(True)
    qtbot.waitUntil(lambda: wizard.dataset is not None and len(wizard.dataset.pairs) == 5,
                    timeout=TIMEOUT)
    assert wizard.grid.count() == 5


def test_augmentation_preview(qtbot, tmp_path, open_wizard) -> None:
    label_pairs(tmp_path, count=4)
    project = _project(tmp_path, {"source": "folders", "images": "images", "masks": "masks",
                                  "augment": {"elastic": True, "flip": True}})
    wizard = open_wizard(project)
    _wait_scanned(qtbot, wizard)
    assert wizard.augment.options()["elastic"] and not wizard.augment.options()["noise"]
    wizard.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: wizard.preview_grid.count() == 8, timeout=TIMEOUT)
    first = [p.classes.copy() for p in wizard.previews]
    wizard._reshuffle()
    assert any(not np.array_equal(a, p.classes) for a, p in zip(first, wizard.previews))


def _shot_project(tmp_path: Path, monkeypatch) -> Project:
    project = load_project(DEMO_PROJECT)
    if not sources.nuclei_installed():
        monkeypatch.setenv(sources.CACHE_ENV, str(tmp_path / "cache"))
    return project


def test_wizard_on_the_demo_project_renders_readably(qtbot, tmp_path, open_wizard,
                                                     monkeypatch) -> None:
    """Renders the demo (the real nuclei sample when installed) to a PNG.

    With UNET_STUDIO_SCREENSHOTS=1 it also writes docs/screenshots/data_wizard.png.
    """
    from app.style import apply_style

    app = QApplication.instance()
    saved = (app.style().name(), app.palette(), app.styleSheet())
    apply_style(app)
    try:
        wizard = open_wizard(_shot_project(tmp_path, monkeypatch))
        wizard.show()
        qtbot.waitExposed(wizard)
        _wait_scanned(qtbot, wizard)
        assert not wizard.dataset.unreported and wizard.finish_button.isEnabled()
        assert wizard.class_table.rowCount() == 3 and wizard.grid.count() == 12
        qtbot.wait(50)
        picture = wizard.grab()
        assert picture.width() >= 1200 and picture.height() >= 780
        assert picture.save(str(tmp_path / "data_wizard.png"))
        if os.environ.get("UNET_STUDIO_SCREENSHOTS"):
            target = ROOT / "docs" / "screenshots" / "data_wizard.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            assert picture.save(str(target))
    finally:
        app.setStyle(saved[0])
        app.setPalette(saved[1])
        app.setStyleSheet(saved[2])


def test_folders_with_their_own_split(qtbot, tmp_path, open_wizard) -> None:
    for split, count in (("train", 3), ("val", 2)):
        for i in range(count):
            save(tmp_path / "imgs" / split / f"{i}.png", np.full((32, 32), 9 * i, np.uint8))
            save(tmp_path / "lbls" / split / f"{i}.png", (np.arange(32 * 32).reshape(32, 32) % 2
                                                          ).astype(np.uint8))
    data = {"source": "folders", "images": "imgs", "masks": "lbls", "split": "folders"}
    wizard = open_wizard(_project(tmp_path, data))
    _wait_scanned(qtbot, wizard)
    assert wizard.form.keep_split.isChecked() and wizard.form.fixed_split()
    counts = wizard.counts.table
    assert counts.item(0, 0).text() == "3" and counts.item(1, 0).text() == "2"
    assert "no test/ sub-folder" in wizard.counts.notes.text()
    wizard.finish_button.click()
    written = wizard.project.data
    assert (written["images"], written["masks"], written["split"]) == ("imgs", "lbls", "folders")
    assert written["mask"] == {"kind": "binary"}


def test_missing_nuclei_sample_is_announced(qtbot, tmp_path, open_wizard, monkeypatch) -> None:
    monkeypatch.setattr(sources, "SAMPLE_DATA", tmp_path / "missing")
    monkeypatch.setenv(sources.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(sources, "SHAPES_COUNT", 10)
    wizard = open_wizard(load_project(DEMO_PROJECT))
    _wait_scanned(qtbot, wizard)
    assert "nuclei sample is not installed" in wizard.counts.notes.text()
    assert wizard.class_table.rowCount() == 3 and wizard.finish_button.isEnabled()
