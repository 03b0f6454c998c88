"""The code view: the model's generated code, a node's own module, problems, copy and save."""
from __future__ import annotations

import json

import pytest
from PySide6.QtGui import QGuiApplication, QTextDocument

from app.panels.code_view import CodeView
from app.panels.python_highlighter import FORMATS, PythonHighlighter, classify
from app.paths import RESOURCES
from components.compiler import compile_graph
from components.serialize import graph_from_dict
from components.source import model_source
from tests.helpers import chain, shown


def small_graph():
    doc = chain(("Input", {"channels": 1, "height": 32, "width": 32}),
                ("Convolution", {"filters": 8}), ("Convolution", {"filters": 2}),
                ("Target", {"loss": "dice"}), ids=["input", "conv1", "head", "target"])
    doc.add_node("Pooling", node_id="stray")
    doc.connect("input", "out", "stray", "in")  # a branch that reaches no Target
    return doc


@pytest.fixture
def view(qtbot):
    return shown(qtbot, CodeView(delay_ms=10), 800, 600)


def test_shows_the_generated_code_of_the_whole_model(view):
    doc = small_graph()
    view.graph_changed(doc, "My model")
    view.refresh_now()
    expected = model_source(compile_graph(doc, device="meta"), "My model")
    assert view.code() == expected
    assert "class SegmentationModel(nn.Module):" in view.code()
    params = 1 * 8 * 9 + 2 * 8 + 8 * 2 * 9 + 2 * 2  # convs without bias, batch norms
    assert view.status.text() == f"{expected.count(chr(10))} lines, {params:,} parameters"
    assert not view.banner.isVisible()


def test_changes_are_compiled_once_after_a_pause_and_only_while_visible(view, qtbot):
    doc = small_graph()
    view.graph_changed(doc)
    doc.set_setting("conv1", "filters", 16)
    view.graph_changed(doc)
    qtbot.waitUntil(lambda: "Conv2d(1, 16" in view.code(), timeout=3000)
    view.hide()
    doc.set_setting("conv1", "filters", 24)
    view.graph_changed(doc)
    qtbot.wait(50)
    assert "Conv2d(1, 16" in view.code()  # hidden: not compiled
    view.show()
    qtbot.waitUntil(lambda: "Conv2d(1, 24" in view.code(), timeout=3000)


def test_a_selected_node_shows_its_module_and_its_forward_line(view):
    view.graph_changed(small_graph())
    view.refresh_now()
    view.select_node("conv1")
    code = view.node_code()
    assert code.startswith("# conv1: Convolution, output 8x32x32, 88 parameters\n")
    assert "self.conv1 = Sequential(\n  (0): Conv2d(1, 8, kernel_size=(3, 3)" in code
    assert code.rstrip().endswith("# in forward():\nconv1 = self.conv1(input_1)")
    lines = view.code().splitlines()
    marked = [lines[n] for n in view.marked_lines()]
    assert marked[0] == "    #   self.conv1 = Sequential("
    assert marked[-1].strip() == "conv1 = self.conv1(input_1)"
    assert not any("self.head" in line for line in marked)
    view.select_node(None)
    assert view.marked_lines() == [] and "Select a node" in view.node_code()


def test_nodes_without_a_layer_say_why(view):
    view.graph_changed(small_graph())
    view.refresh_now()
    view.select_node("target")
    assert view.node_code() == ("# target: Target adds no layer. The model returns what reaches it\n"
                                "# from head (2x32x32), and training compares that with\n"
                                "# the masks using the dice loss.\n")
    view.select_node("stray")
    assert view.node_code() == ("# stray is not on a path from the Input to the Target; "
                                "it is left out of the model.")


