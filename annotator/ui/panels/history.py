"""History: who changed what, when, before and after, read from the audit trail.

For the whole case or for the selected annotation. Deleted annotations stay visible here
(soft delete) and can be restored; the restore is itself a new event in the trail.
"""

from __future__ import annotations

import json

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.core.entities import Annotation, AuditEvent

EventRole = Qt.ItemDataRole.UserRole + 1
# Bookkeeping columns every update changes: not worth a line in "what changed".
_QUIET = {"version", "updated_at"}
_LABEL_FIELDS = ("title", "note", "statement", "path", "file_name", "name", "transcript")


def changed_fields(event: AuditEvent) -> list[tuple[str, object, object]]:
    """(field, before, after) for each field the event changed, bookkeeping left out."""
    before, after = event.before or {}, event.after or {}
    keys = sorted((set(before) | set(after)) - _QUIET)
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


def record_label(event: AuditEvent) -> str:
    """A few words naming the record: its title, note, statement, path or file name."""
    state = event.after or event.before or {}
    for key in _LABEL_FIELDS:
        value = state.get(key)
        if isinstance(value, str) and value.strip():
            text = " ".join(value.split())
            return text if len(text) <= 60 else text[:59] + "…"
    return event.entity_uid[:8]


def summary(event: AuditEvent) -> str:
    if event.before is None and event.after is not None:
        return "created"
    if event.after is None and event.before is not None:
        return "removed"
    changes = changed_fields(event)
    if not changes:
        return ""
    parts = [f"{k}: {_short(b)} → {_short(a)}" for k, b, a in changes[:3]]
    more = f" (+{len(changes) - 3} more)" if len(changes) > 3 else ""
    return "; ".join(parts) + more


def _short(value: object, limit: int = 40) -> str:
    text = "—" if value in (None, "") else str(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class HistoryPanel(QWidget):
    scope_changed = Signal()  # the window reloads the events for the new scope
    restore_requested = Signal(str)  # annotation uid

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scope = QComboBox()
        self.scope.addItem("Whole case", "case")
        self.scope.addItem("Selected annotation", "annotation")
        self.scope.currentIndexChanged.connect(self.scope_changed)
        self.deleted_only = QCheckBox("Deleted annotations")
        self.deleted_only.setToolTip("Show only annotations that were deleted, to restore them")
        self.deleted_only.toggled.connect(self.scope_changed)
        self.restore_button = QPushButton("Restore")
        self.restore_button.setToolTip("Bring the deleted annotation back (recorded in the trail)")
        self.restore_button.setEnabled(False)
        self.restore_button.clicked.connect(self._restore)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["#", "When (UTC)", "Who", "What", "Record", "Changes"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.currentItemChanged.connect(self._current)
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.detail.setPlaceholderText("Select an event to see the record before and after.")
        self.note = QLabel()
        self.note.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.scope)
        top.addWidget(self.deleted_only)
        top.addStretch(1)
        top.addWidget(self.restore_button)
        # Small minimums: the panel shares a dock column and the window must fit small screens.
        line = self.fontMetrics().height()
        self.tree.setMinimumHeight(line * 3)
        self.detail.setMinimumHeight(line * 2)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.tree)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.note)
        layout.addWidget(split, 1)
        self._deleted: dict[str, Annotation] = {}

    @property
    def annotation_scope(self) -> bool:
        return self.scope.currentData() == "annotation"

    def show_events(self, events: list[AuditEvent], note: str = "") -> None:
        """Newest first: what changed last is what an investigator looks for."""
        self.tree.clear()
        self.note.setText(note)
        self.note.setVisible(bool(note))
        items = []
        for event in reversed(events):
            item = QTreeWidgetItem(
                [
                    str(event.seq),
                    f"{event.at:%Y-%m-%d %H:%M:%S}",
                    event.actor,
                    event.action,
                    f"{event.entity_type}: {record_label(event)}",
                    summary(event),
                ]
            )
            item.setData(0, EventRole, event)
            item.setToolTip(5, item.text(5))
            items.append(item)
        self.tree.addTopLevelItems(items)
        for column in range(5):
            self.tree.resizeColumnToContents(column)
        self.detail.clear()
        self._update_restore()

    def set_deleted(self, deleted: list[Annotation]) -> None:
        """Annotations that are deleted now (they can be restored)."""
        self._deleted = {a.uid: a for a in deleted}
        self._update_restore()

    def _current(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        event = current.data(0, EventRole) if current is not None else None
        if not isinstance(event, AuditEvent):
            self.detail.clear()
        else:
            self.detail.setPlainText(
                f"Event {event.seq} · {event.action} by {event.actor} at "
                f"{event.at:%Y-%m-%d %H:%M:%S.%f} UTC\n"
                f"hash {event.hash}\n\nBefore:\n{_pretty(event.before)}\n\n"
                f"After:\n{_pretty(event.after)}"
            )
        self._update_restore()

    def _selected_event(self) -> AuditEvent | None:
        item = self.tree.currentItem()
        event = item.data(0, EventRole) if item is not None else None
        return event if isinstance(event, AuditEvent) else None

    def _update_restore(self) -> None:
        event = self._selected_event()
        self.restore_button.setEnabled(
            event is not None
            and event.entity_type == "annotation"
            and event.entity_uid in self._deleted
        )

    def _restore(self) -> None:
        event = self._selected_event()
        if event is not None and event.entity_uid in self._deleted:
            self.restore_requested.emit(event.entity_uid)


def _pretty(state: dict[str, object] | None) -> str:
    if state is None:
        return "(none)"
    return json.dumps(state, ensure_ascii=False, indent=2, sort_keys=True)
