r"""Media roots of this machine: a name the case stores, and where that folder is mounted here.

A team keeps its evidence on a shared folder that each laptop may mount elsewhere
(``/mnt/team-share``, ``Z:\\team-share``). Files imported from under a root are stored as
``name:relative/path`` (core/locations.py), so each machine finds them through its own
mapping; verification re-hashes them there.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.core.errors import ValidationError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def check_roots(rows: list[tuple[str, str]]) -> dict[str, str]:
    """The mapping from the table's rows; a clear error for a bad or repeated name or folder."""
    roots: dict[str, str] = {}
    for name, folder in rows:
        name, folder = name.strip(), folder.strip()
        if not name and not folder:
            continue
        if not _NAME.match(name):
            raise ValidationError(
                f"'{name}' cannot name a media root: use letters, digits, '.', '-' or '_' "
                "(no spaces or ':'), for example evidence."
            )
        if name in roots:
            raise ValidationError(f"The media root '{name}' is listed twice: keep one.")
        if not folder or not Path(folder).is_absolute():
            raise ValidationError(
                f"The media root '{name}' needs the full path of its folder on this computer."
            )
        roots[name] = folder
    return roots


class MediaRootsEditor(QWidget):
    """A two-column table (name, folder on this machine) with Add, Browse and Remove."""

    def __init__(self, roots: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Name", "Folder on this computer"])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setMinimumHeight(self.fontMetrics().height() * 6)
        for name, folder in sorted(roots.items()):
            self._add_row(name, folder)
        add = QPushButton("&Add...")
        add.setToolTip("Choose a shared evidence folder and give it a name")
        add.clicked.connect(self._add)
        self.browse_button = QPushButton("&Browse...")
        self.browse_button.setToolTip("Change where the selected root is on this computer")
        self.browse_button.clicked.connect(self._browse)
        remove = QPushButton("&Remove")
        remove.clicked.connect(self._remove)
        buttons = QHBoxLayout()
        for button in (add, self.browse_button, remove):
            buttons.addWidget(button)
        buttons.addStretch(1)
        hint = QLabel(
            "Files imported from under a media root are stored by its name, so each "
            "computer of a team finds them where it mounts the shared folder. Use the "
            "same names on every computer."
        )
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(hint)

    def _add_row(self, name: str, folder: str) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(name))
        self.table.setItem(row, 1, QTableWidgetItem(folder))

    def _add(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Shared evidence folder")
        if folder:
            name = re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(folder).name).strip("-.") or "evidence"
            self._add_row(name, folder)
            self.table.editItem(self.table.item(self.table.rowCount() - 1, 0))

    def _browse(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            return
        folder = QFileDialog.getExistingDirectory(self, "Where is this folder on this computer?")
        if folder:
            self.table.setItem(row, 1, QTableWidgetItem(folder))

    def _remove(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)

    def rows(self) -> list[tuple[str, str]]:
        def text(row: int, column: int) -> str:
            item = self.table.item(row, column)
            return item.text() if item is not None else ""

        return [(text(r, 0), text(r, 1)) for r in range(self.table.rowCount())]

    def roots(self) -> dict[str, str]:
        """The mapping as edited; ``ValidationError`` says which row to fix."""
        return check_roots(self.rows())
