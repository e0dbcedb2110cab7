"""Edit the selected annotation. Every field saves as soon as you leave it (or press Enter)."""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from annotator.core.entities import Annotation, Claim, ClaimLink, Relation
from annotator.core.timecode import format_ms
from annotator.ui.empty_state import EmptyState

PLACE_LABELS = {
    "place_name": "Place",
    "latitude": "Latitude",
    "longitude": "Longitude",
    "geo_method": "Located by",
    "geo_confidence": "Place certainty",
    "event_time": "Event time",
    "chrono_method": "Dated by",
    "chrono_confidence": "Time certainty",
}
PLACE_HINTS = {
    "place_name": "e.g. Donetsk region (claimed)",
    "latitude": "decimal, e.g. 48.0159",
    "longitude": "decimal, e.g. 37.8028",
    "geo_method": "e.g. matched skyline in satellite image",
    "geo_confidence": "low / medium / high",
    "event_time": "e.g. 2025-04-07 morning",
    "chrono_method": "e.g. shadows, weather records",
    "chrono_confidence": "low / medium / high",
}


class CommitTextEdit(QPlainTextEdit):
    """Multi-line text that commits on Enter (Shift+Enter for a new line) and on leaving."""

    committed = Signal()
    done = Signal()  # Enter: go back to the picture

    def keyPressEvent(self, event: QKeyEvent) -> None:
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.committed.emit()
            self.done.emit()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.committed.emit()
        super().focusOutEvent(event)


class TagCompleter(QCompleter):
    """Completes the tag being typed after the last comma, with existing tag paths."""

    def pathFromIndex(self, index) -> str:  # type: ignore[no-untyped-def]
        widget = self.widget()
        done = widget.text().rsplit(",", 1)[0] + ", " if "," in widget.text() else ""
        return done + str(index.data())

    def splitPath(self, path: str) -> list[str]:
        return [path.rsplit(",", 1)[-1].strip()]


