"""The questions only the hub asks, in one place so that a test answers them
(``monkeypatch.setattr(hub_dialogs, ...)``); the common ones (errors, a name, a
project file) are app.dialogs'."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QFileDialog, QWidget

from app.data.dataset_info import DataSet
from app.dialogs import PROJECT_FILTER
from app.project import Project
from app.recommend import Recommendation


def choose_folder(parent: QWidget | None, title: str, start: Path) -> Path | None:
    folder = QFileDialog.getExistingDirectory(parent, title, str(start))
    return Path(folder) if folder else None


def import_path(parent: QWidget | None, start: Path) -> Path | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Import a project file", str(start),
                                          PROJECT_FILTER)
    return Path(path) if path else None


def choose_data(parent: QWidget | None, project: Project) -> DataSet | None:
    """The Data Wizard on ``project`` (its data section set on Finish); the data set
    it scanned, or None when cancelled."""
    from PySide6.QtGui import QUndoStack

    from app.panels.data_wizard import DataWizard

    stack = QUndoStack()
    wizard = DataWizard(project, stack, parent)
    wizard.setWindowTitle(f"Data for the recommended model — {project.name}")
    accepted = wizard.exec() == QDialog.DialogCode.Accepted
    dataset = wizard.dataset if accepted else None
    wizard.deleteLater()
    return dataset


def recommend_model(parent: QWidget | None, dataset: DataSet) -> Recommendation | None:
    """The recommendation for ``dataset``, shown with its reasons; None when cancelled."""
    from app.panels.recommend_dialog import RecommendDialog

    dialog = RecommendDialog(parent=parent)
    dialog.plan(dataset)
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    recommendation = dialog.recommendation if accepted else None
    dialog.deleteLater()
    return recommendation
