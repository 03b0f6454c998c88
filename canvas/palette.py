"""The palette: every registered component, grouped by category, with a search box.

Drag a component onto the canvas to add it where it is dropped, or double-click
it to add it at the centre of the view (``component_activated``). The list is
built from the registry, so a new component module appears here by itself.
"""
from __future__ import annotations

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QDrag, QFont
from PySide6.QtWidgets import (QAbstractItemView, QLabel, QLineEdit, QTreeWidget,
                               QTreeWidgetItem, QVBoxLayout, QWidget)

from components import registry

from .icons import component_icon
from .mime import component_mime

TYPE_ROLE = Qt.ItemDataRole.UserRole


class ComponentTree(QTreeWidget):
    """The grouped list; dragging an entry carries its type name."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("componentTree")
        self.setHeaderHidden(True)
        self.setIconSize(QSize(22, 22))
        self.setIndentation(10)
        self.setRootIsDecorated(False)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setMouseTracking(True)

    def mimeData(self, items: list[QTreeWidgetItem]) -> QMimeData:  # noqa: N802 - Qt's name
        names = [i.data(0, TYPE_ROLE) for i in items if i.data(0, TYPE_ROLE)]
        return component_mime(names[0]) if names else QMimeData()

    def startDrag(self, actions: Qt.DropAction) -> None:  # noqa: N802 - Qt's name
        """Our own QDrag: it owns the MIME data for sure and shows the component's icon."""
        item = self.currentItem()
        if item is None or not item.data(0, TYPE_ROLE):
            return
        drag = QDrag(self)
        drag.setMimeData(self.mimeData([item]))
        drag.setPixmap(item.icon(0).pixmap(32, 32))
        drag.exec(Qt.DropAction.CopyAction)


class Palette(QWidget):
    """Search box, component tree and a description of the current entry."""

    component_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search components…")
        self.search.setClearButtonEnabled(True)
        self.tree = ComponentTree(self)
        self.no_match = QLabel(self)  # a search that hides everything says so
        self.no_match.setObjectName("paletteNoMatch")
        self.no_match.setWordWrap(True)
        self.no_match.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.no_match.hide()
        self.details = QLabel(self)
        self.details.setWordWrap(True)
        self.details.setObjectName("paletteDetails")
        self.details.setMinimumHeight(64)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addWidget(self.search)
        layout.addWidget(self.no_match)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.details)
        self.items: dict[str, QTreeWidgetItem] = {}
        self._fill()
        self.search.textChanged.connect(self.filter)
        self.search.returnPressed.connect(self._activate_first)
        self.tree.itemDoubleClicked.connect(self._on_double_click)
        self.tree.currentItemChanged.connect(lambda item, _: self._describe(item))
        self.tree.itemEntered.connect(lambda item, _: self._describe(item))
        self._describe(None)

    def _fill(self) -> None:
        bold = QFont(self.font())
        bold.setWeight(QFont.Weight.DemiBold)
        for category, classes in registry.by_category().items():
            group = QTreeWidgetItem(self.tree, [category.upper()])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            group.setFont(0, bold)
            group.setSizeHint(0, QSize(0, 26))
            group.setForeground(0, self.palette().placeholderText())
            for cls in classes:
                item = QTreeWidgetItem(group, [cls.type_name])
                item.setIcon(0, component_icon(cls))
                item.setSizeHint(0, QSize(0, 30))
                item.setData(0, TYPE_ROLE, cls.type_name)
                item.setToolTip(0, f"<b>{cls.type_name}</b><br>{cls.description}<br>"
                                   "<i>Drag onto the canvas, or double-click to add.</i>")
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                              | Qt.ItemFlag.ItemIsDragEnabled)
                self.items[cls.type_name] = item
        self.tree.expandAll()

    def filter(self, text: str) -> None:
        """Show the components whose name, category or description contain ``text``."""
        needle = text.strip().lower()
        for index in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(index)
            shown = 0
            for child_index in range(group.childCount()):
                item = group.child(child_index)
                cls = registry.get(item.data(0, TYPE_ROLE))
                hit = (not needle or needle in cls.type_name.lower()
                       or needle in cls.category.lower() or needle in cls.description.lower())
                item.setHidden(not hit)
                shown += hit
            group.setHidden(shown == 0)
        empty = not self.visible_types()
        self.no_match.setText(f"No component matches “{text.strip()}”. Search by name, "
                              "category or what it does, e.g. “pool” or “layers”."
                              if empty else "")
        self.no_match.setVisible(empty)

    def visible_types(self) -> list[str]:
        return [name for name, item in self.items.items()
                if not item.isHidden() and not item.parent().isHidden()]

    def _on_double_click(self, item: QTreeWidgetItem, column: int) -> None:
        type_name = item.data(0, TYPE_ROLE)
        if type_name:
            self.component_activated.emit(type_name)

    def _activate_first(self) -> None:
        visible = self.visible_types()
        if visible:
            self.component_activated.emit(visible[0])

    def _describe(self, item: QTreeWidgetItem | None) -> None:
        type_name = item.data(0, TYPE_ROLE) if item is not None else None
        if not type_name:
            self.details.setText("Drag a component onto the canvas, or double-click it.")
            return
        cls = registry.get(type_name)
        self.details.setText(f"<b>{cls.type_name}</b> · {cls.category}<br>{cls.description}")
