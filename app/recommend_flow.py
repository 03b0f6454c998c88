"""Model > Recommend: from the project's data to the proposed model, applied as one step.

The data set is the one the controller's SampleSource scanned for the previews (so
the menu entry is enabled once the project has data, and nothing is scanned twice);
the dialog plans off the GUI thread and shows the reasons; Apply hands the proposal
to the controller, which makes the graph, the training keys and the data keys ONE
undo step.
"""
from __future__ import annotations

from PySide6.QtWidgets import QDialog, QMainWindow

from app.controller import ProjectController
from app.panels.recommend_dialog import RecommendDialog
from canvas.editor import CanvasEditor


def recommend(window: QMainWindow, controller: ProjectController, editor: CanvasEditor) -> bool:
    """Show the recommendation for the project's data; True if the person applied it."""
    samples = controller.samples
    if samples.dataset is None or not samples.has_data:
        window.statusBar().showMessage("Recommend needs data: set it up in Data > Data Wizard "
                                       "first", 8000)
        return False
    dialog = RecommendDialog(parent=window)
    dialog.plan(samples.dataset)
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    recommendation = dialog.recommendation
    dialog.deleteLater()
    if not (accepted and recommendation is not None):
        return False
    controller.apply_recommendation(recommendation)
    editor.view.fit_to_graph()
    window.statusBar().showMessage("Applied the recommended model (Edit > Undo takes it back)",
                                   8000)
    return True
