"""Regressions from the data wizard's review (see test_data_regressions.py for the data layer)."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from app.data import scan as scan_module
from test_data_fixtures import label_pairs, save
from test_data_wizard import TIMEOUT, _project, _wait_scanned, open_wizard  # noqa: F401


def test_cancelled_rescan_does_not_finish_with_the_old_results(qtbot, tmp_path, open_wizard,
                                                              monkeypatch) -> None:
    """Finish after cancelling the scan of a new source wrote the new source with the old
    source's classes and skip list (the old DataSet stayed and Finish was enabled)."""
    label_pairs(tmp_path / "a", count=3)
    label_pairs(tmp_path / "b", count=40, size=16)
    project = _project(tmp_path, {"source": "folders", "images": "a/images", "masks": "a/masks"})
    wizard = open_wizard(project)
    _wait_scanned(qtbot, wizard)
    assert wizard.finish_button.isEnabled()
    real = scan_module._read_pair
    monkeypatch.setattr(scan_module, "CHUNK", 1)
    monkeypatch.setattr(scan_module, "_read_pair", lambda *a: time.sleep(0.05) or real(*a))
    wizard.form.images.set_text("b/images")
    wizard.form.masks.set_text("b/masks")
    wizard.form.changed.emit(True)
    qtbot.waitUntil(lambda: wizard.progress.maximum() == 40, timeout=TIMEOUT)
    wizard.cancel_scan.click()
    qtbot.waitUntil(lambda: wizard.pool.activeThreadCount() == 0, timeout=TIMEOUT)
    assert not wizard.finish_button.isEnabled()
    assert "Scan again" in wizard.refusal.text()
    wizard.accept()
    assert project.data["images"] == "a/images"  # untouched
    monkeypatch.setattr(scan_module, "_read_pair", real)
    wizard.rescan.click()
    qtbot.waitUntil(lambda: wizard.dataset is not None and len(wizard.dataset.pairs) == 40
                    and not wizard.scanning, timeout=TIMEOUT)
    assert wizard.finish_button.isEnabled()


def test_every_problem_is_listed_apart(qtbot, tmp_path, open_wizard) -> None:
    """Wrapped problems ran together in the list: alternate rows now tell them apart."""
    label_pairs(tmp_path, count=6)
    save(tmp_path / "images" / "orphan.png", np.zeros((32, 32, 3), np.uint8))
    (tmp_path / "masks" / "003.png").write_bytes(b"broken")
    save(tmp_path / "masks" / "004.png", np.zeros((20, 30), np.uint8))
    (tmp_path / "images" / "notes.txt").write_text("x", encoding="utf-8")
    wizard = open_wizard(_project(tmp_path, {"source": "folders", "images": "images",
                                             "masks": "masks"}))
    wizard.show()
    qtbot.waitExposed(wizard)
    _wait_scanned(qtbot, wizard)
    listed = wizard.problem_list
    assert listed.count() == len(wizard.dataset.problems) == 3  # notes.txt is a note
    assert listed.alternatingRowColors() and listed.item(0).toolTip() == listed.item(0).text()
    assert wizard.skip_box.isVisible() and wizard.skip_box.text().startswith(
        "Skip the 2 bad pairs and 1 unpaired file")
    assert wizard.grab().save(str(tmp_path / "problems.png"))
