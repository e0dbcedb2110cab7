"""Media > Find near-duplicates: groups of likely copies of the same footage in the case.

The search runs off the UI thread (a big case compares thousands of frames); so does the
backfill that fingerprints videos imported before fingerprints existed. Double-clicking a
member emits ``media_chosen`` with its uid, for the window to select it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.core.entities import Media
from annotator.core.progress import Cancelled, CancelToken, Progress
from annotator.core.timecode import format_ms
from annotator.services.duplicates import (
    DEFAULT_THRESHOLD,
    BackfillReport,
    DuplicateGroup,
    DuplicateMember,
    DuplicateService,
)
from annotator.ui.empty_state import EmptyState
from annotator.ui.media_browser import kind_pixmap
from annotator.ui.workers import GeneratorWorker, Workers

THUMB = QSize(96, 54)
UID_ROLE = Qt.ItemDataRole.UserRole
RELATION_TEXT = {
    "reference": "Reference",
    "same": "Same footage",
    "excerpt": "Excerpt",
    "frame": "Picture of a frame",
    "image": "Similar picture",
}
COLUMNS = ("Media", "Match", "Similarity", "Where in the reference", "Length")


def where_text(member: DuplicateMember) -> str:
    """Where a member sits in the reference, in words an investigator can check."""
    if member.relation == "reference":
        return "-"
    if member.relation == "same":
        return "Whole video"
    if member.offset_ms is None:
        return ""
    verb = "At" if member.relation == "frame" else "From"
    return f"{verb} {format_ms(member.offset_ms)}"


def length_text(media: Media) -> str:
    if media.duration_ms is not None and media.kind.value != "image":
        return format_ms(media.duration_ms)
    if media.width and media.height:
        return f"{media.width} x {media.height}"
    return ""


def group_title(number: int, group: DuplicateGroup) -> str:
    return (
        f"Group {number}: {len(group.members)} items, "
        f"weakest match {round(group.score * 100)}% - {group.reference.file_name}"
    )


class DuplicatesDialog(QDialog):
    """Lists groups of near-duplicates with thumbnails, scores and offsets."""

    media_chosen = Signal(str)  # media uid
    changed = Signal(object)  # Changes from fingerprinting old videos

    def __init__(
        self,
        duplicates: DuplicateService,
        case_uid: str,
        thumbnails: Mapping[str, bytes] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Near-duplicates")
        self._duplicates = duplicates
        self._case_uid = case_uid
        self._thumbs = dict(thumbnails or {})
        self._icons: dict[str, QIcon] = {}
        self._workers = Workers(self)
        self._search_token: CancelToken | None = None
        self._request = 0
        self._backfill: GeneratorWorker | None = None
        self._backfill_token: CancelToken | None = None
        self.groups: list[DuplicateGroup] = []
        chars, lines = self.fontMetrics().averageCharWidth(), self.fontMetrics().height()
        self.resize(chars * 120, lines * 32)

        intro = QLabel(
            "Videos and pictures that look alike although their files differ: re-encodes, "
            "resized copies, excerpts and screenshots of the same footage. Double-click an "
            "item to open it."
        )
        intro.setWordWrap(True)
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.3, 1.0)
        self.threshold.setSingleStep(0.05)
        self.threshold.setDecimals(2)
        self.threshold.setValue(DEFAULT_THRESHOLD)
        self.threshold.setToolTip("Least similarity (0 to 1) of the frames two media share")
        self.search_button = QPushButton("Search")
        self.search_button.clicked.connect(self.search)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Similarity at least"))
        controls.addWidget(self.threshold)
        controls.addWidget(self.search_button)
        controls.addStretch(1)

        self.missing_label = QLabel("")
        self.missing_label.setWordWrap(True)
        self.backfill_button = QPushButton("Fingerprint them")
        self.backfill_button.clicked.connect(self.start_backfill)
        self.backfill_bar = QProgressBar()
        self.backfill_bar.hide()
        self.backfill_cancel = QPushButton("Cancel")
        self.backfill_cancel.hide()
        self.backfill_cancel.clicked.connect(self._cancel_backfill)
        missing = QHBoxLayout()
        missing.addWidget(self.missing_label, 1)
        missing.addWidget(self.backfill_bar)
        missing.addWidget(self.backfill_button)
        missing.addWidget(self.backfill_cancel)
        self.missing_row = QWidget()
        self.missing_row.setLayout(missing)
        missing.setContentsMargins(0, 0, 0, 0)
        self.missing_row.hide()

        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setIconSize(THUMB)
        self.tree.setUniformRowHeights(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        # Double-click (or Enter) on an item: activated, once, whatever the platform.
        self.tree.itemActivated.connect(self._activated)
        self.results = EmptyState(self.tree, "Searching...")

        self.status = QLabel("")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(controls)
        layout.addWidget(self.missing_row)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        if parent is not None:
            parent.installEventFilter(self)  # the window closing first waits for our threads
        QTimer.singleShot(0, self.search)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parent() and event.type() == QEvent.Type.Close:
            self.wait()
        return False

    # --- searching ----------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._workers.busy or self._backfill is not None

    def search(self) -> None:
        """Search again with the current threshold, off the UI thread; newest request wins."""
        if self._search_token is not None:
            self._search_token.cancel()
        token = CancelToken()
        self._search_token = token
        self._request += 1
        request = self._request
        threshold = self.threshold.value()
        case_uid = self._case_uid
        duplicates = self._duplicates
        self.results.empty.setText("Searching...")
        self.results.show_content(False)
        self.status.setText("Comparing fingerprints...")

        def work() -> tuple[list[DuplicateGroup], list[Media]]:
            groups = duplicates.find_near_duplicates(case_uid, threshold, token)
            return groups, duplicates.missing_fingerprints(case_uid)

        self._workers.run(
            work,
            lambda result: self._found(request, result),
            lambda exc: self._failed(request, exc),
        )

    def _found(self, request: int, result: tuple[list[DuplicateGroup], list[Media]]) -> None:
        if request != self._request:
            return  # an older search finished after a newer one started
        groups, missing = result
        self.groups = groups
        self._show_missing(missing)
        self._fill(groups)
        count = sum(len(g.members) for g in groups)
        self.status.setText(
            f"{len(groups)} group(s), {count} media items." if groups else "No near-duplicates."
        )

    def _failed(self, request: int, exc: Exception) -> None:
        if request != self._request or isinstance(exc, Cancelled):
            return
        self.results.empty.setText(f"The search failed: {exc}")
        self.results.show_content(False)
        self.status.setText("")

    def _show_missing(self, missing: list[Media]) -> None:
        if not missing or self._backfill is not None:
            self.missing_row.setVisible(self._backfill is not None)
            return
        self.missing_label.setText(
            f"{len(missing)} video(s) imported before fingerprints existed are not compared "
            "yet. Fingerprinting reads each file once (it is not changed)."
        )
        self.missing_row.show()

    def _fill(self, groups: list[DuplicateGroup]) -> None:
        self.tree.clear()
        for number, group in enumerate(groups, start=1):
            top = QTreeWidgetItem([group_title(number, group)])
            top.setData(0, UID_ROLE, group.reference.uid)
            for member in group.members:
                top.addChild(self._member_item(member))
            self.tree.addTopLevelItem(top)
            top.setFirstColumnSpanned(True)
            top.setExpanded(True)
        self.results.empty.setText(
            "No near-duplicates at this similarity. Lower it to see weaker matches."
        )
        self.results.show_content(bool(groups))

    def _member_item(self, member: DuplicateMember) -> QTreeWidgetItem:
        media = member.media
        item = QTreeWidgetItem(
            [
                media.file_name,
                RELATION_TEXT.get(member.relation, member.relation),
                "" if member.relation == "reference" else f"{round(member.score * 100)}%",
                where_text(member),
                length_text(media),
            ]
        )
        item.setData(0, UID_ROLE, media.uid)
        item.setIcon(0, self._icon(media))
        item.setToolTip(0, media.original_path)
        item.setSizeHint(0, QSize(THUMB.width(), THUMB.height() + 4))
        item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return item

    def _icon(self, media: Media) -> QIcon:
        if media.uid not in self._icons:
            image = QImage.fromData(self._thumbs.get(media.uid, b""))
            if image.isNull():
                pixmap = kind_pixmap(media.kind.value).scaled(
                    THUMB, Qt.AspectRatioMode.KeepAspectRatio
                )
            else:
                pixmap = _boxed(image)
            self._icons[media.uid] = QIcon(pixmap)
        return self._icons[media.uid]

    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        uid = item.data(0, UID_ROLE)
        if isinstance(uid, str) and uid:
            self.media_chosen.emit(uid)

    def select_uid(self, uid: str) -> QTreeWidgetItem | None:
        """The first row showing ``uid`` (for tests and keyboard users), made current."""
        for top in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(top)
            for row in range(group.childCount()):
                child = group.child(row)
                if child.data(0, UID_ROLE) == uid:
                    self.tree.setCurrentItem(child)
                    return child
        return None

    # --- fingerprinting old videos ------------------------------------------------------

    def start_backfill(self) -> None:
        if self._backfill is not None:
            return
        token = CancelToken()
        duplicates, case_uid = self._duplicates, self._case_uid
        make_work: Any = lambda: duplicates.backfill(case_uid, token)  # noqa: E731
        worker = GeneratorWorker(make_work, self)
        worker.progress.connect(self._backfill_progress)
        worker.done.connect(self._backfill_done)
        worker.failed.connect(self._backfill_failed)
        worker.finished.connect(self._backfill_finished)
        self._backfill, self._backfill_token = worker, token
        self.backfill_button.hide()
        self.backfill_bar.setRange(0, 0)
        self.backfill_bar.show()
        self.backfill_cancel.setEnabled(True)
        self.backfill_cancel.show()
        self.missing_label.setText("Fingerprinting videos...")
        worker.start()

    def _backfill_progress(self, progress: Progress) -> None:
        if progress.total:
            self.backfill_bar.setRange(0, progress.total)
            self.backfill_bar.setValue(progress.done)
            self.missing_label.setText(
                f"Fingerprinting videos: {progress.done} of {progress.total}"
            )

    def _backfill_done(self, report: BackfillReport) -> None:
        if report.changes.any:
            self.changed.emit(report.changes)
        failed = "; ".join(message for _, _, message in report.failed[:3])
        text = f"Fingerprinted {len(report.fingerprinted)} video(s)"
        if report.cancelled:
            text += " before Cancel"
        self.status.setText(f"{text}. {failed}" if failed else f"{text}.")

    def _backfill_failed(self, exc: Exception) -> None:
        self.status.setText(f"Fingerprinting stopped: {exc}")

    def _backfill_finished(self) -> None:
        worker = self._backfill
        self._backfill = self._backfill_token = None
        if worker is not None:
            worker.deleteLater()
        self.backfill_bar.hide()
        self.backfill_cancel.hide()
        self.backfill_button.show()
        self.missing_row.hide()
        if self.isVisible():
            self.search()

    def _cancel_backfill(self) -> None:
        if self._backfill_token is not None:
            self._backfill_token.cancel()
            self.backfill_cancel.setEnabled(False)
            self.missing_label.setText("Cancelling: finishing the video in progress...")

    # --- closing ------------------------------------------------------------------------

    def wait(self) -> None:
        """Stop and wait for the dialog's threads (never killed mid-write)."""
        for token in (self._search_token, self._backfill_token):
            if token is not None:
                token.cancel()
        if self._backfill is not None:
            self._backfill.wait()
        self._workers.wait_all()

    def done(self, result: int) -> None:
        self.wait()
        super().done(result)


def _boxed(image: QImage) -> QPixmap:
    """The thumbnail scaled into a fixed box, centred, so rows line up."""
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


def show_duplicates(
    parent: QWidget | None,
    duplicates: DuplicateService,
    case_uid: str,
    thumbnails: Mapping[str, bytes] | None = None,
) -> DuplicatesDialog:
    """Open the dialog (not modal: the window stays usable to look at what it finds)."""
    dialog = DuplicatesDialog(duplicates, case_uid, thumbnails, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
