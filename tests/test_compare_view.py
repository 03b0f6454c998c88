"""Run comparison (issue 13 item 2): curves of several runs overlaid in distinct colours
with a legend naming the runs, and beside them exactly what differs."""
from __future__ import annotations

import json

import pytest

from app.stats.compare_curves import RUN_COLORS
from app.stats.compare_view import CompareView
from app.stats.statistics_view import StatisticsView
from helpers import shown
from hub_helpers import changed, write_model, write_run


@pytest.fixture
def two_runs(tmp_path):
    """Two run directories of one model: the second with another learning rate and one
    node more (its snapshot says so)."""
    path = write_model(tmp_path, "Cells")
    base = json.loads(path.read_text())
    first = write_run(path, "2026-11-24_10-15-00", epochs=5, scale=0.9)
    second = write_run(path, "2026-11-25_09-00-00", epochs=3, scale=1.0,
                       project=changed(base, learning_rate=0.01, extra_node="extra"))
    return first, second


def test_the_list_shows_exactly_the_learning_rate_and_the_extra_node(qtbot, two_runs):
    view = shown(qtbot, CompareView(), 1280, 720)
    view.set_runs(two_runs)
    panel = view.differences
    assert panel.rows() == [("node extra", ["—", "Convolution"]),
                            ("training · learning_rate", ["0.001", "0.01"])]
    shown_rows = [[panel.tree.topLevelItem(i).text(c) for c in range(3)]
                  for i in range(panel.tree.topLevelItemCount())]
    assert shown_rows == [["Nodes added or removed", "", ""],
                          ["extra", "—", "Convolution"],
                          ["Training", "", ""],
                          ["learning_rate", "0.001", "0.01"]]
    header = panel.tree.headerItem()
    assert [header.text(c) for c in range(3)] == ["Setting", "2026-11-24_10-15-00",
                                                  "2026-11-25_09-00-00"]
    assert panel.note.text() == "2 differences between 2 runs"


def test_the_curves_of_both_runs_are_drawn_in_their_own_colours(qtbot, two_runs):
    view = shown(qtbot, CompareView(), 1280, 720)
    view.set_runs(two_runs)
    curves = view.curves
    assert curves.legend_names() == ["2026-11-24_10-15-00", "2026-11-25_09-00-00"]
    legend = curves.legend.text()
    assert legend.index(RUN_COLORS[0]) < legend.index("2026-11-24") < \
        legend.index(RUN_COLORS[1]) < legend.index("2026-11-25")
    assert curves.curve_count("iou") == 4  # val and train mean IoU of each run
    assert curves.curve_count("lr") == 2
    lengths = [len(item.getOriginalDataset()[0]) for item in
               curves.plots["accuracy"].listDataItems()]
    assert lengths == [5, 3]
    pens = {item.opts["pen"].color().name() for item in curves.plots["loss"].listDataItems()}
    assert pens == {RUN_COLORS[0], RUN_COLORS[1]}
    text = curves.readouts["iou"].text_at(2.0)
    assert "2026-11-24_10-15-00 val:" in text and "2026-11-25_09-00-00 train:" in text


def test_identical_projects_say_so_and_a_missing_snapshot_is_named(qtbot, tmp_path):
    path = write_model(tmp_path, "Cells")
    one, two = write_run(path, "one"), write_run(path, "two")
    view = shown(qtbot, CompareView(), 1000, 600)
    view.set_runs([one, two])
    assert view.differences.rows() == []
    assert view.differences.note.text().startswith("The projects of these runs are the same")
    (two / "project.json").unlink()
    view.set_runs([one, two])
    assert "two: project.json is missing, so its settings are not compared" in \
        view.differences.note.text()
    assert view.curves.curve_count("iou") == 4  # set_runs again replaces, never adds


def test_the_statistics_view_compares_runs_in_its_compare_tab(qtbot, two_runs):
    view = shown(qtbot, StatisticsView(), 1280, 720)
    tabs = [view.tabs.tabText(i) for i in range(view.tabs.count())]
    assert "Compare" not in tabs
    view.compare_runs(two_runs)
    assert view.tabs.tabText(view.tabs.currentIndex()) == "Compare"
    assert view.comparison.differences.rows()[1] == ("training · learning_rate",
                                                     ["0.001", "0.01"])
    view.compare_runs(list(reversed(two_runs)))
    assert view.tabs.count() == len(tabs) + 1  # one Compare tab, shown again
    assert view.comparison.curves.legend_names()[0] == "2026-11-25_09-00-00"
