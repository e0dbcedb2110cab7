"""Run work off the UI thread; results and errors come back on the UI thread as signals."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from annotator.core.errors import AnnotatorError

log = logging.getLogger(__name__)


def _log_if_bug(exc: Exception) -> None:
    """A user-facing error is shown as it is; anything else is a bug: keep its traceback."""
    if not isinstance(exc, AnnotatorError):
        log.error("Unexpected error in a worker thread", exc_info=exc)


class _Call(QThread):
    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(self, fn: Callable[[], Any], parent: QObject | None) -> None:
        super().__init__(parent)
        self._fn = fn

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as exc:  # delivered to the UI, which shows it
            _log_if_bug(exc)
            self.failed.emit(exc)
        else:
            self.succeeded.emit(result)


class Workers(QObject):
    """Threads for short background calls, owned so that closing the window can wait.

    A thread is never killed mid-write (no ``terminate()``): ``wait_all`` lets it finish.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._running: set[_Call] = set()

    def run(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None],
    ) -> QThread:
        thread = _Call(fn, self)
        thread.succeeded.connect(on_done)
        thread.failed.connect(on_error)
        # A bound method, not a lambda: Qt drops the queued call if this object is gone by
        # then. A lambda's call was still delivered after the window (and with it the
        # thread) was deleted, and deleteLater() on the dead thread crashed in ~QObject.
        thread.finished.connect(self._finished)
        self._running.add(thread)
        thread.start()
        return thread

    def _finished(self) -> None:
        thread = self.sender()
        if isinstance(thread, _Call) and thread in self._running:
            self._running.discard(thread)
            thread.deleteLater()

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def wait_all(self) -> None:
        for thread in list(self._running):
            thread.wait()


class GeneratorWorker(QThread):
    """Runs long work (a generator yielding Progress) and reports on the UI thread.

    ``progress`` carries each Progress, ``done`` the generator's return value, ``failed``
    an exception. Cancelling is the work's own CancelToken: the thread is never killed.
    """

    progress = Signal(object)
    done = Signal(object)
    failed = Signal(object)

    def __init__(self, make_work: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._make_work = make_work

    def run(self) -> None:
        try:
            work = self._make_work()
            while True:
                try:
                    update = next(work)
                except StopIteration as stop:
                    self.done.emit(stop.value)
                    return
                self.progress.emit(update)
        except Exception as exc:  # delivered to the UI, which shows it
            _log_if_bug(exc)
            self.failed.emit(exc)
