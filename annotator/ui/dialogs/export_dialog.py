"""File > Export...: what to export (format, which part of the case) and where to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from annotator.core.entities import Claim, Media, Tag
from annotator.reports.document import Selection
from annotator.services.exporting import OMITTABLE_FIELDS, PER_MEDIA, SUFFIX

FORMAT_LABELS = {
    "html": "HTML report (one self-contained file)",
    "pdf": "PDF report",
    "csv": "CSV table of annotations (spreadsheets)",
    "json": "JSON (complete; import-annotations reads it back)",
    "eaf": "ELAN .eaf files (one per media)",
    "vtt": "WebVTT subtitles (per media and language)",
    "w3c": "W3C Web Annotation JSON-LD",
    "stills": "Stills: full-resolution PNG of each annotated frame",
}


@dataclass(frozen=True, slots=True)
class ExportRequest:
    format: str
    out: Path
    selection: Selection
    redacted: bool = False
    omit_fields: tuple[str, ...] = ()


class ExportDialog(QDialog):
    def __init__(
        self,
        parent: QWidget | None,
        case_name: str,
        media: list[Media],
        claims: list[Claim],
        tags: list[Tag],
        folder: Path,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Export '{case_name}'")
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)
        self._case_name = case_name
        self._folder = folder
        self.format = QComboBox()
        for fmt, label in FORMAT_LABELS.items():
            self.format.addItem(label, fmt)
        self.media = QComboBox()
        self.media.addItem("All media", None)
        for m in media:
            self.media.addItem(m.file_name, m.sha256)
        self.claim = QComboBox()
        self.claim.addItem("Any claim (or none)", None)
        for c in claims:
            self.claim.addItem(_short(c.statement), c.uid)
        self.tag = QComboBox()
        self.tag.addItem("Any tag (or none)", None)
        for t in tags:
            self.tag.addItem(t.path, t.path)
        self.path = QLineEdit()
        self.path.setClearButtonEnabled(True)
        browse = QPushButton("Choose...")
        browse.clicked.connect(self._browse)
        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(browse)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.redacted = QCheckBox("Apply the case's redactions to every picture")
        self.redacted.setToolTip("For publication: faces, documents and numbers hidden as drawn")
        self.omit = QListWidget()
        self.omit.setToolTip("Fields left out of every media record (e.g. account names)")
        for name in OMITTABLE_FIELDS:
            item = QListWidgetItem(name.replace("_", " "))
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.omit.addItem(item)
        self.omit.setMaximumHeight(self.fontMetrics().height() * 5)
        form = QFormLayout(self)
        form.addRow("Format:", self.format)
        form.addRow("Media:", self.media)
        form.addRow("Evidence of claim:", self.claim)
        form.addRow("With tag:", self.tag)
        form.addRow("Save to:", where)
        form.addRow("", self.hint)
        form.addRow("Publication:", self.redacted)
        form.addRow("Leave out:", self.omit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.format.currentIndexChanged.connect(self._format_changed)
        self.path.textChanged.connect(self._validate)
        self._format_changed()

    def fmt(self) -> str:
        return str(self.format.currentData())

    def _default_path(self) -> Path:
        stem = re.sub(r"[^\w-]+", "_", self._case_name, flags=re.UNICODE).strip("_") or "case"
        fmt = self.fmt()
        if fmt in PER_MEDIA:
            return self._folder / f"{stem}_{fmt}"
        return self._folder / f"{stem}{SUFFIX[fmt]}"

    def _format_changed(self) -> None:
        fmt = self.fmt()
        current = self.path.text().strip()
        if (
            not current
            or Path(current).parent == self._folder
            or current.startswith(str(self._folder))
        ):
            self.path.setText(str(self._default_path()))
        self.hint.setText(
            "Writes one file per media into this folder."
            if fmt in PER_MEDIA
            else "Filters narrow the export to the annotations matching all of them."
        )
        self._validate()

    def _browse(self) -> None:
        fmt = self.fmt()
        if fmt in PER_MEDIA:
            name = QFileDialog.getExistingDirectory(self, "Export into folder", str(self._folder))
        else:
            name, _ = QFileDialog.getSaveFileName(
                self, "Export as", self.path.text(), f"*{SUFFIX[fmt]}"
            )
        if name:
            self.path.setText(name)

    def _validate(self) -> None:
        ok = bool(self.path.text().strip())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def request(self) -> ExportRequest:
        sha = self.media.currentData()
        out = Path(self.path.text().strip()).expanduser()
        fmt = self.fmt()
        if fmt not in PER_MEDIA and not out.suffix:
            out = out.with_suffix(SUFFIX[fmt])
        return ExportRequest(
            fmt,
            out,
            Selection(
                (str(sha),) if sha else (),
                self.claim.currentData(),
                self.tag.currentData(),
            ),
            self.redacted.isChecked(),
            tuple(
                str(self.omit.item(i).data(Qt.ItemDataRole.UserRole))
                for i in range(self.omit.count())
                if self.omit.item(i).checkState() == Qt.CheckState.Checked
            ),
        )


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
