"""Appending audit events inside the caller's transaction.

A service opens a unit of work and a ``Journal``; repositories record every row they
create, change or delete through it. The events land in the same transaction as the
change, so the change and its record are saved together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from annotator.core.audit_chain import GENESIS_HASH, Snapshot, canonical_text, event_hash
from annotator.core.changes import Changes
from annotator.db import search
from annotator.db.engine import NOTIFY_CHANNEL, take_write_lock
from annotator.db.schema import AuditEventRow, Base, CaseRow
from annotator.db.snapshots import entity_type_of, snapshot


def utcnow() -> datetime:
    return datetime.now(UTC)


class Journal:
    def __init__(self, session: Session, actor: str, *, clock: Callable[[], datetime] = utcnow):
        self.session = session
        self.actor = actor
        self.clock = clock
        self._heads: dict[int, tuple[int, str]] = {}
        self._changes = Changes()

    @property
    def changes(self) -> Changes:
        return self._changes

    def _head(self, case: CaseRow) -> tuple[int, str]:
        case_id = case.id
        if case_id not in self._heads:
            take_write_lock(self.session)  # the head is read and extended under the lock
            if self.session.get_bind().dialect.name == "postgresql":
                # Other apps on the team database learn of the change when it commits.
                self.session.execute(
                    text("SELECT pg_notify(:channel, :case)"),
                    {"channel": NOTIFY_CHANNEL, "case": case.uid},
                )
            last = self.session.execute(
                select(AuditEventRow.seq, AuditEventRow.hash)
                .where(AuditEventRow.case_id == case_id)
                .order_by(AuditEventRow.seq.desc())
                .limit(1)
            ).first()
            self._heads[case_id] = (last.seq, last.hash) if last else (0, GENESIS_HASH)
        return self._heads[case_id]

    def append(
        self,
        case: CaseRow,
        action: str,
        entity_type: str,
        entity_uid: str,
        before: Snapshot | None,
        after: Snapshot | None,
    ) -> None:
        seq, prev = self._head(case)
        seq += 1
        at = self.clock()
        digest = event_hash(
            case_uid=case.uid,
            seq=seq,
            at=at,
            actor=self.actor,
            action=action,
            entity_type=entity_type,
            entity_uid=entity_uid,
            before=before,
            after=after,
            prev_hash=prev,
        )
        self.session.add(
            AuditEventRow(
                case_id=case.id,
                seq=seq,
                at=at,
                actor=self.actor,
                action=action,
                entity_type=entity_type,
                entity_uid=entity_uid,
                before_json=None if before is None else canonical_text(before),
                after_json=None if after is None else canonical_text(after),
                prev_hash=prev,
                hash=digest,
            )
        )
        self._heads[case.id] = (seq, digest)
        search.reindex(
            self.session, case.uid, entity_type, entity_uid, after, is_new=before is None
        )
        self._changes = self._changes | Changes.of(entity_type, entity_uid)

    # Helpers for the three shapes of change. Rows must belong to a case (``row.case``).

    def created(self, row: Base, action: str) -> None:
        self.session.flush()
        self.append(_case_of(row), action, entity_type_of(row), _uid(row), None, snapshot(row))

    def updated(self, row: Base, action: str, before: Snapshot) -> bool:
        """Record ``row``'s change since ``before``; nothing is written when nothing changed."""
        self.session.flush()
        after = snapshot(row)
        if canonical_text(after) == canonical_text(before):
            return False
        self.append(_case_of(row), action, entity_type_of(row), _uid(row), before, after)
        return True

    def deleted(self, row: Base, action: str) -> None:
        before = snapshot(row)
        case = _case_of(row)
        self.session.delete(row)
        self.session.flush()
        self.append(case, action, entity_type_of(row), _uid(row), before, None)


def _uid(row: Base) -> str:
    uid = getattr(row, "uid", None)
    if not isinstance(uid, str):
        raise TypeError(f"{type(row).__name__} has no uid")
    return uid


def _case_of(row: Base) -> CaseRow:
    if isinstance(row, CaseRow):
        return row
    case = getattr(row, "case", None)
    if not isinstance(case, CaseRow):
        raise TypeError(f"{type(row).__name__} does not belong to a case")
    return case
