"""Live previews in the window: once the project has data every node shows what it makes
of a sample, on the canvas and larger in the panel; computed off the GUI thread, a newer
edit cancels an older one; a broken graph names the node that blocks it; a run's
checkpoint can supply the weights."""
from __future__ import annotations

import json
import threading

import pytest
import torch
from PySide6.QtWidgets import QApplication

from canvas import theme
from components.compiler import compile_graph
from tests.panel_helpers import (SIZE, open_window, small_graph, spin, type_into,
                                 wait_for_previews, write_project)


@pytest.fixture(autouse=True)
def cache_in_tmp(monkeypatch, tmp_path):
    """A window with previews on scans its first (demo) data if it gets the time: its
    generated files go to tmp_path."""
    from app.data import sources

    monkeypatch.setenv(sources.CACHE_ENV, str(tmp_path / "cache"))


@pytest.fixture
def with_data(make_window, qtbot, tmp_path):
    """A shown window with previews on, on the small graph with 6 image/mask pairs."""
    def make(graph=None, select=None):
        window = open_window(make_window, qtbot, write_project(tmp_path, graph), previews=True,
                             select=select)
        wait_for_previews(window, qtbot)
        return window
    return make


def test_every_node_shows_its_preview_on_the_canvas_and_the_panel(with_data, qtbot):
    window = with_data(select=["conv1"])
    scene, samples = window.editor.scene, window.controller.samples
    assert [n.label for n in samples.names][:1] == ["data/images/000.png (val)"]
    assert samples.sample.name == samples.names[0].name  # the first validation page
    for node_id, item in scene.nodes.items():
        assert item.picture is not None, node_id
        assert item.body_rect().height() == theme.node_height(1) + theme.PREVIEW_HEIGHT
    # the tooltip says what a thumbnail shows (a new user read the Target's as a red square)
    assert "Picture: left, the sample&#x27;s mask; right, the classes the model predicts" \
        in scene.nodes["target"].toolTip()
    assert "Picture: the first channels of this node" in scene.nodes["conv1"].toolTip()
    preview = window.details.preview
    assert preview.isVisible() and not preview.message.isVisible()
    text = preview.stats.text()
    assert text.startswith("<b>8x32x32</b>") and all(
        word in text for word in ("min ", "max ", "mean ", "std "))
    assert preview.picture.pixmap.width() == 4 * SIZE + 3  # 8 channels: two rows of four
    window.editor.select_nodes(["target"])
    QApplication.processEvents()
    assert "mask in the class colours" in preview.caption.text()
    target = window.controller.previews.result.nodes["target"]
    colors = {tuple(c) for c in target.picture.reshape(-1, 3)}
    assert colors <= {(0, 0, 0), (255, 0, 0), (0, 128, 255)} and len(colors) > 1


def test_a_layers_channels_come_in_pages(with_data, qtbot):
    window = with_data(select=["conv1"])
    type_into(spin(window, "filters"), "40")
    window.controller.previews.request_now()
    wait_for_previews(window, qtbot)
    preview = window.details.preview
    assert preview.page_label.text() == "channels 1-16 of 40"
    assert not preview.previous.isEnabled() and preview.next.isEnabled()
    preview.next.click()
    preview.next.click()
    assert preview.page_label.text() == "channels 33-40 of 40" and not preview.next.isEnabled()
    assert preview.picture.pixmap.height() == 2 * SIZE + 1  # 8 channels on the last page


def test_a_second_edit_before_the_first_preview_is_done_cancels_the_first(with_data, qtbot):
    window = with_data(select=["conv1"])
    previews = window.controller.previews
    service = previews.service
    started, release = threading.Event(), threading.Event()

    def hold(node_id):  # the first edit's preview stops in its first layer
        if node_id == "conv1" and not release.is_set():
            started.set()
            release.wait(10)
    service.on_layer = hold
    cancelled = service.cancelled
    shown = []
    previews.updated.connect(lambda: shown.append(previews.result.nodes["conv1"].shape[0]))
    type_into(spin(window, "filters"), "24")
    previews.request_now()  # the debounce's end, without waiting for it
    assert started.wait(10)
    type_into(spin(window, "filters"), "12")  # arrives while the first is computing
    previews.request_now()
    release.set()
    result = wait_for_previews(window, qtbot)
    assert service.cancelled > cancelled  # the first was dropped unfinished...
    assert 24 not in shown and shown[-1] == 12  # ...and never shown
    assert result.nodes["conv1"].shape == (12, SIZE, SIZE)
    assert window.details.preview.stats.text().startswith("<b>12x32x32</b>")
    assert window.undo_stack.count() == 2  # both edits are undoable; one preview was shown


def test_previews_never_make_the_window_wait(with_data, qtbot):
    """A request returns at once; the result comes later through the event loop."""
    window = with_data(select=["conv1"])
    previews = window.controller.previews
    release = threading.Event()
    previews.service.on_layer = lambda node_id: release.wait(10)
    serial = previews.serial
    window.undo_stack.push(_set(window, "conv1", "filters", 6))
    assert previews.pending  # debounced: nothing requested yet
    previews.request_now()
    assert previews.serial == serial + 1 and previews.result.revision == serial  # still old
    release.set()
    assert wait_for_previews(window, qtbot).nodes["conv1"].shape == (6, SIZE, SIZE)


