"""Claims under verification, with their status and evidence counts.

The status is set by the investigator; every linked annotation across the case is listed
under its claim and jumps to its media and frame.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.core.entities import Annotation, ClaimStatus
from annotator.core.errors import AnnotatorError
from annotator.core.timecode import format_ms
from annotator.services.claims import ClaimWithEvidence
from annotator.ui.empty_state import EmptyState

ClaimRole = Qt.ItemDataRole.UserRole + 1
AnnotationRole = Qt.ItemDataRole.UserRole + 2


class ClaimDialog(QDialog):
    """Statement, claimant, source, date claimed, notes; a refused claim says why in place."""

    def __init__(self, parent: QWidget | None, submit: Callable[[dict[str, str]], None]) -> None:
        super().__init__(parent)
        self.setWindowTitle("New claim")
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 70)
        self._submit = submit
        self.statement = QPlainTextEdit()
        self.statement.setPlaceholderText(
            "What is claimed, e.g. Two Chinese nationals were captured fighting for Russia"
        )
        self.statement.setTabChangesFocus(True)
        self.statement.setMaximumHeight(self.fontMetrics().height() * 4)
        self.claimant = QLineEdit()
        self.source_url = QLineEdit()
        self.claimed_at = QLineEdit()
        self.claimed_at.setPlaceholderText("e.g. 2025-04-08")
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(self.fontMetrics().height() * 4)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.hide()
        form = QFormLayout()
        form.addRow("&Statement", self.statement)
        form.addRow("&Claimant", self.claimant)
        form.addRow("Source &URL", self.source_url)
        form.addRow("&Date claimed", self.claimed_at)
        form.addRow("&Notes", self.notes)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def fields(self) -> dict[str, str]:
        return {
            "statement": self.statement.toPlainText(),
            "claimant": self.claimant.text(),
            "source_url": self.source_url.text(),
            "claimed_at": self.claimed_at.text(),
            "notes": self.notes.toPlainText(),
        }

    def _accept(self) -> None:
        try:
            self._submit(self.fields())
        except AnnotatorError as exc:
            self.error.setText(exc.message)
            self.error.show()
            return
        self.accept()


def ask_new_claim(parent: QWidget | None, submit: Callable[[dict[str, str]], None]) -> bool:
    return ClaimDialog(parent, submit).exec() == QDialog.DialogCode.Accepted


class ClaimsPanel(QWidget):
    new_claim = Signal()
    status_changed = Signal(str, str)  # claim uid, status
    jump_requested = Signal(object)  # Annotation

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Claim and its evidence", "Status", "For", "Against", "Context"])
        self.tree.setRootIsDecorated(True)
        self.tree.setWordWrap(True)
        self.tree.itemDoubleClicked.connect(self._double_clicked)
        self.tree.currentItemChanged.connect(self._current_changed)
        self.status = QComboBox()
        for status in ClaimStatus:
            self.status.addItem(status.value, status.value)
        self.status.setToolTip("Your verdict on the selected claim")
        self.status.activated.connect(self._status_chosen)
        self.status.setEnabled(False)
        add = QPushButton("New claim...")
        add.clicked.connect(self.new_claim)
        self.stack = EmptyState(
            self.tree,
            "No claims yet.\n\nAdd the claims you are verifying, then link "
            "annotations to them as evidence.",
        )
        self.empty = self.stack.empty
        row = QHBoxLayout()
        row.addWidget(add)
        row.addStretch(1)
        row.addWidget(QLabel("Status:"))
        row.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.stack, 1)

    def show_claims(
        self,
        claims: list[ClaimWithEvidence],
        evidence: dict[str, list[tuple[str, Annotation, str]]],
    ) -> None:
        """``evidence``: claim uid -> [(relation, annotation, media file name)]."""
        expanded = {
            self.tree.topLevelItem(i).data(0, ClaimRole)
            for i in range(self.tree.topLevelItemCount())
            if self.tree.topLevelItem(i).isExpanded()
        }
        self.tree.clear()
        for item in claims:
            claim = item.claim
            top = QTreeWidgetItem(
                [
                    claim.statement,
                    claim.status.value,
                    str(item.evidence["supports"]),
                    str(item.evidence["contradicts"]),
                    str(item.evidence["context"]),
                ]
            )
            top.setData(0, ClaimRole, claim.uid)
            top.setToolTip(
                0,
                f"{claim.statement}\nClaimant: {claim.claimant or '-'}\n"
                f"Source: {claim.source_url or '-'}",
            )
            for relation, annotation, media_name in evidence.get(claim.uid, []):
                when = "" if annotation.start_ms is None else f" {format_ms(annotation.start_ms)}"
                text = annotation.title or annotation.note or annotation.transcript
                child = QTreeWidgetItem([f"{relation}: {media_name}{when} {text}".strip()])
                child.setData(0, AnnotationRole, annotation)
                child.setToolTip(0, "Double-click to go there")
                top.addChild(child)
            self.tree.addTopLevelItem(top)
            top.setExpanded(claim.uid in expanded)
        self.tree.resizeColumnToContents(1)
        self.stack.show_content(bool(claims))

    def _current_changed(self, current: QTreeWidgetItem | None, _prev: object) -> None:
        claim_item = current.parent() or current if current is not None else None
        self.status.setEnabled(claim_item is not None)
        if claim_item is not None:
            self.status.setCurrentIndex(self.status.findData(claim_item.text(1)))

    def _status_chosen(self, _index: int) -> None:
        current = self.tree.currentItem()
        if current is None:
            return
        claim_item = current.parent() or current
        self.status_changed.emit(claim_item.data(0, ClaimRole), self.status.currentData())

    def _double_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        annotation = item.data(0, AnnotationRole)
        if annotation is not None:
            self.jump_requested.emit(annotation)
