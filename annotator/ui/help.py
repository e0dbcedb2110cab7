"""Help > About and Help > Keyboard shortcuts."""

from __future__ import annotations

from html import escape

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
