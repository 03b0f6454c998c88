"""The small searchable menu that opens where a wire is dropped on empty canvas.

It lists only component types that can take the wire (types with an input when
the wire comes from an output, and the reverse); typing filters the list and
Enter takes the first match. Choosing emits ``chosen``; the editor adds the node
and the wire as one undo step. It is shown with ``popup`` (never ``exec``), so
the event loop, and a test, keeps running while it is open.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLineEdit, QMenu, QWidget, QWidgetAction

from components import registry

from .icons import component_icon


def types_taking(direction: str) -> list[type]:
    """Component classes with at least one port of ``direction`` ("input"/"output")."""
    found = []
    for name in registry.names():
        component = registry.create(name)
        ports = component.input_ports() if direction == "input" else component.output_ports()
        if ports:
            found.append(type(component))
    return found


class QuickAddMenu(QMenu):
    """Search field plus one action per component type that fits the dragged wire."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget, wanted_port: str) -> None:
        super().__init__(parent)
        self.setObjectName("quickAddMenu")
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search components…")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(220)
        field = QWidgetAction(self)
        field.setDefaultWidget(self.search)
        self.addAction(field)
        self.addSeparator()
        self.type_actions: dict[str, QAction] = {}
        for cls in types_taking(wanted_port):
            action = self.addAction(component_icon(cls), cls.type_name)
            action.setToolTip(cls.description)
            action.setData(cls.type_name)
            action.triggered.connect(lambda checked=False, n=cls.type_name: self.choose(n))
            self.type_actions[cls.type_name] = action
        self.search.textChanged.connect(self.filter)
        self.search.returnPressed.connect(self._choose_first)
        self.aboutToShow.connect(lambda: self.search.setFocus(Qt.FocusReason.PopupFocusReason))

    def filter(self, text: str) -> None:
        needle = text.strip().lower()
        for name, action in self.type_actions.items():
            action.setVisible(not needle or needle in name.lower()
                              or needle in action.toolTip().lower())

    def visible_types(self) -> list[str]:
        return [n for n, a in self.type_actions.items() if a.isVisible()]

    def choose(self, type_name: str) -> None:
        self.close()
        self.chosen.emit(type_name)

    def _choose_first(self) -> None:
        visible = self.visible_types()
        if visible:
            self.choose(visible[0])
