"""The project-wide parts of the panel work: the code view as a tab beside the canvas,
Model > Recommend applied as one undo step, and Save As into another folder keeping
relative data paths pointing at the data."""
from __future__ import annotations

import json

import pytest
from PySide6.QtWidgets import QApplication, QDialog

from app.data.scan import scan
from app.panels.recommend_dialog import RecommendDialog
from app.project import load_project
from app.recommend import MemoryBudget
from tests.panel_helpers import open_window, wait_for_previews, write_project


@pytest.fixture(autouse=True)
def cache_in_tmp(monkeypatch, tmp_path):
    from app.data import sources

    monkeypatch.setenv(sources.CACHE_ENV, str(tmp_path / "cache"))


# --- the code view ------------------------------------------------------------------------
def test_the_code_view_is_a_tab_beside_the_canvas_and_follows_the_graph(make_window, qtbot):
    window = open_window(make_window, qtbot)
    tabs = window.centre
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["Canvas", "Code"]
    assert tabs.currentWidget() is window.editor.view
    tabs.setCurrentWidget(window.code_view)
    window.code_view.refresh_now()
    assert "self.conv1 = " in window.code_view.code()
    window.editor.select_nodes(["conv1"])
    QApplication.processEvents()
    assert window.code_view.node_code().splitlines()[0].startswith("# conv1: Convolution")
    window.details.settings.forms["Convolution"].committed.emit("filters", 24)
    window.code_view.refresh_now()
    assert "Conv2d(1, 24" in window.code_view.code()  # updated as the graph changed
    window.editor.select_nodes(["conv1", "conv2"])
    QApplication.processEvents()
    assert window.code_view.node_code().startswith("# Select a node")


def test_a_node_named_in_the_code_view_is_shown_on_the_canvas(make_window, qtbot):
    window = open_window(make_window, qtbot)
    doc = window.project.graph
    doc.disconnect(doc.edge_at_input("conv2", "in"))
    window.centre.setCurrentWidget(window.code_view)
    window.code_view.refresh_now()
    assert "node:conv2" in window.code_view.banner.text()
    window.code_view.banner.linkActivated.emit("node:conv2")
    assert window.centre.currentWidget() is window.editor.view
    assert window.editor.selected_node_ids() == ["conv2"]


# --- Model > Recommend ----------------------------------------------------------------------
def test_recommend_applies_graph_training_and_data_as_one_undo_step(make_window, qtbot,
                                                                    tmp_path, monkeypatch):
    window = open_window(make_window, qtbot, write_project(tmp_path, pairs=8), previews=True)
    wait_for_previews(window, qtbot)
    assert window.window_actions.recommend.isEnabled()
    model_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Model")
    assert window.window_actions.recommend in model_menu.actions()
    before = (window.project.graph.snapshot(), window.project.training,
              json.dumps(window.project.data))
    planned = []
    budget = MemoryBudget(2 * 1024**3, "cpu", "a fixed test budget")
    real_plan = RecommendDialog.plan
    monkeypatch.setattr(RecommendDialog, "plan",  # the device's memory is not the test's
                        lambda dialog, dataset: real_plan(dialog, dataset, budget, wait=True))

    def answer(dialog):
        qtbot.waitUntil(lambda: dialog.recommendation is not None)
        planned.append(dialog.recommendation)
        dialog.apply_button.click()
        return QDialog.DialogCode.Accepted
    monkeypatch.setattr(RecommendDialog, "exec", answer)
    assert window.open_recommend()
    (rec,) = planned
    doc = window.project.graph
    assert [n.type for n in doc.nodes] == ["Input", "UNet", "Target"]
    assert doc.snapshot()["nodes"] == rec.graph["nodes"]
    assert window.project.training.batch_size == rec.batch_size
    assert window.training.form.editor("batch_size").input_widget().value() == rec.batch_size
    assert window.project.data["fit"] == rec.fit
    assert window.undo_stack.count() == 1
    assert window.undo_stack.text(0) == "Apply the recommended model"
    window.undo_stack.undo()
    assert (doc.snapshot(), window.project.training, json.dumps(window.project.data)) == before
    window.undo_stack.redo()
    assert [n.type for n in doc.nodes] == ["Input", "UNet", "Target"]


def test_recommend_without_data_says_what_to_do(main_window, qtbot):
    window = main_window
    assert not window.window_actions.recommend.isEnabled()  # previews (and scans) are off
    assert not window.open_recommend()
    assert "Data Wizard" in window.statusBar().currentMessage()


# --- Save As into another folder ---------------------------------------------------------------
def test_save_as_into_another_folder_keeps_the_data_found(make_window, qtbot, tmp_path,
                                                          fake_dialogs):
    path = write_project(tmp_path / "first")
    window = open_window(make_window, qtbot, path)
    found = scan(window.project.data, window.project.folder)
    target = tmp_path / "elsewhere" / "deeper" / "copy.json"
    fake_dialogs.answers["save_path"] = str(target)
    assert window.save_as()
    saved = json.loads(target.read_text())["data"]
    assert saved["images"] == "../../first/data/images"
    assert saved["masks"] == "../../first/data/masks"
    reopened = load_project(target)
    again = scan(reopened.data, reopened.folder)
    def files(dataset, folder):  # the image files a scan paired, wherever it names them from
        return [(folder / p.key).resolve() for p in dataset.pairs]
    assert files(again, reopened.folder) == files(found, path.parent) and len(found.pairs) == 6
    assert again.counts() == found.counts()
    fake_dialogs.answers["save_path"] = str(tmp_path / "first" / "back.json")
    assert window.save_as()  # and back beside the data: plain relative paths again
    assert json.loads((tmp_path / "first" / "back.json").read_text())["data"]["images"] == \
        "data/images"
