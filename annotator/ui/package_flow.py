"""File > Export evidence package: ask for a new folder, write the bag off the UI thread.

The ``PackageService.package`` generator runs in a ``GeneratorWorker`` with a progress
dialog and Cancel; the outcome opens in a non-blocking message. ``finished`` carries the
``PackageReport`` (the window refreshes its audit views: the packaging is a new event).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from annotator.core.progress import Cancelled, CancelToken
from annotator.services.packaging import PackageMediaError, PackageReport, PackageService
from annotator.ui.dialogs.notice import notice
from annotator.ui.dialogs.progress_dialog import ProgressDialog, human_bytes
from annotator.ui.progress_flow import ProgressFlow
from annotator.ui.workers import GeneratorWorker


def suggested_name(case_name: str, today: date | None = None) -> str:
    """A folder name for a new package: the case's name and today's date."""
    stem = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", case_name).strip(" ._") or "case"
    return f"{stem[:80]} - evidence package {(today or date.today()).isoformat()}"


def ask_package_folder(parent: QWidget, suggested: Path) -> Path | None:
    """The new (or empty) folder to write the package into (tests monkeypatch this)."""
    name, _ = QFileDialog.getSaveFileName(
        parent,
        "Export evidence package: name a new folder",
        str(suggested),
        "Folder (*)",
        options=QFileDialog.Option.DontConfirmOverwrite,
    )
    return Path(name) if name else None


class PackageFlow(ProgressFlow):
    """One package at a time; the window stays responsive while it is written."""

    finished = Signal(object)  # PackageReport
    failed = Signal(object)  # the exception (Cancelled included)

    def __init__(self, parent: QWidget, packaging: PackageService) -> None:
        super().__init__(parent)
        self._parent = parent
        self._packaging = packaging
        self.folder = Path.home()
        self.last_message: QMessageBox | None = None

    def export(self, case_uid: str, case_name: str) -> bool:
        """Ask where, then start; False when the user cancelled or a package is running."""
        out = ask_package_folder(self._parent, self.folder / suggested_name(case_name))
        return out is not None and self.start(case_uid, out)

    def start(self, case_uid: str, out: Path) -> bool:
        if self.worker is not None:
            QMessageBox.information(
                self._parent,
                "Package being written",
                "Wait for the current evidence package to be written, or cancel it.",
            )
            return False
        token = CancelToken()
        packaging = self._packaging
        worker = GeneratorWorker(lambda: packaging.package(case_uid, out, token), self)
        dialog = ProgressDialog(self._parent, "Writing the evidence package", noun="steps")
        self.folder = out.parent
        self._launch(worker, dialog, token, self._done)
        return True

    def _done(self, report: PackageReport) -> None:
        self._hide_progress()
        self.finished.emit(report)
        box = self._message(
            "Evidence package written",
            f"Packaged '{report.case}' into {report.out}: {report.files} files, "
            f"{human_bytes(report.bytes)}.",
            QMessageBox.Icon.Warning if report.warnings else QMessageBox.Icon.Information,
        )
        box.setInformativeText(
            f"Audit head hash: {report.audit_head_hash} ({report.audit_events} events). "
            "Keep it with the package, or publish it: 'annotator verify-package' checks every "
            "file and the audit trail against it. The packaging is recorded in the case's "
            "audit trail."
            + (f"\n\n{len(report.warnings)} warning(s); see details." if report.warnings else "")
        )
        if report.warnings:
            box.setDetailedText("\n".join(report.warnings))
        show = box.addButton("Show in folder", QMessageBox.ButtonRole.ActionRole)
        folder = report.out
        show.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))))
        box.open()

    def _failed(self, exc: Exception) -> None:
        self._hide_progress()
        self.failed.emit(exc)
        if isinstance(exc, Cancelled):
            box = self._message(
                "Packaging cancelled",
                "Nothing was written, and the case is unchanged.",
                QMessageBox.Icon.Information,
            )
        elif isinstance(exc, PackageMediaError):
            n = len(exc.problems)
            box = self._message(
                "Evidence package not written",
                f"{n} media file{'s are' if n != 1 else ' is'} not what the case recorded, so "
                "no package was written: a package must hold exactly the files the case "
                "recorded.\n\n"
                + "\n".join(f"{p.file_name}: {p.message}" for p in exc.problems[:10])
                + ("\n..." if n > 10 else "")
                + "\n\nPut the original files back (Case > Relink media finds moved ones), "
                "then package again.",
                QMessageBox.Icon.Warning,
            )
            box.setDetailedText("\n".join(f"{p.file_name}: {p.path}" for p in exc.problems))
        else:
            message = getattr(exc, "message", None) or str(exc)
            box = self._message(
                "Evidence package not written",
                f"{message}\n\nNothing was left half-written.",
                QMessageBox.Icon.Warning,
            )
        box.open()

    def _message(self, title: str, text: str, icon: QMessageBox.Icon) -> QMessageBox:
        self.last_message = box = notice(self._parent, title, text, icon)
        return box

    def _hide_progress(self) -> None:
        if self.dialog is not None:
            self.dialog.hide()
