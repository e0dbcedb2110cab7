"""A result message that does not block: the event loop, the window and tests go on."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


def notice(parent: QWidget | None, title: str, text: str, icon: QMessageBox.Icon) -> QMessageBox:
    """A window-modal message box with Close, deleted when closed; the caller opens it."""
    box = QMessageBox(parent)
    box.setWindowTitle(title)
    box.setIcon(icon)
    box.setText(text)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.addButton(QMessageBox.StandardButton.Close)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return box
