"""Annotations: moments, segments and regions on one media item, soft-deleted for history."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from annotator.core import validation
from annotator.core.entities import (
    ANNOTATION_FIELDS,
    ANNOTATION_TIME_FIELDS,
    PLACE_FIELDS,
    Annotation,
    AnnotationKind,
    Confidence,
    MediaKind,
)
from annotator.core.errors import ValidationError
from annotator.db import convert
from annotator.db.journal import Journal
from annotator.db.repositories import tags as tag_repo
from annotator.db.repositories.lookup import Origin, by_uid, check_version, new_uid
from annotator.db.schema import AnnotationRow, CaseRow, MediaRow, TagRow, annotation_tags
from annotator.db.snapshots import snapshot

TIME_FIELDS = ANNOTATION_TIME_FIELDS
EDITABLE = {*ANNOTATION_FIELDS, *PLACE_FIELDS}


def _apply(row: AnnotationRow, fields: Mapping[str, object]) -> None:
    unknown = set(fields) - EDITABLE
    if unknown:
        raise ValidationError(f"An annotation has no field(s) {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        if name == "kind":
            try:
                row.kind = AnnotationKind(str(value)).value
            except ValueError as exc:
                raise ValidationError(f"'{value}' is not moment, segment or region.") from exc
        elif name == "region":
            if value is not None and not isinstance(value, dict):
                raise ValidationError("A region is a JSON object with a shape.")
            row.region_json = validation.region(value)
        elif name == "confidence":
            text = str(value or "")
            if text and text not in {c.value for c in Confidence}:
                raise ValidationError("Confidence is low, medium or high.")
            row.confidence = text
        elif name in TIME_FIELDS:
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValidationError(f"{name} must be a whole number.")
            if isinstance(value, int) and value < 0:
                raise ValidationError(f"{name} cannot be negative.")
            setattr(row, name, value)
        elif name == "latitude":
            row.latitude = validation.coordinate(str(value or ""), "latitude", 90)
        elif name == "longitude":
            row.longitude = validation.coordinate(str(value or ""), "longitude", 180)
        else:
            setattr(row, name, validation.clean_text(str(value or ""), name.replace("_", " ")))


def _check_shape(row: AnnotationRow, media: MediaRow) -> None:
    """Enforce DESIGN.md's time rules for the annotation's kind and its media's kind."""
    kind = AnnotationKind(row.kind)
    if media.kind == MediaKind.IMAGE:
        if any(getattr(row, f) is not None for f in TIME_FIELDS):
            raise ValidationError("An image has no time: mark a region on it instead.")
        if kind is not AnnotationKind.REGION:
            raise ValidationError("On an image, annotations are regions.")
    else:
        if row.start_ms is None:
            raise ValidationError(f"A {kind.value} on {media.kind} needs a start time.")
        if media.kind == MediaKind.AUDIO and (row.start_frame, row.end_frame) != (None, None):
            raise ValidationError("Audio has no frames: give times in milliseconds only.")
        if media.kind == MediaKind.VIDEO and row.start_frame is None:
            raise ValidationError("A video annotation needs the frame number from the player.")
        if kind is AnnotationKind.SEGMENT and row.end_ms is None:
            raise ValidationError("A segment needs an end (press O at its last frame).")
        if row.end_ms is not None and row.end_ms <= row.start_ms:
            raise ValidationError("A segment's end must come after its start.")
        if row.end_frame is not None and (
            row.start_frame is None or row.end_frame < row.start_frame
        ):
            raise ValidationError("A segment's last frame cannot come before its first frame.")
        if media.frame_count is not None:
            for f in (row.start_frame, row.end_frame):
                if f is not None and f >= media.frame_count:
                    raise ValidationError(
                        f"Frame {f} is past the end of the video ({media.frame_count} frames)."
                    )
    if kind is AnnotationKind.REGION and row.region_json is None:
        raise ValidationError("A region annotation needs a rectangle or polygon.")


def create(
    session: Session,
    journal: Journal,
    case: CaseRow,
    media_uid: str,
    fields: Mapping[str, object],
    tag_paths: Iterable[str] = (),
    *,
    origin: Origin | None = None,
    graphic: bool = False,
) -> Annotation:
    """A new annotation; ``origin`` keeps the identity of one restored from an export."""
    media = by_uid(session, MediaRow, case, media_uid)
    now = journal.clock()
    row = AnnotationRow(
        uid=new_uid(origin.uid if origin else None),
        case=case,
        media=media,
        kind="moment",
        author=(origin.author if origin and origin.author else journal.actor),
        created_at=(origin.created_at if origin and origin.created_at else now),
        updated_at=(origin.updated_at if origin and origin.updated_at else now),
        graphic=graphic,
    )
    row.tags = []
    _apply(row, fields)
    _check_shape(row, media)
    row.tags = [tag_repo.ensure(session, journal, case, p) for p in _unique(tag_paths)]
    session.add(row)
    journal.created(row, "annotation.create")
    return convert.annotation(row)


