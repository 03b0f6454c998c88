"""What the hub's buttons do: New, Open, Duplicate, Rename, Delete, Import, Compare.

Each action asks what it needs (a name, a file), calls the Qt-free file operation
(app/hub/files.py), lists the workspace again with the result selected and says what
happened in the message bar; Delete and Rename offer Undo there. A HubError is
shown as the error it is, naming the file or name; nothing is half done.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Protocol, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QWidget

from app import dialogs
from app.hub import files
from app.hub.templates import RECOMMENDED, recommended_project, template, template_project
from app.hub.workspace import Listing, ModelEntry, read_model
from app.stats.compare_view import CompareView

from . import hub_dialogs
from .hub_details import home_text
from .hub_pages import MessageBar
from .hub_tree import ModelTree

T = TypeVar("T")
DEFAULT_NAMES = {"empty": "New model", RECOMMENDED: "Recommended model"}


class ActionsHost(Protocol):
    """What the actions need of the hub's window (app/panels/hub.py)."""

    workspace: Path | None
    listing: Listing
    tree: ModelTree
    message: MessageBar

    def refresh(self, select: Path | None = None) -> None: ...
    def open_model(self, path: str | Path) -> bool: ...
    def showing(self, path: Path) -> object | None: ...


class HubActions(QObject):
    """The hub's actions on the workspace; ``hub`` is the window they belong to."""

    def __init__(self, hub: ActionsHost) -> None:
        super().__init__(hub)
        self.hub = hub
        self.comparisons: list[QWidget] = []  # the Compare runs windows opened

    @property
    def workspace(self) -> Path:
        folder = self.hub.workspace
        assert folder is not None, "actions are offered once a workspace is chosen"
        return folder

    def _do(self, title: str, work: Callable[[], T]) -> T | None:
        try:
            return work()
        except files.HubError as error:
            dialogs.show_error(self.hub, title, str(error))
            return None

    def _done(self, path: Path, text: str, undo: Callable[[], None] | None = None) -> None:
        """List the workspace again with ``path`` chosen, and say what was done."""
        self.hub.refresh(select=path)
        self.hub.message.say(text, undo=undo)

    def _chosen(self) -> ModelEntry | None:
        return self.hub.tree.chosen_model()

    def _refuse_open(self, entry: ModelEntry, doing: str) -> bool:
        """A model shown in a window is not renamed or deleted under it."""
        if self.hub.showing(entry.path) is None:
            return False
        dialogs.show_error(self.hub, f"Cannot {doing} '{entry.name}'",
                           f"'{entry.name}' is open in a window. Close that window first, "
                           f"then {doing} it here.")
        return True

    # --- new ---------------------------------------------------------------------------
    def new_model(self, key: str) -> Path | None:
        """A model from a template (asks its name), made in the workspace and opened."""
        choice = template(key)
        wanted = files.unique_name(self.workspace, DEFAULT_NAMES.get(key, choice.title))
        name = dialogs.ask_text(self.hub, "New model", f"Name of the new model ({choice.title}):",
                                wanted)
        if not name:
            return None
        project = template_project(choice)
        if key == RECOMMENDED:
            project = self._recommended(project, name)
            if project is None:
                return None
        path = self._do("Cannot make the model",
                        lambda: files.create_model(self.workspace, name, project))
        if path is not None:
            self._done(path, f"Made '{name}' in {home_text(path.parent)}.")
            self.hub.open_model(path)
        return path

    def _recommended(self, project, name: str):
        """The Data Wizard on the new model's project, then the recommendation for the data
        chosen; None if cancelled. The wizard writes paths relative to the workspace (the
        model's folder is made only at the end); create_model rewrites them for it."""
        stem = files.file_stem(name)
        if files.taken(self.workspace, stem):
            dialogs.show_error(self.hub, "Cannot make the model",
                               f"A model named '{stem}' is already in {self.workspace}: "
                               "choose another name.")
            return None
        project.name = name
        project.path = self.workspace / f"{stem}.json"
        dataset = hub_dialogs.choose_data(self.hub, project)
        if dataset is None:
            return None
        recommendation = hub_dialogs.recommend_model(self.hub, dataset)
        if recommendation is None:
            return None
        return recommended_project(project, recommendation)

    # --- one model ---------------------------------------------------------------------
    def open_chosen(self) -> bool:
        entry = self._chosen()
        if entry is None or not entry.readable:
            return False
        return self.hub.open_model(entry.path)

    def duplicate(self) -> Path | None:
        entry = self._chosen()
        if entry is None:
            return None
        path = self._do("Cannot duplicate the model",
                        lambda: files.duplicate_model(self.workspace, entry))
        if path is not None:
            self._done(path, f"Duplicated '{entry.name}' as '{read_model(path).name}' (its "
                             "runs stay with the original).")
        return path

    def rename(self) -> Path | None:
        entry = self._chosen()
        if entry is None or self._refuse_open(entry, "rename"):
            return None
        name = dialogs.ask_text(self.hub, "Rename model", "New name:", entry.name)
        if not name or name == entry.name:
            return None
        path = self._do("Cannot rename the model",
                        lambda: files.rename_model(self.workspace, entry, name))
        if path is not None:
            old = entry.name
            self._done(path, f"Renamed '{old}' to '{name}'.",
                       undo=lambda: self._rename_back(path, old))
        return path

    def _rename_back(self, path: Path, old: str) -> None:
        self.hub.refresh()
        entry = self.hub.listing.find(path)
        if entry is None:
            return
        back = self._do("Cannot undo the rename",
                        lambda: files.rename_model(self.workspace, entry, old))
        if back is not None:
            self._done(back, f"'{entry.name}' is '{old}' again.")

    def delete(self) -> files.Trashed | None:
        entry = self._chosen()
        if entry is None or self._refuse_open(entry, "delete"):
            return None
        trashed = self._do("Cannot delete the model",
                           lambda: files.delete_model(self.workspace, entry))
        if trashed is not None:
            self.hub.refresh()
            runs = f" and its {len(entry.runs)} runs" if entry.runs else ""
            self.hub.message.say(f"Deleted '{entry.name}'{runs}: moved to the .trash folder of "
                                 "the workspace.", undo=lambda: self._restore(trashed))
        return trashed

    def _restore(self, trashed: files.Trashed) -> None:
        path = self._do("Cannot restore the model", lambda: files.restore(trashed))
        if path is not None:
            self._done(path, f"'{trashed.name}' is back.")

    # --- the workspace -----------------------------------------------------------------
    def import_file(self) -> Path | None:
        source = hub_dialogs.import_path(self.hub, Path.home())
        if source is None:
            return None
        path = self._do("Cannot import the project",
                        lambda: files.import_project(self.workspace, source))
        if path is not None:
            self._done(path, f"Imported {home_text(source)} as '{read_model(path).name}'; its "
                             "data paths were rewritten to find the same data from the new "
                             "folder.")
        return path

    def compare(self):
        """The selected runs' curves overlaid, with what differs between their projects."""
        runs = self.hub.tree.selected_runs()
        if len(runs) < 2:
            return None
        view = CompareView()
        view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        view.setWindowTitle(f"Compare {len(runs)} runs — U-Net Studio")
        view.set_runs(runs)
        view.resize(1280, 720)
        view.show()
        # a window of its own, not the hub's child: closing the hub must not delete the
        # plots under Python's feet (pyqtgraph items then crashed in their destructors)
        self.comparisons = [w for w in self.comparisons if shiboken6.isValid(w)] + [view]
        return view

    def close_comparisons(self) -> None:
        """The hub closes: so do the comparison windows it opened."""
        for view in self.comparisons:
            if shiboken6.isValid(view):
                view.close()
        self.comparisons = []