def test_a_graph_with_problems_names_the_blocking_node_and_keeps_the_last_code(view, qtbot):
    doc = small_graph()
    view.graph_changed(doc)
    view.refresh_now()
    good = view.code()
    doc.disconnect(doc.edges_into("head")[0])
    view.graph_changed(doc)
    view.refresh_now()
    assert view.banner.isVisible() and view.out_of_date
    text = view.banner.text()
    assert "<a href='node:head'>head</a>: input port &#x27;in&#x27; is not connected" in text
    assert "from before the problem" in text and view.status.text() == "out of date"
    assert view.code() == good
    with qtbot.waitSignal(view.node_link_clicked) as clicked:
        view.banner.linkActivated.emit("node:head")
    assert clicked.args == ["head"]


def test_without_any_compiled_model_it_says_so(view):
    doc = chain(("Input", {}), ids=["input"])
    view.graph_changed(doc)
    view.refresh_now()
    assert view.code().startswith("# No model yet")
    assert "the graph has no Target node" in view.banner.text()
    assert not view.copy_button.isEnabled() and not view.save_button.isEnabled()


def test_copy_puts_the_code_on_the_clipboard(view):
    view.graph_changed(small_graph())
    view.refresh_now()
    view.copy_button.click()
    assert QGuiApplication.clipboard().text() == view.code()


def test_save_as_writes_a_python_file_that_parses(view, tmp_path):
    view.graph_changed(small_graph())
    view.refresh_now()
    view.ask_save_path = lambda parent, suggested: str(tmp_path / "model")
    view.save_button.click()
    saved = (tmp_path / "model.py").read_text(encoding="utf-8")
    assert saved == view.code()
    compile(saved, "model.py", "exec")
    assert view.status.text() == "Saved model.py."
    view.ask_save_path = lambda parent, suggested: None  # cancelled
    (tmp_path / "model.py").unlink()
    view.save_button.click()
    assert not (tmp_path / "model.py").exists()


def test_a_file_that_cannot_be_written_is_named(view, tmp_path, fake_dialogs):
    view.graph_changed(small_graph())
    view.refresh_now()
    (tmp_path / "taken.py").mkdir()
    view.save_to(tmp_path / "taken.py")
    (title, message), = fake_dialogs.named("show_error")
    assert title == "Save the model code" and str(tmp_path / "taken.py") in message


def test_the_from_scratch_template_compiles_in_the_view(view):
    data = json.loads((RESOURCES / "templates" / "unet_from_scratch.json").read_text())
    doc = graph_from_dict(data["graph"])
    view.graph_changed(doc)
    view.refresh_now()
    assert len(doc.nodes) == 33 and view.code().count("self.") > 60
    view.select_node("merge1")
    assert "merge1 = self.merge1([enc1_conv2, up1])" in view.node_code()


def test_python_tokens_get_their_colours():
    spans = classify('@torch.no_grad()  # "not a string"')
    assert [kind for kind, *_ in spans] == ["decorator"] * 4 + ["comment"]
    assert classify("def forward(self, x): return x * 1e-4") == [
        ("keyword", 0, 3), ("definition", 4, 7), ("builtin", 12, 4), ("keyword", 22, 6),
        ("number", 33, 4)]
    assert classify("s = 'a # b'") == [("string", 4, 7)]
    assert classify("y = a @ b") == []  # matrix product, not a decorator
    assert classify("x = (1,") == [("number", 5, 1)]  # an open bracket is fine


def test_a_triple_quoted_string_carries_over_lines(qtbot):
    document = QTextDocument('x = """one\ntwo # still string\nthree""" + 1\n')
    highlighter = PythonHighlighter(document)
    highlighter.rehighlight()
    string = FORMATS["string"].foreground().color()
    second = document.findBlockByNumber(1).layout().formats()
    assert [(f.start, f.length, f.format.foreground().color()) for f in second] == [
        (0, 18, string)]
    third = document.findBlockByNumber(2).layout().formats()
    assert (third[0].start, third[0].length) == (0, 8)
    assert third[-1].format.foreground().color() == FORMATS["number"].foreground().color()