class Inspector(QWidget):
    edited = Signal(str, dict)  # annotation uid, {field: new value}
    tags_edited = Signal(str, list)  # annotation uid, tag paths
    link_requested = Signal(str, str, str)  # annotation uid, claim uid, relation
    unlink_requested = Signal(str)  # link uid
    delete_requested = Signal(str)
    graphic_toggled = Signal(str, bool)  # annotation uid, marked graphic
    done = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.annotation: Annotation | None = None
        self.where = QLabel()
        self.where.setWordWrap(True)
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.title = QLineEdit()
        self.note = CommitTextEdit()
        self.transcript = CommitTextEdit()
        self.transcript_lang = QLineEdit()
        self.translation = CommitTextEdit()
        self.translation_lang = QLineEdit()
        for lang in (self.transcript_lang, self.translation_lang):
            lang.setPlaceholderText("language, e.g. zh")
            lang.setMaximumWidth(self.fontMetrics().averageCharWidth() * 14)
        for box in (self.note, self.transcript, self.translation):
            box.setTabChangesFocus(True)
            box.setMaximumHeight(self.fontMetrics().height() * 5)
            box.done.connect(self.done)
        self.confidence = QComboBox()
        for label in ("", "low", "medium", "high"):
            self.confidence.addItem(label or "not stated", label)
        # Where and when (Berkeley Protocol geolocation and chronolocation), each with how it
        # was established and how sure the investigator is.
        self.place_fields: dict[str, QLineEdit] = {}
        for name, hint in PLACE_HINTS.items():
            edit = QLineEdit()
            edit.setPlaceholderText(hint)
            edit.editingFinished.connect(lambda n=name, e=edit: self._commit_place(n, e.text()))
            self.place_fields[name] = edit
        self.graphic = QCheckBox("&Graphic: shown blurred until revealed")
        self.graphic.setToolTip(
            "Distressing content: its frames show blurred (View > Blur graphic media) until"
            " you reveal them with Media > Reveal graphic media. Display only."
        )
        self.graphic.clicked.connect(
            lambda on: self.annotation and self.graphic_toggled.emit(self.annotation.uid, on)
        )
        self.tags = QLineEdit()
        self.tags.setPlaceholderText("tags, comma separated: person/captive, language/mandarin")
        self.tag_model = QStringListModel()
        completer = TagCompleter(self.tag_model, self.tags)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.tags.setCompleter(completer)
        self.links = QListWidget()
        self.links.setMaximumHeight(self.fontMetrics().height() * 5)
        self.claim_combo = QComboBox()
        self.claim_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.claim_combo.setMinimumContentsLength(12)
        self.relation_combo = QComboBox()
        for relation in Relation:
            self.relation_combo.addItem(relation.value, relation.value)
        link_button = QPushButton("Link")
        link_button.clicked.connect(self._link)
        unlink_button = QPushButton("Unlink")
        unlink_button.clicked.connect(self._unlink)
        self.delete_button = QPushButton("Delete annotation")
        self.delete_button.clicked.connect(
            lambda: self.annotation and self.delete_requested.emit(self.annotation.uid)
        )

        self.title.editingFinished.connect(lambda: self._commit("title", self.title.text()))
        self.note.committed.connect(lambda: self._commit("note", self.note.toPlainText()))
        self.transcript.committed.connect(
            lambda: self._commit("transcript", self.transcript.toPlainText())
        )
        self.translation.committed.connect(
            lambda: self._commit("translation", self.translation.toPlainText())
        )
        self.transcript_lang.editingFinished.connect(
            lambda: self._commit("transcript_lang", self.transcript_lang.text())
        )
        self.translation_lang.editingFinished.connect(
            lambda: self._commit("translation_lang", self.translation_lang.text())
        )
        self.confidence.activated.connect(
            lambda _: self._commit("confidence", self.confidence.currentData())
        )
        self.tags.editingFinished.connect(self._tags_committed)

        form = QFormLayout()
        form.addRow(self.where)
        form.addRow("&Title", self.title)
        form.addRow("&Note", self.note)
        transcript_row = QHBoxLayout()
        transcript_row.addWidget(self.transcript, 1)
        transcript_row.addWidget(self.transcript_lang)
        form.addRow("Transcript", transcript_row)
        translation_row = QHBoxLayout()
        translation_row.addWidget(self.translation, 1)
        translation_row.addWidget(self.translation_lang)
        form.addRow("Translation", translation_row)
        form.addRow("Confidence", self.confidence)
        form.addRow("", self.graphic)
        for name, edit in self.place_fields.items():
            form.addRow(PLACE_LABELS[name], edit)
        form.addRow("T&ags", self.tags)
        form.addRow("Claims", self.links)
        # The claim on a row of its own: statements are long and the dock may be narrow.
        form.addRow("Link to", self.claim_combo)
        link_row = QHBoxLayout()
        link_row.addWidget(self.relation_combo)
        link_row.addWidget(link_button)
        link_row.addWidget(unlink_button)
        link_row.addStretch(1)
        form.addRow("", link_row)
        form.addRow("", self.delete_button)
        editor = QWidget()
        column = QVBoxLayout(editor)
        column.addLayout(form)
        column.addStretch(1)  # fields at the top, spare room below
        scroller = QScrollArea()  # small screens: scroll rather than squeeze or cut off
        scroller.setWidget(editor)
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QScrollArea.Shape.NoFrame)
        self.stack = EmptyState(
            scroller, "Select an annotation to edit it,\nor press M on the video."
        )
        self.empty = self.stack.empty
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.stack)

    def set_choices(self, tag_paths: list[str], claims: list[Claim]) -> None:
        self.tag_model.setStringList(tag_paths)
        current = self.claim_combo.currentData()
        self.claim_combo.clear()
        for claim in claims:
            self.claim_combo.addItem(claim.statement, claim.uid)
        if current is not None:
            self.claim_combo.setCurrentIndex(max(0, self.claim_combo.findData(current)))

    def show_annotation(
        self,
        annotation: Annotation | None,
        tag_paths: list[str],
        links: list[tuple[ClaimLink, str]],
        *,
        discard_typing: bool = False,
    ) -> None:
        """Show ``annotation``; a field being typed in keeps its text unless discarded.

        ``discard_typing``: the investigator chose the version saved elsewhere over theirs.
        """
        self.annotation = annotation
        if annotation is None:
            self.stack.show_content(False)
            return
        self.stack.show_content(True)
        where = annotation.kind.value
        if annotation.start_ms is not None:
            where += f" at {format_ms(annotation.start_ms)}"
        if annotation.start_frame is not None:
            where += f", frame {annotation.start_frame}"
        if annotation.kind.value == "segment" and annotation.end_ms is not None:
            where += f" to {format_ms(annotation.end_ms)} (frame {annotation.end_frame})"
        self.where.setText(f"<b>{where}</b> by {annotation.author}")
        for widget, value in (
            (self.title, annotation.title),
            (self.transcript_lang, annotation.transcript_lang),
            (self.translation_lang, annotation.translation_lang),
            (self.tags, ", ".join(tag_paths)),
        ):
            if discard_typing or not widget.hasFocus():
                widget.setText(value)
        for box, value in (
            (self.note, annotation.note),
            (self.transcript, annotation.transcript),
            (self.translation, annotation.translation),
        ):
            if (discard_typing or not box.hasFocus()) and box.toPlainText() != value:
                box.setPlainText(value)
        self.confidence.setCurrentIndex(max(0, self.confidence.findData(annotation.confidence)))
        self.graphic.setChecked(annotation.graphic)
        for name, edit in self.place_fields.items():
            if discard_typing or not edit.hasFocus():
                edit.setText(getattr(annotation.place, name))
        self.links.clear()
        for link, statement in links:
            item = QListWidgetItem(f"{link.relation.value}: {statement}")
            item.setData(Qt.ItemDataRole.UserRole, link.uid)
            self.links.addItem(item)

    def focus_note(self) -> None:
        self.note.setFocus()

    def _commit(self, field: str, value: object) -> None:
        a = self.annotation
        if a is None:
            return
        current = getattr(a, field)
        if current != value:
            self.edited.emit(a.uid, {field: value})

    def _commit_place(self, name: str, value: str) -> None:
        a = self.annotation
        if a is not None and getattr(a.place, name) != value.strip():
            self.edited.emit(a.uid, {name: value.strip()})

    def _tags_committed(self) -> None:
        a = self.annotation
        if a is None:
            return
        paths = [p.strip() for p in self.tags.text().split(",") if p.strip()]
        self.tags_edited.emit(a.uid, paths)

    def _link(self) -> None:
        if self.annotation is not None and self.claim_combo.currentData():
            self.link_requested.emit(
                self.annotation.uid,
                self.claim_combo.currentData(),
                self.relation_combo.currentData(),
            )

    def _unlink(self) -> None:
        item = self.links.currentItem()
        if item is not None:
            self.unlink_requested.emit(item.data(Qt.ItemDataRole.UserRole))
