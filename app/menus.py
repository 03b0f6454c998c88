"""The main window's menus and toolbar, built from its actions and the canvas's.

Kept apart from main_window.py so the window reads as behaviour (open, save,
recover) and this module as layout: which action sits in which menu, with
which shortcut. Canvas actions (edit, view) come from canvas.actions and are
the same objects the context menu uses. The window is known here only as the
``WindowCommands`` the actions trigger and the QMainWindow the bars go into.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar, QWidget

from app.paths import TEMPLATES
from app.recent_files import RecentFiles
from canvas.actions import EditorActions
from canvas.icons import icon

Keys = QKeySequence.StandardKey
SHORTCUTS_TEXT = """<table cellspacing=4>
<tr><td><b>Add a node</b></td><td>drag from the palette, or double-click it</td></tr>
<tr><td><b>Wire</b></td><td>drag from a port to a port; drop on empty canvas to add a
connected node; drag a wired input away to move or remove its wire</td></tr>
<tr><td><b>Select</b></td><td>click, Ctrl+click, drag a rectangle on empty canvas;
Ctrl+A all</td></tr>
<tr><td><b>Move</b></td><td>drag nodes, or a group by its title</td></tr>
<tr><td><b>Pan / zoom</b></td><td>middle button or Space+drag; wheel zooms at the cursor;
F fits the graph</td></tr>
<tr><td><b>Edit</b></td><td>Delete, Ctrl+C / Ctrl+X / Ctrl+V, Ctrl+D duplicate,
Ctrl+G group, Ctrl+L auto layout, Ctrl+Z / Ctrl+Shift+Z undo and redo</td></tr>
<tr><td><b>Windows</b></td><td>Ctrl+Shift+N a new window, Ctrl+W close this one,
Ctrl+Q quit (each window with unsaved changes asks first)</td></tr>
</table>"""


class WindowCommands(Protocol):
    """What the File, Data and Help actions trigger (the main window, main_window.py)."""

    undo_stack: QUndoStack
    recent: RecentFiles

    def new_project(self) -> None: ...
    def open_dialog(self) -> None: ...
    def open_path(self, path: str | Path, ask: bool = True) -> bool: ...
    def open_template(self, path: str | Path) -> bool: ...
    def save(self) -> bool: ...
    def save_as(self) -> bool: ...
    def new_window(self) -> object: ...
    def close(self) -> bool: ...
    def quit_application(self) -> bool: ...
    def open_data_wizard(self) -> None: ...
    def open_recommend(self) -> bool: ...
    def show_hub(self) -> None: ...
    def show_shortcuts(self) -> None: ...
    def show_about(self) -> None: ...


@dataclass
class Bars:
    """What ``install`` made that the window keeps: the toolbar and the Panels menu."""

    toolbar: QToolBar
    panels_menu: QMenu


class WindowActions(QObject):
    """File, data and help actions of one main window."""

    def __init__(self, window: WindowCommands, parent: QWidget) -> None:
        super().__init__(parent)
        self.window = window
        self.new = self._make("New", window.new_project, Keys.New, "Start an empty project", "new")
        self.open = self._make("Open…", window.open_dialog, Keys.Open, "Open a project file",
                               "open")
        self.hub = self._make("Model Hub…", window.show_hub, "Ctrl+Shift+H", "The models of "
                              "your workspace: open, new, rename, delete, import, compare runs")
        self.save = self._make("Save", window.save, Keys.Save, "Save the project", "save")
        self.save_as = self._make("Save As…", window.save_as, Keys.SaveAs,
                                  "Save the project under a new name")
        self.new_window = self._make("New Window", window.new_window, "Ctrl+Shift+N",
                                     "Open a second window (copy and paste work between them)")
        self.close = self._make("Close Window", window.close, "Ctrl+W",
                                "Close this window (asks about unsaved changes)")
        self.quit = self._make("Quit", window.quit_application, Keys.Quit,
                               "Quit U-Net Studio: close every window, asking about each "
                               "one with unsaved changes")
        self.undo = window.undo_stack.createUndoAction(self, "Undo")
        self.undo.setShortcuts(QKeySequence.keyBindings(Keys.Undo))
        self.undo.setIcon(icon("undo"))
        self.redo = window.undo_stack.createRedoAction(self, "Redo")
        self.redo.setShortcuts(QKeySequence.keyBindings(Keys.Redo))
        self.redo.setIcon(icon("redo"))
        self.data_wizard = self._make("Data Wizard…", window.open_data_wizard, None,
                                      "Choose images and masks for training", "data")
        self.recommend = self._make("Recommend…", window.open_recommend, None,
                                    "Plan Input -> U-Net -> Target from the data's sizes and "
                                    "classes (nnU-Net's rules); shows why before applying")
        self.shortcuts = self._make("Mouse and Keyboard", window.show_shortcuts, Keys.HelpContents,
                                    "How to edit the graph with the mouse and keyboard")
        self.about = self._make("About U-Net Studio", window.show_about, None, "Version and "
                                "licence")
        self.recent_menu = QMenu("Open Recent", parent)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.templates_menu = QMenu("New from Template", parent)
        for path in sorted(TEMPLATES.glob("*.json")):
            self.templates_menu.addAction(template_title(path),
                                          lambda p=path: window.open_template(p))

    def _make(self, text: str, slot: Callable[[], object], keys, tip: str,
              icon_name: str = "") -> QAction:
        action = QAction(text, self)
        if keys is not None:
            action.setShortcut(QKeySequence(keys))
        if icon_name:
            action.setIcon(icon(icon_name))
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(lambda checked=False: slot())
        return action

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        paths = self.window.recent.paths()
        names = [Path(p).name for p in paths]
        for path, name in zip(paths, names):
            if names.count(name) > 1:  # two 'project.json's: say which folder each is in
                name = f"{name} — {Path(path).parent}"
            action = self.recent_menu.addAction(name, lambda p=path: self.window.open_path(p))
            action.setStatusTip(path)
        if not paths:
            self.recent_menu.addAction("No recent projects").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear List", self.window.recent.clear)


def template_title(path: Path) -> str:
    """The menu entry of a template: the project name it holds ("U-Net built from
    scratch"), so the words are the template's own, not a file name made into a title."""
    try:
        name = json.loads(path.read_text(encoding="utf-8")).get("name")
    except (OSError, ValueError, AttributeError):
        name = None
    return name if isinstance(name, str) and name.strip() else path.stem.replace("_", " ")


def install(window: QMainWindow, acts: WindowActions, edit: EditorActions) -> Bars:
    """Fill the window's menu bar and toolbar from the window's and the canvas's actions."""
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addActions([acts.new])
    file_menu.addMenu(acts.templates_menu)
    file_menu.addAction(acts.open)
    file_menu.addMenu(acts.recent_menu)
    file_menu.addAction(acts.hub)
    file_menu.addSeparator()
    file_menu.addActions([acts.save, acts.save_as])
    file_menu.addSeparator()
    file_menu.addActions([acts.new_window, acts.close, acts.quit])
    edit_menu = bar.addMenu("&Edit")
    edit_menu.addActions([acts.undo, acts.redo])
    edit_menu.addSeparator()
    edit_menu.addActions([edit.cut, edit.copy, edit.paste, edit.duplicate, edit.delete])
    edit_menu.addSeparator()
    edit_menu.addActions([edit.select_all])
    edit_menu.addSeparator()
    edit_menu.addActions([edit.group, edit.ungroup, edit.expand, edit.auto_layout])
    view_menu = bar.addMenu("&View")
    view_menu.addActions([edit.fit, edit.zoom_in, edit.zoom_out, edit.reset_zoom])
    view_menu.addSeparator()
    view_menu.addActions([edit.snap, edit.minimap])
    view_menu.addSeparator()
    panels = view_menu.addMenu("Panels")
    data_menu = bar.addMenu("&Data")
    data_menu.addAction(acts.data_wizard)
    model_menu = bar.addMenu("&Model")
    model_menu.addAction(acts.recommend)
    help_menu = bar.addMenu("&Help")
    help_menu.addActions([acts.shortcuts, acts.about])
    toolbar = window.addToolBar("Main")
    toolbar.setObjectName("mainToolbar")
    toolbar.setMovable(False)
    toolbar.addActions([acts.new, acts.open, acts.save])
    toolbar.addSeparator()
    toolbar.addActions([acts.undo, acts.redo, edit.delete])
    toolbar.addSeparator()
    toolbar.addActions([edit.group, edit.auto_layout])
    toolbar.addSeparator()
    toolbar.addActions([edit.fit, edit.zoom_out, edit.zoom_in])
    toolbar.addSeparator()
    toolbar.addAction(acts.data_wizard)
    return Bars(toolbar, panels)
