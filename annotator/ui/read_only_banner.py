"""The banner a read-only case database shows across the top of the main window.

A database on a read-only disk, or without write permission, opens read-only instead of
failing (see ``db/engine.py``): everything can be viewed and exported, nothing changed.
The banner says so before the investigator tries; a refused edit says it again in the
status bar (the services raise ``ReadOnlyError``, which the panels show as a message).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QSizePolicy, QToolBar

from annotator.core.errors import NO_WRITE_GRANT_MESSAGE, READ_ONLY_MESSAGE

# Short enough for one line beside the case switcher (the window's minimum height stays
# within 540 px); the whole explanation is the tooltip, and the status bar's refusal text.
BANNER_TEXT = "Read-only: copy this case database to a writable folder to change it."
#: On a team server whose administrator granted this login reading only.
NO_GRANT_TEXT = "Read-only: your database login may read these cases but not change them."


class ReadOnlyBanner(QLabel):
    def __init__(self, message: str = READ_ONLY_MESSAGE) -> None:
        no_grant = message == NO_WRITE_GRANT_MESSAGE
        super().__init__(NO_GRANT_TEXT if no_grant else BANNER_TEXT)
        self.setObjectName("read_only_banner")
        self.setWordWrap(False)  # one line: the window keeps its minimum height
        # Never widens the window: on a narrow one the text is cut, the tooltip has it all.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(160)
        self.setToolTip(
            f"{message}\nExports still work, but cannot be recorded in this case's audit trail."
        )
        self.setStyleSheet(
            "QLabel#read_only_banner { background: #fff3cd; color: #5c4400;"
            " border: 1px solid #e0c068; padding: 3px 8px; font-weight: bold; }"
        )


def install_read_only_banner(
    window: QMainWindow, message: str = READ_ONLY_MESSAGE
) -> ReadOnlyBanner:
    """Put the banner at the top of ``window``, beside its toolbar; return it."""
    bar = QToolBar("Read-only")
    bar.setObjectName("read_only_bar")
    bar.setMovable(False)
    bar.setFloatable(False)
    bar.toggleViewAction().setVisible(False)  # not something to hide from the context menu
    banner = ReadOnlyBanner(message)
    bar.addWidget(banner)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
    return banner
