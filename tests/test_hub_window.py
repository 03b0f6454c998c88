"""The Model hub as a person uses it: the list they see, the files on disk after each
action, and the window a model opens in."""
from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import QApplication, QWidget

from app.hub import workspace as ws
from app.main_window import MainWindow
from app.panels import hub as hub_module
from app.panels import hub_dialogs
from app.panels.hub import HubWindow
from hub_helpers import populated_workspace, write_model

ORDER = ["Broken", "Nuclei demo", "Cells", "Scratch U-Net", "Bacteria"]  # newest first


def close_windows(before):
    for widget in QApplication.topLevelWidgets():
        if widget not in before and isinstance(widget, (MainWindow, HubWindow)):
            widget.close()
            widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def start(make_window):
    """The hidden window made at start-up, which the first model opens in."""
    return make_window()


@pytest.fixture
def workspace(tmp_path, studio_settings):
    folder = populated_workspace(tmp_path / "ws")
    studio_settings.setValue(hub_module.SETTING, str(folder))
    return folder


@pytest.fixture
def hub(start, workspace, qtbot):
    before = set(QApplication.topLevelWidgets())  # start among them: make_window closes it
    window = HubWindow(start, start=True)
    window.show()
    qtbot.waitExposed(window)
    yield window
    close_windows(before)


def model_path(workspace, name):
    return workspace / name / f"{name}.json"


def runs_of(hub, name):
    item = next(hub.tree.topLevelItem(i) for i in range(hub.tree.topLevelItemCount())
                if hub.tree.topLevelItem(i).text(0) == name)
    return [[item.child(i).text(c) for c in range(5)] for i in range(item.childCount())]


def test_the_hub_lists_models_with_their_pictures_runs_and_errors(hub, workspace):
    assert hub.tree.model_names() == ORDER
    assert runs_of(hub, "Cells") == [
        ["2026-11-26_14-30-00", "2026-11-26 14:30", "2/6", "0.660 (epoch 2)", "failed"],
        ["2026-11-25_09-00-00", "2026-11-25 09:00", "6/6", "0.741 (epoch 6)", "finished"],
        ["2026-11-24_10-15-00", "2026-11-24 10:15", "6/6", "0.667 (epoch 6)", "finished"]]
    cells = hub.tree.topLevelItem(2)
    assert [cells.text(c) for c in (0, 2, 3, 4)] == ["Cells", "3 runs", "0.741", ""]
    broken = hub.tree.topLevelItem(0)
    assert broken.text(4) == "cannot be read"
    assert "invalid JSON (Expecting value)" in broken.toolTip(0)
    assert all(not hub.tree.topLevelItem(i).icon(0).isNull() for i in range(5))
    hub.tree.select_model(model_path(workspace, "Broken"))
    assert "This file cannot be opened" in hub.details.body.text()
    assert not hub.buttons["open"].isEnabled() and hub.buttons["delete"].isEnabled()
    hub.tree.select_model(model_path(workspace, "Cells"))
    assert hub.details.title.text() == "Cells" and "3 nodes · 2 wires" in hub.details.body.text()


def test_new_from_a_template_writes_the_file_and_opens_it(hub, start, workspace, fake_dialogs):
    fake_dialogs.answers["ask_text"] = "Mitochondria"
    action = next(a for a in hub.new_menu.actions() if a.text() == "U-Net from scratch")
    action.trigger()
    path = model_path(workspace, "Mitochondria")
    assert json.loads(path.read_text())["name"] == "Mitochondria"
    assert "Mitochondria" in hub.tree.model_names()
    assert start.isVisible() and not hub.isVisible()
    assert start.project.path == path.resolve() and len(start.project.graph.nodes) == 33
    suggested = fake_dialogs.named("ask_text")[0]
    assert suggested[2] == "U-Net from scratch"


def test_open_shows_the_model_and_a_second_open_brings_the_same_window(hub, start, workspace):
    hub.tree.select_model(model_path(workspace, "Cells"))
    hub.buttons["open"].click()
    assert start.isVisible() and start.project.name == "Cells"
    assert start.windowTitle().startswith("Cells — Cells.json")
    hub.host = start
    hub.show()
    hub.tree.select_model(model_path(workspace, "Cells"))
    hub.buttons["open"].click()
    windows = [w for w in QApplication.topLevelWidgets()
               if isinstance(w, MainWindow) and w.isVisible()]
    assert windows == [start]


