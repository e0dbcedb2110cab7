"""The centre of the window until the media viewer arrives: the open case at a glance."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from annotator.core.entities import CaseSummary


def _selectable(label: QLabel) -> QLabel:
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


class CaseOverview(QStackedWidget):
    """Empty state that says what to do, or the open case's summary and audit head."""

    new_case_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty = QWidget()
        empty_layout = QVBoxLayout(self.empty)
        empty_layout.addStretch(1)
        self.empty_label = QLabel(
            "<h2>No case open</h2><p>A case holds the media, annotations and claims of one "
            "investigation.<br>Create one to begin: <b>Case &gt; New case...</b><br>"
            "or look around a worked example: <b>Help &gt; Open demo case</b></p>"
        )
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.new_button = QPushButton("New case...")
        self.new_button.clicked.connect(self.new_case_requested)
        empty_layout.addWidget(self.empty_label)
        empty_layout.addWidget(self.new_button, 0, Qt.AlignmentFlag.AlignHCenter)
        empty_layout.addStretch(2)
        self.addWidget(self.empty)

        self.details = QWidget()
        layout = QVBoxLayout(self.details)
        self.title = _selectable(QLabel())
        self.description = _selectable(QLabel())
        self.description.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.created = _selectable(QLabel())
        self.counts = _selectable(QLabel())
        self.audit = _selectable(QLabel())
        self.audit.setTextFormat(Qt.TextFormat.PlainText)
        # A read-only field: the 64-digit hash scrolls instead of widening the window,
        # and copies cleanly.
        self.head_hash = QLineEdit()
        self.head_hash.setReadOnly(True)
        self.head_hash.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        form.addRow("Created:", self.created)
        form.addRow("Contents:", self.counts)
        form.addRow("Audit trail:", self.audit)
        form.addRow("Head hash:", self.head_hash)
        layout.addWidget(self.title)
        layout.addWidget(self.description)
        layout.addLayout(form)
        layout.addStretch(1)
        self.addWidget(self.details)

    def show_empty(self) -> None:
        self.setCurrentWidget(self.empty)

    def show_case(self, summary: CaseSummary, audit_events: int, head_hash: str) -> None:
        case = summary.case
        self.title.setText(f"<h1>{_escape(case.name)}</h1>")
        self.description.setText(_escape(case.description) or "<i>No description.</i>")
        self.created.setText(f"{case.created_at:%Y-%m-%d %H:%M} UTC by {_escape(case.created_by)}")
        self.counts.setText(
            f"{summary.media_count} media, {plural(summary.annotation_count, 'annotation')}"
        )
        self.audit.setText(plural(audit_events, "event"))
        self.head_hash.setText(head_hash)
        self.head_hash.setCursorPosition(0)
        self.setCurrentWidget(self.details)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _escape(text: str) -> str:
    from html import escape

    return escape(text).replace("\n", "<br>")
