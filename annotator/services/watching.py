"""Noticing changes that other apps (other investigators) save to the open case.

On a team database (PostgreSQL) the server tells us: a listener connection receives the
case uid of every committed change. Where that is unavailable (a SQLite file shared by two
windows, or the listener connection failed) the case's audit head is read every couple of
seconds instead: one cheap query, and every change appends an audit event, so the head
moves exactly when something changed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum

from sqlalchemy.exc import SQLAlchemyError

from annotator.core.errors import AnnotatorError
from annotator.core.progress import CancelToken
from annotator.db.change_feed import ChangeListener, ListenerLost
from annotator.db.repositories import audit as repo
from annotator.db.repositories.lookup import case_by_uid
from annotator.services.base import Service

log = logging.getLogger(__name__)


class WatchMode(Enum):
    LISTENING = "listening"  # the server notifies us
    POLLING = "polling"  # we read the audit head every few seconds


@dataclass(frozen=True, slots=True)
class CaseChanged:
    """A change was committed: to the watched case (with its new audit head) or another."""

    case_uid: str
    #: (event count, head hash) of the watched case; None for another case's change.
    head: tuple[int, str] | None


class WatchService(Service):
    #: How often the head is read when polling.
    POLL_SECONDS = 2.0
    #: While listening, the head is still read this often: a safety net for a lost NOTIFY.
    SAFETY_POLL_SECONDS = 30.0
    #: After the listener connection failed, try it again this much later (polling meanwhile).
    RETRY_SECONDS = 15.0
    #: The longest one wait for a notification lasts: how soon ``stop`` is noticed.
    WAIT_SLICE_SECONDS = 0.25

    def head_or_none(self, case_uid: str) -> tuple[int, str] | None:
        """The case's audit head, or None when it cannot be read now (server away, deleted)."""
        try:
            with self.read() as session:
                return repo.head(session, case_by_uid(session, case_uid))
        except (AnnotatorError, SQLAlchemyError, OSError) as exc:
            log.info("Cannot read the audit head of case %s now: %s", case_uid, exc)
            return None

    def watch(
        self,
        case_uid: str,
        stop: CancelToken,
        *,
        seen: tuple[int, str] | None = None,
        poll_seconds: float | None = None,
    ) -> Iterator[CaseChanged | WatchMode]:
        """Report changes of ``case_uid`` (and, when listening, of other cases) until ``stop``.

        Yields a ``WatchMode`` first and whenever it changes, then a ``CaseChanged`` each
        time the case's audit head moves away from the last one reported (``seen`` at
        first). Never raises for a server that went away: it polls and retries.
        """
        poll = self.POLL_SECONDS if poll_seconds is None else poll_seconds
        last = seen if seen is not None else self.head_or_none(case_uid)
        listener: ChangeListener | None = None
        retry_at = 0.0 if not self.db.is_sqlite else float("inf")
        mode: WatchMode | None = None
        next_poll = time.monotonic() + poll
        try:
            while not stop.cancelled:
                now = time.monotonic()
                if listener is None and now >= retry_at:
                    try:
                        listener = ChangeListener(self.db)
                    except ListenerLost as exc:
                        log.info("Change notifications unavailable, polling: %s", exc)
                        retry_at = now + self.RETRY_SECONDS
                wanted = WatchMode.LISTENING if listener is not None else WatchMode.POLLING
                if wanted is not mode:
                    mode = wanted
                    yield mode
                others: set[str] = set()
                check = False
                if listener is not None:
                    try:
                        uids = listener.wait(self.WAIT_SLICE_SECONDS)
                    except ListenerLost as exc:
                        log.info("Change notifications lost, polling: %s", exc)
                        listener.close()
                        listener = None
                        retry_at = time.monotonic() + self.RETRY_SECONDS
                        check = True  # something may have changed while it was failing
                        uids = set()
                    check = check or case_uid in uids
                    others = uids - {case_uid}
                    if time.monotonic() >= next_poll:
                        check = True
                        next_poll = time.monotonic() + self.SAFETY_POLL_SECONDS
                else:
                    if stop.wait(min(self.WAIT_SLICE_SECONDS * 4, max(0.0, next_poll - now))):
                        break
                    if time.monotonic() >= next_poll:
                        check = True
                        next_poll = time.monotonic() + poll
                for uid in sorted(others):
                    yield CaseChanged(uid, None)
                if check and not stop.cancelled:
                    head = self.head_or_none(case_uid)
                    if head is not None and head != last:
                        last = head
                        yield CaseChanged(case_uid, head)
        finally:
            if listener is not None:
                listener.close()
