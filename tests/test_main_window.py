"""The main window: design with the mouse, undo/redo, files, dirty marker, recovery."""
from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QApplication

from app.paths import DEMO_PROJECT, TEMPLATES
from app.project import Project, load_project
from canvas.commands import SetSettingCommand
from canvas_helpers import drag, drop_mime, header_point, state
from components.serialize import graph_to_dict


def show(window, qtbot):
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    return window


def palette_drop(window, type_name, scene_point):
    """Drag a palette entry onto the canvas: the palette's own drag data, synthetic drop."""
    item = window.palette.items[type_name]
    mime = window.palette.tree.mimeData([item])
    assert drop_mime(window.editor.view, mime, scene_point)


def test_design_with_the_mouse_and_undo_redo_every_step(main_window, qtbot):
    window = show(main_window, qtbot)
    doc, view, stack = window.project.graph, window.editor.view, window.undo_stack
    view.centerOn(300, 100)
    states = [state(doc)]

    palette_drop(window, "Input", QPointF(60, 60))
    assert [n.type for n in doc.nodes] == ["Input"]
    states.append(state(doc))

    palette_drop(window, "Convolution", QPointF(420, 140))
    assert [n.type for n in doc.nodes] == ["Input", "Convolution"]
    source, target = (window.editor.scene.nodes[n.id] for n in doc.nodes)
    assert target.sceneBoundingRect().contains(QPointF(420, 140))
    states.append(state(doc))

    drag(view, source.ports["out"].scenePos(), target.ports["in"].scenePos())
    assert [(e.source, e.target) for e in doc.edges] == [("input1", "conv1")]
    states.append(state(doc))

    corner = view.viewport().rect().bottomRight() - QPoint(5, 5)
    drag(view, view.mapToScene(QPoint(5, 5)), view.mapToScene(corner))  # rubber band
    assert window.editor.scene.selected_node_ids() == ["input1", "conv1"]
    was = doc.node("input1").position
    drag(view, header_point(target), header_point(target) + QPointF(40, 60))
    assert doc.node("input1").position == (was[0] + 40, was[1] + 60)
    states.append(state(doc))
    assert stack.count() == 4 and window.isWindowModified()

    for expected in reversed(states[:-1]):
        stack.undo()
        assert state(doc) == expected
    assert not window.isWindowModified()
    for expected in states[1:]:
        stack.redo()
        assert state(doc) == expected
    assert window.isWindowModified()


def test_double_click_in_the_palette_adds_at_the_centre(main_window, qtbot):
    window = show(main_window, qtbot)
    window.palette.tree.itemDoubleClicked.emit(window.palette.items["UNet"], 0)
    centre = window.editor.view.mapToScene(window.editor.view.viewport().rect().center())
    node = window.project.graph.nodes[0]
    assert node.type == "UNet"
    assert window.editor.scene.nodes[node.id].sceneBoundingRect().contains(centre)


def test_palette_search_filters(main_window):
    palette = main_window.palette
    palette.search.setText("pool")
    assert palette.visible_types() == ["Pooling"]
    palette.search.setText("layers")
    assert palette.visible_types() == ["Convolution", "Pooling", "Upsample", "Merge"]
    palette.search.setText("")
    assert len(palette.visible_types()) == 7


def test_save_then_open_gives_an_identical_document(make_window, tmp_path):
    first = make_window()
    first.open_template(TEMPLATES / "unet_from_scratch.json")
    first.editor.select_all()
    first.editor.group_selection("Everything")
    first.editor.auto_layout()
    path = tmp_path / "model.json"
    assert first._write(path)
    assert not first.isWindowModified() and first.project.path == path.resolve()
    second = make_window()
    assert second.open_path(path)
    assert graph_to_dict(second.project.graph) == graph_to_dict(first.project.graph)
    assert second.project.to_dict() == first.project.to_dict()
    assert path.name in second.windowTitle()
    assert second._write(tmp_path / "again.json")
    assert json.loads((tmp_path / "again.json").read_text()) == json.loads(path.read_text())