def test_opening_another_model_from_a_window_asks_about_its_changes(hub, start, workspace,
                                                                    fake_dialogs):
    hub.tree.select_model(model_path(workspace, "Cells"))
    hub.buttons["open"].click()
    start.project.graph.move_node("unet", (500.0, 40.0))
    start.undo_stack.resetClean()  # unsaved changes
    fake_dialogs.answers["ask_save_changes"] = "cancel"
    hub.show()
    hub.tree.select_model(model_path(workspace, "Bacteria"))
    hub.buttons["open"].click()
    assert fake_dialogs.named("ask_save_changes") == [("Cells",)]
    assert start.project.name == "Cells"  # cancelled: the window keeps its project


def test_duplicate_adds_a_row_and_a_folder(hub, workspace):
    hub.tree.select_model(model_path(workspace, "Cells"))
    hub.buttons["duplicate"].click()
    assert "Cells copy" in hub.tree.model_names()
    assert model_path(workspace, "Cells copy").is_file()
    assert not (workspace / "Cells copy" / "runs").exists()
    assert hub.tree.chosen_model().name == "Cells copy"
    assert hub.message.text.text() == ("Duplicated 'Cells' as 'Cells copy' (its runs stay "
                                       "with the original).")


def test_rename_changes_row_folder_and_file_and_undo_takes_it_back(hub, workspace,
                                                                   fake_dialogs):
    hub.tree.select_model(model_path(workspace, "Cells"))
    fake_dialogs.answers["ask_text"] = "Cytoplasm"
    hub.buttons["rename"].click()
    assert "Cytoplasm" in hub.tree.model_names() and "Cells" not in hub.tree.model_names()
    path = model_path(workspace, "Cytoplasm")
    assert json.loads(path.read_text())["name"] == "Cytoplasm"
    assert not (workspace / "Cells").exists()
    assert len(runs_of(hub, "Cytoplasm")) == 3
    assert hub.message.text.text() == "Renamed 'Cells' to 'Cytoplasm'."
    hub.message.undo_button.click()
    assert "Cells" in hub.tree.model_names() and model_path(workspace, "Cells").is_file()
    assert not (workspace / "Cytoplasm").exists()


def test_rename_to_a_taken_name_says_so_and_changes_nothing(hub, workspace, fake_dialogs):
    hub.tree.select_model(model_path(workspace, "Cells"))
    fake_dialogs.answers["ask_text"] = "bacteria"
    hub.buttons["rename"].click()
    (error,) = fake_dialogs.named("show_error")
    assert error[0] == "Cannot rename the model"
    assert error[1].startswith("A model named 'bacteria' is already in")
    assert hub.tree.model_names() == ORDER


def test_delete_moves_to_the_trash_and_undo_brings_it_back(hub, workspace):
    hub.tree.select_model(model_path(workspace, "Cells"))
    hub.buttons["delete"].click()
    assert "Cells" not in hub.tree.model_names()
    (trashed,) = (workspace / ".trash").iterdir()
    assert (trashed / "Cells" / "Cells.json").is_file()
    assert hub.message.text.text() == ("Deleted 'Cells' and its 3 runs: moved to the .trash "
                                       "folder of the workspace.")
    hub.undo()  # Ctrl+Z in the hub
    assert "Cells" in hub.tree.model_names() and len(runs_of(hub, "Cells")) == 3
    assert list((workspace / ".trash").iterdir()) == []  # nothing left behind


def test_a_model_open_in_a_window_is_not_renamed_or_deleted_under_it(hub, start, workspace,
                                                                     fake_dialogs):
    hub.tree.select_model(model_path(workspace, "Cells"))
    hub.buttons["open"].click()
    hub.show()
    hub.tree.select_model(model_path(workspace, "Cells"))
    hub.buttons["delete"].click()
    hub.buttons["rename"].click()
    errors = fake_dialogs.named("show_error")
    assert [e[0] for e in errors] == ["Cannot delete 'Cells'", "Cannot rename 'Cells'"]
    assert "is open in a window. Close that window first" in errors[0][1]
    assert model_path(workspace, "Cells").is_file()


