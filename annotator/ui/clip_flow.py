"""Export clip: a segment as its own MP4, cut off the UI thread, with progress and Cancel.

The annotation list gets an "Export clip..." action in its context menu; it is enabled for
a segment of a video (or a region spanning frames). The flow asks where to save and
whether to burn in the case's redactions, runs the service's generator in a worker and
says where the clip and its sidecar went, without blocking the window.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.core.entities import Annotation, AnnotationKind
from annotator.core.progress import Cancelled, CancelToken
from annotator.core.timecode import format_ms
from annotator.services.clips import (
    ClipResult,
    ClipService,
    Redact,
    redaction_available,
    redaction_plan,
)
from annotator.services.container import Services
from annotator.ui.annotations.list_panel import AnnotationList
from annotator.ui.dialogs.notice import notice
from annotator.ui.dialogs.progress_dialog import ProgressDialog
from annotator.ui.progress_flow import ProgressFlow
from annotator.ui.workers import GeneratorWorker


@dataclass(frozen=True, slots=True)
class ClipRequest:
    out: Path
    redacted: bool


def spans_frames(annotation: Annotation | None) -> bool:
    """A segment (or a region over a span) of a video: what a clip can be made of."""
    return (
        annotation is not None
        and annotation.kind in (AnnotationKind.SEGMENT, AnnotationKind.REGION)
        and annotation.start_frame is not None
        and annotation.end_frame is not None
    )


def suggested_file(media_name: str, annotation: Annotation) -> str:
    stem = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", Path(media_name).stem).strip(" ._") or "clip"
    return f"{stem[:80]}_frames{annotation.start_frame}-{annotation.end_frame}.mp4"


def choose_clip_file(parent: QWidget, suggested: Path) -> Path | None:
    """Where to save the clip (tests monkeypatch this)."""
    name, _ = QFileDialog.getSaveFileName(
        parent, "Export clip", str(suggested), "MP4 video (*.mp4)"
    )
    if not name:
        return None
    path = Path(name)
    return path if path.suffix.lower() == ".mp4" else path.with_name(path.name + ".mp4")


class ClipDialog(QDialog):
    """What is exported (frames and times), where to, and whether redacted."""

    def __init__(
        self,
        parent: QWidget | None,
        annotation: Annotation,
        media_name: str,
        suggested: Path,
        can_redact: bool,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export clip")
        start, end = annotation.start_ms or 0, annotation.end_ms or 0
        count = (annotation.end_frame or 0) - (annotation.start_frame or 0) + 1
        self.summary = summary = QLabel(
            f"{media_name}: frames {annotation.start_frame} to {annotation.end_frame} "
            f"({count} frames, {format_ms(start)} to {format_ms(end)}), as H.264 MP4 with "
            "its sound, and a .json file beside it with the SHA-256 of the clip and of "
            "the original."
        )
        summary.setWordWrap(True)
        summary.setTextFormat(Qt.TextFormat.PlainText)
        self.path = QLineEdit(str(suggested))
        browse = QPushButton("Choose...")
        browse.clicked.connect(self._browse)
        self.redacted = QCheckBox("Redacted: burn the case's redactions into every frame")
        self.redacted.setEnabled(can_redact)
        if not can_redact:
            self.redacted.setToolTip("Redaction is not available in this version yet.")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.path.textChanged.connect(self._validate)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addLayout(row)
        layout.addWidget(self.redacted)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 70)
        self._validate()

    def _browse(self) -> None:
        chosen = choose_clip_file(self, Path(self.path.text().strip() or "clip.mp4"))
        if chosen is not None:
            self.path.setText(str(chosen))

    def _validate(self) -> None:
        ok = self.path.text().strip().lower().endswith(".mp4")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def request(self) -> ClipRequest:
        return ClipRequest(Path(self.path.text().strip()), self.redacted.isChecked())


def ask_clip(
    parent: QWidget, annotation: Annotation, media_name: str, suggested: Path, can_redact: bool
) -> ClipRequest | None:
    """The clip's file and the redacted choice, or None when cancelled (tests monkeypatch)."""
    dialog = ClipDialog(parent, annotation, media_name, suggested, can_redact)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.request()
    finally:
        dialog.deleteLater()


