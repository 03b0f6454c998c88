"""The Model > Recommend dialog: shows the proposal and its reasons, returns it on Apply."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog

from app.panels.recommend_dialog import RecommendDialog, details_html
from app.recommend import MemoryBudget, recommend
from tests.test_recommend import BUDGET, write_set


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    dataset, _ = write_set(tmp_path_factory.mktemp("rare"), 8, 64, 64, channels=1, classes=3,
                           rare=True)
    return dataset, recommend(dataset, BUDGET)


def test_the_dialog_shows_the_proposal_before_it_is_applied(qtbot, planned):
    _, rec = planned
    dialog = RecommendDialog(rec)
    qtbot.addWidget(dialog)
    assert dialog.headline.text() == "Input 1x64x64 → U-Net (depth 4, 32 filters) → Target (3 classes)"
    assert [b[1] for b in dialog.sketch.boxes] == ["Input", "UNet", "Target"]
    assert dialog.sketch.boxes[0][2] == "1x64x64 · resize"
    text = dialog.details.text()
    for reason in rec.reasons:
        assert reason.replace("'", "&#x27;") in text
    assert "class 2</td><td align='right'>0.10%" in text
    assert "epochs 300, batch size 2, optimizer adam, learning rate 0.001" in text
    assert dialog.apply_button.isEnabled() and not dialog.warnings.isVisible()
    dialog.apply_button.click()
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.recommendation is rec


def test_planning_runs_off_the_gui_thread_and_arrives_as_a_signal(qtbot, planned):
    dataset, rec = planned
    dialog = RecommendDialog()
    qtbot.addWidget(dialog)
    assert not dialog.apply_button.isEnabled()
    with qtbot.waitSignal(dialog.planned, timeout=60_000):
        dialog.plan(dataset, BUDGET)
        assert dialog.headline.text() == "Planning the model from the data…"
    assert dialog.recommendation.graph == rec.graph and dialog.apply_button.isEnabled()


def test_warnings_and_errors_are_shown_above_the_details(qtbot, planned, tmp_path):
    dataset, _ = planned
    dialog = RecommendDialog()
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.planned, timeout=60_000):
        dialog.plan(dataset, MemoryBudget(1024 ** 2, "cpu", "one MiB"))
    assert dialog.warnings.isVisibleTo(dialog)
    assert "will probably run out of memory" in dialog.warnings.text()
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    from app.data.scan import scan
    empty = scan({"source": "folders", "images": "images", "masks": "masks"}, tmp_path)
    with qtbot.waitSignal(dialog.planned, timeout=60_000):
        dialog.plan(empty, BUDGET)
    assert dialog.recommendation is None and not dialog.apply_button.isEnabled()
    assert "no usable image/mask pairs" in dialog.warnings.text()
    assert dialog.headline.text() == "No recommendation for this data."
