"""Every modal question the main window asks, in one place.

Keeping them here (and calling them as ``dialogs.name(...)``) means a test can
replace a question with an answer (``monkeypatch.setattr(dialogs, ...)``) and a
modal box never blocks a test run.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

PROJECT_FILTER = "U-Net Studio projects (*.json);;All files (*)"


def show_error(parent: QWidget | None, title: str, text: str, details: str = "") -> None:
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    if details:
        box.setInformativeText(details)
    box.exec()


def show_info(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.information(parent, title, text)


def ask_save_changes(parent: QWidget | None, name: str) -> str:
    """'save', 'discard' or 'cancel' for a project with unsaved changes."""
    buttons = (QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
               | QMessageBox.StandardButton.Cancel)
    answer = QMessageBox.question(parent, "Unsaved changes",
                                  f"'{name}' has changes that are not saved. Save them first?",
                                  buttons, QMessageBox.StandardButton.Save)
    return {QMessageBox.StandardButton.Save: "save",
            QMessageBox.StandardButton.Discard: "discard"}.get(answer, "cancel")


def ask_restore(parent: QWidget | None, description: str) -> bool:
    answer = QMessageBox.question(
        parent, "Restore unsaved work?",
        f"U-Net Studio did not close properly last time. Unsaved work was kept:\n\n"
        f"{description}\n\nRestore it? (No discards it.)",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.Yes)
    return answer == QMessageBox.StandardButton.Yes


def open_path(parent: QWidget | None, folder: Path) -> str | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Open project", str(folder), PROJECT_FILTER)
    return path or None


def save_path(parent: QWidget | None, suggested: Path) -> str | None:
    path, _ = QFileDialog.getSaveFileName(parent, "Save project as", str(suggested),
                                          PROJECT_FILTER)
    if path and not Path(path).suffix:
        path += ".json"
    return path or None


def ask_text(parent: QWidget | None, title: str, label: str, text: str) -> str | None:
    value, ok = QInputDialog.getText(parent, title, label, text=text)
    return value.strip() if ok and value.strip() else None