@pytest.mark.parametrize("content, words", [
    ("{not json", "invalid JSON"),
    ('{"format": 1, "graph": {"nodes": [{"id": "a", "type": "Dense"}], "edges": []}}',
     "unknown component type 'Dense'"),
    (None, "file not found"),
])
def test_a_file_that_cannot_be_read_is_named_and_changes_nothing(main_window, fake_dialogs,
                                                                 tmp_path, content, words):
    window = main_window
    window.open_template(DEMO_PROJECT)
    before, name = state(window.project.graph), window.project.name
    path = tmp_path / "broken.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert not window.open_path(path)
    (title, text, details), = fake_dialogs.named("show_error")
    assert str(path) in text and words in details
    assert state(window.project.graph) == before and window.project.name == name


def test_dirty_marker_follows_the_undo_stack_including_data_changes(main_window, tmp_path):
    window = main_window
    window.open_template(DEMO_PROJECT)
    assert not window.isWindowModified() and "[*]" in window.windowTitle()
    window.undo_stack.push(SetSettingCommand(window.project.graph, "target", "classes", 4))
    assert window.isWindowModified()
    window._write(tmp_path / "p.json")
    assert not window.isWindowModified()

    class SetSeed(QUndoCommand):  # what a data wizard would push
        def __init__(self, project, seed):
            super().__init__("Set seed")
            self.project, self.seed, self.old = project, seed, project.data.get("seed")

        def redo(self):
            self.project.data["seed"] = self.seed

        def undo(self):
            self.project.data["seed"] = self.old

    window.undo_stack.push(SetSeed(window.project, 7))
    assert window.isWindowModified()
    window.undo_stack.undo()
    assert not window.isWindowModified()


def test_recent_files_live_in_the_given_settings(main_window, studio_settings, tmp_path):
    window = main_window
    for name in ("a.json", "b.json"):
        window.adopt(Project(name=name))
        window._write(tmp_path / name)
    assert window.recent.paths() == [str(tmp_path / "b.json"), str(tmp_path / "a.json")]
    window.window_actions._fill_recent()
    names = [a.text() for a in window.window_actions.recent_menu.actions()]
    assert names[:2] == ["b.json", "a.json"]
    (tmp_path / "b.json").unlink()
    assert window.recent.paths() == [str(tmp_path / "a.json")]
    assert studio_settings.fileName().startswith(str(tmp_path))


def test_autosave_writes_a_recovery_file_while_dirty(make_window, qtbot, tmp_path):
    window = make_window(autosave_ms=20)
    window.open_template(DEMO_PROJECT)
    recovery = window.recovery.path
    assert window.autosaver.save_now() is None and not recovery.exists()  # nothing unsaved
    window.editor.add_component("Pooling")
    qtbot.waitUntil(recovery.exists, timeout=3000)
    saved = json.loads(recovery.read_text())
    assert [n["type"] for n in saved["project"]["graph"]["nodes"]][-1] == "Pooling"
    window._write(tmp_path / "saved.json")
    assert not recovery.exists()


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _crash_file(folder, project: Project) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "recovery-1-crashed.json").write_text(json.dumps({
        "recovery": 1, "pid": _dead_pid(), "saved_at": "2026-01-01T10:00:00",
        "original_path": None, "project": project.to_dict()}), encoding="utf-8")


def test_after_a_crash_the_work_is_offered_back(make_window, fake_dialogs, tmp_path):
    lost = load_project(DEMO_PROJECT)
    lost.name = "Lost work"
    lost.graph.add_node("Pooling", (900, 0), node_id="typed_before_crash")
    _crash_file(tmp_path / "recovery", lost)
    fake_dialogs.answers["ask_restore"] = True
    window = make_window()
    assert window.offer_recovery()
    assert "Lost work" in fake_dialogs.named("ask_restore")[0][0]
    assert window.project.name == "Lost work"
    assert window.project.graph.has_node("typed_before_crash")
    assert window.isWindowModified()  # restored work is not saved anywhere yet
    assert not (tmp_path / "recovery" / "recovery-1-crashed.json").exists()


def test_declined_recovery_is_discarded_and_live_windows_are_not_offered(make_window,
                                                                          fake_dialogs,
                                                                          tmp_path):
    _crash_file(tmp_path / "recovery", Project(name="Old"))
    live = make_window()
    live.adopt(Project(name="Live"))
    live.editor.add_component("Input")
    live.autosaver.save_now()
    window = make_window()
    assert not window.offer_recovery()
    assert len(fake_dialogs.named("ask_restore")) == 1  # only the crashed one
    assert not (tmp_path / "recovery" / "recovery-1-crashed.json").exists()
    assert live.recovery.path.exists()


