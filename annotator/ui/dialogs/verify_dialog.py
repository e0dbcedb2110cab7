"""Results of Case > Verify integrity and Case > Relink media: each file, the audit verdict."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.services.custody import RelinkReport, VerifyReport

PROBLEM_COLOUR = "#d32f2f"  # the red used for warnings elsewhere (timeline, waveform)
_STATE_ORDER = {"modified": 0, "unreadable": 1, "missing": 2, "ok": 3}


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> QTableWidget:
    table = QTableWidget(len(rows), len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setWordWrap(True)
    table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
    table.verticalHeader().hide()
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            table.setItem(r, c, item)
    # Name and state fit their text; detail and location share the rest, wrapped in full.
    header = table.horizontalHeader()
    for column in range(len(headers)):
        mode = (
            QHeaderView.ResizeMode.ResizeToContents
            if column < 2
            else QHeaderView.ResizeMode.Stretch
        )
        header.setSectionResizeMode(column, mode)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


def _mark_problem(item: QTableWidgetItem | None) -> None:
    if item is None:
        return
    item.setForeground(QBrush(QColor(PROBLEM_COLOUR)))
    font = QFont(item.font())
    font.setBold(True)
    item.setFont(font)


def verify_headline(report: VerifyReport) -> str:
    checked, problems = len(report.media), len(report.problems)
    if report.cancelled:
        head = (
            f"Cancelled: {checked} of {checked + len(report.unchecked)} media files checked; "
            "their states are recorded. Verify again to check them all."
        )
    elif not problems:
        head = f"All {checked} media files are intact: each SHA-256 matches the one recorded."
    else:
        head = (
            f"{problems} of {checked} media files are not as imported. Relink moved files with "
            "Case > Relink media...; a modified file can only be replaced by the original."
        )
    return head


def audit_verdict(report: VerifyReport) -> str:
    audit = report.audit
    if audit.ok:
        return f"Audit trail intact: {audit.events} events checked; every record matches."
    where = f" at event {audit.first_bad_seq}" if audit.first_bad_seq is not None else ""
    return (
        f"Audit trail problem{where}: {audit.message} Keep this database file unchanged and "
        "compare its head hash with the last one you published."
    )


class VerifyDialog(QDialog):
    """Each media file's state, problems first, then the audit verdict and head hash."""

    def __init__(self, parent: QWidget | None, report: VerifyReport) -> None:
        super().__init__(parent)
        self.report = report
        self.setWindowTitle(f"Integrity of {report.case}")
        metrics = self.fontMetrics()
        self.resize(metrics.averageCharWidth() * 110, metrics.height() * 26)
        self.headline = QLabel(verify_headline(report))
        self.headline.setWordWrap(True)
        checks = sorted(report.media, key=lambda m: (_STATE_ORDER.get(m.state, 0), m.file_name))
        rows = [
            [
                m.file_name,
                m.state if m.state == "ok" else m.state.upper(),
                "" if m.state == "ok" and m.recorded else m.message,
                m.path,
            ]
            for m in checks
        ]
        rows += [[m.file_name, "not checked", "Cancelled", m.location] for m in report.unchecked]
        self.table = _table(["File", "State", "Detail", "Where"], rows)
        for row, check in enumerate(checks):
            if check.state != "ok" or not check.recorded:
                _mark_problem(self.table.item(row, 1))
        self.audit_label = QLabel(audit_verdict(report))
        self.audit_label.setWordWrap(True)
        if not report.audit.ok:
            self.audit_label.setStyleSheet(f"color: {PROBLEM_COLOUR}; font-weight: bold;")
        self.head = QLineEdit(report.head_hash)
        self.head.setReadOnly(True)
        self.head.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.head.setToolTip(
            "The head hash after this verification: publish it with your findings, so a "
            "later rewrite of the trail shows."
        )
        head_row = QHBoxLayout()
        head_row.addWidget(QLabel(f"Events: {report.events}   Head hash:"))
        head_row.addWidget(self.head, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy head hash")
        self.copy_button.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(report.head_hash)
        )
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.audit_label)
        layout.addLayout(head_row)
        layout.addWidget(buttons)

    def states(self) -> dict[str, str]:
        """File name -> the State column as shown (for tests and accessibility checks)."""
        out = {}
        for row in range(self.table.rowCount()):
            name, state = self.table.item(row, 0), self.table.item(row, 1)
            if name is not None and state is not None:
                out[name.text()] = state.text()
        return out


def relink_headline(report: RelinkReport) -> str:
    missing = len(report.relinked) + len(report.still_missing)
    if not missing:
        return f"Nothing to relink: all {report.present} media files are where the case says."
    text = f"Relinked {len(report.relinked)} of {missing} missing media files from {report.folder}."
    if report.still_missing:
        text += " The others were not found there with the same size and SHA-256."
    if report.rejected:
        text += f" {len(report.rejected)} file(s) looked similar but were refused."
    if report.cancelled:
        text += " Cancelled: the files relinked so far are recorded."
    return text


class RelinkDialog(QDialog):
    """What a relink did: each file relinked, each still missing, each file refused."""

    def __init__(self, parent: QWidget | None, report: RelinkReport) -> None:
        super().__init__(parent)
        self.report = report
        self.setWindowTitle(f"Relink media of {report.case}")
        metrics = self.fontMetrics()
        self.resize(metrics.averageCharWidth() * 110, metrics.height() * 24)
        layout = QVBoxLayout(self)
        self.headline = QLabel(relink_headline(report))
        self.headline.setWordWrap(True)
        layout.addWidget(self.headline)
        rows = [
            [r.file_name, "relinked", f"was {r.old_location}", r.new_location]
            for r in report.relinked
        ]
        rows += [
            [m.file_name, "still missing", f"SHA-256 {m.sha256}", m.location]
            for m in report.still_missing
        ]
        rows += [
            [Path(r.path).name, f"refused: {r.reason}", r.message, r.path] for r in report.rejected
        ]
        rows += [[Path(p.path).name, "not searched", p.message, p.path] for p in report.problems]
        self.table = _table(["File", "Outcome", "Detail", "Location"], rows)
        for row in range(len(report.relinked), len(rows)):
            _mark_problem(self.table.item(row, 1))
        self.table.setVisible(bool(rows))
        layout.addWidget(self.table, 1)
        if not rows:
            layout.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def show_result(dialog: QDialog) -> QDialog:
    """Show a result without blocking: the investigator can look at the media meanwhile."""
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setModal(False)
    dialog.show()
    return dialog
