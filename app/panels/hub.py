"""The Model hub (File > Model Hub, and the start page of ``python main.py``): the
models of a workspace folder, their runs, and what can be done with them.

The workspace is asked for once and kept in the window's QSettings ("hub/workspace").
The listing and every file operation are Qt-free (app/hub/); this window shows them
and the actions (app/panels/hub_actions.py) ask for names and report errors.

Opening a model: a window already showing it comes to the front; otherwise the
window the hub was opened from shows it (asking about its unsaved changes, as File >
Open does); at start-up the window made for the first model does; when neither is
there, a new window. The hub then steps back (it hides), and File > Model Hub brings it
again. The hub knows the main window only as a ``HubHost``.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Protocol

import shiboken6
from PySide6.QtCore import QEvent, QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QApplication, QComboBox, QHBoxLayout, QLabel, QLineEdit, QMenu,
                               QPushButton, QSizePolicy, QSplitter, QStackedWidget, QToolButton,
                               QVBoxLayout, QWidget)

from app import dialogs
from app.hub import workspace as ws
from app.hub.templates import CHOICES
from app.paths import DEMO_PROJECT
from app.project import Project

from . import hub_dialogs
from .hub_actions import HubActions
from .hub_details import ModelDetails, home_text
from .hub_pages import MessageBar, WelcomePage
from .hub_tree import ModelTree

SETTING = "hub/workspace"
SORT_SETTING = "hub/sort"
SORT_TITLES = {"modified": "Last modified", "name": "Name", "best": "Best val IoU"}
EMPTY = ("No models in this workspace yet. New makes one from a template (or the model "
         "recommended for your data); Import… copies a project file in. A project open in "
         "a window but never saved (the demo, at the start) is not here until File > Save "
         "As… puts it in this folder, with the runs it trained so far.")
REFRESH_ON_ACTIVATE_S = 2.0


class HubHost(Protocol):
    """What the hub needs of a main window (app/main_window.py)."""

    settings: QSettings
    project: Project

    def open_path(self, path: str | Path, ask: bool = True) -> bool: ...
    def open_template(self, path: str | Path) -> bool: ...
    def new_window(self) -> "HubHost": ...
    def isVisible(self) -> bool: ...  # noqa: N802 - Qt's names
    def show(self) -> None: ...
    def raise_(self) -> None: ...
    def activateWindow(self) -> None: ...  # noqa: N802


class HubWindow(QWidget):
    """The models of the workspace; see the module docstring."""

    def __init__(self, host: HubHost, start: bool = False) -> None:
        super().__init__(None, Qt.WindowType.Window)
        self.setWindowTitle("Model Hub — U-Net Studio")
        self.setObjectName("modelHub")
        self.host, self.settings = host, host.settings
        self._start_window: HubHost | None = host if start else None
        self.listing = ws.Listing(Path())
        self._refreshed = 0.0
        self._workspace_said = False  # the message bar says what is wrong with the folder
        self.tree = ModelTree()
        self.details = ModelDetails(self.tree.picture)
        self.message = MessageBar()
        self.welcome = WelcomePage()
        self.actions = HubActions(self)
        self._build()
        self._connect()
        self.resize(1180, 760)
        self.show_workspace()

    # --- layout ----------------------------------------------------------------------
    def _build(self) -> None:
        self.workspace_label = QLabel()
        self.workspace_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.change_button = QPushButton("Change…")
        self.change_button.setToolTip("Show the models of another workspace folder")
        self.demo_button = QPushButton("Open the demo")
        self.demo_button.setToolTip("The bundled nuclei demo project, unsaved (Save puts it "
                                    "where you choose)")
        top = QHBoxLayout()
        top.addWidget(QLabel("Workspace:"))
        top.addWidget(self.workspace_label, 1)
        top.addWidget(self.change_button)
        top.addSpacing(12)
        top.addWidget(self.demo_button)
        self.new_button = QToolButton()
        self.new_button.setText("New")
        self.new_button.setToolTip("A new model from a template, empty, or recommended for "
                                   "your data")
        self.new_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.new_menu = QMenu(self.new_button)
        for choice in CHOICES:
            action = self.new_menu.addAction(choice.title,
                                             lambda key=choice.key: self.actions.new_model(key))
            action.setToolTip(choice.description)
            action.setStatusTip(choice.description)
        self.new_menu.setToolTipsVisible(True)
        self.new_button.setMenu(self.new_menu)
        self.buttons = {name: QPushButton(text) for name, text in (
            ("open", "Open"), ("duplicate", "Duplicate"), ("rename", "Rename…"),
            ("delete", "Delete"), ("import", "Import…"), ("compare", "Compare runs"))}
        tips = {"open": "Open the model in the editor (double-click, Enter)",
                "duplicate": "A copy of the project file (not its runs)",
                "rename": "A new name for the model, its file and its folder (F2)",
                "delete": "Move the model and its runs to the workspace's .trash folder "
                          "(Undo brings it back)",
                "import": "Copy a project file into the workspace; its data paths are "
                          "rewritten so they still find the data",
                "compare": "Overlay the curves of the selected runs (Ctrl+click two or more) "
                           "and list what differs between their projects"}
        for name, button in self.buttons.items():
            button.setToolTip(tips[name])
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search models")
        self.search.setClearButtonEnabled(True)
        self.search.setFixedWidth(220)
        self.sort = QComboBox()
        for key, title in SORT_TITLES.items():
            self.sort.addItem(title, key)
        saved = self.settings.value(SORT_SETTING, "modified")
        self.sort.setCurrentIndex(max(0, self.sort.findData(saved)))
        bar = QHBoxLayout()
        bar.addWidget(self.new_button)
        for name in ("open", "duplicate", "rename", "delete", "import"):
            bar.addWidget(self.buttons[name])
        bar.addSpacing(12)
        bar.addWidget(self.buttons["compare"])
        bar.addStretch(1)
        bar.addWidget(self.search)
        bar.addWidget(QLabel("Sort:"))
        bar.addWidget(self.sort)
        self.empty = QLabel(EMPTY)
        self.empty.setWordWrap(True)
        self.empty.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: #6a7384; padding: 40px;")
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.empty)
        left_layout.addWidget(self.tree, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.details)
        split.setStretchFactor(0, 1)
        split.setChildrenCollapsible(False)
        models = QWidget()
        page = QVBoxLayout(models)
        page.setContentsMargins(0, 0, 0, 0)
        page.addLayout(bar)
        page.addWidget(split, 1)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.welcome)
        self.pages.addWidget(models)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(self.pages, 1)

    def _connect(self) -> None:
        acts = self.actions
        self.buttons["open"].clicked.connect(acts.open_chosen)
        self.buttons["duplicate"].clicked.connect(acts.duplicate)
        self.buttons["rename"].clicked.connect(acts.rename)
        self.buttons["delete"].clicked.connect(acts.delete)
        self.buttons["import"].clicked.connect(acts.import_file)
        self.buttons["compare"].clicked.connect(acts.compare)
        self.change_button.clicked.connect(self.choose_workspace)
        self.demo_button.clicked.connect(self.open_demo)
        self.welcome.chosen.connect(lambda text: self.use_workspace(Path(text).expanduser()))
        self.welcome.browse.connect(self.choose_workspace)
        self.welcome.demo.connect(self.open_demo)
        self.search.textChanged.connect(lambda _: self.show_listing())
        self.sort.currentIndexChanged.connect(self._sort_changed)
        self.tree.itemSelectionChanged.connect(self._selection_changed)
        self.tree.model_activated.connect(self.open_model)
        for keys, slot in ((QKeySequence.StandardKey.Find, self.search.setFocus),
                           (QKeySequence.StandardKey.Refresh, self.refresh),
                           (QKeySequence.StandardKey.Undo, self.undo),
                           ("F2", acts.rename), (QKeySequence.StandardKey.Delete, acts.delete),
                           (QKeySequence.StandardKey.Close, self.close)):  # Ctrl+W, as windows
            action = QAction(self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(lambda checked=False, s=slot: s())
            self.addAction(action)

    # --- the workspace ---------------------------------------------------------------
    @property
    def workspace(self) -> Path | None:
        value = self.settings.value(SETTING)
        return Path(value) if value else None

    def use_workspace(self, folder: Path) -> bool:
        """Remember ``folder`` as the workspace (made when it is not there) and list it."""
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            dialogs.show_error(self, "Cannot use this folder",
                               f"The folder {folder} cannot be made.",
                               error.strerror or str(error))
            return False
        self.settings.setValue(SETTING, str(folder.resolve()))
        self.settings.sync()
        self.message.clear()
        self.show_workspace()
        return True

    def choose_workspace(self) -> None:
        start = self.workspace.parent if self.workspace else Path.home()
        folder = hub_dialogs.choose_folder(self, "Choose the workspace folder", start)
        if folder is not None:
            self.use_workspace(folder)

    def show_workspace(self) -> None:
        folder = self.workspace
        self.pages.setCurrentIndex(0 if folder is None else 1)
        self.change_button.setVisible(folder is not None)
        self.demo_button.setVisible(folder is not None)  # the first-run page has its own
        self.workspace_label.setText(home_text(folder) if folder else "not chosen yet")
        if folder is not None:
            self.refresh()

    def refresh(self, select: Path | None = None) -> None:
        """Read the workspace again (after an action, F5, or when the hub comes to the
        front) and show it, with ``select`` chosen."""
        folder = self.workspace
        if folder is None:
            return
        self._refreshed = time.monotonic()
        self.listing = ws.read_workspace(folder)
        problem = self.listing.problem or (None if self.listing.writable else (
            f"The workspace folder {folder} is read-only: models can be opened, not made, "
            "renamed, deleted or imported."))
        if problem:
            self.message.say(problem, "error" if self.listing.problem else "warning")
        elif self._workspace_said:
            self.message.clear()
        self._workspace_said = bool(problem)
        self.show_listing(select)

    def show_listing(self, select: Path | None = None) -> None:
        key = self.sort.currentData()
        shown = ws.sort_models(ws.filter_models(self.listing.models, self.search.text()), key)
        self.tree.show_models(shown)
        if select is not None:
            self.tree.select_model(select)
        text = self.search.text().strip()
        shown_text = text if len(text) <= 40 else text[:39] + "…"
        self.empty.setText(f"No model's name holds '{shown_text}'."
                           if text and self.listing.models else EMPTY)
        self.empty.setVisible(not shown and not self.listing.problem)
        self.tree.setVisible(bool(shown))
        self._selection_changed()

    def _sort_changed(self) -> None:
        self.settings.setValue(SORT_SETTING, self.sort.currentData())
        self.show_listing()

    def _selection_changed(self) -> None:
        model = self.tree.chosen_model()
        runs = self.tree.selected_runs()
        can_write = self.listing.writable and not self.listing.problem
        self.buttons["open"].setEnabled(bool(model and model.readable))
        self.buttons["duplicate"].setEnabled(bool(model and model.project) and can_write)
        self.buttons["rename"].setEnabled(bool(model) and can_write)
        self.buttons["delete"].setEnabled(bool(model) and can_write)
        self.buttons["import"].setEnabled(can_write)
        self.new_button.setEnabled(can_write)
        self.buttons["compare"].setEnabled(len(runs) >= 2)
        if len(runs) >= 2:
            self.details.show_runs(len(runs))
        elif model is not None:
            self.details.show_model(model)
        else:
            self.details.show_nothing()

    # --- opening -----------------------------------------------------------------------
    def showing(self, path: Path) -> HubHost | None:
        """The visible window that shows the project file ``path``, if one does."""
        path = Path(path).resolve()
        for widget in QApplication.topLevelWidgets():
            project = getattr(widget, "project", None)
            if widget.isVisible() and isinstance(project, Project) and project.path \
                    and Path(project.path).resolve() == path:
                return widget  # type: ignore[return-value]
        return None

    def open_model(self, path: str | Path) -> bool:
        """Show the model in a main window (see the module docstring for which)."""
        entry = self.listing.find(Path(path))
        if entry is not None and not entry.readable:
            dialogs.show_error(self, f"Cannot open '{entry.name}'",
                               f"The file {entry.path} cannot be opened.", entry.error or "")
            return False
        window = self.showing(Path(path))
        if window is None:
            window, ask = self._window_for_opening()
            if not window.open_path(path, ask=ask):
                return False
        self._bring(window)
        return True

    def open_demo(self) -> bool:
        window, _ = self._window_for_opening()
        if not window.open_template(DEMO_PROJECT):
            return False
        self._bring(window)
        return True

    def _window_for_opening(self) -> tuple[HubHost, bool]:
        """(the window to open in, whether to ask about its unsaved changes)."""
        if self._start_window is not None and shiboken6.isValid(self._start_window):
            window, self._start_window = self._start_window, None
            return window, False
        if shiboken6.isValid(self.host) and self.host.isVisible():
            return self.host, True
        return self.host.new_window(), False

    def _bring(self, window: HubHost) -> None:
        window.show()
        window.raise_()
        window.activateWindow()
        self.setAttribute(Qt.WidgetAttribute.WA_QuitOnClose, False)  # a main window is up
        self.hide()

    def undo(self) -> None:
        if self.message.can_undo:
            self.message._undo()

    # --- Qt events -----------------------------------------------------------------------
    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.actions.close_comparisons()
        super().closeEvent(event)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        """Coming to the front: read the workspace again (runs may have finished), at
        most every REFRESH_ON_ACTIVATE_S."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow() \
                and time.monotonic() - self._refreshed > REFRESH_ON_ACTIVATE_S:
            self.refresh()


_hub: HubWindow | None = None


def show_hub(host: HubHost, start: bool = False) -> HubWindow:
    """Show the hub (one per application), opening models for ``host``; ``start``:
    ``host`` is the hidden window made at start-up, which the first model opens in."""
    global _hub
    if _hub is None or not shiboken6.isValid(_hub):
        _hub = HubWindow(host, start)
        _hub.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    else:
        _hub.host = host
        _hub.show_workspace()
    _hub.setAttribute(Qt.WidgetAttribute.WA_QuitOnClose, start)
    _hub.show()
    _hub.raise_()
    _hub.activateWindow()
    return _hub
