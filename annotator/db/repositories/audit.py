"""Reading the audit trail and the current state it must match."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from annotator.core import audit_chain
from annotator.core.audit_chain import GENESIS_HASH, AuditReport, Snapshot
from annotator.core.entities import AuditEvent
from annotator.db import convert
from annotator.db.schema import (
    AnnotationRow,
    AuditEventRow,
    CaseRow,
    ClaimLinkRow,
    ClaimRow,
    MediaRow,
    RedactionRow,
    TagRow,
)
from annotator.db.snapshots import entity_type_of, snapshot


def iter_events(
    session: Session, case: CaseRow, *, entity_uid: str | None = None, batch: int = 2000
) -> Iterator[AuditEvent]:
    """Events in seq order, read in batches so 100,000 events do not sit in memory at once."""
    last = 0
    while True:
        query = (
            select(AuditEventRow)
            .where(AuditEventRow.case_id == case.id, AuditEventRow.seq > last)
            .order_by(AuditEventRow.seq)
            .limit(batch)
        )
        if entity_uid is not None:
            query = query.where(AuditEventRow.entity_uid == entity_uid)
        rows = session.scalars(query).all()
        if not rows:
            return
        for row in rows:
            yield convert.audit_event(row)
        last = rows[-1].seq


def latest(session: Session, case: CaseRow, limit: int) -> list[AuditEvent]:
    """The case's ``limit`` newest events, oldest first (a history view of a big case)."""
    rows = session.scalars(
        select(AuditEventRow)
        .where(AuditEventRow.case_id == case.id)
        .order_by(AuditEventRow.seq.desc())
        .limit(limit)
    ).all()
    return [convert.audit_event(row) for row in reversed(rows)]


def head(session: Session, case: CaseRow) -> tuple[int, str]:
    """(event count, head hash) of the case's trail."""
    count = session.scalar(
        select(func.count()).select_from(AuditEventRow).where(AuditEventRow.case_id == case.id)
    )
    last = session.scalar(
        select(AuditEventRow.hash)
        .where(AuditEventRow.case_id == case.id)
        .order_by(AuditEventRow.seq.desc())
        .limit(1)
    )
    return int(count or 0), last or GENESIS_HASH


def live_state(session: Session, case: CaseRow) -> dict[tuple[str, str], Snapshot]:
    """The snapshot of every audited row of the case, keyed by (entity type, uid)."""
    state: dict[tuple[str, str], Snapshot] = {("case", case.uid): snapshot(case)}
    queries = (
        select(MediaRow).where(MediaRow.case_id == case.id),
        select(TagRow).where(TagRow.case_id == case.id),
        select(ClaimRow).where(ClaimRow.case_id == case.id),
        select(AnnotationRow)
        .where(AnnotationRow.case_id == case.id)
        .options(selectinload(AnnotationRow.tags), selectinload(AnnotationRow.media)),
        select(ClaimLinkRow)
        .where(ClaimLinkRow.case_id == case.id)
        .options(selectinload(ClaimLinkRow.annotation), selectinload(ClaimLinkRow.claim)),
        select(RedactionRow)
        .where(RedactionRow.case_id == case.id)
        .options(selectinload(RedactionRow.media)),
    )
    for query in queries:
        for row in session.scalars(query):
            state[(entity_type_of(row), row.uid)] = snapshot(row)
    return state


def verify(session: Session, case: CaseRow) -> AuditReport:
    """Check the case's chain and that every record equals its latest event (one session)."""
    return audit_chain.verify(case.uid, iter_events(session, case), live_state(session, case))