def test_data_wizard_missing_shows_a_message_and_keeps_running(main_window, fake_dialogs,
                                                               monkeypatch):
    monkeypatch.setitem(sys.modules, "app.panels.data_wizard", None)  # import fails
    main_window.window_actions.data_wizard.trigger()
    (title, text, details), = fake_dialogs.named("show_error")
    assert "Data Wizard" in title and "data_wizard" in details
    main_window.editor.add_component("Input")
    assert len(main_window.project.graph.nodes) == 1


def test_data_wizard_gets_the_project_and_the_undo_stack(main_window, monkeypatch):
    seen = {}

    class FakeWizard:
        def __init__(self, project, undo_stack, parent):
            seen.update(project=project, stack=undo_stack, parent=parent)

        def exec(self):
            stack = seen["stack"]
            stack.beginMacro("Data settings")
            stack.push(SetSettingCommand(seen["project"].graph, "input", "channels", 1))
            stack.endMacro()
            return 1

    module = types.ModuleType("app.panels.data_wizard")
    module.DataWizard = FakeWizard
    monkeypatch.setitem(sys.modules, "app.panels.data_wizard", module)
    main_window.open_template(DEMO_PROJECT)
    main_window.open_data_wizard()
    assert seen["project"] is main_window.project and seen["parent"] is main_window
    assert main_window.isWindowModified()
    main_window.undo_stack.undo()
    assert not main_window.isWindowModified()


def test_closing_with_unsaved_changes_asks(main_window, fake_dialogs, qtbot, tmp_path):
    window = show(main_window, qtbot)
    window.editor.add_component("Input")
    fake_dialogs.answers["ask_save_changes"] = "cancel"
    assert not window.close() and window.isVisible()
    fake_dialogs.answers.update(ask_save_changes="save", save_path=str(tmp_path / "kept.json"))
    assert window.close()
    assert load_project(tmp_path / "kept.json").graph.has_node("input1")


def test_copy_in_one_window_paste_in_another(make_window):
    first, second = make_window(), make_window()
    first.open_template(DEMO_PROJECT)
    first.editor.scene.select_nodes(["input", "unet"])
    first.editor.copy()
    second.adopt(Project())
    assert second.editor.paste() == ["input", "unet"]
    assert [(e.source, e.target) for e in second.project.graph.edges] == [("input", "unet")]


def test_properties_dock_shows_the_selected_node(main_window, qtbot):
    window = main_window
    window.open_template(DEMO_PROJECT)
    window.editor.scene.select_nodes(["unet"])
    text = window.details.heading.text()
    assert "unet" in text and "UNet" in text
    rows = {window.details.form.itemAt(i, window.details.form.ItemRole.LabelRole).widget().text():
            window.details.form.itemAt(i, window.details.form.ItemRole.FieldRole).widget().text()
            for i in range(window.details.form.rowCount())}
    assert rows["Output shape:"].endswith("x256x256")
    assert int(rows["Parameters:"].replace(",", "")) > 100_000
    form = window.details.settings.form  # the settings are a form now (issue 10)
    settings = [form.label(setting.name).text() for setting in form.schema]
    assert "Depth" in settings


def test_problems_tab_lists_problems_and_finds_the_node(main_window, qtbot):
    window = main_window
    window.open_template(DEMO_PROJECT)
    window.project.graph.disconnect(window.project.graph.edge_at_input("target", "in"))
    qtbot.waitUntil(lambda: window.problems.topLevelItemCount() >= 1
                    and window.problems.topLevelItem(0).text(1) == "target")
    assert window.problems_button.text().startswith("2 problems")  # unwired, and no path
    window.problems.node_requested.emit("target")
    assert window.editor.scene.selected_node_ids() == ["target"]


def test_new_window_opens_a_second_editor(main_window):
    second = main_window.new_window()
    try:
        assert second is not main_window and second.isVisible()
        assert second.undo_stack is not main_window.undo_stack
    finally:
        second.close()
        QApplication.processEvents()


