"""What every long job run from the window shares: one worker, its progress dialog, Cancel."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject

from annotator.core.progress import CancelToken
from annotator.ui.dialogs.progress_dialog import ProgressDialog
from annotator.ui.workers import GeneratorWorker


class ProgressFlow(QObject):
    """One job at a time; a subclass starts it and sets ``worker``, ``dialog`` and ``token``."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker: GeneratorWorker | None = None
        self.dialog: ProgressDialog | None = None
        self.token: CancelToken | None = None

    @property
    def busy(self) -> bool:
        return self.worker is not None

    def cancel(self) -> None:
        """Ask the job to stop at its next check; what it finished stays as the job decides."""
        if self.token is not None:
            self.token.cancel()

    def wait(self) -> None:
        if self.worker is not None:
            self.worker.wait()

    def _launch(
        self,
        worker: GeneratorWorker,
        dialog: ProgressDialog,
        token: CancelToken,
        on_done: Callable[[Any], None],
    ) -> None:
        """Wire the job to its dialog and to this flow, then show the dialog and start it."""
        worker.progress.connect(dialog.update_progress)
        dialog.cancel_requested.connect(token.cancel)
        worker.done.connect(on_done)
        worker.failed.connect(self._failed)
        worker.finished.connect(self._cleanup)
        self.worker, self.dialog, self.token = worker, dialog, token
        dialog.show()
        worker.start()

    def _failed(self, exc: Exception) -> None:
        raise NotImplementedError

    def _cleanup(self) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        if self.worker is not None:
            self.worker.deleteLater()
        self.worker = self.dialog = self.token = None
