"""Redactions: areas of a video or image hidden in published output, audited like annotations."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from annotator.core import validation
from annotator.core.entities import MediaKind, Redaction, RedactionMethod, RedactionShape
from annotator.core.errors import ValidationError
from annotator.db import convert
from annotator.db.journal import Journal
from annotator.db.repositories.lookup import Origin, by_uid, check_version, new_uid
from annotator.db.schema import CaseRow, MediaRow, RedactionRow
from annotator.db.snapshots import snapshot

SPAN_FIELDS = ("start_frame", "end_frame", "start_ms", "end_ms")
EDITABLE = frozenset({"shape", "method", "keyframes", "label", *SPAN_FIELDS})


def _apply(row: RedactionRow, media: MediaRow, fields: Mapping[str, object]) -> None:
    unknown = set(fields) - EDITABLE
    if unknown:
        raise ValidationError(f"A redaction has no field(s) {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        if name == "shape":
            try:
                row.shape = RedactionShape(str(value)).value
            except ValueError as exc:
                raise ValidationError(f"'{value}' is not a rect or an ellipse.") from exc
        elif name == "method":
            try:
                row.method = RedactionMethod(str(value)).value
            except ValueError as exc:
                raise ValidationError(f"'{value}' is not blur, pixelate or fill.") from exc
        elif name == "keyframes":
            row.keyframes_json = validation.redaction_keyframes(
                value, image=media.kind == MediaKind.IMAGE
            )
        elif name in SPAN_FIELDS:
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValidationError(f"{name} must be a whole number.")
            if isinstance(value, int) and value < 0:
                raise ValidationError(f"{name} cannot be negative.")
            setattr(row, name, value)
        else:
            row.label = validation.clean_text(str(value or ""), "label", max_len=1000)


def _check_shape(row: RedactionRow, media: MediaRow) -> None:
    """A redaction hides pixels: pictures only; videos need a span of whole frames."""
    if media.kind == MediaKind.AUDIO:
        raise ValidationError("Sound has no picture to redact.")
    span = [getattr(row, f) for f in SPAN_FIELDS]
    if media.kind == MediaKind.IMAGE:
        if any(v is not None for v in span):
            raise ValidationError("An image has no time: its redaction has no span.")
        return
    if any(v is None for v in span):
        raise ValidationError(
            "A redaction on a video needs its first and last frame and their times."
        )
    start_frame, end_frame, start_ms, end_ms = (int(v) for v in span if v is not None)
    if end_frame < start_frame:
        raise ValidationError("A redaction's last frame cannot come before its first frame.")
    if end_ms <= start_ms:
        raise ValidationError("A redaction's end must come after its start.")
    if media.frame_count is not None and end_frame >= media.frame_count:
        raise ValidationError(
            f"Frame {end_frame} is past the end of the video ({media.frame_count} frames)."
        )
    if not row.keyframes_json:
        raise ValidationError("A redaction needs at least one keyframe (a box on a frame).")


def create(
    session: Session,
    journal: Journal,
    case: CaseRow,
    media_uid: str,
    fields: Mapping[str, object],
    origin: Origin | None = None,
) -> Redaction:
    """A new redaction. ``fields``: shape, method, keyframes, label and, on video, the span.

    ``origin`` keeps the identity of one restored from an export.
    """
    media = by_uid(session, MediaRow, case, media_uid)
    if media.kind == MediaKind.AUDIO:
        raise ValidationError("Sound has no picture to redact.")
    now = journal.clock()
    row = RedactionRow(
        uid=new_uid(origin.uid if origin else None),
        case=case,
        media=media,
        shape=RedactionShape.RECT.value,
        method=RedactionMethod.BLUR.value,
        keyframes_json="",
        label="",
        author=(origin.author if origin and origin.author else journal.actor),
        created_at=(origin.created_at if origin and origin.created_at else now),
        updated_at=(origin.updated_at if origin and origin.updated_at else now),
    )
    if "keyframes" not in fields:
        raise ValidationError("A redaction needs at least one keyframe (a box on a frame).")
    _apply(row, media, fields)
    _check_shape(row, media)
    session.add(row)
    journal.created(row, "redaction.create")
    return convert.redaction(row)


def _current(
    session: Session, case: CaseRow, uid: str, expected_version: int | None
) -> RedactionRow:
    row = by_uid(session, RedactionRow, case, uid)
    check_version(row.version, expected_version, "redaction")
    return row


def update(
    session: Session,
    journal: Journal,
    case: CaseRow,
    uid: str,
    fields: Mapping[str, object],
    expected_version: int | None,
    action: str = "redaction.update",
) -> Redaction:
    row = _current(session, case, uid, expected_version)
    before = snapshot(row)
    _apply(row, row.media, fields)
    _check_shape(row, row.media)
    if snapshot(row) != before:
        row.updated_at = journal.clock()
    journal.updated(row, action, before)
    return convert.redaction(row)


def delete(
    session: Session, journal: Journal, case: CaseRow, uid: str, expected_version: int | None
) -> Redaction:
    """Remove the redaction; its last state stays in the audit trail."""
    row = _current(session, case, uid, expected_version)
    gone = convert.redaction(row)
    journal.deleted(row, "redaction.delete")
    return gone


def get(session: Session, case: CaseRow, uid: str) -> Redaction:
    return convert.redaction(by_uid(session, RedactionRow, case, uid))


def list_for_case(
    session: Session, case: CaseRow, *, media_uid: str | None = None
) -> list[Redaction]:
    """The case's (or one media's) redactions, by media then first frame."""
    query = (
        select(RedactionRow)
        .where(RedactionRow.case_id == case.id)
        .options(selectinload(RedactionRow.media), selectinload(RedactionRow.case))
    )
    if media_uid is not None:
        media = by_uid(session, MediaRow, case, media_uid)
        query = query.where(RedactionRow.media_id == media.id)
    query = query.order_by(RedactionRow.media_id, RedactionRow.start_frame, RedactionRow.id)
    return [convert.redaction(row) for row in session.scalars(query)]
