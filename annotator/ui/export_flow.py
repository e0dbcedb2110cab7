"""File > Export: ask what and where, export off the UI thread with progress, report back.

The PDF is the one step that must run on the UI thread (Qt WebEngine lives there): the
worker hands the finished HTML over and waits while the window's event loop renders it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

from annotator.core.errors import ValidationError
from annotator.core.progress import Cancelled, CancelToken
from annotator.services.container import Services
from annotator.services.exporting import ExportResult
from annotator.services.restoring import RestoreReport, read_document
from annotator.ui.dialogs.export_dialog import ExportDialog, ExportRequest
from annotator.ui.dialogs.notice import notice
from annotator.ui.dialogs.progress_dialog import ProgressDialog
from annotator.ui.progress_flow import ProgressFlow
from annotator.ui.workers import GeneratorWorker, Workers


class _PdfOnUiThread(QObject):
    """Renders a PDF on the UI thread for a worker that waits for it."""

    requested = Signal(object)  # _PdfJob

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.requested.connect(self._render)

    def _render(self, job: _PdfJob) -> None:
        from annotator.reports.pdf import html_to_pdf

        try:
            job.result = html_to_pdf(job.html, job.out)
        except Exception as exc:  # handed back to the worker, which raises it there
            job.error = exc
        finally:
            job.done.set()

    def render(self, html: str, out: Path) -> Path:
        """Called on the worker thread: blocks until the UI thread has written the PDF."""
        job = _PdfJob(html, out)
        self.requested.emit(job)
        job.done.wait()
        if job.error is not None:
            raise job.error
        assert job.result is not None
        return job.result


class _PdfJob:
    def __init__(self, html: str, out: Path) -> None:
        self.html, self.out = html, out
        self.done = threading.Event()
        self.result: Path | None = None
        self.error: Exception | None = None


class ExportFlow(ProgressFlow):
    finished = Signal(object)  # ExportResult
    restored = Signal(object)  # RestoreReport

    def __init__(self, parent: QWidget, services: Services, workers: Workers) -> None:
        super().__init__(parent)
        self._workers = workers
        self._parent = parent
        self._services = services
        self._pdf = _PdfOnUiThread(self)
        self.folder = Path.home()
        self.last_message: QMessageBox | None = None

    def ask(self, case_uid: str) -> ExportRequest | None:
        services = self._services
        case = services.cases.get(case_uid)
        dialog = ExportDialog(
            self._parent,
            case.name,
            services.media.for_case(case_uid),
            [c.claim for c in services.claims.for_case(case_uid)],
            services.tags.for_case(case_uid),
            self.folder,
        )
        if dialog.exec() != ExportDialog.DialogCode.Accepted:
            return None
        return dialog.request()

    def start(self, case_uid: str, request: ExportRequest) -> bool:
        if self.worker is not None:
            QMessageBox.information(
                self._parent, "Export running", "Wait for the current export to finish."
            )
            return False
        token = CancelToken()
        exporting = self._services.exporting
        render = self._pdf.render
        make_work: Callable[[], object] = lambda: exporting.run(  # noqa: E731
            case_uid,
            request.format,
            request.out,
            request.selection,
            token,
            render,
            redacted=request.redacted,
            omit_fields=request.omit_fields,
        )
        worker = GeneratorWorker(make_work, self)
        dialog = ProgressDialog(self._parent, "Exporting", noun="steps")
        self.folder = request.out.parent
        self._launch(worker, dialog, token, self._done)
        return True

    def restore(self, case_uid: str, path: Path, media_sha256: str | None) -> None:
        """Import annotations from our JSON export, or from an .eaf onto one media, off-thread."""
        restoring = self._services.restoring

        def work() -> RestoreReport:
            if path.suffix.lower() == ".eaf":
                if media_sha256 is None:
                    raise ValidationError("Select the media this ELAN file belongs to first.")
                return restoring.restore_eaf(case_uid, media_sha256, path)
            return restoring.restore(case_uid, read_document(path))

        def done(report: RestoreReport) -> None:
            self.restored.emit(report)
            lines = [
                f"{report.created} records created, {report.unchanged} unchanged, "
                f"{report.overwritten} overwritten, {len(report.conflicts)} conflicts."
            ]
            lines += [f"Conflict: {c['type']} {c['uid']}: {c['message']}" for c in report.conflicts]
            lines += [
                f"Missing media: {m['file_name']} ({m['annotations']} annotations not imported). "
                "Put the file back at its recorded path or relink it, then import again."
                for m in report.missing_media
            ]
            icon = QMessageBox.Icon.Information if report.complete else QMessageBox.Icon.Warning
            box = self._message(f"Imported from {path.name}", lines[0], icon)
            if len(lines) > 1:
                box.setDetailedText("\n".join(lines[1:]))
            box.open()

        def failed(exc: Exception) -> None:
            message = getattr(exc, "message", None) or str(exc)
            self._message(
                "Import of annotations failed",
                f"{message}\n\nNothing was changed.",
                QMessageBox.Icon.Warning,
            ).open()

        self._workers.run(work, done, failed)

    def _done(self, result: ExportResult) -> None:
        if self.dialog is not None:
            self.dialog.hide()
        self.finished.emit(result)
        files = len(result.files)
        box = self._message(
            "Export finished",
            f"Exported {result.annotations} annotations to {result.out} "
            f"({files} file{'s' if files != 1 else ''}). The export is recorded in the "
            "case's audit trail with the SHA-256 of each file.",
            QMessageBox.Icon.Warning if result.problems else QMessageBox.Icon.Information,
        )
        if result.problems:
            box.setInformativeText(
                f"{len(result.problems)} problem(s); the rest was exported. See details."
            )
            box.setDetailedText("\n".join(result.problems))
        show = box.addButton("Show in folder", QMessageBox.ButtonRole.ActionRole)
        folder = result.out if result.out.is_dir() else result.out.parent
        show.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))))
        box.open()

    def _failed(self, exc: Exception) -> None:
        if self.dialog is not None:
            self.dialog.hide()
        if isinstance(exc, Cancelled):
            box = self._message(
                "Export cancelled",
                "Nothing was written; the case is unchanged.",
                QMessageBox.Icon.Information,
            )
        else:
            message = getattr(exc, "message", None) or str(exc)
            box = self._message(
                "Export failed",
                f"{message}\n\nNo existing file was replaced by a partial one; try another "
                "folder or format.",
                QMessageBox.Icon.Warning,
            )
        box.open()

    def _message(self, title: str, text: str, icon: QMessageBox.Icon) -> QMessageBox:
        self.last_message = box = notice(self._parent, title, text, icon)
        return box
