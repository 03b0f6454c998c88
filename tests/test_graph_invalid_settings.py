"""A known setting with a value its schema refuses (issue 14 item 6): the graph opens,
the value is kept as the file had it, the analysis names it on its node, nothing
invalid reaches a model, and a valid value (an undoable edit) clears it."""
from __future__ import annotations

import pytest
from PySide6.QtGui import QUndoStack

from canvas.commands import PasteCommand, RemoveNodesCommand, SetSettingCommand
from components.compiler import analyze, compile_graph
from components.errors import GraphCompileError, GraphError, GraphFormatError, SettingError
from components.graph import GraphDocument
from components.serialize import graph_from_dict


def graph(depth=12) -> dict:
    return {"nodes": [{"id": "input", "type": "Input"},
                      {"id": "unet", "type": "UNet", "settings": {"depth": depth,
                                                                 "base_filters": 8}},
                      {"id": "target", "type": "Target"}],
            "edges": [{"source": "input", "source_port": "out", "target": "unet",
                       "target_port": "in"},
                      {"source": "unet", "source_port": "out", "target": "target",
                       "target_port": "in"}]}


@pytest.fixture
def doc() -> GraphDocument:
    return graph_from_dict(graph(), keep_invalid=True)


def test_strict_loading_still_refuses_and_keeping_needs_a_known_setting():
    with pytest.raises(GraphFormatError, match="setting 'depth': got 12"):
        graph_from_dict(graph())
    bad_key = graph()
    bad_key["nodes"][1]["settings"]["colour"] = "red"
    with pytest.raises(GraphFormatError, match="'colour': unknown setting"):
        graph_from_dict(bad_key, keep_invalid=True)


def test_the_value_is_kept_the_node_builds_from_the_default_and_is_named(doc):
    node = doc.node("unet")
    default = doc.component("unet").SCHEMA.get("depth").default
    assert node.invalid == {"depth": 12} and node.settings["depth"] == default
    assert node.settings["base_filters"] == 8
    assert doc.snapshot()["nodes"][1]["settings"]["depth"] == 12
    analysis = analyze(doc)
    (message,) = analysis.problems_of("unet")
    assert message.startswith("setting 'depth': got 12, expected a whole number from 1 to")
    assert "unet" not in analysis.shapes and "target" not in analysis.shapes
    with pytest.raises(GraphCompileError, match="unet: setting 'depth'"):
        compile_graph(doc)


def test_a_valid_value_clears_it_and_undo_brings_it_back(doc):
    stack = QUndoStack()
    seen = []
    doc.setting_changed.subscribe(lambda node, name, old, new: seen.append((name, old, new)))
    stack.push(SetSettingCommand(doc, "unet", "depth", 3))
    assert doc.node("unet").invalid == {} and doc.node("unet").settings["depth"] == 3
    assert analyze(doc).ok and seen == [("depth", 12, 3)]
    stack.undo()
    assert doc.node("unet").invalid == {"depth": 12}
    assert doc.snapshot()["nodes"][1]["settings"]["depth"] == 12 and not analyze(doc).ok
    stack.redo()
    assert analyze(doc).ok


def test_setting_the_default_itself_also_clears_it(doc):
    default = doc.node("unet").settings["depth"]
    stack = QUndoStack()
    stack.push(SetSettingCommand(doc, "unet", "depth", default))
    assert doc.node("unet").invalid == {} and stack.count() == 1
    with pytest.raises(SettingError):
        SetSettingCommand(doc, "unet", "depth", 99)  # a bad edit never reaches the stack


def test_delete_undo_paste_and_replace_keep_the_raw_value(doc):
    stack = QUndoStack()
    stack.push(RemoveNodesCommand(doc, ["unet"]))
    stack.undo()
    assert doc.node("unet").invalid == {"depth": 12}
    paste = PasteCommand(doc, doc.snapshot(["unet"]), (40, 40))
    stack.push(paste)
    (copy,) = paste.node_ids
    assert doc.node(copy).invalid == {"depth": 12}
    other = GraphDocument()
    other.replace_with(doc)
    assert other.node("unet").invalid == {"depth": 12}
    other.node("unet").invalid["depth"] = 13  # shared with nothing
    assert doc.node("unet").invalid == {"depth": 12}


def test_add_node_checks_what_it_is_told_is_invalid():
    doc = GraphDocument()
    with pytest.raises(SettingError, match="unknown setting"):
        doc.add_node("UNet", invalid={"colour": "red"})
    with pytest.raises(GraphError, match="is valid"):
        doc.add_node("UNet", invalid={"depth": 3})
    node = doc.add_node("UNet", settings={"depth": 3}, invalid={"depth": "deep"})
    assert node.invalid == {"depth": "deep"} and node.settings["depth"] != 3
