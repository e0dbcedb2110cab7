"""Cases: create, rename, list with counts."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.core.entities import Case, CaseSummary
from annotator.core.errors import AlreadyExistsError
from annotator.db import convert
from annotator.db.journal import Journal
from annotator.db.repositories.lookup import case_by_name, case_by_uid, check_version
from annotator.db.schema import AnnotationRow, CaseRow, MediaRow
from annotator.db.snapshots import snapshot


def _ensure_name_free(session: Session, name: str, except_id: int | None = None) -> None:
    existing = session.scalars(select(CaseRow).where(CaseRow.name == name)).one_or_none()
    if existing is not None and existing.id != except_id:
        raise AlreadyExistsError(
            f"A case named '{name}' already exists. Choose another name or open that case."
        )


def create(session: Session, journal: Journal, name: str, description: str) -> Case:
    _ensure_name_free(session, name)
    row = CaseRow(
        uid=str(uuid.uuid4()),
        name=name,
        description=description,
        created_at=journal.clock(),
        created_by=journal.actor,
    )
    session.add(row)
    journal.created(row, "case.create")
    return convert.case(row)


def update(
    session: Session,
    journal: Journal,
    uid: str,
    *,
    name: str | None = None,
    description: str | None = None,
    expected_version: int | None = None,
) -> Case:
    row = case_by_uid(session, uid)
    check_version(row.version, expected_version, f"case '{row.name}'")
    before = snapshot(row)
    if name is not None and name != row.name:
        _ensure_name_free(session, name, except_id=row.id)
        row.name = name
    if description is not None:
        row.description = description
    journal.updated(row, "case.update", before)
    return convert.case(row)


def get(session: Session, uid: str) -> Case:
    return convert.case(case_by_uid(session, uid))


def get_by_name(session: Session, name: str) -> Case:
    return convert.case(case_by_name(session, name))


def summaries(session: Session) -> list[CaseSummary]:
    media_count = (
        select(func.count(MediaRow.id)).where(MediaRow.case_id == CaseRow.id).scalar_subquery()
    )
    annotation_count = (
        select(func.count(AnnotationRow.id))
        .where(AnnotationRow.case_id == CaseRow.id, AnnotationRow.deleted_at.is_(None))
        .scalar_subquery()
    )
    rows = session.execute(
        select(CaseRow, media_count, annotation_count).order_by(CaseRow.name)
    ).all()
    return [
        CaseSummary(case=convert.case(row), media_count=media, annotation_count=annotations)
        for row, media, annotations in rows
    ]
