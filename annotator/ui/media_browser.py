"""The case's media: thumbnails, names, kind, size or length, filter and sort."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QSize,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from annotator.core.describe import media_facts
from annotator.core.entities import Media
from annotator.ui.empty_state import EmptyState
from annotator.ui.graphic_shield import blurred

MediaRole = Qt.ItemDataRole.UserRole + 1
SortRole = Qt.ItemDataRole.UserRole + 2
THUMB = QSize(112, 63)
Index = QModelIndex | QPersistentModelIndex


def describe(media: Media) -> str:
    return " · ".join([media.kind.value, *media_facts(media)])


def tooltip(media: Media) -> str:
    lines = [media.original_path, f"SHA-256 {media.sha256}", f"{media.size_bytes:,} bytes"]
    if media.captured_at:
        lines.append(f"Captured {media.captured_at}")
    p = media.provenance
    origin = ", ".join(x for x in (p.platform, p.uploader) if x)
    if origin:
        lines.append(f"From {origin}")
    if p.source_url:
        lines.append(f"Source {p.source_url}")
    if p.posted_at:
        lines.append(f"Posted {p.posted_at}")
    if p.obtained_at or p.obtained_by or p.method:
        how = " ".join(x for x in (p.method, p.obtained_at and f"on {p.obtained_at}") if x)
        lines.append(f"Obtained {how}{f' by {p.obtained_by}' if p.obtained_by else ''}".strip())
    lines.append(f"Imported {media.imported_at:%Y-%m-%d %H:%M} UTC by {media.imported_by}")
    lines.append(verify_line(media))
    return "\n".join(lines)


_VERIFY_TEXT = {
    "ok": "Verified ok",
    "modified": "MODIFIED: the file's SHA-256 no longer matches",
    "missing": "MISSING: no file at its location (Case > Relink media...)",
    "unreadable": "UNREADABLE: the file could not be read",
}
PROBLEM_COLOUR = QColor("#d32f2f")


def verify_line(media: Media) -> str:
    """The last integrity check (Case > Verify integrity...), for the tooltip."""
    if not media.last_verify_state:
        return "Not verified yet (Case > Verify integrity...)"
    text = _VERIFY_TEXT.get(media.last_verify_state, media.last_verify_state)
    when = media.last_verified_at
    return f"{text} ({when:%Y-%m-%d %H:%M} UTC)" if when is not None else text


_KIND_ICONS = {"video": "mdi6.filmstrip", "image": "mdi6.image-outline", "audio": "mdi6.music-note"}
_kind_pixmaps: dict[str, QPixmap] = {}


def kind_pixmap(kind: str) -> QPixmap:
    """Stand-in for a missing thumbnail (audio has none), same size so rows line up."""
    if kind not in _kind_pixmaps:
        import qtawesome

        pixmap = QPixmap(THUMB)
        pixmap.fill(Qt.GlobalColor.transparent)
        icon = qtawesome.icon(_KIND_ICONS.get(kind, "mdi6.file-outline"), color="gray")
        painter = QPainter(pixmap)
        edge = THUMB.height()
        icon.paint(painter, (THUMB.width() - edge) // 2, 0, edge, edge)
        painter.end()
        _kind_pixmaps[kind] = pixmap
    return _kind_pixmaps[kind]


def _boxed(image: QImage) -> QPixmap:
    """The thumbnail scaled into a fixed box, centred, so every row's text lines up."""
    scaled = image.scaled(
        THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )
    pixmap = QPixmap(THUMB)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.drawImage(
        (THUMB.width() - scaled.width()) // 2, (THUMB.height() - scaled.height()) // 2, scaled
    )
    painter.end()
    return pixmap