def test_a_graph_with_a_problem_says_which_node_blocks_the_preview(with_data, qtbot):
    window = with_data(select=["conv2"])
    doc = window.project.graph
    window.undo_stack.push(_disconnect(window, "pool", "conv2"))
    previews = window.controller.previews
    previews.request_now()
    qtbot.waitUntil(lambda: bool(previews.result.revision == previews.serial
                                 and previews.result.blocked))
    message = window.details.preview.message
    assert message.isVisible()
    assert message.text().startswith("No preview until this is fixed: conv2: input port 'in' "
                                     "is not connected")
    assert all(item.picture is None for item in window.editor.scene.nodes.values())
    assert not any("Picture:" in item.toolTip() for item in window.editor.scene.nodes.values())
    window.undo_stack.undo()
    previews.request_now()
    wait_for_previews(window, qtbot)
    assert not message.isVisible() and doc.edge_at_input("conv2", "in") is not None


def test_the_person_picks_the_sample(with_data, qtbot):
    window = with_data(select=["input"])
    samples = window.controller.samples
    box = window.details.preview.sample_box
    assert box.count() == len(samples.names) == 6
    box.activated.emit(3)  # a training page
    qtbot.waitUntil(lambda: samples.sample is not None and samples.sample.name ==
                    samples.names[3].name)
    wait_for_previews(window, qtbot)
    assert box.currentIndex() == 3 and samples.names[3].split == "train"


def test_the_previews_can_use_a_checkpoints_weights(with_data, qtbot, tmp_path):
    window = with_data(select=["conv1"])
    trained = compile_graph(small_graph()).eval()
    run = tmp_path / "runs" / "2026-01-02_10-00-00"
    run.mkdir(parents=True)
    (run / "run.json").write_text(json.dumps({"status": "finished"}))
    torch.save({"format": 1, "model": trained.state_dict()}, run / "best.pt")
    (run / "last.pt").write_bytes(b"not a checkpoint")
    box = window.details.preview.weights_box
    box.opening.emit()  # what opening the list does: the runs are listed then
    labels = [box.itemText(i) for i in range(box.count())]
    assert labels == ["random weights", f"{run.name} · best.pt", f"{run.name} · last.pt"]
    previews = window.controller.previews
    box.activated.emit(1)
    qtbot.waitUntil(lambda: previews.weights is not None)
    result = wait_for_previews(window, qtbot)
    image = window.controller.samples.sample.image
    with torch.inference_mode():
        from app.previews import fit_image
        x = fit_image(image, 1, (SIZE, SIZE))[None]
        expected = trained.conv1(trained.input(x))[0]
    assert torch.allclose(result.nodes["conv1"].tensor, expected, atol=1e-5)
    assert box.currentText() == f"{run.name} · best.pt"
    box.activated.emit(2)  # a damaged file: said, and the weights stay
    qtbot.waitUntil(lambda: "last.pt: " in previews.weights_message)
    assert previews.weights_label == f"{run.name} · best.pt"
    assert "last.pt: " in window.details.preview.notes.text()


def test_without_data_the_panel_says_so(make_window, qtbot, tmp_path):
    (tmp_path / "empty").mkdir()
    path = write_project(tmp_path)
    data = json.loads(path.read_text())
    data["data"]["images"] = "empty"
    path.write_text(json.dumps(data))
    window = open_window(make_window, qtbot, path, previews=True, select=["conv1"])
    samples = window.controller.samples
    qtbot.waitUntil(lambda: not samples.busy, timeout=30_000)
    assert not samples.has_data
    message = window.details.preview.message
    assert message.isVisible() and message.text()
    assert not window.window_actions.recommend.isEnabled()


def _set(window, node_id, name, value):
    from canvas.commands import SetSettingCommand
    return SetSettingCommand(window.project.graph, node_id, name, value)


def _disconnect(window, source, target):
    from canvas.commands import DisconnectCommand
    doc = window.project.graph
    return DisconnectCommand(doc, next(e for e in doc.edges if (e.source, e.target) ==
                                       (source, target)))


def test_a_value_still_being_changed_is_previewed_without_touching_the_document(with_data,
                                                                               qtbot):
    """Arrows still pressed: the form's ``changing`` shows in the previews, and nothing
    is undoable or changed until the edit is committed; a value the node cannot take
    is not previewed."""
    window = with_data(select=["conv1"])
    doc, previews = window.project.graph, window.controller.previews
    revision, serial = doc.revision, previews.serial
    form = window.details.settings.form
    form.changing.emit("filters", 5)
    assert wait_for_previews(window, qtbot).nodes["conv1"].shape == (5, SIZE, SIZE)
    assert doc.revision == revision and doc.node("conv1").settings["filters"] == 8
    assert window.undo_stack.count() == 0 and previews.serial == serial + 1
    form.changing.emit("filters", 0)  # out of range: no request
    assert previews.serial == serial + 1
