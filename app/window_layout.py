"""The main window's layout: canvas and code tabs in the centre, the docks around them
(Components left; Properties, Training and History tabbed right; Results below).

Kept apart from main_window.py (which is about files, recovery and closing) so each
reads as one thing. ``build`` makes the widgets and returns them; ``connect_views``
wires the views that follow the project controller to each other: the code view
follows every document change and the single selected node, its links and a
renamed node select on the canvas, and the live previews' thumbnails go onto the
canvas's nodes (the scene keeps them, like the analysis it draws).
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDockWidget, QFrame, QMainWindow, QScrollArea, QTabWidget,
                               QUndoView, QWidget)

from app.controller import ProjectController
from app.live_previews import thumbnail_captions
from app.panels.code_view import CodeView
from app.panels.node_details import NodeDetailsPanel
from app.panels.problems import ProblemsPanel
from app.panels.training_panel import TrainingPanel
from canvas.editor import CanvasEditor
from canvas.palette import Palette

CANVAS_TAB, CODE_TAB = "Canvas", "Code"


@dataclass
class Parts:
    """The widgets of one main window, as ``build`` made them."""

    centre: QTabWidget
    code_view: CodeView
    palette: Palette
    palette_dock: QDockWidget
    details: NodeDetailsPanel
    details_dock: QDockWidget
    history: QUndoView
    history_dock: QDockWidget
    training: TrainingPanel
    training_dock: QDockWidget
    problems: ProblemsPanel
    bottom_tabs: QTabWidget
    bottom_dock: QDockWidget

    @property
    def docks(self) -> list[QDockWidget]:
        return [self.palette_dock, self.details_dock, self.training_dock, self.history_dock,
                self.bottom_dock]


def build(window: QMainWindow, controller: ProjectController, editor: CanvasEditor) -> Parts:
    """Every widget of the window, in its place."""
    left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
    centre = QTabWidget(window)
    centre.setObjectName("centreTabs")
    centre.setDocumentMode(True)
    centre.addTab(editor.view, CANVAS_TAB)
    code_view = CodeView()
    centre.addTab(code_view, CODE_TAB)
    centre.setTabToolTip(1, "The generated PyTorch code of the model, and of the selected node")
    window.setCentralWidget(centre)
    palette = Palette()
    palette_dock = dock(window, "Components", "paletteDock", palette, left)
    details = NodeDetailsPanel(controller)
    details_dock = dock(window, "Properties", "propertiesDock", details, right, scroll=True)
    training = TrainingPanel(controller)
    training_dock = dock(window, "Training", "trainingDock", training, right, scroll=True)
    history = QUndoView(controller.undo_stack)
    history.setEmptyLabel("<opened>")
    history_dock = dock(window, "History", "historyDock", history, right)
    window.tabifyDockWidget(details_dock, training_dock)
    window.tabifyDockWidget(training_dock, history_dock)
    details_dock.raise_()
    problems = ProblemsPanel()
    bottom_tabs = QTabWidget()
    bottom_tabs.setDocumentMode(True)
    bottom_tabs.addTab(problems, "Problems")
    bottom_dock = dock(window, "Results", "bottomDock", bottom_tabs,
                       Qt.DockWidgetArea.BottomDockWidgetArea, scroll=True)
    window.resizeDocks([palette_dock, details_dock], [230, 320], Qt.Orientation.Horizontal)
    window.resizeDocks([bottom_dock], [160], Qt.Orientation.Vertical)
    return Parts(centre, code_view, palette, palette_dock, details, details_dock, history,
                 history_dock, training, training_dock, problems, bottom_tabs, bottom_dock)


def connect_views(parts: Parts, controller: ProjectController, editor: CanvasEditor) -> None:
    """Code view, canvas selection and previews follow the controller (module docstring)."""
    doc, code = controller.document, parts.code_view
    title = lambda: controller.project.name  # noqa: E731 - read when the code is made
    controller.follow(doc.changed, lambda: code.graph_changed(doc, title()))
    controller.project_replaced.connect(lambda: code.graph_changed(doc, title()))
    code.graph_changed(doc, title())
    controller.selection_changed.connect(
        lambda ids: code.select_node(ids[0] if len(ids) == 1 else None))
    code.node_link_clicked.connect(lambda node_id: show_on_canvas(parts, editor, node_id))
    controller.select_requested.connect(editor.select_nodes)
    controller.select_requested.connect(lambda ids: (parts.details_dock.show(),
                                                     parts.details_dock.raise_()))
    controller.previews.updated.connect(
        lambda: editor.scene.apply_previews(controller.previews.thumbnails,
                                            thumbnail_captions(controller.previews.result)))


def show_on_canvas(parts: Parts, editor: CanvasEditor, node_id: str) -> None:
    """A node named in the code view: the canvas tab, the node selected and in view."""
    parts.centre.setCurrentWidget(editor.view)
    editor.focus_node(node_id)


def dock(window: QMainWindow, title: str, name: str, widget: QWidget,
         area: Qt.DockWidgetArea, scroll: bool = False) -> QDockWidget:
    """A dock around ``widget``; ``scroll`` puts it in a scroll area, for a panel whose
    content can outgrow the screen (a QMainWindow grows to its docks' minimum sizes,
    so a panel listing 33 selected nodes pushed the status bar off the screen)."""
    widget_dock = QDockWidget(title, window)
    widget_dock.setObjectName(name)
    widget_dock.setWidget(scrolled(widget) if scroll else widget)
    widget_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                            | QDockWidget.DockWidgetFeature.DockWidgetClosable)
    window.addDockWidget(area, widget_dock)
    return widget_dock


def scrolled(widget: QWidget) -> QScrollArea:
    """``widget`` in a frameless scroll area that resizes it to the room there is."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return area