def _unique(paths: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for raw in paths:
        path = validation.tag_path(raw)
        seen.setdefault(path.casefold(), path)
    return list(seen.values())


def _live(session: Session, case: CaseRow, uid: str, expected_version: int | None) -> AnnotationRow:
    row = by_uid(session, AnnotationRow, case, uid)
    check_version(row.version, expected_version, "annotation")
    return row


def update(
    session: Session,
    journal: Journal,
    case: CaseRow,
    uid: str,
    fields: Mapping[str, object],
    expected_version: int | None,
) -> Annotation:
    row = _live(session, case, uid, expected_version)
    if row.deleted_at is not None:
        raise ValidationError("This annotation was deleted; restore it from History to edit it.")
    before = snapshot(row)
    _apply(row, fields)
    _check_shape(row, row.media)
    if snapshot(row) != before:
        row.updated_at = journal.clock()
    journal.updated(row, "annotation.update", before)
    return convert.annotation(row)


def set_tags(
    session: Session,
    journal: Journal,
    case: CaseRow,
    uid: str,
    paths: Iterable[str],
    expected_version: int | None,
) -> Annotation:
    """Replace the annotation's tags, creating new ones (and their parents) inline."""
    row = _live(session, case, uid, expected_version)
    before = snapshot(row)
    wanted = [tag_repo.ensure(session, journal, case, p) for p in _unique(paths)]
    if {t.id for t in wanted} != {t.id for t in row.tags}:
        row.tags = wanted
        row.updated_at = journal.clock()  # also moves the version, so rival edits conflict
    journal.updated(row, "annotation.tag", before)
    return convert.annotation(row)


def set_deleted(
    session: Session,
    journal: Journal,
    case: CaseRow,
    uid: str,
    deleted: bool,
    expected_version: int | None,
) -> Annotation:
    """Soft delete (kept for history and restore) or restore."""
    row = _live(session, case, uid, expected_version)
    if (row.deleted_at is not None) == deleted:
        return convert.annotation(row)
    before = snapshot(row)
    now = journal.clock()
    row.deleted_at = now if deleted else None
    row.updated_at = now
    journal.updated(row, "annotation.delete" if deleted else "annotation.restore", before)
    return convert.annotation(row)


def set_graphic(
    session: Session,
    journal: Journal,
    case: CaseRow,
    uid: str,
    graphic: bool,
    expected_version: int | None,
) -> Annotation:
    """Mark (or unmark) a moment or segment as showing distressing content; audited."""
    row = _live(session, case, uid, expected_version)
    before = snapshot(row)
    if row.graphic != bool(graphic):
        row.graphic = bool(graphic)
        row.updated_at = journal.clock()
    journal.updated(row, "annotation.graphic", before)
    return convert.annotation(row)


def get(session: Session, case: CaseRow, uid: str) -> Annotation:
    return convert.annotation(by_uid(session, AnnotationRow, case, uid))


def get_many(session: Session, case: CaseRow, uids: Iterable[str]) -> list[Annotation]:
    wanted = list(uids)
    if not wanted:
        return []
    rows = session.scalars(
        select(AnnotationRow)
        .where(AnnotationRow.case_id == case.id, AnnotationRow.uid.in_(wanted))
        .options(selectinload(AnnotationRow.tags), selectinload(AnnotationRow.media))
    )
    return [convert.annotation(r) for r in rows]


def list_for_case(
    session: Session, case: CaseRow, *, media_uid: str | None = None, include_deleted: bool = False
) -> list[Annotation]:
    """The case's (or one media's) annotations in time order, from plain rows.

    Not ORM objects: loading 10,000 annotations through the ORM cost 7x the query itself,
    and switching media waits for this list.
    """
    table = AnnotationRow.__table__
    filters = [table.c.case_id == case.id]
    if media_uid is not None:
        filters.append(table.c.media_id == by_uid(session, MediaRow, case, media_uid).id)
    if not include_deleted:
        filters.append(table.c.deleted_at.is_(None))
    # Tag uids come with each row from a correlated subquery on the (annotation_id, tag_id)
    # key: one statement instead of a second query and a Python join.
    tag_list = (
        select(func.aggregate_strings(TagRow.uid, ","))
        .join(annotation_tags, annotation_tags.c.tag_id == TagRow.id)
        .where(annotation_tags.c.annotation_id == table.c.id)
        .scalar_subquery()
    )
    # On the connection, not the session: a Core statement run by the session still goes
    # through the ORM's row loading, a third of this call's time at 10,000 rows.
    result = session.connection().execute(
        select(table, MediaRow.uid.label("media_uid_"), tag_list.label("tag_uids_"))
        .join(MediaRow, MediaRow.id == table.c.media_id)
        .where(*filters)
        .order_by(table.c.media_id, table.c.start_ms, table.c.id)
    )
    keys = list(result.keys())
    with convert.collector_paused():
        rows = result.all()
        return convert.annotations_from_rows(rows, keys, case.uid, "media_uid_", "tag_uids_")
