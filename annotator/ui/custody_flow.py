"""Case > Verify integrity and Case > Relink media: off the UI thread, with progress and Cancel.

Each run is a ``CustodyService`` generator in a ``GeneratorWorker``; the result opens in a
non-blocking dialog and ``finished`` carries the report (its ``changes`` name the media
whose state or location was recorded) so the window refreshes what it shows.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget

from annotator.core.progress import CancelToken
from annotator.services.custody import CustodyService, RelinkReport, VerifyReport
from annotator.ui.dialogs.progress_dialog import ProgressDialog
from annotator.ui.dialogs.verify_dialog import RelinkDialog, VerifyDialog, show_result
from annotator.ui.progress_flow import ProgressFlow
from annotator.ui.workers import GeneratorWorker


def ask_relink_folder(parent: QWidget, start: Path | None = None) -> Path | None:
    """The folder to search for missing media (tests monkeypatch this)."""
    name = QFileDialog.getExistingDirectory(
        parent, "Relink media: folder to search (with its subfolders)", str(start or "")
    )
    return Path(name) if name else None


class CustodyFlow(ProgressFlow):
    """One verification or relink at a time; the window stays responsive while it runs."""

    finished = Signal(object)  # VerifyReport | RelinkReport

    def __init__(self, parent: QWidget, custody: CustodyService) -> None:
        super().__init__(parent)
        self._parent = parent
        self._custody = custody
        self.last_dialog: QDialog | QMessageBox | None = None  # the latest result shown
        self.folder: Path | None = None  # last folder searched by relink

    def verify(self, case_uid: str) -> bool:
        """Re-hash every media file of the case and check its audit trail."""
        custody = self._custody
        return self._start(
            "Verifying media",
            lambda token: custody.verify(case_uid, token),
            self._verified,
        )

    def relink(self, case_uid: str, folder: Path) -> bool:
        """Look for the case's missing media files in ``folder`` and record where they are."""
        custody = self._custody
        self.folder = folder
        return self._start(
            "Relinking media",
            lambda token: custody.relink(case_uid, folder, token),
            self._relinked,
        )

    def _start(
        self,
        title: str,
        make: Callable[[CancelToken], object],
        on_done: Callable[[object], None],
    ) -> bool:
        if self.worker is not None:
            QMessageBox.information(
                self._parent,
                "Verification running",
                "Wait for the current verification or relink to finish, or cancel it.",
            )
            return False
        token = CancelToken()
        worker = GeneratorWorker(lambda: make(token), self)
        dialog = ProgressDialog(self._parent, title, noun="files")
        self._launch(worker, dialog, token, on_done)
        return True

    def _verified(self, report: object) -> None:
        assert isinstance(report, VerifyReport)
        self._hide_progress()
        self.finished.emit(report)
        self.last_dialog = show_result(VerifyDialog(self._parent, report))

    def _relinked(self, report: object) -> None:
        assert isinstance(report, RelinkReport)
        self._hide_progress()
        self.finished.emit(report)
        self.last_dialog = show_result(RelinkDialog(self._parent, report))

    def _failed(self, exc: Exception) -> None:
        self._hide_progress()
        message = getattr(exc, "message", None) or str(exc)
        box = QMessageBox(self._parent)
        box.setWindowTitle("Could not verify or relink")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setText(f"{message}\n\nStates and locations recorded before this are kept.")
        box.addButton(QMessageBox.StandardButton.Close)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.last_dialog = box
        box.open()

    def _hide_progress(self) -> None:
        if self.dialog is not None:
            self.dialog.hide()