def test_import_copies_a_file_in_with_its_data_paths_kept_valid(hub, workspace, tmp_path,
                                                                monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    source = write_model(elsewhere, "Yeast")
    data = json.loads(source.read_text())
    data["data"] = {"source": "folders", "images": "imgs", "masks": "masks"}
    source.write_text(json.dumps(data))
    monkeypatch.setattr(hub_dialogs, "import_path", lambda parent, start: source)
    hub.buttons["import"].click()
    assert "Yeast" in hub.tree.model_names() and hub.tree.chosen_model().name == "Yeast"
    imported = json.loads(model_path(workspace, "Yeast").read_text())
    assert (workspace / "Yeast" / imported["data"]["images"]).resolve() == \
        (source.parent / "imgs").resolve()
    assert hub.message.text.text().startswith(f"Imported {source} as 'Yeast'")


def test_search_filters_the_rows_and_sort_orders_them(hub, studio_settings):
    hub.search.setText("NUC")
    assert hub.tree.model_names() == ["Nuclei demo"]
    hub.search.setText("zebra")
    assert hub.tree.model_names() == [] and hub.empty.text() == "No model's name holds 'zebra'."
    assert not hub.empty.isHidden()
    hub.search.clear()
    hub.sort.setCurrentIndex(hub.sort.findData("name"))
    assert hub.tree.model_names() == sorted(ORDER)
    hub.sort.setCurrentIndex(hub.sort.findData("best"))
    assert hub.tree.model_names()[:2] == ["Nuclei demo", "Cells"]
    assert studio_settings.value(hub_module.SORT_SETTING) == "best"


def test_the_workspace_is_asked_for_once_and_remembered(start, studio_settings, tmp_path,
                                                        qtbot):
    first = HubWindow(start)
    qtbot.addWidget(first)
    assert first.pages.currentWidget() is first.welcome
    folder = tmp_path / "models"
    first.welcome.folder.setText(str(folder))
    first.welcome.use_button.click()
    assert folder.is_dir() and studio_settings.value(hub_module.SETTING) == str(folder)
    assert first.pages.currentIndex() == 1 and first.empty.text().startswith("No models")
    second = HubWindow(start)
    qtbot.addWidget(second)
    assert second.pages.currentIndex() == 1 and second.workspace == folder


def test_a_workspace_that_is_gone_or_read_only_says_so(start, studio_settings, tmp_path,
                                                       qtbot, monkeypatch):
    studio_settings.setValue(hub_module.SETTING, str(tmp_path / "unplugged"))
    gone = HubWindow(start)
    qtbot.addWidget(gone)
    assert gone.message.text.text().startswith(
        f"The workspace folder {tmp_path / 'unplugged'} is not there")
    assert not gone.new_button.isEnabled() and not gone.buttons["import"].isEnabled()
    write_model(tmp_path, "Cells")
    studio_settings.setValue(hub_module.SETTING, str(tmp_path))
    monkeypatch.setattr(ws, "writable", lambda folder: False)
    locked = HubWindow(start)
    qtbot.addWidget(locked)
    locked.tree.select_model(tmp_path / "Cells" / "Cells.json")
    assert "is read-only: models can be opened" in locked.message.text.text()
    assert locked.buttons["open"].isEnabled()
    assert not any(locked.buttons[b].isEnabled() for b in ("duplicate", "rename", "delete"))


def test_the_demo_is_one_click_away_even_before_a_workspace(start, qtbot):
    first = HubWindow(start, start=True)
    qtbot.addWidget(first)
    first.show()
    first.welcome.demo_button.click()
    assert start.isVisible() and start.project.name == "Nuclei demo"
    assert start.project.path is None and not first.isVisible()


def test_file_model_hub_shows_the_hub_for_that_window(main_window, workspace, qtbot):
    before = set(QApplication.topLevelWidgets())
    main_window.show()
    action = next(a for a in main_window.menuBar().actions()[0].menu().actions()
                  if a.text() == "Model Hub…")
    action.trigger()
    shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, HubWindow)]
    try:
        assert len(shown) == 1 and shown[0].isVisible() and shown[0].host is main_window
        assert shown[0].tree.model_names() == ORDER
        assert not shown[0].testAttribute(Qt.WidgetAttribute.WA_QuitOnClose)
    finally:
        close_windows(before)


