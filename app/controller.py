"""The controller of one open project: the project, its undo stack, its live analysis.

A window makes one controller per project it shows. Panels and views talk to the
controller, never to each other or to the canvas editor's insides: they read the
project, the document and the latest analysis here, hear about changes through
the signals here, subscribe to the document through ``follow`` (so closing the
controller ends every subscription at once), and make every edit an undo command
through ``push``. The window wires the canvas editor's selection in with
``set_selection``; nothing here knows the canvas widgets.

How later work extends it (keep this shape):
- one attribute per service, made in ``__init__`` with the controller as Qt parent
  and stopped in ``close``: ``samples`` (the project's data scanned off the GUI
  thread and the preview sample, app/sample_source.py) and ``previews`` (the live
  previews, app/live_previews.py); the run monitor comes next;
- work off the GUI thread takes ``document.snapshot()`` and ``document.revision``
  when it starts and its result is dropped when the revision has moved on;
- a service announces results with a Qt signal on itself; panels connect to it.
"""
from __future__ import annotations

from typing import Iterable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from app.live_previews import LivePreviews
from app.project import Project
from app.project_commands import ReplaceGraphCommand, SetDataCommand, SetTrainingCommand
from app.recommend import Recommendation
from app.run_monitor import RunMonitor
from app.sample_source import SampleSource
from canvas.analysis import LiveAnalysis
from canvas.commands import CompoundCommand
from components.compiler import Analysis
from components.events import Event, Listener, Subscription, Subscriptions
from components.graph import GraphDocument


class ProjectController(QObject):
    """Owns one project while it is open; see the module docstring for the contract."""

    analysis_changed = Signal(object)  # Analysis: the debounced re-analysis after an edit
    selection_changed = Signal(list)   # selected node ids, in document order (and frames)
    project_replaced = Signal()        # adopt(): new content in the same objects
    select_requested = Signal(list)    # a panel asks the canvas to select these node ids

    def __init__(self, project: Project | None = None, parent: QObject | None = None,
                 previews: bool = True) -> None:
        super().__init__(parent)
        self.project = project if project is not None else Project()
        self.undo_stack = QUndoStack(self)
        self.live = LiveAnalysis(self.project.graph, self)
        self.live.updated.connect(self.analysis_changed)
        self._selection: list[str] = []
        self._frame_selection: list[str] = []
        self._subscriptions = Subscriptions()
        self.samples = SampleSource(self.project, self, enabled=previews)
        self.previews = LivePreviews(self.project, self.samples, self)
        self.undo_stack.indexChanged.connect(self.samples.check)  # a data edit or its undo
        self.samples.check()
        self.run_monitor = RunMonitor(self)  # the training and evaluation children

    # --- reading -------------------------------------------------------------------------
    @property
    def document(self) -> GraphDocument:
        """The project's graph; the same object for the controller's whole life."""
        return self.project.graph

    @property
    def analysis(self) -> Analysis:
        """The latest analysis (shapes, problems, the model's nodes)."""
        return self.live.analysis

    @property
    def selection(self) -> list[str]:
        return list(self._selection)

    @property
    def frame_selection(self) -> list[str]:
        """The selected groups (frames) still in the document: a group's title was clicked."""
        known = {f.id for f in self.document.frames}
        return [f for f in self._frame_selection if f in known]

    def is_dirty(self) -> bool:
        """Unsaved changes: the undo stack is away from its clean state."""
        return not self.undo_stack.isClean()

    # --- changing ------------------------------------------------------------------------
    def push(self, command: QUndoCommand) -> None:
        """Do an edit as one undoable step."""
        self.undo_stack.push(command)

    def set_selection(self, node_ids: Iterable[str], frame_ids: Iterable[str] = ()) -> None:
        """The canvas selection changed (the window connects the editor here); the
        frames are the selected groups. ``selection_changed`` carries the node ids."""
        selection = [n for n in node_ids if self.document.has_node(n)]
        known = {f.id for f in self.document.frames}
        frames = [f for f in frame_ids if f in known]
        if (selection, frames) != (self._selection, self._frame_selection):
            self._selection, self._frame_selection = selection, frames
            self.selection_changed.emit(self.selection)

    def request_selection(self, node_ids: Iterable[str]) -> None:
        """Ask the canvas to select these nodes (a renamed node, a link in the code view)."""
        self.select_requested.emit(list(node_ids))

    def apply_recommendation(self, rec: Recommendation) -> None:
        """Model > Recommend's Apply: the graph, the training keys and the data keys of
        the proposal as ONE undo step (undo brings back the old graph and both sections)."""
        self.push(CompoundCommand("Apply the recommended model", [
            ReplaceGraphCommand(self.document, rec.graph),
            SetTrainingCommand(self.project, rec.training),
            SetDataCommand(self.project, {**self.project.data, **rec.data})]))
        self.refresh_analysis()

    def follow(self, event: Event, listener: Listener) -> Subscription:
        """Subscribe to a document event until the controller closes."""
        return self._subscriptions.subscribe(event, listener)

    def refresh_analysis(self) -> Analysis:
        """Analyze now instead of after the debounce (open, tests)."""
        return self.live.run_now()

    def adopt(self, project: Project) -> None:
        """Show ``project``'s content in the same Project and document objects (so every
        listener stays attached), with a clean history and a fresh analysis."""
        self.project.name, self.project.path = project.name, project.path
        self.project.data, self.project.training = project.data, project.training
        self.project.graph.replace_with(project.graph)
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self.refresh_analysis()
        self.samples.check()
        self.project_replaced.emit()

    def close(self) -> None:
        """The window is closing: stop the analysis, the previews, the children and every
        subscription."""
        self.live.close()
        self.samples.close()
        self.previews.close()
        self.run_monitor.close()
        self._subscriptions.close()
