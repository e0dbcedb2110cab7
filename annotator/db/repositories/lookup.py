"""Finding rows by uid or name, with errors that tell the investigator what to do."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.core.errors import ConflictError, NotFoundError, ValidationError
from annotator.db.schema import (
    AnnotationRow,
    Base,
    CaseRow,
    ClaimLinkRow,
    ClaimRow,
    MediaRow,
    RedactionRow,
    TagRow,
)

RowT = TypeVar("RowT", MediaRow, TagRow, ClaimRow, AnnotationRow, ClaimLinkRow, RedactionRow)

_WHAT: dict[type[Base], str] = {
    MediaRow: "media item",
    TagRow: "tag",
    ClaimRow: "claim",
    AnnotationRow: "annotation",
    ClaimLinkRow: "claim link",
    RedactionRow: "redaction",
}


def case_by_uid(session: Session, uid: str) -> CaseRow:
    row = session.scalars(select(CaseRow).where(CaseRow.uid == uid)).one_or_none()
    if row is None:
        raise NotFoundError(f"No case with id {uid}. It may be in another database.")
    return row


def case_by_name(session: Session, name: str) -> CaseRow:
    row = session.scalars(select(CaseRow).where(CaseRow.name == name)).one_or_none()
    if row is None:
        raise NotFoundError(f"No case named '{name}'. Run 'annotator case list' to see the cases.")
    return row


def by_uid(session: Session, model: type[RowT], case: CaseRow, uid: str) -> RowT:
    row = session.scalars(
        select(model).where(model.case_id == case.id, model.uid == uid)
    ).one_or_none()
    if row is None:
        raise NotFoundError(
            f"No {_WHAT[model]} with id {uid} in case '{case.name}'. "
            "It may have been removed; refresh the view."
        )
    return row


def check_version(actual: int, expected: int | None, what: str) -> None:
    """Optimistic locking: refuse to overwrite a record someone else changed meanwhile."""
    if expected is not None and expected != actual:
        raise ConflictError(
            f"The {what} was changed elsewhere after you opened it "
            f"(version {actual}, yours {expected}). Reload it, then make your change again."
        )


def new_uid(given: str | None = None) -> str:
    """A fresh UUID, or ``given`` (a restored record keeps its uid) once checked to be one."""
    if given is None:
        return str(uuid.uuid4())
    try:
        return str(uuid.UUID(given))
    except (ValueError, AttributeError, TypeError) as exc:
        raise ValidationError(f"'{given}' is not a record uid (a UUID).") from exc


@dataclass(frozen=True, slots=True)
class Origin:
    """Identity kept by a record restored from an export: its uid, author and times."""

    uid: str
    author: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
