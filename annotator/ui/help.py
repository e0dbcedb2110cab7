"""Help > About, Help > Keyboard shortcuts and Help > Open log folder."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator import APP_NAME, __version__
from annotator.core.paths import AppPaths
from annotator.ui.shortcuts import ALL_SHORTCUTS


def about_text(database: str, paths: AppPaths) -> str:
    rows = [
        ("Version", __version__),
        ("Case database", database),
        ("Data folder", str(paths.data_dir)),
        ("Settings file", str(paths.settings_file)),
        ("Log folder", str(paths.log_dir)),
    ]
    table = "".join(f"<tr><td><b>{escape(k)}</b></td><td>{escape(v)}</td></tr>" for k, v in rows)
    return (
        f"<h3>{APP_NAME}</h3><p>Examine, annotate and prove video and image evidence.</p>"
        f"<table cellspacing='6'>{table}</table>"
    )


def open_url(url: QUrl) -> bool:
    """Hand a file or folder to the desktop (tests replace this function)."""
    return QDesktopServices.openUrl(url)


def open_log_folder(parent: QWidget, paths: AppPaths) -> None:
    """The folder of ``annotator.log``, in the file manager: for a bug report."""
    folder = paths.log_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        QMessageBox.warning(parent, "Log folder", f"Cannot create {folder}: {exc.strerror}.")
        return
    if not open_url(QUrl.fromLocalFile(str(folder))):
        QMessageBox.information(parent, "Log folder", f"The log files are in:\n{folder}")


def show_about(parent: QWidget, database: str, paths: AppPaths) -> None:
    QMessageBox.about(parent, f"About {APP_NAME}", about_text(database, paths))


class ShortcutsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.table = QTableWidget(len(ALL_SHORTCUTS), 3)
        self.table.setHorizontalHeaderLabels(["Menu", "Action", "Keys"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        ordered = sorted(ALL_SHORTCUTS.values(), key=lambda s: s.group)
        for row, item in enumerate(ordered):
            for col, text in enumerate((item.group, item.label, item.text())):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(self.fontMetrics().averageCharWidth() * 70, self.fontMetrics().height() * 24)
