"""What an import did with every file: counts, and each file not imported with the reason."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.core.printable import shown
from annotator.services.importing import ImportReport


def summary_line(report: ImportReport) -> str:
    parts = [f"{n} {name}" for name, n in report.summary.items() if n]
    text = ", ".join(parts) or "No files found"
    return f"{text}{' (cancelled)' if report.cancelled else ''} in {report.seconds:.1f} s."


def problems_text(report: ImportReport) -> str:
    lines = []
    for f in report.not_imported:
        reason = f" [{f.reason}]" if f.reason else ""
        # A name with a newline or a right-to-left override must not forge another line.
        lines.append(f"{f.outcome}{reason}: {shown(f.path)}\n    {shown(f.message)}")
    return "\n".join(lines)


class ImportSummaryDialog(QDialog):
    def __init__(self, parent: QWidget | None, report: ImportReport) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import finished")
        self.resize(self.fontMetrics().averageCharWidth() * 100, self.fontMetrics().height() * 24)
        self.headline = QLabel(summary_line(report))
        self.headline.setWordWrap(True)
        self.details = QPlainTextEdit(problems_text(report))
        self.details.setReadOnly(True)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        if report.not_imported:
            layout.addWidget(QLabel("Files not imported, and why (select and copy as needed):"))
            layout.addWidget(self.details)
        else:
            self.details.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy list")
        self.copy_button.setEnabled(bool(report.not_imported))
        self.copy_button.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.details.toPlainText())
        )
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def show_import_summary(parent: QWidget | None, report: ImportReport) -> None:
    ImportSummaryDialog(parent, report).exec()
