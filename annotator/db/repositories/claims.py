"""Claims under verification and the links that tie annotations to them as evidence."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.core import validation
from annotator.core.entities import Claim, ClaimLink, ClaimStatus, Relation
from annotator.core.errors import AlreadyExistsError, ValidationError
from annotator.db import convert
from annotator.db.journal import Journal
from annotator.db.repositories.lookup import Origin, by_uid, check_version, new_uid
from annotator.db.schema import AnnotationRow, CaseRow, ClaimLinkRow, ClaimRow
from annotator.db.snapshots import snapshot

CLAIM_TEXT_FIELDS = ("statement", "claimant", "source_url", "claimed_at", "notes")


def _status(value: str) -> str:
    try:
        return ClaimStatus(value).value
    except ValueError as exc:
        choices = ", ".join(s.value for s in ClaimStatus)
        raise ValidationError(f"'{value}' is not a claim status; use one of {choices}.") from exc


def _relation(value: str) -> str:
    try:
        return Relation(value).value
    except ValueError as exc:
        choices = ", ".join(r.value for r in Relation)
        raise ValidationError(f"'{value}' is not a relation; use one of {choices}.") from exc


def _apply(row: ClaimRow, fields: Mapping[str, str]) -> None:
    for name, value in fields.items():
        if name == "status":
            row.status = _status(value)
        elif name in CLAIM_TEXT_FIELDS:
            setattr(
                row,
                name,
                validation.clean_text(value, name.replace("_", " "), required=name == "statement"),
            )
        else:
            raise ValidationError(f"A claim has no field '{name}'.")


def create(
    session: Session,
    journal: Journal,
    case: CaseRow,
    fields: Mapping[str, str],
    *,
    origin: Origin | None = None,
) -> Claim:
    now = journal.clock()
    row = ClaimRow(
        uid=new_uid(origin.uid if origin else None),
        case=case,
        created_at=(origin.created_at if origin and origin.created_at else now),
        updated_at=(origin.updated_at if origin and origin.updated_at else now),
        status=ClaimStatus.UNVERIFIED.value,
        statement="",
    )
    _apply(row, fields)
    if not row.statement:
        raise ValidationError(
            "A claim needs a statement, e.g. 'The captured men carried Chinese ID'."
        )
    session.add(row)
    journal.created(row, "claim.create")
    return convert.claim(row)


def update(
    session: Session,
    journal: Journal,
    case: CaseRow,
    uid: str,
    fields: Mapping[str, str],
    expected_version: int | None,
) -> Claim:
    row = by_uid(session, ClaimRow, case, uid)
    check_version(row.version, expected_version, "claim")
    before = snapshot(row)
    _apply(row, fields)
    if snapshot(row) != before:
        row.updated_at = journal.clock()
    journal.updated(row, "claim.update", before)
    return convert.claim(row)


def delete(
    session: Session, journal: Journal, case: CaseRow, uid: str, expected_version: int | None
) -> list[str]:
    """Delete a claim and its evidence links (each link's removal is its own event)."""
    row = by_uid(session, ClaimRow, case, uid)
    check_version(row.version, expected_version, "claim")
    links = session.scalars(select(ClaimLinkRow).where(ClaimLinkRow.claim_id == row.id)).all()
    for link in links:
        journal.deleted(link, "claim.unlink")
    journal.deleted(row, "claim.delete")
    return [link.uid for link in links]


def list_for_case(session: Session, case: CaseRow) -> list[tuple[Claim, dict[str, int]]]:
    """Claims with their evidence counts by relation (live annotations only)."""
    counts: dict[int, dict[str, int]] = {}
    for claim_id, relation, n in session.execute(
        select(ClaimLinkRow.claim_id, ClaimLinkRow.relation, func.count())
        .join(AnnotationRow, AnnotationRow.id == ClaimLinkRow.annotation_id)
        .where(ClaimLinkRow.case_id == case.id, AnnotationRow.deleted_at.is_(None))
        .group_by(ClaimLinkRow.claim_id, ClaimLinkRow.relation)
    ):
        counts.setdefault(claim_id, {})[relation] = n
    rows = session.scalars(
        select(ClaimRow).where(ClaimRow.case_id == case.id).order_by(ClaimRow.created_at)
    ).all()
    return [
        (convert.claim(r), {rel.value: counts.get(r.id, {}).get(rel.value, 0) for rel in Relation})
        for r in rows
    ]


def link(
    session: Session,
    journal: Journal,
    case: CaseRow,
    annotation_uid: str,
    claim_uid: str,
    relation: str,
    rationale: str,
    *,
    origin: Origin | None = None,
) -> ClaimLink:
    relation = _relation(relation)
    ann = by_uid(session, AnnotationRow, case, annotation_uid)
    claim = by_uid(session, ClaimRow, case, claim_uid)
    existing = session.scalars(
        select(ClaimLinkRow).where(
            ClaimLinkRow.annotation_id == ann.id, ClaimLinkRow.claim_id == claim.id
        )
    ).one_or_none()
    if existing is not None:
        raise AlreadyExistsError(
            "This annotation is already linked to that claim; change the existing link instead."
        )
    keep = origin.uid if origin else None
    if (
        keep
        and session.scalars(
            select(ClaimLinkRow.id).where(ClaimLinkRow.case_id == case.id, ClaimLinkRow.uid == keep)
        ).first()
    ):
        keep = None  # a restored link keeps its uid only while no other link has it
    row = ClaimLinkRow(
        uid=new_uid(keep),
        case=case,
        annotation=ann,
        claim=claim,
        relation=relation,
        rationale=validation.clean_text(rationale, "rationale"),
        created_at=(origin.created_at if origin and origin.created_at else journal.clock()),
    )
    session.add(row)
    journal.created(row, "claim.link")
    return convert.claim_link(row)


def update_link(
    session: Session,
    journal: Journal,
    case: CaseRow,
    uid: str,
    *,
    relation: str | None,
    rationale: str | None,
    expected_version: int | None,
) -> ClaimLink:
    row = by_uid(session, ClaimLinkRow, case, uid)
    check_version(row.version, expected_version, "evidence link")
    before = snapshot(row)
    if relation is not None:
        row.relation = _relation(relation)
    if rationale is not None:
        row.rationale = validation.clean_text(rationale, "rationale")
    journal.updated(row, "claim.relink", before)
    return convert.claim_link(row)


def unlink(session: Session, journal: Journal, case: CaseRow, uid: str) -> None:
    journal.deleted(by_uid(session, ClaimLinkRow, case, uid), "claim.unlink")


def links_for(
    session: Session,
    case: CaseRow,
    *,
    claim_uid: str | None = None,
    annotation_uid: str | None = None,
) -> list[ClaimLink]:
    query = select(ClaimLinkRow).where(ClaimLinkRow.case_id == case.id)
    if claim_uid is not None:
        query = query.where(ClaimLinkRow.claim_id == by_uid(session, ClaimRow, case, claim_uid).id)
    if annotation_uid is not None:
        ann = by_uid(session, AnnotationRow, case, annotation_uid)
        query = query.where(ClaimLinkRow.annotation_id == ann.id)
    return [convert.claim_link(r) for r in session.scalars(query.order_by(ClaimLinkRow.id))]
