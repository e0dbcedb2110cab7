"""The annotation list: sortable and filterable; double-click jumps to media and frame.

It shows the open media's annotations, or what a full-text search found in the case.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.core.entities import Annotation
from annotator.core.timecode import format_ms
from annotator.ui.empty_state import EmptyState

Index = QModelIndex | QPersistentModelIndex
AnnotationRole = Qt.ItemDataRole.UserRole + 1
COLUMNS = ("Time", "Frame", "Kind", "Text", "Tags", "Media", "Author")


def summary_text(a: Annotation) -> str:
    for text in (a.title, a.note, a.transcript, a.translation):
        if text:
            return text.replace("\n", " ")
    return ""


class AnnotationTableModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Annotation] = []
        self.tag_paths: dict[str, str] = {}
        self.tag_colours: dict[str, str] = {}
        self.media_names: dict[str, str] = {}

    def set_rows(
        self,
        rows: list[Annotation],
        tag_paths: dict[str, str],
        tag_colours: dict[str, str],
        media_names: dict[str, str],
    ) -> None:
        self.beginResetModel()
        self.rows, self.tag_paths = rows, tag_paths
        self.tag_colours, self.media_names = tag_colours, media_names
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def tags_text(self, a: Annotation) -> str:
        return ", ".join(sorted(self.tag_paths.get(uid, "?") for uid in a.tag_uids))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        a = self.rows[index.row()]
        column = COLUMNS[index.column()]
        if role == AnnotationRole:
            return a
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "Time":
                return "" if a.start_ms is None else format_ms(a.start_ms)
            if column == "Frame":
                return "" if a.start_frame is None else str(a.start_frame)
            if column == "Kind":
                return f"{a.kind.value} (graphic)" if a.graphic else a.kind.value
            if column == "Text":
                return summary_text(a)
            if column == "Tags":
                return self.tags_text(a)
            if column == "Media":
                return self.media_names.get(a.media_uid, "")
            return a.author
        if role == Qt.ItemDataRole.EditRole:  # sort keys
            if column == "Time":
                return a.start_ms or 0  # an integer: sorting 10,000 rows stays in C++
            if column == "Frame":
                return a.start_frame if a.start_frame is not None else -1
            return str(self.data(index, Qt.ItemDataRole.DisplayRole)).casefold()
        if role == Qt.ItemDataRole.ForegroundRole and column == "Tags" and a.tag_uids:
            return QColor(self.tag_colours.get(sorted(a.tag_uids)[0], "#000000"))
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(t for t in (a.title, a.note, a.transcript, a.translation) if t)
        return None


class _Filter(QSortFilterProxyModel):
    text = ""

    def filterAcceptsRow(self, row: int, parent: Index) -> bool:
        if not self.text:
            return True
        model = self.sourceModel()
        assert isinstance(model, AnnotationTableModel)
        a = model.rows[row]
        haystack = " ".join(
            (
                a.title,
                a.note,
                a.transcript,
                a.translation,
                a.author,
                a.kind.value,
                model.tags_text(a),
            )
        ).casefold()
        return all(word in haystack for word in self.text.split())


class AnnotationList(QWidget):
    """Annotations of the open media; with "Whole case", full-text search across the case."""

    jump_requested = Signal(object)  # Annotation
    selected = Signal(object)  # Annotation or None
    search_case = Signal(str)  # the user asked for a case-wide search

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = AnnotationTableModel()
        self.proxy = _Filter()
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Qt.ItemDataRole.EditRole)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter: text, tag, author, kind")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._filter_changed)
        self.filter_edit.returnPressed.connect(self._enter)
        self.whole_case = QCheckBox("Whole case")
        self.whole_case.setToolTip(
            "Search notes, transcripts, translations and claims in "
            "every media of the case (press Enter)"
        )
        self.whole_case.toggled.connect(lambda _: self._enter())
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COLUMNS.index("Text"), QHeaderView.ResizeMode.Stretch)
        wide_kind = self.table.fontMetrics().horizontalAdvance("segment (graphic)")
        header.resizeSection(COLUMNS.index("Kind"), wide_kind + 4 * header.fontMetrics().height())
        self.table.setColumnHidden(COLUMNS.index("Media"), True)
        self.table.doubleClicked.connect(self._double_clicked)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.empty_text = (
            "No annotations here yet.\n\nPress M on the video to mark this "
            "moment, I and O for a segment."
        )
        self.stack = EmptyState(self.table, self.empty_text)
        self.empty = self.stack.empty
        top = QHBoxLayout()
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.whole_case)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)

    def show_rows(
        self,
        rows: list[Annotation],
        tag_paths: dict[str, str],
        tag_colours: dict[str, str],
        media_names: dict[str, str],
        across_media: bool = False,
    ) -> None:
        current = self.current()
        header = self.table.horizontalHeader()
        column, order = header.sortIndicatorSection(), header.sortIndicatorOrder()
        # Rows arrive in time order. Sorting 10,000 of them again through the proxy costs
        # ~150,000 Python calls, so the proxy only sorts when another order is wanted.
        self.proxy.sort(-1)
        self.model.set_rows(rows, tag_paths, tag_colours, media_names)
        in_time_order = column == COLUMNS.index("Time") and order == Qt.SortOrder.AscendingOrder
        if across_media or not in_time_order:
            self.proxy.sort(column, order)
        self.table.setColumnHidden(COLUMNS.index("Media"), not across_media)
        self.stack.show_content(bool(rows))
        if current is not None:
            self.select(current.uid)

    def current(self) -> Annotation | None:
        index = self.table.currentIndex()
        return index.data(AnnotationRole) if index.isValid() else None

    def select(self, uid: str) -> bool:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data(AnnotationRole).uid == uid:
                self.table.setCurrentIndex(index)
                return True
        return False

    def visible(self) -> list[Annotation]:
        return [self.proxy.index(r, 0).data(AnnotationRole) for r in range(self.proxy.rowCount())]

    def _filter_changed(self, text: str) -> None:
        if not self.whole_case.isChecked():
            self.proxy.text = text.strip().casefold()
            self.proxy.invalidate()

    def _enter(self) -> None:
        if self.whole_case.isChecked():
            self.proxy.text = ""
            self.search_case.emit(self.filter_edit.text())
        else:
            self.search_case.emit("")  # back to this media's annotations

    def _double_clicked(self, index: QModelIndex) -> None:
        self.jump_requested.emit(index.data(AnnotationRole))

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.selected.emit(current.data(AnnotationRole) if current.isValid() else None)