class ClipFlow(ProgressFlow):
    finished = Signal(object)  # ClipResult
    failed = Signal(object)  # the exception (Cancelled when the investigator cancelled)

    def __init__(
        self, parent: QWidget, services: Services, clips: ClipService | None = None
    ) -> None:
        super().__init__(parent)
        self._parent = parent
        self._services = services
        self._clips: ClipService = clips if clips is not None else services.clips
        self.folder = Path.home()
        self.last_message: QMessageBox | None = None
        self.action = QAction("Export clip...", self)
        self.action.setToolTip("Save this segment as its own MP4 file with its hashes")
        self.action.setEnabled(False)

    # --- the annotation list's context menu ----------------------------------------------

    def attach(self, annotations: AnnotationList, case_uid: Callable[[], str | None]) -> None:
        """Add "Export clip..." to the list's context menu for the selected segment.

        The table shows its actions as its context menu (right-click selects the row
        first), so other features can add theirs to the same menu.
        """
        table = annotations.table
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        table.addAction(self.action)

        def selected(annotation: Annotation | None) -> None:
            self.action.setEnabled(spans_frames(annotation))

        def triggered() -> None:
            annotation, case = annotations.current(), case_uid()
            if case is not None and spans_frames(annotation):
                assert annotation is not None
                self.export(case, annotation.uid)

        annotations.selected.connect(selected)
        self.action.triggered.connect(triggered)
        selected(annotations.current())

    # --- the export ------------------------------------------------------------------------

    def export(self, case_uid: str, annotation_uid: str) -> bool:
        """Ask where to save (and whether redacted), then cut the clip in the background."""
        if self.worker is not None:
            QMessageBox.information(
                self._parent, "Clip export running", "Wait for the current clip to finish."
            )
            return False
        try:
            annotation, media = self._clips.clip_target(case_uid, annotation_uid)
        except Exception as exc:
            self._failed(exc)
            return False
        can_redact = redaction_available(getattr(self._services, "redactions", None))
        suggested = self.folder / suggested_file(media.file_name, annotation)
        request = ask_clip(self._parent, annotation, media.file_name, suggested, can_redact)
        if request is None:
            return False
        return self.start(case_uid, annotation_uid, request)

    def start(self, case_uid: str, annotation_uid: str, request: ClipRequest) -> bool:
        if self.worker is not None:
            return False
        redact: Redact | None = None
        applied: list[dict[str, object]] = []
        if request.redacted:
            try:
                redact, applied = redaction_plan(
                    getattr(self._services, "redactions", None), case_uid, annotation_uid
                )
            except Exception as exc:
                self._failed(exc)
                return False
        token = CancelToken()
        clips = self._clips
        worker = GeneratorWorker(
            lambda: clips.export_clip(
                case_uid,
                annotation_uid,
                request.out,
                redact=redact,
                redactions=applied,
                cancel=token,
            ),
            self,
        )
        dialog = ProgressDialog(self._parent, "Exporting clip", noun="frames")
        self.folder = request.out.parent
        self._launch(worker, dialog, token, self._done)
        return True

    def _done(self, result: ClipResult) -> None:
        if self.dialog is not None:
            self.dialog.hide()
        self.finished.emit(result)
        redacted = (
            f" with {len(result.redactions)} redaction(s) burned in" if result.redactions else ""
        )
        box = self._message(
            "Clip exported",
            f"Frames {result.start_frame} to {result.end_frame} "
            f"({format_ms(result.start_ms)} to {format_ms(result.end_ms)}){redacted} saved to "
            f"{result.out}. Its SHA-256 and the original's are in {result.sidecar.name}, and "
            "the export is recorded in the case's audit trail.",
            QMessageBox.Icon.Information,
        )
        show = box.addButton("Show in folder", QMessageBox.ButtonRole.ActionRole)
        folder = result.out.parent
        show.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))))
        box.open()

    def _failed(self, exc: Exception) -> None:
        if self.dialog is not None:
            self.dialog.hide()
        self.failed.emit(exc)
        if isinstance(exc, Cancelled):
            box = self._message(
                "Clip export cancelled",
                "Nothing was written; the case is unchanged.",
                QMessageBox.Icon.Information,
            )
        else:
            message = getattr(exc, "message", None) or str(exc)
            box = self._message(
                "Clip export failed",
                f"{message}\n\nNo clip was written and the original is unchanged.",
                QMessageBox.Icon.Warning,
            )
        box.open()

    def _message(self, title: str, text: str, icon: QMessageBox.Icon) -> QMessageBox:
        self.last_message = box = notice(self._parent, title, text, icon)
        return box
