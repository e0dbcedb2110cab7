"""Hierarchical tags: parents exist implicitly and are created on demand."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.core import validation
from annotator.core.entities import Tag
from annotator.core.errors import AlreadyExistsError, ValidationError
from annotator.db import convert
from annotator.db.journal import Journal
from annotator.db.repositories.lookup import by_uid, check_version, new_uid
from annotator.db.schema import AnnotationRow, CaseRow, TagRow, annotation_tags
from annotator.db.snapshots import snapshot


def _by_path(session: Session, case: CaseRow) -> dict[str, TagRow]:
    rows = session.scalars(select(TagRow).where(TagRow.case_id == case.id)).all()
    return {row.path.casefold(): row for row in rows}


def _subtree(existing: dict[str, TagRow], path: str) -> list[TagRow]:
    prefix = path.casefold() + "/"
    return [
        row for key, row in existing.items() if key == path.casefold() or key.startswith(prefix)
    ]


def ensure(
    session: Session,
    journal: Journal,
    case: CaseRow,
    raw_path: str,
    *,
    colour: str | None = None,
    description: str = "",
    uid: str | None = None,
) -> TagRow:
    """The tag at ``raw_path`` (matched ignoring case), created with its parents if missing.

    ``uid`` is the uid to give the tag if it is created (a tag restored from an export).
    """
    path = validation.tag_path(raw_path)
    existing = _by_path(session, case)
    row = existing.get(path.casefold())
    if row is not None:
        return row
    for parent in validation.parents_of(path):
        if parent.casefold() not in existing:
            existing[parent.casefold()] = _insert(session, journal, case, parent, None, "")
    return _insert(session, journal, case, path, colour, description, uid)


def _insert(
    session: Session,
    journal: Journal,
    case: CaseRow,
    path: str,
    colour: str | None,
    description: str,
    uid: str | None = None,
) -> TagRow:
    row = TagRow(
        uid=new_uid(uid),
        case=case,
        path=path,
        colour=validation.colour(colour) if colour else validation.default_colour(path),
        description=validation.clean_text(description, "tag description"),
        created_at=journal.clock(),
    )
    session.add(row)
    journal.created(row, "tag.create")
    return row


def create(
    session: Session,
    journal: Journal,
    case: CaseRow,
    raw_path: str,
    colour: str | None,
    description: str,
) -> Tag:
    path = validation.tag_path(raw_path)
    if path.casefold() in _by_path(session, case):
        raise AlreadyExistsError(f"The tag '{path}' already exists in this case.")
    return convert.tag(ensure(session, journal, case, path, colour=colour, description=description))


def rename(
    session: Session,
    journal: Journal,
    case: CaseRow,
    uid: str,
    new_raw_path: str,
    expected_version: int | None = None,
) -> list[Tag]:
    """Rename a tag and its whole subtree; one audit event per tag renamed."""
    row = by_uid(session, TagRow, case, uid)
    check_version(row.version, expected_version, f"tag '{row.path}'")
    new_path = validation.tag_path(new_raw_path)
    old_path = row.path
    if new_path == old_path:
        return [convert.tag(row)]
    if new_path.casefold().startswith(old_path.casefold() + "/"):
        raise ValidationError(f"Cannot move '{old_path}' inside itself.")
    existing = _by_path(session, case)
    moving = _subtree(existing, old_path)
    moving_ids = {r.id for r in moving}
    renames = {r.id: new_path + r.path[len(old_path) :] for r in moving}
    for target in renames.values():
        clash = existing.get(target.casefold())
        if clash is not None and clash.id not in moving_ids:
            raise AlreadyExistsError(
                f"The tag '{target}' already exists. "
                "Rename or delete it first, or pick another name."
            )
    # Two steps, so a case-only rename never collides with the unique index mid-update.
    # The interim path starts with "/", which no valid tag path does (and, unlike a NUL,
    # PostgreSQL's text type accepts it).
    befores = {r.id: snapshot(r) for r in moving}
    for r in moving:
        r.path = f"/renaming/{r.uid}"
    session.flush()
    for r in moving:
        r.path = renames[r.id]
    for r in sorted(moving, key=lambda r: r.path):
        journal.updated(r, "tag.rename", befores[r.id])
    for parent in validation.parents_of(new_path):
        ensure(session, journal, case, parent)
    return [convert.tag(r) for r in sorted(moving, key=lambda r: r.path)]


def update(
    session: Session,
    journal: Journal,
    case: CaseRow,
    uid: str,
    *,
    colour: str | None = None,
    description: str | None = None,
    expected_version: int | None = None,
) -> Tag:
    row = by_uid(session, TagRow, case, uid)
    check_version(row.version, expected_version, f"tag '{row.path}'")
    before = snapshot(row)
    if colour is not None:
        row.colour = validation.colour(colour)
    if description is not None:
        row.description = validation.clean_text(description, "tag description")
    journal.updated(row, "tag.update", before)
    return convert.tag(row)


def set_favourite(
    session: Session, journal: Journal, case: CaseRow, uid: str, slot: int | None
) -> Tag:
    """Put a tag on number key ``slot`` (1-9), taking the key from any tag that held it."""
    row = by_uid(session, TagRow, case, uid)
    slot = validation.favourite_slot(slot)
    if slot is not None:
        holder = session.scalars(
            select(TagRow).where(TagRow.case_id == case.id, TagRow.favourite_slot == slot)
        ).one_or_none()
        if holder is not None and holder.id != row.id:
            holder_before = snapshot(holder)
            holder.favourite_slot = None
            journal.updated(holder, "tag.favourite", holder_before)
    before = snapshot(row)
    row.favourite_slot = slot
    journal.updated(row, "tag.favourite", before)
    return convert.tag(row)


def delete(
    session: Session, journal: Journal, case: CaseRow, uid: str, expected_version: int | None
) -> list[str]:
    """Delete a tag with its subtree; annotations lose the tags (each change audited)."""
    row = by_uid(session, TagRow, case, uid)
    check_version(row.version, expected_version, f"tag '{row.path}'")
    doomed = _subtree(_by_path(session, case), row.path)
    doomed_ids = {r.id for r in doomed}
    annotations = session.scalars(
        select(AnnotationRow)
        .join(annotation_tags, annotation_tags.c.annotation_id == AnnotationRow.id)
        .where(annotation_tags.c.tag_id.in_(doomed_ids))
        .distinct()
    ).all()
    for ann in annotations:
        before = snapshot(ann)
        ann.tags = [t for t in ann.tags if t.id not in doomed_ids]
        ann.updated_at = journal.clock()
        journal.updated(ann, "annotation.untag", before)
    for r in sorted(doomed, key=lambda r: r.path, reverse=True):
        journal.deleted(r, "tag.delete")
    return [r.uid for r in doomed]


def list_for_case(session: Session, case: CaseRow) -> list[Tag]:
    rows = session.scalars(select(TagRow).where(TagRow.case_id == case.id)).all()
    return sorted((convert.tag(r) for r in rows), key=lambda t: t.path.casefold())
