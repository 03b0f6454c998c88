"""The canvas's actions with their shortcuts, shared by menus, toolbar and context menu.

One QAction per operation, so the menu entry, the toolbar button, the context
menu and the keyboard shortcut are the same object and are enabled together.
They are added to the view as well, so the shortcuts work for a bare editor
(tests, other windows) and not only inside the main window. The actions know
the editor only as an ``ActionTarget``: its edit operations and its view.
"""
from __future__ import annotations

from typing import Callable, Protocol

from PySide6.QtCore import QObject, SignalInstance
from PySide6.QtGui import QAction, QKeySequence

from .icons import icon
from .view import CanvasView

Keys = QKeySequence.StandardKey


class ActionTarget(Protocol):
    """What the actions trigger and watch (the editor, editor.py)."""

    view: CanvasView
    snap_to_grid: bool
    selection_changed: SignalInstance

    def delete_selection(self, text: str = "") -> None: ...
    def cut(self) -> None: ...
    def copy(self) -> bool: ...
    def paste(self) -> list[str]: ...
    def duplicate(self) -> list[str]: ...
    def select_all(self) -> None: ...
    def group_selection(self, title: str | None = None) -> str | None: ...
    def ungroup_selection(self) -> None: ...
    def auto_layout(self) -> None: ...
    def selected_node_ids(self) -> list[str]: ...
    def has_selection(self) -> bool: ...
    def has_frames(self) -> bool: ...
    def expand_selection(self) -> list[str]: ...
    def can_expand(self) -> bool: ...


class EditorActions(QObject):
    """Edit and view actions of one canvas editor."""

    def __init__(self, editor: ActionTarget, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        view = editor.view
        self.delete = self._make("Delete", editor.delete_selection,
                                 [QKeySequence(Keys.Delete), QKeySequence("Backspace")],
                                 "Delete the selected nodes, wires and groups", "delete")
        self.cut = self._make("Cut", editor.cut, [QKeySequence(Keys.Cut)],
                              "Copy the selected nodes and delete them")
        self.copy = self._make("Copy", editor.copy, [QKeySequence(Keys.Copy)],
                               "Copy the selected nodes and the wires between them")
        self.paste = self._make("Paste", editor.paste, [QKeySequence(Keys.Paste)],
                                "Paste nodes copied in this or another window")
        self.duplicate = self._make("Duplicate", editor.duplicate, [QKeySequence("Ctrl+D")],
                                    "Copy and paste the selection in one go")
        self.select_all = self._make("Select All", editor.select_all,
                                     [QKeySequence(Keys.SelectAll)], "Select every node")
        self.group = self._make("Group", editor.group_selection, [QKeySequence("Ctrl+G")],
                                "Put the selected nodes in a titled frame", "group")
        self.ungroup = self._make("Ungroup", editor.ungroup_selection,
                                  [QKeySequence("Ctrl+Shift+G")],
                                  "Remove the selected frame (its nodes stay)")
        self.auto_layout = self._make("Auto Layout", editor.auto_layout, [QKeySequence("Ctrl+L")],
                                      "Arrange the graph in layers, left to right", "layout")
        self.expand = self._make("Expand to Components", editor.expand_selection, [],
                                 "Replace the selected UNet node by the Convolution, Pooling, "
                                 "Upsample and Merge nodes it is made of (one undo step)")
        self.fit = self._make("Fit Graph", view.fit_to_graph, [QKeySequence("F")],
                              "Zoom to show every node", "fit")
        self.zoom_in = self._make("Zoom In", view.zoom_in,
                                  [QKeySequence(Keys.ZoomIn), QKeySequence("Ctrl+=")],
                                  "Zoom in", "zoom_in")
        self.zoom_out = self._make("Zoom Out", view.zoom_out, [QKeySequence(Keys.ZoomOut)],
                                   "Zoom out", "zoom_out")
        self.reset_zoom = self._make("Actual Size", view.reset_zoom, [QKeySequence("Ctrl+0")],
                                     "Zoom to 100 %")
        self.snap = self._make("Snap to Grid", self._set_snap, [],
                               "Keep node positions on the grid while moving")
        self.snap.setCheckable(True)
        self.minimap = self._make("Overview", view.minimap.set_enabled, [],
                                  "Show an overview of large graphs in the corner")
        self.minimap.setCheckable(True)
        self.minimap.setChecked(True)
        view.addActions(self.all())
        editor.selection_changed.connect(self.update_enabled)
        self.update_enabled()

    def _make(self, text: str, slot: Callable, keys: list[QKeySequence], tip: str,
              icon_name: str = "") -> QAction:
        action = QAction(text, self)
        if icon_name:
            action.setIcon(icon(icon_name))
        action.setShortcuts(keys)
        shortcut = f" ({keys[0].toString(QKeySequence.SequenceFormat.NativeText)})" if keys else ""
        action.setToolTip(f"{tip}{shortcut}")
        action.setStatusTip(tip)
        action.triggered.connect(lambda checked=False: slot(checked) if action.isCheckable()
                                 else slot())
        return action

    def _set_snap(self, on: bool) -> None:
        self.editor.snap_to_grid = bool(on)

    def all(self) -> list[QAction]:
        return [self.delete, self.cut, self.copy, self.paste, self.duplicate, self.select_all,
                self.group, self.ungroup, self.expand, self.auto_layout, self.fit, self.zoom_in,
                self.zoom_out, self.reset_zoom, self.snap, self.minimap]

    def update_enabled(self, *args: object) -> None:
        has_nodes = bool(self.editor.selected_node_ids())
        for action in (self.cut, self.copy, self.duplicate, self.group):
            action.setEnabled(has_nodes)
        self.delete.setEnabled(self.editor.has_selection())
        self.ungroup.setEnabled(self.editor.has_frames())
        self.expand.setEnabled(self.editor.can_expand())
