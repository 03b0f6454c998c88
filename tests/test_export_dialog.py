"""File > Export Model…: the dialog exports on a worker thread and says how it went."""
from __future__ import annotations

from app.controller import ProjectController
from app.panels.export_dialog import ExportDialog, open_export_dialog
from app.project import load_project
from export_helpers import tiny_project, write_random_checkpoint


def _dialog(qtbot, tmp_path, checkpoint=True):
    path = tiny_project(tmp_path)
    (tmp_path / "runs" / "2026-01-01_10-00-00").mkdir(parents=True)
    (tmp_path / "runs" / "2026-01-01_10-00-00" / "run.json").write_text('{"status": "finished"}')
    if checkpoint:
        write_random_checkpoint(path, tmp_path / "runs" / "2026-01-01_10-00-00" / "best.pt")
    controller = ProjectController(load_project(path))
    dialog = ExportDialog(controller)
    qtbot.addWidget(dialog)
    return dialog


def test_the_export_action_is_in_the_file_menu_after_save_as(main_window, qtbot):
    menu = next(a.menu() for a in main_window.menuBar().actions() if a.text() == "&File")
    titles = [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]
    assert titles[titles.index("Save As…") + 1] == "Export Model…"
    action = next(a for a in menu.actions() if a.text() == "Export Model…")
    action.trigger()
    dialog = main_window._export_dialog
    assert dialog.isVisible() and dialog.windowTitle() == "Export Model"
    dialog.close()
    assert open_export_dialog(main_window, main_window.controller) is dialog  # one per window
    assert dialog.isVisible()
    dialog.close()


def test_exporting_a_python_folder_from_the_dialog(qtbot, tmp_path):
    dialog = _dialog(qtbot, tmp_path)
    assert dialog.checkpoint.text() == str(tmp_path / "runs" / "2026-01-01_10-00-00")
    dialog.format.setCurrentIndex(dialog.format.findData("python"))
    assert dialog.out.text() == str(tmp_path / "tiny_1_tile_export")
    assert dialog.start()
    assert dialog.busy and not dialog.start()  # one export at a time
    qtbot.waitUntil(lambda: not dialog.busy, timeout=60_000)
    best = tmp_path / "runs" / "2026-01-01_10-00-00" / "best.pt"  # what a run folder means
    assert dialog.status.text().startswith(f"Exported to {tmp_path / 'tiny_1_tile_export'} "
                                           f"from {best}.\n"
                                           "Checked against torch on 2 images of the val "
                                           "split: largest difference 0 (limit 0.0001).")
    assert (tmp_path / "tiny_1_tile_export" / "predict.py").is_file()


def test_a_failed_export_says_why_and_can_be_tried_again(qtbot, tmp_path):
    dialog = _dialog(qtbot, tmp_path, checkpoint=False)
    assert dialog.checkpoint.text() == ""  # no run with a best.pt to offer
    assert not dialog.start()
    assert dialog.status.text() == "Give a checkpoint and where to write the export."
    dialog.checkpoint.setText(str(tmp_path / "missing.pt"))
    assert dialog.start()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=60_000)
    assert dialog.status.text() == f"The export failed: {tmp_path / 'missing.pt'}: file not found"
    assert dialog.report is None and dialog.export_button.isEnabled()


def test_an_unsaved_project_s_newest_run_is_offered(qtbot, tmp_path):
    """A new user trained the (unsaved) demo and found the checkpoint field empty: its
    runs are kept outside the project folder, where the window's Train put them."""
    path = tiny_project(tmp_path)
    controller = ProjectController(load_project(path))
    controller.project.path = None  # unsaved: nothing beside a project file
    runs = tmp_path / "elsewhere" / "runs"
    older, newer = runs / "2026-01-01_10-00-00", runs / "2026-01-02_10-00-00"
    for run in (older, newer):
        run.mkdir(parents=True)
        (run / "run.json").write_text('{"status": "finished"}')
    write_random_checkpoint(path, older / "best.pt")
    folder = {"runs": runs}
    dialog = ExportDialog(controller, runs_folder=lambda: folder["runs"])
    qtbot.addWidget(dialog)
    assert dialog.checkpoint.text() == str(older)  # the newest with a best.pt
    write_random_checkpoint(path, newer / "best.pt")
    dialog.offer_newest_checkpoint()  # reopened after another run ended
    assert dialog.checkpoint.text() == str(newer)
    dialog.checkpoint.setText(str(older))  # the person's own choice stays
    dialog.offer_newest_checkpoint()
    assert dialog.checkpoint.text() == str(older)


def test_changing_the_format_keeps_the_folder_and_drops_the_old_message(qtbot, tmp_path):
    dialog = _dialog(qtbot, tmp_path)
    dialog.out.setText(str(tmp_path / "exports" / "mine.onnx"))
    dialog.say("The export failed: something about ONNX")
    dialog.format.setCurrentIndex(dialog.format.findData("python"))
    assert dialog.out.text() == str(tmp_path / "exports" / "tiny_1_tile_export")
    assert dialog.status.text() == ""
