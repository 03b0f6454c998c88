"""The overlay renderer, pixel by pixel on a hand-made 5x5 case.

truth: a 3x3 square of class 1 (rows 1-3, cols 1-3); prediction: the same square one
column to the right (cols 2-4) and one pixel of class 2 at (4, 0). So column 1 of the
square is missed (false negative), columns 2-3 are hits, column 4 and (4, 0) are
false positives.
"""
from __future__ import annotations

import numpy as np
import pytest

from app.data.spec import IGNORE_INDEX
from app.stats import overlay

GRAY = 100
RED, GREEN = (230, 25, 75), (60, 180, 75)  # the data code's colours of classes 1 and 2


@pytest.fixture
def case():
    image = np.full((5, 5), GRAY, np.uint8)
    truth = np.zeros((5, 5), np.uint8)
    truth[1:4, 1:4] = 1
    prediction = np.zeros((5, 5), np.uint8)
    prediction[1:4, 2:5] = 1
    prediction[4, 0] = 2
    return image, truth, prediction


def px(rgb, row, col):
    return tuple(int(v) for v in rgb[row, col])


def test_correctness_colours_each_kind_of_pixel(case):
    rgb = overlay.render(*case, mode="correctness", blend=1.0)
    assert rgb.shape == (5, 5, 3)
    for row in (1, 2, 3):
        assert px(rgb, row, 1) == overlay.FALSE_NEGATIVE
        assert px(rgb, row, 2) == px(rgb, row, 3) == overlay.TRUE_POSITIVE
        assert px(rgb, row, 4) == overlay.FALSE_POSITIVE
    assert px(rgb, 4, 0) == overlay.FALSE_POSITIVE  # a class where the truth has none
    assert px(rgb, 0, 0) == (GRAY, GRAY, GRAY)      # agreed background stays the image
    counts = [np.all(rgb == c, axis=2).sum() for c in
              (overlay.TRUE_POSITIVE, overlay.FALSE_POSITIVE, overlay.FALSE_NEGATIVE)]
    assert counts == [6, 4, 3]


def test_correctness_blends_with_the_image(case):
    rgb = overlay.render(*case, mode="correctness", blend=0.5)
    expected = tuple(round((GRAY + c) / 2) for c in overlay.TRUE_POSITIVE)
    assert px(rgb, 2, 2) == expected


def test_wrong_foreground_class_is_a_false_positive(case):
    image, truth, prediction = case
    prediction = prediction.copy()
    prediction[2, 2] = 2  # truth says 1
    rgb = overlay.render(image, truth, prediction, mode="correctness", blend=1.0)
    assert px(rgb, 2, 2) == overlay.FALSE_POSITIVE


def test_overlay_fills_prediction_and_draws_truth_border(case):
    rgb = overlay.render(*case, mode="overlay", blend=1.0)
    assert px(rgb, 2, 2) == RED                     # inside the truth: the prediction's fill
    assert px(rgb, 1, 1) == overlay.TRUTH_LINE      # the truth's border, missed by the model
    assert px(rgb, 2, 3) == overlay.TRUTH_LINE      # truth border drawn over the fill
    assert px(rgb, 2, 4) == RED                     # predicted outside the truth
    assert px(rgb, 4, 0) == GREEN
    assert px(rgb, 0, 0) == (GRAY, GRAY, GRAY)


def test_overlay_at_zero_blend_is_the_plain_image(case):
    rgb = overlay.render(*case, mode="overlay", blend=0.0)
    assert np.all(rgb == GRAY)


def test_outlines_draw_borders_only(case):
    rgb = overlay.render(*case, mode="outlines", blend=0.5)  # lines are full at half blend
    assert px(rgb, 2, 2) == RED                     # the prediction's left border
    assert px(rgb, 2, 4) == RED                     # its right border (the image's edge)
    assert px(rgb, 2, 1) == overlay.TRUTH_LINE      # the truth's left border
    assert px(rgb, 2, 3) == overlay.TRUTH_LINE      # truth border wins where both are
    assert px(rgb, 0, 0) == (GRAY, GRAY, GRAY)
    square = np.pad(np.ones((5, 5), np.uint8), 1)
    edges = overlay.boundaries(square)
    assert edges[1, 1] and edges[1, 3] and not edges[3, 3] and not edges[0, 0]
    assert edges.sum() == 16  # the ring of the 5x5 square


def test_side_by_side_shows_image_truth_prediction(case):
    rgb = overlay.render(*case, mode="side_by_side", blend=1.0)
    width = 5 + overlay.GAP
    assert rgb.shape == (5, 3 * 5 + 2 * overlay.GAP, 3)
    assert px(rgb, 2, 1) == (GRAY, GRAY, GRAY)              # image
    assert px(rgb, 2, 5) == overlay.GAP_COLOR                # the gap
    assert px(rgb, 2, width + 1) == RED                      # truth has column 1
    assert px(rgb, 2, 2 * width + 1) == (GRAY, GRAY, GRAY)   # the prediction has not
    assert px(rgb, 2, 2 * width + 4) == RED


def test_ignored_pixels_are_never_tinted(case):
    image, truth, prediction = case
    truth = truth.copy()
    truth[1, 1] = IGNORE_INDEX
    prediction = prediction.copy()
    prediction[1, 1] = 1
    for mode in ("correctness", "side_by_side"):
        rgb = overlay.render(image, truth, prediction, mode, blend=1.0)
        assert px(rgb, 1, 1) != overlay.FALSE_POSITIVE
    rgb = overlay.render(image, truth, prediction, "side_by_side", blend=1.0)
    assert px(rgb, 1, 5 + overlay.GAP + 1) == (GRAY, GRAY, GRAY)


def test_without_truth_every_mode_shows_the_prediction(case):
    image, _, prediction = case
    assert px(overlay.render(image, None, prediction, "correctness", 1.0), 2, 3) == RED
    assert overlay.render(image, None, prediction, "side_by_side", 1.0).shape[1] == \
        10 + overlay.GAP


def test_class_colours_given_by_the_data_are_used(case):
    rgb = overlay.render(*case, mode="overlay", blend=1.0, colors=[(0, 0, 0), (1, 2, 3)])
    assert px(rgb, 2, 2) == (1, 2, 3)


def test_masks_of_another_size_and_float_images(case):
    _, truth, prediction = case
    image = np.full((10, 10, 1), GRAY / 255, np.float32)
    rgb = overlay.render(image, truth, prediction, "correctness", 1.0)
    assert rgb.shape == (10, 10, 3)
    assert px(rgb, 5, 5) == overlay.TRUE_POSITIVE  # (2, 2) scaled by two


def test_unknown_mode_is_refused(case):
    with pytest.raises(ValueError, match="correctness"):
        overlay.render(*case, mode="heatmap")


def test_class_png_round_trip(tmp_path, case):
    _, truth, _ = case
    overlay.save_classes(tmp_path / "mask.png", truth)
    assert np.array_equal(overlay.read_classes(tmp_path / "mask.png"), truth)
    assert overlay.read_image(tmp_path / "mask.png").shape == (5, 5, 3)
