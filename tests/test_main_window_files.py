"""Saving and reopening from the File menu: a failed Save As keeps everything and says
why, Open Recent tells same-named files apart, an untitled project takes the name of
the file it is saved as. Each test names the defect it keeps fixed."""
from __future__ import annotations

from app.paths import DEMO_PROJECT


def test_save_as_to_an_unwritable_place_says_so_and_keeps_everything(main_window,
                                                                      fake_dialogs,
                                                                      monkeypatch, tmp_path):
    """(Checked in review, no defect: kept as a regression test.) A failed Save As names
    the file, keeps the project's old path, the dirty marker and the recent list, and a
    close that asked to save stays open."""
    import app.main_window as main_window_module

    window = main_window
    window.open_template(DEMO_PROJECT)
    window.editor.add_component("Convolution")
    target = tmp_path / "locked" / "project.json"
    fake_dialogs.answers["save_path"] = str(target)

    def refuse(project, path=None):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(main_window_module, "save_project", refuse)
    assert not window.save_as()
    (title, text, details), = [args for args in fake_dialogs.named("show_error")]
    assert str(target) in text and "Permission denied" in details
    assert window.project.path is None and window.isWindowModified()
    assert window.project.name == "Nuclei demo"
    assert window.recent.paths() == [] and not target.exists()
    fake_dialogs.answers["ask_save_changes"] = "save"
    assert not window.close() and window.is_dirty()


def test_recent_files_with_the_same_name_say_which_folder(main_window, tmp_path):
    """The Open Recent menu showed only file names: two 'project.json' looked the same."""
    window = main_window
    for folder in ("first", "second"):
        (tmp_path / folder).mkdir()
        path = tmp_path / folder / "project.json"
        path.write_text(DEMO_PROJECT.read_text())
        window.recent.add(path)
    (tmp_path / "other.json").write_text(DEMO_PROJECT.read_text())
    window.recent.add(tmp_path / "other.json")
    window.window_actions._fill_recent()
    texts = [a.text() for a in window.window_actions.recent_menu.actions() if a.text()]
    assert texts[0] == "other.json"
    assert texts[1].startswith("project.json") and texts[1].endswith("second")
    assert texts[2].startswith("project.json") and texts[2].endswith("first")


def test_an_untitled_project_takes_the_name_of_the_file_it_is_saved_as(main_window,
                                                                        fake_dialogs,
                                                                        monkeypatch,
                                                                        tmp_path):
    """Saving a new project as cells.json left it named 'Untitled': the title read
    'Untitled — cells.json' and the file said "name": "Untitled"."""
    import json

    import app.main_window as main_window_module

    window = main_window
    window.editor.add_component("Input")
    fake_dialogs.answers["save_path"] = str(tmp_path / "cells.json")
    with monkeypatch.context() as patch:  # a failed save keeps the old name
        patch.setattr(main_window_module, "save_project",
                      lambda *args: (_ for _ in ()).throw(OSError(28, "No space left")))
        assert not window.save_as()
    assert window.project.name == "Untitled"
    assert window.save_as()
    assert window.project.name == "cells"
    assert window.windowTitle().startswith("cells — cells.json")
    assert json.loads((tmp_path / "cells.json").read_text())["name"] == "cells"
    fake_dialogs.answers["save_path"] = str(tmp_path / "copy.json")
    assert window.save_as() and window.project.name == "cells"  # a real name is kept
