"""File > Import: choose files, run the import off the UI thread, show progress and summary."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from annotator.core.progress import CancelToken
from annotator.services.container import Services
from annotator.services.importing import ImportReport
from annotator.ui.dialogs import import_summary
from annotator.ui.dialogs.progress_dialog import ProgressDialog
from annotator.ui.progress_flow import ProgressFlow
from annotator.ui.workers import GeneratorWorker

MEDIA_FILTER = (
    "Media (*.mp4 *.mov *.m4v *.mkv *.webm *.avi *.3gp *.ts *.mts *.mpg *.jpg *.jpeg *.png "
    "*.webp *.tif *.tiff *.bmp *.gif *.m4a *.aac *.mp3 *.wav *.ogg *.opus *.flac);;All files (*)"
)


def ask_files(parent: QWidget) -> list[Path]:
    names, _ = QFileDialog.getOpenFileNames(parent, "Import files", "", MEDIA_FILTER)
    return [Path(n) for n in names]


def ask_folder(parent: QWidget) -> Path | None:
    name = QFileDialog.getExistingDirectory(parent, "Import folder (with its subfolders)")
    return Path(name) if name else None


class ImportFlow(ProgressFlow):
    """One import at a time; the window stays responsive while it runs."""

    finished = Signal(object)  # ImportReport

    def __init__(self, parent: QWidget, services: Services) -> None:
        super().__init__(parent)
        self._parent = parent
        self._services = services

    def start(self, case_uid: str, paths: list[Path]) -> bool:
        if self.worker is not None:
            QMessageBox.information(
                self._parent,
                "Import running",
                "Wait for the current import to finish, or cancel it.",
            )
            return False
        if not paths:
            return False
        token = CancelToken()
        importing = self._services.importing
        make_work: Callable[[], object] = lambda: importing.run(case_uid, paths, token)  # noqa: E731
        worker = GeneratorWorker(make_work, self)
        dialog = ProgressDialog(self._parent, "Importing media")
        self._launch(worker, dialog, token, self._done)
        return True

    def _done(self, report: ImportReport) -> None:
        if self.dialog is not None:
            self.dialog.hide()
        self.finished.emit(report)
        import_summary.show_import_summary(self._parent, report)

    def _failed(self, exc: Exception) -> None:
        if self.dialog is not None:
            self.dialog.hide()
        QMessageBox.warning(
            self._parent, "Import stopped", f"{exc}\n\nFiles imported before this problem are kept."
        )
