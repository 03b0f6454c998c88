"""The main window: canvas in the centre, palette left, properties right, tabs below.

The window shows one project through its ProjectController (app/controller.py),
which owns the Project, the QUndoStack and the live analysis; the panels talk to
the controller. Everything that changes the project goes through the stack, so
"unsaved changes" is simply "the stack is not clean" (``isWindowModified`` and
the title's ``*`` follow it), and the autosave writes only then. Opening a file
replaces the project's content in place (same Project and GraphDocument
objects), so every listener stays attached; a file that cannot be read leaves
the current project untouched. The window itself keeps the files, the dialogs
and the layout of the docks.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QUndoStack
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QToolButton

from app import dialogs, menus, recommend_flow, window_layout
from app.about import APP_NAME, about_text
from app.controller import ProjectController
from app.data.relocate import relocate
from app.panels import hub
from app.panels.export_dialog import install_export
from app.project import Project, load_project, save_project
from app.recent_files import RecentFiles
from app.recovery import (AUTOSAVE_MS, Autosaver, RecoveryStore, default_folder, load_recovery,
                          remove_recovery)
from app.run_panels import install_run_panels
from canvas.editor import CanvasEditor
from components.errors import ProjectFileError, StudioError


_open_windows: list["MainWindow"] = []  # windows opened with File > New Window


def default_settings() -> QSettings:
    return QSettings(APP_NAME, APP_NAME)


class MainWindow(QMainWindow):
    """One project, its undo stack, the canvas and the docks around it."""

    def __init__(self, project: Project | None = None, settings: QSettings | None = None,
                 recovery_dir: Path | None = None, autosave_ms: int = AUTOSAVE_MS,
                 previews: bool = True) -> None:
        super().__init__()
        self.settings = settings if settings is not None else default_settings()
        self.recovery_dir = Path(recovery_dir) if recovery_dir else default_folder()
        self.controller = ProjectController(project, self, previews=previews)
        self.editor = CanvasEditor(self.project.graph, self.undo_stack, self.controller.live, self)
        self.recent = RecentFiles(self.settings)
        self.recovery = RecoveryStore(self.recovery_dir)
        self.autosaver = Autosaver(self.recovery, lambda: self.project, self.is_dirty, self,
                                   autosave_ms)
        self.parts = parts = window_layout.build(self, self.controller, self.editor)
        self.centre, self.code_view, self.palette = parts.centre, parts.code_view, parts.palette
        self.details, self.history, self.problems = parts.details, parts.history, parts.problems
        self.bottom_tabs = parts.bottom_tabs
        self.palette_dock, self.details_dock = parts.palette_dock, parts.details_dock
        self.history_dock, self.bottom_dock = parts.history_dock, parts.bottom_dock
        self.training, self.training_dock = parts.training, parts.training_dock
        self.window_actions = menus.WindowActions(self, self)
        bars = menus.install(self, self.window_actions, self.editor.actions)
        install_export(self, self.controller)  # File > Export Model...
        self.toolbar, self.panels_menu = bars.toolbar, bars.panels_menu
        self.run_panels = install_run_panels(self, self.controller)  # Run menu, Statistics, Test
        for dock in parts.docks:
            self.panels_menu.addAction(dock.toggleViewAction())
        self._build_status_bar()
        self._connect()
        self.resize(1440, 900)
        self._restore_layout()
        self.update_title()
        self.problems.show_analysis(self.controller.analysis)
        self._fit_on_show = True

    @property
    def project(self) -> Project:
        return self.controller.project

    @property
    def undo_stack(self) -> QUndoStack:
        return self.controller.undo_stack

    # --- assembly ------------------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.problems_button = QToolButton()
        self.problems_button.setAutoRaise(True)
        self.problems_button.clicked.connect(self._show_problems)
        self.counts_label = QLabel()
        self.zoom_label = QLabel()
        for widget in (self.problems_button, self.counts_label, self.zoom_label):
            bar.addPermanentWidget(widget)

    def _connect(self) -> None:
        editor = self.editor
        self.undo_stack.cleanChanged.connect(self.update_title)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self.undo_stack.indexChanged.connect(self._update_counts)
        editor.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        editor.selection_changed.connect(
            lambda ids: self.controller.set_selection(ids, editor.selected_frame_ids()))
        self.controller.analysis_changed.connect(self.problems.show_analysis)
        editor.rename_frame_requested.connect(self.rename_frame)
        editor.node_activated.connect(lambda _: (self.details_dock.show(),
                                                 self.details_dock.raise_()))
        editor.view.zoom_changed.connect(self._update_zoom)
        self.palette.component_activated.connect(lambda name: editor.add_component(name))
        self.problems.node_requested.connect(self.focus_node)
        self.problems.count_changed.connect(self._update_problem_count)
        window_layout.connect_views(self.parts, self.controller, editor)
        self.controller.samples.changed.connect(self._update_model_actions)
        self._update_model_actions()
        self._update_zoom(editor.view.zoom)
        self._update_counts()

    def _restore_layout(self) -> None:
        geometry, state = self.settings.value("window/geometry"), self.settings.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)
        self.editor.actions.snap.setChecked(self.settings.value("canvas/snap", False, type=bool))
        self.editor.snap_to_grid = self.editor.actions.snap.isChecked()

    # --- title, dirty marker, status -------------------------------------------------------
    def is_dirty(self) -> bool:
        return self.controller.is_dirty()

    def update_title(self, *args: object) -> None:
        where = self.project.path.name if self.project.path else "not saved"
        self.setWindowTitle(f"{self.project.name} — {where}[*] — {APP_NAME}")
        self.setWindowModified(self.is_dirty())

    def _on_clean_changed(self, clean: bool) -> None:
        if clean:
            self.recovery.discard()

    def _update_counts(self, *args: object) -> None:
        doc = self.project.graph
        self.counts_label.setText(f"{len(doc.nodes)} nodes · {len(doc.edges)} wires")

    def _update_zoom(self, zoom: float) -> None:
        self.zoom_label.setText(f"{zoom * 100:.0f} %")

    def _update_problem_count(self, problems: int, warnings: int) -> None:
        text = (f"{problems} problem{'s' if problems != 1 else ''}" if problems
                else "Graph OK")
        if warnings:
            text += f", {warnings} note{'s' if warnings != 1 else ''}"
        self.problems_button.setText(text)
        color = "#d92626" if problems else "#16a34a"
        self.problems_button.setStyleSheet(f"color: {color}; font-weight: 600;")
        self._update_counts()

    def _show_problems(self) -> None:
        self.bottom_dock.show()
        self.bottom_tabs.setCurrentWidget(self.problems)

    def focus_node(self, node_id: str) -> None:
        """Select and show a node (from the Problems tab), zoomed in far enough to read it."""
        self.editor.focus_node(node_id)

    # --- files ---------------------------------------------------------------------------------
    def adopt(self, project: Project) -> None:
        """Show ``project`` in this window: same objects, new content, a clean history."""
        self.controller.adopt(project)
        self.update_title()
        self._update_counts()
        if self.isVisible():
            self.editor.view.fit_to_graph()
        else:
            self._fit_on_show = True

    def maybe_save(self) -> bool:
        """True when the current project may be replaced (saved, discarded or clean)."""
        if not self.is_dirty():
            return True
        answer = dialogs.ask_save_changes(self, self.project.name)
        if answer == "save":
            return self.save()
        return answer == "discard"

    def new_project(self) -> None:
        if self.maybe_save():
            self.adopt(Project())

    def open_dialog(self) -> None:
        folder = self.project.folder if self.project.path else Path.home()
        path = dialogs.open_path(self, folder)
        if path:
            self.open_path(path)

    def open_path(self, path: str | Path, ask: bool = True) -> bool:
        """Open a project file; on failure say which file and why, and change nothing."""
        if ask and not self.maybe_save():
            return False
        try:
            project = load_project(path)
        except ProjectFileError as error:
            dialogs.show_error(self, "Cannot open project",
                               f"The file {error.path} cannot be opened.",
                               "\n".join(error.problems))
            if not Path(path).is_file():
                self.recent.remove(path)
            return False
        self.adopt(project)
        self.recent.add(project.path)
        invalid = [f"{n.id}.{name}" for n in project.graph.nodes for name in n.invalid]
        if invalid:  # it opened so that it can be fixed: say what to fix, and where
            self._show_problems()
            self.statusBar().showMessage(
                f"Opened {project.path}: {len(invalid)} setting{'s' if len(invalid) != 1 else ''}"
                f" not allowed ({', '.join(invalid)}); the Problems tab says why", 15000)
        else:
            self.statusBar().showMessage(f"Opened {project.path}", 5000)
        return True

    def open_template(self, path: str | Path) -> bool:
        """Open a bundled template as a new, unsaved project (Save asks where)."""
        if not self.maybe_save():
            return False
        try:
            project = load_project(path)
        except ProjectFileError as error:
            dialogs.show_error(self, "Cannot open template", str(error))
            return False
        project.path = None
        self.adopt(project)
        return True

    def save(self) -> bool:
        if self.project.path is None:
            return self.save_as()
        return self._write(self.project.path)

    def save_as(self) -> bool:
        name = f"{self.project.name or 'project'}.json"
        suggested = self.project.path or self._new_home() / name
        path = dialogs.save_path(self, suggested)
        if not path:
            return False
        unsaved_runs = self.run_panels.runs_base() if self.project.path is None else None
        unnamed = self.project.name == Project().name
        if unnamed:  # 'Untitled — cells.json' in the title reads wrong: name it after the file
            self.project.name = Path(path).stem
        data, folder = self.project.data, self.project.folder
        # Relative data paths start at the project file: saved into another folder, they
        # must be rewritten to reach the same images (app/data/relocate.py).
        self.project.data = relocate(data, folder, Path(path).resolve().parent)
        if self._write(Path(path)):
            if unsaved_runs is not None:  # its runs follow it (app/run_adoption.py)
                said = self.run_panels.adopt_runs(unsaved_runs)
                if said:
                    self.statusBar().showMessage(said, 15000)
            return True
        self.project.data = data
        if unnamed:
            self.project.name = Project().name
        return False

    def _new_home(self) -> Path:
        """Where a project saved for the first time goes: the hub's workspace, once chosen
        (so the model shows in the hub), else the home folder."""
        workspace = self.settings.value(hub.SETTING)
        return Path(workspace) if workspace and Path(workspace).is_dir() else Path.home()

    def _write(self, path: Path) -> bool:
        try:
            save_project(self.project, path)
        except OSError as error:
            dialogs.show_error(self, "Cannot save project", f"The file {path} cannot be written.",
                               error.strerror or str(error))
            return False
        self.undo_stack.setClean()
        self.recent.add(self.project.path)
        self.update_title()
        self.statusBar().showMessage(f"Saved {self.project.path}", 5000)
        return True

    def offer_recovery(self) -> bool:
        """After a crash: offer each orphaned recovery file; True if one was restored."""
        for entry in self.recovery.orphans():
            if not dialogs.ask_restore(self, entry.describe()):
                remove_recovery(entry)
                continue
            try:
                project = load_recovery(entry)
            except ProjectFileError as error:
                dialogs.show_error(self, "Cannot restore", str(error))
                continue
            self.adopt(project)
            self.undo_stack.resetClean()  # restored work is not saved anywhere yet
            self.update_title()
            remove_recovery(entry)
            self.autosaver.save_now()
            return True
        return False

    # --- other actions -----------------------------------------------------------------------
    def rename_frame(self, frame_id: str) -> None:
        try:
            current = self.project.graph.frame(frame_id).title
        except StudioError:
            return
        title = dialogs.ask_text(self, "Rename group", "Title:", current)
        if title:
            self.editor.rename_frame(frame_id, title)

    def open_data_wizard(self) -> None:
        try:
            from app.panels.data_wizard import DataWizard
        except Exception as error:  # noqa: BLE001 - any import failure: say so, keep running
            dialogs.show_error(self, "Data Wizard unavailable",
                               "The data wizard could not be loaded, so the data settings "
                               "cannot be edited here yet. The project is not affected.",
                               f"{type(error).__name__}: {error}")
            return
        DataWizard(self.project, self.undo_stack, self).exec()

    def open_recommend(self) -> bool:
        """Model > Recommend (app/recommend_flow.py); True if the proposal was applied."""
        return recommend_flow.recommend(self, self.controller, self.editor)

    def _update_model_actions(self) -> None:
        samples = self.controller.samples
        action = self.window_actions.recommend
        action.setEnabled(samples.has_data)
        action.setStatusTip("Plan a model from the data's sizes and classes" if samples.has_data
                            else samples.message or "Recommend needs data (Data Wizard)")

    def new_window(self) -> "MainWindow":
        window = MainWindow(settings=self.settings, recovery_dir=self.recovery_dir,
                            previews=self.controller.samples.enabled)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        _open_windows.append(window)
        window.destroyed.connect(lambda *_: _open_windows.remove(window)
                                 if window in _open_windows else None)
        window.show()
        return window

    def quit_application(self) -> bool:
        """File > Quit: close every window, this one first, each asking about its unsaved
        changes; a Cancel anywhere stops there and leaves the rest open. True if all closed."""
        others = [w for w in QApplication.topLevelWidgets()  # a closed window is hidden
                  if isinstance(w, MainWindow) and w is not self and w.isVisible()]
        for window in [self, *others]:
            if not window.close():
                return False
        return True  # the last window closed: Qt ends the application (quitOnLastWindowClosed)

    def show_hub(self) -> None:
        """File > Model Hub (app/panels/hub.py): models open from there in this window."""
        hub.show_hub(self)

    def show_shortcuts(self) -> None:
        dialogs.show_info(self, "Mouse and keyboard", menus.SHORTCUTS_TEXT)

    def show_about(self) -> None:
        dialogs.show_info(self, f"About {APP_NAME}", about_text())

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._fit_on_show:
            self._fit_on_show = False
            QTimer.singleShot(0, self.editor.view, self.editor.view.fit_to_graph)

    # --- closing -----------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if not self.run_panels.confirm_close() or not self.maybe_save():
            event.ignore()
            return
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("canvas/snap", self.editor.snap_to_grid)
        self.settings.sync()
        self.autosaver.stop()
        self.recovery.discard()
        self.run_panels.close()
        self.controller.close()
        self.editor.close()
        event.accept()

