"""Unexpected errors in the window: written to the log with their traceback, then shown.

A bug in a slot, a worker thread or a plain Python thread must neither vanish (PySide
prints it to a terminal nobody reads) nor end the session: the investigator gets a box
with the message and where the log is, and the traceback goes to that log for a report.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from annotator import APP_NAME

log = logging.getLogger("annotator.unexpected")

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def show_unexpected_error(parent: QWidget | None, message: str, log_file: Path | None) -> None:
    """The box for a bug (tests replace this function)."""
    where = (
        f"The details are in the log file:\n{log_file}"
        if log_file
        else "No log file could be written (see Help > About for the log folder)."
    )
    QMessageBox.critical(
        parent,
        f"{APP_NAME}: unexpected problem",
        f"Something went wrong that the program did not expect:\n\n{message}\n\n"
        f"Your saved work is kept; you can go on working. {where}\n"
        "Please send that file with a note of what you were doing when this appeared.",
    )


class CrashGuard(QObject):
    """Installed as ``sys.excepthook`` and ``threading.excepthook`` while the GUI runs.

    Exceptions from any thread are logged where they happen, then shown on the UI thread
    through a queued signal; while one box is open, further errors are only logged, so a
    failing paint cannot pile up hundreds of boxes.
    """

    _report = Signal(str)

    def __init__(
        self,
        log_file: Path | None,
        parent: Callable[[], QWidget | None] = QApplication.activeWindow,
    ) -> None:
        super().__init__()
        self.log_file = log_file
        self._parent = parent
        self._showing = False
        self._previous: tuple[object, object] | None = None
        self._report.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def install(self) -> CrashGuard:
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook
        return self

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous  # type: ignore[assignment]
            self._previous = None

    def excepthook(
        self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        self._handle((kind, exc, tb), threading.current_thread().name)

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        name = args.thread.name if args.thread is not None else "a thread"
        self._handle((args.exc_type, args.exc_value, args.exc_traceback), name)

    def _handle(self, info: ExcInfo, thread: str) -> None:
        try:
            log.error("Unexpected error in %s", thread, exc_info=info)
            self._report.emit(f"{info[0].__name__}: {info[1]}")
        except Exception:  # never raise from the hook itself: that would end the program
            sys.__excepthook__(*info)

    def _show(self, message: str) -> None:
        if self._showing:
            return  # in the log already; one box at a time
        self._showing = True
        try:
            show_unexpected_error(self._parent(), message, self.log_file)
        finally:
            self._showing = False
