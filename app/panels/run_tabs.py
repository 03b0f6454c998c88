"""The Statistics and Test tabs of the bottom dock, before training exists.

Each says what will appear there and how to get it, so a person who opens the
tab learns what the tab is for instead of seeing an empty box.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

STATISTICS_TEXT = (
    "<b>Statistics</b><br>Training curves will appear here while a model trains: training "
    "and validation loss, mean and per-class IoU, Dice and pixel accuracy, per epoch. "
    "Training is not part of this version yet; the Problems tab already tells whether the "
    "graph compiles into a model.")
TEST_TEXT = (
    "<b>Test</b><br>After training, this tab will show the model's prediction drawn over the "
    "ground truth for images of the validation and test splits, with each image's metrics, "
    "and let you try the model on your own images.")

def explanation_tab(text: str, parent: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    label.setMargin(12)
    label.setObjectName("explanationTab")
    return label
