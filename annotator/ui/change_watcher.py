"""Changes saved by others to the open case, noticed off the UI thread and shown on it.

``ChangeWatcher`` runs ``services.watching.watch`` (LISTEN on a team database, else polling
the audit head) in a thread and reports on the UI thread. The window decides what a change
means for its views (see ``MainWindow._remote_change``).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QThread, Signal

from annotator.core.progress import CancelToken
from annotator.services.container import Services
from annotator.services.watching import CaseChanged, WatchMode

log = logging.getLogger(__name__)

#: How long closing the window waits for the watcher to notice ``stop`` (it checks every
#: quarter second; a read stuck on a vanished server may take longer: then it is left to end
#: on its own, as it writes nothing).
STOP_WAIT_MS = 5000

#: Watch threads that did not end within STOP_WAIT_MS, kept alive until they do.
_stragglers: set[_WatchThread] = set()


class _WatchThread(QThread):
    event = Signal(object)  # CaseChanged | WatchMode

    def __init__(
        self, services: Services, case_uid: str, seen: tuple[int, str] | None, poll: float | None
    ) -> None:
        super().__init__()
        self.token = CancelToken()
        self._services = services
        self._case_uid = case_uid
        self._seen = seen
        self._poll = poll

    def run(self) -> None:
        try:
            for item in self._services.watching.watch(
                self._case_uid, self.token, seen=self._seen, poll_seconds=self._poll
            ):
                if self.token.cancelled:
                    return
                self.event.emit(item)
        except Exception:  # a bug: keep the window working, without live updates
            log.exception("The change watcher stopped")


class ChangeWatcher(QObject):
    """One watch at a time, over the case the window shows; restart it on each case switch."""

    case_changed = Signal(object)  # CaseChanged of the watched case (head moved)
    other_case_changed = Signal(str)  # uid of another case that changed (team database)
    mode_changed = Signal(object)  # WatchMode

    def __init__(self, services: Services, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.poll_seconds: float | None = None  # None: the service's default (tests: shorter)
        self.mode: WatchMode | None = None
        self._thread: _WatchThread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    def watch(self, case_uid: str | None, seen: tuple[int, str] | None = None) -> None:
        """Watch ``case_uid`` from its head ``seen`` (None: stop watching)."""
        # Switching cases must not wait for the old watch (up to a quarter second in a
        # LISTEN wait): it is told to stop and ends on its own; its events are ignored.
        self.stop(wait=False)
        if case_uid is None:
            return
        thread = _WatchThread(self.services, case_uid, seen, self.poll_seconds)
        thread.event.connect(self._event)
        self._thread = thread
        thread.start()

    def _event(self, item: object) -> None:
        if self.sender() is not self._thread:
            return  # from a watch already stopped
        if isinstance(item, WatchMode):
            self.mode = item
            self.mode_changed.emit(item)
        elif isinstance(item, CaseChanged):
            if item.head is None:
                self.other_case_changed.emit(item.case_uid)
            else:
                self.case_changed.emit(item)

    def stop(self, *, wait: bool = True) -> None:
        """End the watch; ``wait`` (closing the window) until its thread has ended."""
        thread, self._thread = self._thread, None
        self.mode = None
        if thread is None:
            return
        thread.token.cancel()
        if not wait:
            _stragglers.add(thread)
            thread.finished.connect(lambda: _stragglers.discard(thread))
            thread.finished.connect(thread.deleteLater)
            return
        if not thread.wait(STOP_WAIT_MS):
            log.warning("The change watcher is still waiting for the server; leaving it")
            _stragglers.add(thread)
            thread.finished.connect(lambda: _stragglers.discard(thread))
            return
        thread.deleteLater()
