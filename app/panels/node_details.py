"""The property dock, read-only for now: what the selected node is and does.

For one selected node: id, type, output shape, parameter count, its wires,
the compiler's problems and notes, and every setting with its help text. With
nothing selected, a summary of the whole graph; with several, a list of them and
their problems; with a group (its title clicked), the group and its members.
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
from PySide6.QtWidgets import (QAbstractItemView, QFormLayout, QHeaderView, QLabel,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from app.controller import ProjectController
from canvas import theme
from components import registry
from components.base import describe_shape
from components.compiler import ParameterCounter

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
        self.table = QTableWidget(0, 2, self)
        self.table.setHorizontalHeaderLabels(["Setting", "Value"])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setAlternatingRowColors(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(self.heading)
        layout.addWidget(self.notes)  # what is wrong first: a long list must not hide it
        layout.addLayout(self.form)
        layout.addWidget(self.table, 1)
        layout.addStretch(0)  # takes the spare room while the table is hidden
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
        self._set_form([("Id", node_id), ("Type", cls.type_name),
                        ("Output shape", describe_shape(shape) if shape else "unknown"),
                        ("Parameters", f"{params:,}" if params is not None else "unknown"),
                        ("Inputs", "\n".join(inputs) or "none"),
                        ("Outputs", "\n".join(outputs) or "none"),
                        ("Position", f"{round(node.position[0])}, {round(node.position[1])}")])
        self._set_notes(analysis.problems_of(node_id),
                        [w.message for w in analysis.warnings if w.node_id == node_id])
        self._set_settings(cls, node.raw_settings(), node.invalid)

    def _set_settings(self, cls: type, settings: dict[str, Any], invalid: dict[str, Any]
                      ) -> None:
        """One row per setting; a value the file gave that is not allowed shows as it
        was, in red (components.graph_queries.Node.invalid)."""
        self.table.setRowCount(0)
        for row, setting in enumerate(cls.SCHEMA):
            self.table.insertRow(row)
            name = QTableWidgetItem(setting.title)
            value = QTableWidgetItem(_format(settings.get(setting.name)))
            tip = f"{setting.name}: {setting.help}\nAllowed: {setting.describe_allowed()}"
            if setting.name in invalid:
                value.setText(f"{_format(settings.get(setting.name))} (not allowed)")
                value.setForeground(theme.ERROR)
                tip += "\nThe file's value is kept until it is changed; until then the model "\
                       "cannot be built."
            for item in (name, value):
                item.setToolTip(tip)
            self.table.setItem(row, 0, name)
            self.table.setItem(row, 1, value)
        self.table.setVisible(True)
        self.table.resizeRowsToContents()

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
        self.table.setVisible(False)

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
        self.table.setVisible(False)

    # --- shared ----------------------------------------------------------------------------
    def _count(self, node_id: str) -> int | None:
        """The node's parameter count, or None: a count is a nicety, so a layer that
        cannot be built shows "unknown" here (its problem shows elsewhere)."""
        try:
            return self.counter.count(self.controller.document, self.controller.analysis,
                                      node_id)
        except Exception:  # noqa: BLE001 - see the docstring
            return None

    def _set_form(self, rows: list[tuple[str, str]]) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
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


def _format(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