class MediaListModel(QAbstractListModel):
    hide: Callable[[str], bool] | None = None  # uid -> show the thumbnail blurred

    def __init__(self) -> None:
        super().__init__()
        self._media: list[Media] = []
        self._thumbs: dict[str, QPixmap] = {}
        self.counts: dict[str, int] = {}

    def set_media(
        self, media: list[Media], thumbnails: dict[str, bytes], counts: dict[str, int]
    ) -> None:
        self.beginResetModel()
        self._media = media
        self.counts = counts
        self._thumbs = {}
        for uid, data in thumbnails.items():
            image = QImage.fromData(data)
            if not image.isNull():
                hidden = self.hide is not None and self.hide(uid)
                self._thumbs[uid] = _boxed(blurred(image) if hidden else image)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._media)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        media = self._media[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            count = self.counts.get(media.uid, 0)
            marks = f"  ({count} marked)" if count else ""
            return f"{media.file_name}{marks}\n{describe(media)}"
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbs.get(media.uid) or kind_pixmap(media.kind.value)
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(media)
        if role == Qt.ItemDataRole.ForegroundRole and media.last_verify_state not in ("", "ok"):
            return PROBLEM_COLOUR  # the label already ends in MODIFIED / MISSING / UNREADABLE
        if role == MediaRole:
            return media
        return None

    def set_counts(self, counts: dict[str, int]) -> None:
        self.counts = counts
        if self._media:
            self.dataChanged.emit(self.index(0), self.index(len(self._media) - 1))

    def media_at(self, row: int) -> Media:
        return self._media[row]


class _Proxy(QSortFilterProxyModel):
    sort_key = "name"
    text = ""  # plain text, matched case-insensitively in the name or folder

    def filterAcceptsRow(self, row: int, parent: Index) -> bool:
        text = self.text
        if not text:
            return True
        model = self.sourceModel()
        assert isinstance(model, MediaListModel)
        media = model.media_at(row)
        return text in media.file_name.casefold() or text in media.original_path.casefold()

    def lessThan(self, left: Index, right: Index) -> bool:
        a: Media = left.data(MediaRole)
        b: Media = right.data(MediaRole)
        if self.sort_key == "imported":
            return (a.imported_at, a.file_name) < (b.imported_at, b.file_name)
        if self.sort_key == "annotations":
            model = self.sourceModel()
            assert isinstance(model, MediaListModel)
            count_a, count_b = model.counts.get(a.uid, 0), model.counts.get(b.uid, 0)
            return (-count_a, a.file_name) < (-count_b, b.file_name)  # most marked first
        if self.sort_key == "duration":
            return (a.duration_ms or 0, a.file_name) < (b.duration_ms or 0, b.file_name)
        return a.file_name.casefold() < b.file_name.casefold()


class MediaBrowser(QWidget):
    """Shows what is in the case; says how to add media when there is none."""

    media_selected = Signal(object)  # Media
    provenance_requested = Signal(list)  # uids of the selected media, to edit together

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = MediaListModel()
        self.proxy = _Proxy()
        self.proxy.setSourceModel(self.model)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by name or folder")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._filter)
        self.sort_combo = QComboBox()
        for label, key in (
            ("Name", "name"),
            ("Imported", "imported"),
            ("Duration", "duration"),
            ("Most marked", "annotations"),
        ):
            self.sort_combo.addItem(label, key)
        self.sort_combo.setToolTip("Sort by")
        self.sort_combo.currentIndexChanged.connect(self._sort)

        self.view = QListView()
        self.view.setModel(self.proxy)
        self.view.setIconSize(THUMB)
        self.view.setUniformItemSizes(True)
        self.view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.view.setWordWrap(False)
        self.view.setSpacing(2)
        self.view.setSelectionMode(QListView.SelectionMode.ExtendedSelection)
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)

        self.stack = EmptyState(
            self.view,
            "No media yet.\n\nDrag files or folders here,\nor use File > Import folder...",
        )
        self.empty = self.stack.empty

        top = QHBoxLayout()
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.sort_combo)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)
        self.set_media([], {}, case_open=False)

    def sizeHint(self) -> QSize:
        # Room for the thumbnail and "video · 1920x1080 · 00:00:14.367" unelided.
        chars = self.fontMetrics().averageCharWidth() * 36
        return QSize(THUMB.width() + chars, super().sizeHint().height())

    def set_media(
        self,
        media: list[Media],
        thumbnails: dict[str, bytes],
        case_open: bool = True,
        counts: dict[str, int] | None = None,
    ) -> None:
        self.empty.setText(
            "No media yet.\n\nDrag files or folders here,\nor use File > Import folder..."
            if case_open
            else "Open or create a case to see its media."
        )
        current = self.current_uid()
        self.view.selectionModel().blockSignals(True)  # a reload is not a new choice
        try:
            self.model.set_media(media, thumbnails, counts or {})
            self.proxy.sort(0)
            if current is not None:
                self.select(current)
        finally:
            self.view.selectionModel().blockSignals(False)
        self.stack.show_content(bool(media))
        self.filter_edit.setEnabled(bool(media))

    def set_counts(self, counts: dict[str, int]) -> None:
        """Annotation counts changed (an edit): update the labels, keep list and thumbnails."""
        self.model.set_counts(counts)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.media_selected.emit(current.data(MediaRole))

    def current_uid(self) -> str | None:
        index = self.view.currentIndex()
        return index.data(MediaRole).uid if index.isValid() else None

    def selected_uids(self) -> list[str]:
        return [i.data(MediaRole).uid for i in self.view.selectionModel().selectedIndexes()]

    def _context_menu(self, pos: QPoint) -> None:
        uids = self.selected_uids()
        if not uids:
            return
        menu = QMenu(self)
        label = (
            "Edit provenance..." if len(uids) == 1 else f"Edit provenance of {len(uids)} items..."
        )
        menu.addAction(label, lambda: self.provenance_requested.emit(uids))
        menu.exec(self.view.viewport().mapToGlobal(pos))

    def select(self, uid: str) -> bool:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data(MediaRole).uid == uid:
                self.view.setCurrentIndex(index)
                return True
        return False

    def visible_names(self) -> list[str]:
        return [
            self.proxy.index(r, 0).data(MediaRole).file_name for r in range(self.proxy.rowCount())
        ]

    def _filter(self, text: str) -> None:
        self.proxy.text = text.strip().casefold()
        self.proxy.invalidate()

    def _sort(self) -> None:
        self.proxy.sort_key = self.sort_combo.currentData()
        self.proxy.invalidate()
        self.proxy.sort(0)
