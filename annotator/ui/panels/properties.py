"""The selected media item's facts: file, hash, technical metadata, provenance, EXIF."""

from __future__ import annotations

import json
from dataclasses import asdict

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QScrollArea,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.core.entities import Media
from annotator.core.timecode import format_ms
from annotator.ui.empty_state import EmptyState
from annotator.ui.panels.provenance import ProvenancePanel


def _flat(value: object) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


class PropertiesPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Property", "Value"])
        self.tree.setAlternatingRowColors(True)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.provenance = ProvenancePanel()
        scroller = QScrollArea()  # the form is tall; small screens scroll it
        scroller.setWidget(self.provenance)
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QScrollArea.Shape.NoFrame)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.tree, "File and metadata")
        self.tabs.addTab(scroller, "Provenance")
        self.stack = EmptyState(
            self.tabs, "Select a media item to see its file, hash, metadata and provenance."
        )
        self.empty = self.stack.empty
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.stack)

    def show_media(self, media: Media | None) -> None:
        self.tree.clear()
        self.provenance.show_media(media)
        if media is None:
            self.stack.show_content(False)
            return
        self.stack.show_content(True)
        sections: dict[str, list[tuple[str, object]]] = {
            "File": [
                ("Name", media.file_name),
                ("Original path", media.original_path),
                ("Location now", media.location),
                ("SHA-256", media.sha256),
                ("Size", f"{media.size_bytes:,} bytes"),
                ("Type", media.mime),
                ("Imported", f"{media.imported_at:%Y-%m-%d %H:%M:%S} UTC by {media.imported_by}"),
                ("Last verified", media.last_verify_state or "not yet"),
            ],
            "Technical": [
                ("Kind", media.kind.value),
                ("Container", media.container),
                ("Video codec", media.video_codec),
                ("Audio codec", media.audio_codec),
                ("Size as displayed", f"{media.width}x{media.height}" if media.width else ""),
                ("Rotation", f"{media.rotation} degrees" if media.rotation else ""),
                ("Duration", format_ms(media.duration_ms) if media.duration_ms is not None else ""),
                ("Frames", media.frame_count),
                ("Average frame rate", media.avg_fps),
                ("Variable frame rate", "yes" if media.is_vfr else ""),
                ("Captured", media.captured_at),
                ("Perceptual hash", media.phash),
            ],
            "Provenance": list(asdict(media.provenance).items()),
            "Where and when": list(asdict(media.place).items()),
        }
        try:
            metadata = json.loads(media.metadata_json or "{}")
        except ValueError:
            metadata = {}
        sections["Metadata"] = sorted(metadata.items()) if isinstance(metadata, dict) else []
        for title, rows in sections.items():
            top = QTreeWidgetItem([title])
            for key, value in rows:
                text = _flat(value)
                if text:
                    child = QTreeWidgetItem([key.replace("_", " "), text])
                    child.setToolTip(1, text)
                    top.addChild(child)
            if top.childCount():
                self.tree.addTopLevelItem(top)
                top.setExpanded(title != "Metadata")
        self.tree.resizeColumnToContents(0)