def test_recommended_from_data_plans_from_the_data_chosen_in_the_wizard(
        hub, start, workspace, tmp_path, fake_dialogs, monkeypatch):
    import os

    from app.data.scan import scan
    from app.recommend import recommend
    from tests.test_recommend import BUDGET, write_set

    write_set(tmp_path / "cells", 8, 48, 48, channels=1, classes=3)
    chosen = {}

    def wizard(parent, project):  # what Finish in the Data Wizard leaves behind
        folder = project.path.parent
        project.data = {"source": "folders", "mask": {"kind": "labels"},
                        "images": os.path.relpath(tmp_path / "cells" / "images", folder),
                        "masks": os.path.relpath(tmp_path / "cells" / "masks", folder)}
        chosen["dataset"] = scan(project.data, folder)
        return chosen["dataset"]

    def planned(parent, dataset):
        chosen["rec"] = recommend(dataset, BUDGET)
        return chosen["rec"]

    monkeypatch.setattr(hub_dialogs, "choose_data", wizard)
    monkeypatch.setattr(hub_dialogs, "recommend_model", planned)
    fake_dialogs.answers["ask_text"] = "Planned"
    next(a for a in hub.new_menu.actions() if a.text() == "Recommended from data…").trigger()
    path = model_path(workspace, "Planned")
    saved = json.loads(path.read_text())
    rec = chosen["rec"]
    unet = next(n for n in saved["graph"]["nodes"] if n["id"] == "unet")
    assert unet["settings"]["depth"] == rec.depth
    assert saved["training"]["epochs"] == rec.training["epochs"]
    assert saved["data"]["fit"] == rec.fit
    assert (path.parent / saved["data"]["images"]).resolve() == tmp_path / "cells" / "images"
    assert start.project.path == path.resolve() and start.project.name == "Planned"


def test_a_cancelled_data_wizard_makes_no_model(hub, workspace, fake_dialogs, monkeypatch):
    monkeypatch.setattr(hub_dialogs, "choose_data", lambda parent, project: None)
    fake_dialogs.answers["ask_text"] = "Planned"
    next(a for a in hub.new_menu.actions() if a.text() == "Recommended from data…").trigger()
    assert not (workspace / "Planned").exists() and "Planned" not in hub.tree.model_names()


def test_compare_runs_of_two_models_opens_their_curves_and_differences(hub, workspace):
    tree = hub.tree
    rows = {}
    for index in range(tree.topLevelItemCount()):
        model = tree.topLevelItem(index)
        for child in range(model.childCount()):
            rows[(model.text(0), model.child(child).text(0))] = model.child(child)
    assert not hub.buttons["compare"].isEnabled()
    rows[("Cells", "2026-11-24_10-15-00")].setSelected(True)
    rows[("Cells", "2026-11-25_09-00-00")].setSelected(True)
    assert hub.buttons["compare"].isEnabled()
    assert hub.details.body.text().startswith("2 runs selected.")
    view = hub.actions.compare()
    assert view.isVisible() and view.windowTitle() == "Compare 2 runs — U-Net Studio"
    assert view.differences.rows() == [("training · learning_rate", ["0.001", "0.003"])]
    rows[("Nuclei demo", "2026-11-27_08-00-00")].setSelected(True)
    three = hub.actions.compare()
    assert three.curves.legend_names() == ["Cells · 2026-11-24_10-15-00",
                                           "Cells · 2026-11-25_09-00-00",
                                           "Nuclei demo · 2026-11-27_08-00-00"]
    labels = [label for label, _ in three.differences.rows()]
    assert "training · epochs" in labels and "data · name" in labels


def test_a_long_search_or_message_never_widens_the_hub(hub, workspace):
    width = hub.width()
    hub.search.setText("h" * 300)
    hub.message.say("/" + "x" * 400)
    QApplication.processEvents()
    assert hub.width() == width and hub.empty.text() == f"No model's name holds '{'h' * 39}…'."


def test_double_clicking_a_file_that_cannot_be_read_says_why(hub, start, workspace,
                                                             fake_dialogs):
    broken = hub.tree.topLevelItem(0)
    hub.tree.itemActivated.emit(broken, 0)
    (error,) = fake_dialogs.named("show_error")
    assert error[0] == "Cannot open 'Broken'"
    assert error[2] == "line 1, column 53: invalid JSON (Expecting value)"
    assert not start.isVisible() and hub.isVisible()


def test_the_details_count_epochs_in_words():
    from app.panels.hub_details import training_text

    assert training_text({"epochs": 1, "optimizer": "adam"}) == "1 epoch · adam"
    assert training_text({"epochs": 6, "learning_rate": 0.002, "batch_size": 4}) == \
        "6 epochs · learning rate 0.002 · batch 4"
    assert training_text({"epochs": "many"}) == "many epochs"  # as an odd file has it
    assert training_text(None) == "defaults"


def test_ctrl_w_closes_the_hub(start, qtbot):
    from PySide6.QtGui import QKeySequence

    window = HubWindow(start, start=True)
    qtbot.addWidget(window)
    window.show()
    close = [a for a in QWidget.actions(window)  # (window.actions is the hub's own)
             if a.shortcut() == QKeySequence(QKeySequence.StandardKey.Close)]
    assert len(close) == 1
    close[0].trigger()
    assert not window.isVisible()
