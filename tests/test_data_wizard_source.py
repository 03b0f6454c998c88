"""Issue 14 items 3 and 5: the data wizard after a failed source (nothing old stays on
show, the words are the form's, counts agree, the Skip tick is reset) and paths saved
relative to the project file, so a project moved with its data still opens and scans."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QFileDialog

from app.data.scan import scan
from app.panels.data_source_form import relative
from app.project import load_project, save_project
from test_data_fixtures import (label_pairs, noise_image, numbered_discs, save, save_palette,
                                voc_palette, with_void_border)
from test_data_wizard import TIMEOUT, _project, _wait_scanned, open_wizard  # noqa: F401

FOLDERS = {"source": "folders", "images": "images", "masks": "masks"}


def _set_folders(wizard, images: str, masks: str) -> None:
    wizard.form.images.set_text(images)
    wizard.form.masks.set_text(masks)
    wizard.form.changed.emit(True)


def _wait_job(qtbot, wizard, job: int) -> None:
    qtbot.waitUntil(lambda: wizard._job > job and not wizard.scanning
                    and not wizard._scan_timer.isActive(), timeout=TIMEOUT)


def _shown_counts(wizard) -> list[str]:
    table = wizard.counts.table
    return [table.item(r, c).text() if table.item(r, c) else ""
            for r in range(table.rowCount()) for c in range(table.columnCount())]


def test_a_failed_source_clears_the_old_results(qtbot, tmp_path, open_wizard) -> None:
    label_pairs(tmp_path, count=4)
    wizard = open_wizard(_project(tmp_path, dict(FOLDERS)))
    _wait_scanned(qtbot, wizard)
    assert wizard.grid.count() == 4 and wizard.class_table.rowCount() == 3
    assert "4" in _shown_counts(wizard)
    job = wizard._job
    _set_folders(wizard, "nowhere", "nomasks")
    _wait_job(qtbot, wizard, job)
    texts = [wizard.problem_list.item(i).text() for i in range(wizard.problem_list.count())]
    assert texts == ["nowhere: images folder not found", "nomasks: masks folder not found"]
    assert wizard.grid.count() == 0 and wizard.class_table.rowCount() == 0
    assert set(_shown_counts(wizard)) == {"0"}
    assert wizard.kind_label.text() == "Masks: none could be read"
    assert wizard.counts.sizes.text() == "No image could be read."
    assert wizard.status.text() == "Found no pairs: nowhere + nomasks"
    assert wizard.problems.summary.text() == ("2 problems found; 0 pairs are usable. 2 must be "
                                              "fixed in the data (skipping pairs cannot remove "
                                              "them).")
    assert not wizard.finish_button.isEnabled()


def test_an_empty_field_is_named_as_the_form_names_it(qtbot, tmp_path, open_wizard) -> None:
    label_pairs(tmp_path, count=3)
    wizard = open_wizard(_project(tmp_path, dict(FOLDERS)))
    _wait_scanned(qtbot, wizard)
    job = wizard._job
    _set_folders(wizard, "", "")
    _wait_job(qtbot, wizard, job)
    summary = wizard.problems.summary.text()
    assert summary == ("The data cannot be scanned:\nImages folder: choose a folder\n"
                       "Masks folder: choose a folder")
    assert "data." not in summary and wizard.problem_list.count() == 0
    assert wizard.grid.count() == 0 and wizard.class_table.rowCount() == 0
    assert set(_shown_counts(wizard)) == {""} and wizard.kind_label.text() == ""
    assert wizard.refusal.text() == "The data could not be scanned"
    wizard.skip_box.setChecked(True)
    assert not wizard.skip_box.isVisible() and not wizard.finish_button.isEnabled()


def test_counts_agree_and_plurals_are_right(qtbot, tmp_path, open_wizard) -> None:
    label_pairs(tmp_path, count=2)
    save(tmp_path / "masks" / "001.png", np.zeros((20, 30), np.uint8))
    wizard = open_wizard(_project(tmp_path, dict(FOLDERS)))
    _wait_scanned(qtbot, wizard)
    assert wizard.status.text() == "Scanned 2 pairs: images + masks"
    assert wizard.problems.summary.text() == ("1 problem found in 1 of the 2 pairs; 1 pair is "
                                              "usable.")
    assert wizard.skip_box.text() == "Skip the 1 bad pair (leave it out of training)"
    assert wizard.refusal.text() == "1 bad pair is neither fixed nor skipped"


def test_the_skip_tick_is_reset_when_the_source_changes(qtbot, tmp_path, open_wizard) -> None:
    label_pairs(tmp_path / "a", count=3)
    save(tmp_path / "a" / "masks" / "001.png", np.zeros((20, 30), np.uint8))
    label_pairs(tmp_path / "b", count=3)
    save(tmp_path / "b" / "images" / "orphan.png", noise_image(0, 32))
    wizard = open_wizard(_project(tmp_path, {"source": "folders", "images": "a/images",
                                             "masks": "a/masks"}))
    _wait_scanned(qtbot, wizard)
    wizard.skip_box.setChecked(True)
    assert wizard.finish_button.isEnabled()
    job = wizard._job
    _set_folders(wizard, "b/images", "b/masks")
    _wait_job(qtbot, wizard, job)
    assert not wizard.skip_box.isChecked() and not wizard.finish_button.isEnabled()
    assert wizard.skip_box.text().startswith("Skip the 1 unpaired file")


def test_palette_kind_on_gray_masks_is_a_problem(qtbot, tmp_path, open_wizard) -> None:
    label_pairs(tmp_path, count=3)
    wizard = open_wizard(_project(tmp_path, {**FOLDERS, "mask": {"kind": "palette"}}))
    _wait_scanned(qtbot, wizard)
    assert wizard.problem_list.item(0).text() == (
        "images + masks: the mask kind is 'palette' but 3 of 3 masks are gray images, not "
        "palette PNGs (first: masks/000.png); choose the mask kind 'auto' or 'labels'")
    assert wizard.class_table.rowCount() == 2 and wizard.dataset.num_classes == 2
    assert wizard.refusal.text() == "1 problem must be fixed in the data first"


def test_16_bit_mask_values_are_shown_alike_everywhere(qtbot, tmp_path, open_wizard) -> None:
    for index in range(3):
        mask = np.zeros((32, 32), np.uint16)
        mask[:10], mask[10:20] = 309, 1637
        mask[20:, :5 + index] = 403
        save(tmp_path / "images" / f"{index}.png", noise_image(index, 32))
        save(tmp_path / "masks" / f"{index}.png", mask)
    wizard = open_wizard(_project(tmp_path, dict(FOLDERS)))
    _wait_scanned(qtbot, wizard)
    values = [wizard.class_table.item(r, 2).text() for r in range(wizard.class_table.rowCount())]
    assert values == ["0", "309", "403", "1637"]
    assert wizard.kind_label.text() == "Masks: colors, 4 classes"
    job = wizard._job
    wizard.class_table.item(2, 2).setText("404")  # a typo in the class table
    _wait_job(qtbot, wizard, job)
    texts = [wizard.problem_list.item(i).text() for i in range(wizard.problem_list.count())]
    assert texts[0] == ("masks/0.png: mask values outside the class set: 403 (the classes are "
                        "the 4 values of the class table)")
    assert all("(" not in t.split("set: ")[1].split(" (")[0] for t in texts if "set: " in t)


def test_voc_border_is_drawn_hatched_and_listed(qtbot, tmp_path, open_wizard) -> None:
    for index, count in enumerate([3, 4]):
        ids = numbered_discs(count, seed=index, radius=8)
        ids[ids > 0] = 15
        save(tmp_path / "images" / f"{index}.png", noise_image(index, channels=3))
        save_palette(tmp_path / "masks" / f"{index}.png", with_void_border(ids), voc_palette())
    wizard = open_wizard(_project(tmp_path, dict(FOLDERS)))
    _wait_scanned(qtbot, wizard)
    assert wizard.kind_label.text() == "Masks: palette, 16 classes; value 255 ignored (drawn hatched)"
    last = wizard.class_table.rowCount() - 1
    assert wizard.class_table.item(last, 1).text() == "ignored (not a class)"
    assert wizard.class_table.item(last, 2).text() == "255"
    thumb = wizard.thumbs[0]
    ignored = thumb.classes == 255
    assert ignored.any()
    rgb = thumb.rgb([c.color for c in wizard.classes])
    assert set(np.unique(rgb[ignored]).tolist()) == {40, 235}  # the hatch's two grays
    wizard.finish_button.click()
    assert wizard.project.data["mask"] == {"kind": "palette", "ignore": 255}


def test_chosen_paths_are_saved_relative_to_the_project(qtbot, tmp_path, open_wizard,
                                                        monkeypatch) -> None:
    label_pairs(tmp_path / "data", count=3)
    (tmp_path / "proj").mkdir()
    project = _project(tmp_path / "proj", {"source": "demo", "name": "shapes"})
    wizard = open_wizard(project)
    _wait_scanned(qtbot, wizard)
    wizard.form.source.setCurrentIndex(wizard.form.source.findData("folders"))
    chosen = iter([str(tmp_path / "data" / "images"), str(tmp_path / "data" / "masks")])
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args: next(chosen))
    for field in (wizard.form.images, wizard.form.masks):
        field.findChild(type(wizard.rescan)).click()  # its Browse… button
    assert wizard.form.images.text() == "../data/images"
    wizard.form.masks.edit.setText(str(tmp_path / "data" / "masks"))  # typed absolute
    wizard.form.masks.edit.editingFinished.emit()
    assert wizard.form.masks.text() == "../data/masks"
    qtbot.waitUntil(lambda: wizard.dataset is not None and len(wizard.dataset.pairs) == 3
                    and not wizard.scanning and not wizard._scan_timer.isActive(),
                    timeout=TIMEOUT)
    wizard.finish_button.click()
    assert (project.data["images"], project.data["masks"]) == ("../data/images", "../data/masks")
    save_project(project, tmp_path / "proj" / "p.json")
    moved = tmp_path / "moved"
    moved.mkdir()
    shutil.move(tmp_path / "proj", moved / "proj")
    shutil.move(tmp_path / "data", moved / "data")
    reopened = load_project(moved / "proj" / "p.json")
    assert json.loads((moved / "proj" / "p.json").read_text())["data"]["images"] == "../data/images"
    assert len(scan(reopened.data, reopened.folder).pairs) == 3


def test_paths_stay_absolute_for_a_project_never_saved(tmp_path) -> None:
    assert relative(tmp_path / "data", None) == (tmp_path / "data").as_posix()
    assert relative(tmp_path / "data" / "x", tmp_path / "p") == "../data/x"
    assert relative(tmp_path / "p" / "imgs", tmp_path / "p") == "imgs"
