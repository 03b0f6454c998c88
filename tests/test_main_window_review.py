"""Regression tests for main-window defects a hands-on review found (long ids, small
windows). Each test names the defect it keeps fixed."""
from __future__ import annotations

from PySide6.QtWidgets import QApplication

from app.panels.problems import NODE_COLUMN_MAX
from app.paths import DEMO_PROJECT
from canvas.commands import AddNodeCommand

LONG_ID = "a_really_really_long_node_identifier_for_testing_elision_and_wrapping"


def test_a_long_node_id_neither_widens_the_dock_nor_hides_the_problem(main_window, qtbot):
    """Selecting a node with a 70-character id widened the Properties dock to ~680 px (a
    word-wrapped label still wants its longest word), leaving the canvas ~100 px wide at
    1024x700; the Problems tab's node column pushed the problem text out of view."""
    window = main_window
    window.resize(1024, 700)
    window.show()
    qtbot.waitExposed(window)
    window.open_template(DEMO_PROJECT)
    editor = window.editor
    editor.push(AddNodeCommand(editor.document, "Convolution", (0, 200), node_id=LONG_ID))
    editor.live.run_now()
    editor.scene.select_nodes([LONG_ID])
    QApplication.processEvents()
    assert LONG_ID in window.details.heading.text()
    assert window.details.heading.toolTip() == LONG_ID
    assert window.details.minimumSizeHint().width() < 400
    assert editor.view.width() > 300
    rows = [window.problems.topLevelItem(i) for i in range(window.problems.topLevelItemCount())]
    assert any(row.text(1) == LONG_ID and row.toolTip(1) == LONG_ID for row in rows)
    assert window.problems.columnWidth(1) <= NODE_COLUMN_MAX
