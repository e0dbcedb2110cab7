"""A panel's content, or, when there is nothing to show, a sentence saying what to do."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStackedWidget, QWidget


class EmptyState(QStackedWidget):
    """Holds ``content`` and an ``empty`` label; ``show_content(False)`` shows the label."""

    def __init__(self, content: QWidget, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.content = content
        self.empty = QLabel(text)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.addWidget(self.empty)
        self.addWidget(content)

    def show_content(self, has_content: bool) -> None:
        self.setCurrentWidget(self.content if has_content else self.empty)