def test_keyboard_shortcuts_reach_the_canvas(main_window, qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    window = show(main_window, qtbot)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.open_template(DEMO_PROJECT)
    view = window.editor.view
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert window.editor.scene.selected_node_ids() == ["input", "unet", "target"]
    QTest.keyClick(view, Qt.Key.Key_Delete)
    assert window.project.graph.nodes == []
    QTest.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(window.project.graph.nodes) == 3
    view.set_zoom(2.0)
    QTest.keyClick(view, Qt.Key.Key_F)
    assert view.zoom <= 1.0


def test_run_gui_opens_the_given_project_and_returns(monkeypatch, tmp_path, qapp,
                                                     studio_settings, fake_dialogs):
    from PySide6.QtCore import QTimer

    import app.main_window as main_window_module
    from app.gui_start import run_gui
    from app.main_window import MainWindow

    monkeypatch.setattr(main_window_module, "default_settings", lambda: studio_settings)
    monkeypatch.setattr(main_window_module, "default_folder", lambda: tmp_path / "recovery")
    path = tmp_path / "mine.json"
    project = load_project(DEMO_PROJECT)
    project.name = "Mine"
    from app.project import save_project
    save_project(project, path)
    seen = []

    def close_all():
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MainWindow):
                seen.append((widget.project.name, widget.project.path, widget.isVisible()))
                widget.close()
                widget.deleteLater()

    QTimer.singleShot(0, close_all)
    QTimer.singleShot(5000, qapp.quit)  # a safety net, never reached when all goes well
    look = (qapp.style().name(), qapp.styleSheet(), qapp.palette(), qapp.applicationName(),
            qapp.organizationName())
    try:
        assert run_gui(str(path)) == 0
    finally:  # run_gui styles and names the whole application; later tests expect neither
        qapp.setStyle(look[0])
        qapp.setStyleSheet(look[1])
        qapp.setPalette(look[2])
        qapp.setApplicationName(look[3])
        qapp.setOrganizationName(look[4])
    assert seen == [("Mine", path.resolve(), True)]


def test_double_click_a_group_title_renames_it(main_window, fake_dialogs, qtbot):
    from PySide6.QtTest import QTest
    from PySide6.QtCore import Qt

    from canvas_helpers import vp

    window = show(main_window, qtbot)
    window.open_template(DEMO_PROJECT)
    window.editor.scene.select_nodes(["input", "unet"])
    frame_id = window.editor.group_selection()
    title = window.editor.scene.frames[frame_id].title_rect().center()
    fake_dialogs.answers["ask_text"] = "Model"
    QTest.mouseDClick(window.editor.view.viewport(), Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier, vp(window.editor.view, title))
    assert window.project.graph.frame(frame_id).title == "Model"
    assert window.editor.scene.frames[frame_id].title == "Model"
    window.undo_stack.undo()
    assert window.project.graph.frame(frame_id).title == "Group 1"


def test_new_open_and_save_as_go_through_the_dialogs(main_window, fake_dialogs, tmp_path):
    window = main_window
    window.open_template(DEMO_PROJECT)
    fake_dialogs.answers["save_path"] = str(tmp_path / "demo copy.json")
    assert window.save()  # never saved: asks where
    assert window.project.path == (tmp_path / "demo copy.json").resolve()
    window.window_actions.new.trigger()
    assert window.project.graph.nodes == [] and window.project.path is None
    assert "not saved" in window.windowTitle()
    fake_dialogs.answers["open_path"] = str(tmp_path / "demo copy.json")
    window.window_actions.open.trigger()
    assert [n.id for n in window.project.graph.nodes] == ["input", "unet", "target"]
    assert "demo copy.json" in window.windowTitle()


def test_typing_in_the_palette_search_never_edits_the_canvas(main_window, qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    window = show(main_window, qtbot)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.open_template(DEMO_PROJECT)
    window.editor.select_all()
    search = window.palette.search
    search.setFocus()
    QTest.keyClicks(search, "conf")
    for key in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete, Qt.Key.Key_Left):
        QTest.keyClick(search, key)
    QTest.keyClick(search, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(search, Qt.Key.Key_Delete)
    assert search.text() == "" and len(window.project.graph.nodes) == 3
    assert window.undo_stack.count() == 0


def test_save_as_of_a_new_project_starts_in_the_hub_workspace(main_window, fake_dialogs,
                                                              studio_settings, tmp_path):
    window = main_window
    window.open_template(DEMO_PROJECT)
    fake_dialogs.answers["save_path"] = None  # cancelled: only the suggestion matters
    window.save()
    assert fake_dialogs.named("save_path")[-1][0] == Path.home() / "Nuclei demo.json"
    (tmp_path / "models").mkdir()
    studio_settings.setValue("hub/workspace", str(tmp_path / "models"))
    window.save()
    assert fake_dialogs.named("save_path")[-1][0] == tmp_path / "models" / "Nuclei demo.json"
