"""Where a media item came from, and where and when its event happened (Berkeley Protocol).

Provenance, geolocation and chronolocation as the investigator records them.

The same form edits one item (the Properties panel) or a selection at once (a whole folder
came from one Telegram channel): in batch mode only the fields that were filled in are saved.
"""

from __future__ import annotations

from dataclasses import asdict

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.core.entities import Media

PROVENANCE_LABELS = {
    "source_url": ("Source URL", "https://t.me/channel/1234 (the post it came from)"),
    "platform": ("Platform", "Telegram, X, YouTube, TikTok, ..."),
    "uploader": ("Uploader / account", "@channel or account name"),
    "posted_at": ("Posted", "time of the original post, e.g. 2025-04-08 10:12 UTC"),
    "obtained_at": ("Obtained", "when you collected it"),
    "obtained_by": ("Obtained by", "who collected it"),
    "method": ("How obtained", ""),
    "archive_url": ("Archive link", "https://web.archive.org/..."),
}
METHODS = (
    "",
    "download",
    "screen recording",
    "screenshot",
    "received from a person",
    "archive copy",
)
PLACE_LABELS = {
    "place_name": ("Place", "e.g. Donetsk region (claimed)"),
    "latitude": ("Latitude", "decimal, e.g. 48.0159"),
    "longitude": ("Longitude", "decimal, e.g. 37.8028"),
    "geo_method": ("Located by", "e.g. matched skyline in satellite image"),
    "geo_confidence": ("Place certainty", "low / medium / high"),
    "event_time": ("Event time", "e.g. 2025-04-07 morning"),
    "chrono_method": ("Dated by", "e.g. shadows, weather records"),
    "chrono_confidence": ("Time certainty", "low / medium / high"),
}


class ProvenanceForm(QWidget):
    """The fields; ``values()`` gives what is typed, ``show_media`` fills them in."""

    def __init__(self, parent: QWidget | None = None, *, batch: bool = False) -> None:
        super().__init__(parent)
        self.batch = batch
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for name, (label, hint) in PROVENANCE_LABELS.items():
            if name == "method":
                self.method = QComboBox()
                self.method.setEditable(True)
                self.method.addItems(METHODS)
                self.method.lineEdit().setPlaceholderText("download, screen recording, ...")
                form.addRow(label, self.method)
                continue
            edit = QLineEdit()
            edit.setPlaceholderText("(unchanged)" if batch else hint)
            edit.setClearButtonEnabled(True)
            self.edits[name] = edit
            form.addRow(label, edit)
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("(unchanged)" if batch else "anything else about its origin")
        self.notes.setTabChangesFocus(True)
        self.notes.setMaximumHeight(self.fontMetrics().height() * 5)
        form.addRow("Notes", self.notes)
        for name, (label, hint) in PLACE_LABELS.items():
            edit = QLineEdit()
            edit.setPlaceholderText("(unchanged)" if batch else hint)
            edit.setClearButtonEnabled(True)
            self.edits[name] = edit
            form.addRow(label, edit)

    def show_media(self, media: Media | None) -> None:
        provenance = asdict(media.provenance) if media else {}
        place = asdict(media.place) if media else {}
        for name, edit in self.edits.items():
            edit.setText(str(provenance.get(name, place.get(name, ""))))
        self.method.setCurrentText(str(provenance.get("method", "")))
        self.notes.setPlainText(str(provenance.get("notes", "")))

    def values(self) -> dict[str, str]:
        out = {name: edit.text().strip() for name, edit in self.edits.items()}
        out["method"] = self.method.currentText().strip()
        out["notes"] = self.notes.toPlainText().strip()
        if self.batch:  # only what was typed: a blank field leaves each item's value alone
            out = {k: v for k, v in out.items() if v}
        return out


class ProvenancePanel(QWidget):
    """One media item's provenance with a Save button; saving is audited by the service."""

    save_requested = Signal(str, object)  # media uid, {field: value}

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.media: Media | None = None
        self.form = ProvenanceForm()
        self.save_button = QPushButton("Save provenance")
        self.save_button.setToolTip("Saved in the case and recorded in the audit trail")
        self.save_button.clicked.connect(self._save)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.form)
        layout.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.status)
        layout.addStretch(1)

    def show_media(self, media: Media | None) -> None:
        self.media = media
        self.form.show_media(media)
        self.setEnabled(media is not None)
        self.status.clear()

    def _save(self) -> None:
        if self.media is None:
            return
        current = {**asdict(self.media.provenance), **asdict(self.media.place)}
        changed = {k: v for k, v in self.form.values().items() if current.get(k, "") != v}
        if not changed:
            self.status.setText("Nothing changed.")
            return
        self.save_requested.emit(self.media.uid, changed)


class BatchProvenanceDialog(QDialog):
    """The same provenance for several media items (fields left blank stay as they are)."""

    def __init__(self, parent: QWidget | None, count: int) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Provenance of {count} media items")
        self.form = ProvenanceForm(batch=True)
        intro = QLabel(
            f"The fields you fill in are saved on all {count} selected items; "
            "fields left blank keep each item's own value."
        )
        intro.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.form)
        layout.addWidget(buttons)

    def values(self) -> dict[str, str]:
        return self.form.values()
