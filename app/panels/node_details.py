"""The property dock: what the selected node is and does, and where it is edited.

For one selected node: its id (editable: a rename), type, output shape, parameter
count, its wires, the compiler's problems and notes, the live preview of what it
makes of the sample (node_preview.py) and its settings as a form generated from its
schema (node_settings.py: every change one undo step). With nothing selected, a
summary of the whole graph; with several, a list of them and their problems, and the
form when they are of one type (a change applies to all, one undo step); with a
group (its title clicked), the group and its members.
Parameter counts are the compiler's (components.compiler.ParameterCounter: the
layer built on torch's meta device, cached by settings and input shapes). The
panel knows only the project controller: its document, analysis and selection.

Labels here wrap, but a word-wrapped QLabel still asks for the width of its
longest word; a 60-character node id would widen the dock until the canvas
was a sliver. So every label gets a small explicit minimum width (a long id
is then clipped, never the canvas) and a tooltip with its whole text.
"""
from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from app.controller import ProjectController
from canvas import theme
from components import registry
from components.base import describe_shape
from components.compiler import ParameterCounter

from .node_preview import NodePreviewSection
from .node_settings import NodeSettingsSection

MIN_LABEL_WIDTH = 60  # px; see the module docstring


class NodeDetailsPanel(QWidget):
    """Follows the controller's selection and analysis."""

    def __init__(self, controller: ProjectController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.counter = ParameterCounter()
        self.heading = QLabel(self)
        self.heading.setObjectName("detailsHeading")
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.heading.setWordWrap(True)
        self.heading.setMinimumWidth(MIN_LABEL_WIDTH)
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.notes = QLabel(self)
        self.notes.setWordWrap(True)
        self.notes.setMinimumWidth(MIN_LABEL_WIDTH)
        self.notes.setTextFormat(Qt.TextFormat.RichText)
        self.settings = NodeSettingsSection(controller, self)
        self.preview = NodePreviewSection(controller, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(self.heading)
        layout.addWidget(self.notes)  # what is wrong first: a long list must not hide it
        layout.addLayout(self.form)
        layout.addWidget(self.preview)  # above the form: seen while a value is changed
        layout.addWidget(self.settings)
        layout.addStretch(1)
        controller.selection_changed.connect(self.refresh)
        controller.analysis_changed.connect(self.refresh)
        doc = controller.document
        controller.follow(doc.setting_changed, self._on_setting_changed)
        controller.follow(doc.node_moved, self._on_node_moved)
        controller.follow(doc.frame_added, self._on_frames_changed)
        controller.follow(doc.frame_removed, self._on_frames_changed)
        controller.follow(doc.frame_changed, self._on_frames_changed)
        self.shown: str | None = None  # the node on display; None for the summary
        self.refresh()

    def _on_setting_changed(self, *args: Any) -> None:
        self.refresh()

    def _on_node_moved(self, node: Any) -> None:
        """Position is on display: follow a drag's or an undo's move (of that node only,
        so an auto layout of 500 nodes costs one refresh, not 500)."""
        if node.id == self.shown:
            self.refresh()

    def _on_frames_changed(self, *args: Any) -> None:
        if self.shown is None:  # the summary counts groups; a group's view shows one
            self.refresh()

    def refresh(self, *args: Any) -> None:
        selected = self.controller.selection
        frames = self.controller.frame_selection
        if len(selected) == 1 and self.controller.document.has_node(selected[0]):
            self.shown = selected[0]
            self._show_node(selected[0])
        elif not selected and len(frames) == 1:
            self.shown = None
            self._show_group(frames[0])
        else:
            self.shown = None
            self._show_summary(selected)

    # --- one node ------------------------------------------------------------------------
    def _show_node(self, node_id: str) -> None:
        doc, analysis = self.controller.document, self.controller.analysis
        node = doc.node(node_id)
        cls = registry.get(node.type)
        self.heading.setToolTip(node_id)
        self.heading.setText(f"<span style='font-size:13pt; font-weight:600'>{escape(node_id)}"
                             f"</span><br><span style='color:{theme.TEXT_MUTED.name()}'>"
                             f"{escape(cls.type_name)} · {escape(cls.category)}</span>"
                             f"<br>{escape(cls.description)}")
        shape = analysis.shapes.get(node_id)
        params = self._count(node_id)
        inputs = [f"{e.target_port} ← {e.source}.{e.source_port}" for e in doc.edges_into(node_id)]
        outputs = [f"{e.source_port} → {e.target}.{e.target_port}" for e in doc.edges_from(node_id)]
        self._set_form([("Type", cls.type_name),
                        ("Output shape", describe_shape(shape) if shape else "unknown"),
                        ("Parameters", f"{params:,}" if params is not None else "unknown"),
                        ("Inputs", "\n".join(inputs) or "none"),
                        ("Outputs", "\n".join(outputs) or "none"),
                        ("Position", f"{round(node.position[0])}, {round(node.position[1])}")],
                       editable_id=True)
        self._set_notes(analysis.problems_of(node_id),
                        [w.message for w in analysis.warnings if w.node_id == node_id])
        self.settings.show_nodes([node_id])
        self.preview.setVisible(self.controller.samples.enabled)  # off only in tests
        self.preview.show_node(node_id)

    # --- none or several -----------------------------------------------------------------
    def _show_summary(self, selected: list[str]) -> None:
        doc, analysis = self.controller.document, self.controller.analysis
        ids = selected or analysis.model_nodes
        self.heading.setToolTip("")
        counts = [self._count(n) for n in ids if doc.has_node(n)]
        total = sum(c for c in counts if c)
        if selected:
            self.heading.setText(f"<span style='font-size:13pt; font-weight:600'>"
                                 f"{len(selected)} nodes selected</span>")
            rows = [("Parameters", f"{total:,}")]
            rows += [(n, doc.node(n).type) for n in selected if doc.has_node(n)]
        else:
            self.heading.setText("<span style='font-size:13pt; font-weight:600'>Graph</span>"
                                 f"<br><span style='color:{theme.TEXT_MUTED.name()}'>"
                                 "Select a node to see its details.</span>")
            rows = [("Nodes", str(len(doc.nodes))), ("Wires", str(len(doc.edges))),
                    ("Groups", str(len(doc.frames))),
                    ("In the model", f"{len(analysis.model_nodes)} nodes"),
                    ("Parameters", f"{total:,}" if analysis.model_nodes else "no model yet")]
        self._set_form(rows)
        if selected:  # each selected node's problems, named: the canvas outlines them red
            chosen = set(selected)
            self._set_notes([str(p) for p in analysis.problems if p.node_id in chosen],
                            [str(w) for w in analysis.warnings if w.node_id in chosen])
        else:
            self._set_notes([str(p) for p in analysis.problems], [])
        self.preview.hide()
        if not (selected and self.settings.show_nodes(selected)):  # several of one type
            self.settings.clear()

    # --- a group --------------------------------------------------------------------------
    def _show_group(self, frame_id: str) -> None:
        """A clicked group title: the group's own summary, not the whole graph's."""
        doc, analysis = self.controller.document, self.controller.analysis
        frame = doc.frame(frame_id)
        members = [n for n in frame.nodes if doc.has_node(n)]
        self.heading.setToolTip(frame.title)
        self.heading.setText(f"<span style='font-size:13pt; font-weight:600'>"
                             f"{escape(frame.title)}</span><br><span style='color:"
                             f"{theme.TEXT_MUTED.name()}'>Group of {len(members)} node"
                             f"{'s' if len(members) != 1 else ''} · drag the title to move "
                             "them, double-click it to rename</span>")
        total = sum(c for c in (self._count(n) for n in members) if c)
        rows = [("Nodes", str(len(members))), ("Parameters", f"{total:,}")]
        self._set_form(rows + [(n, doc.node(n).type) for n in members])
        chosen = set(members)
        self._set_notes([str(p) for p in analysis.problems if p.node_id in chosen],
                        [str(w) for w in analysis.warnings if w.node_id in chosen])
        self.preview.hide()
        self.settings.clear()

    # --- shared ----------------------------------------------------------------------------
    def _count(self, node_id: str) -> int | None:
        """The node's parameter count, or None: a count is a nicety, so a layer that
        cannot be built shows "unknown" here (its problem shows elsewhere)."""
        try:
            return self.counter.count(self.controller.document, self.controller.analysis,
                                      node_id)
        except Exception:  # noqa: BLE001 - see the docstring
            return None

    def _set_form(self, rows: list[tuple[str, str]], editable_id: bool = False) -> None:
        """The rows of facts; ``editable_id`` puts the settings section's id field (a
        rename) first. That field outlives the rows: it may hold what is being typed."""
        while self.form.rowCount():
            taken = self.form.takeRow(0)
            for item in (taken.labelItem, taken.fieldItem):
                widget = item.widget() if item is not None else None
                if widget is not None and widget is not self.settings.id_row:
                    widget.hide()
                    widget.deleteLater()
        self.settings.id_row.setVisible(editable_id)
        if editable_id:
            self.form.addRow("Id:", self.settings.id_row)
        for label, value in rows:
            field = QLabel(value)
            field.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            field.setWordWrap(True)
            field.setMinimumWidth(MIN_LABEL_WIDTH)
            field.setToolTip(value)
            self.form.addRow(f"{label}:", field)

    def _set_notes(self, problems: list[str], warnings: list[str]) -> None:
        lines = [f"<span style='color:{theme.ERROR.name()}'>● {escape(p)}</span>" for p in problems]
        lines += [f"<span style='color:{theme.WARNING.name()}'>● {escape(w)}</span>"
                  for w in warnings]
        if not lines and not problems:
            lines = [f"<span style='color:{theme.OK.name()}'>● No problems</span>"]
        self.notes.setText("<br>".join(lines))
