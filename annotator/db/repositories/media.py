"""Media items of a case: registered once per SHA-256, never changed on disk."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from annotator.core import validation
from annotator.core.entities import PLACE_FIELDS, Media, NewMedia
from annotator.core.errors import AlreadyExistsError, ValidationError
from annotator.db import convert
from annotator.db.convert import PROVENANCE_COLUMNS
from annotator.db.journal import Journal
from annotator.db.repositories.lookup import by_uid, check_version, new_uid
from annotator.db.schema import CaseRow, MediaRow
from annotator.db.snapshots import snapshot

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def add(
    session: Session, journal: Journal, case: CaseRow, new: NewMedia, uid: str | None = None
) -> Media:
    if not _SHA256.match(new.sha256):
        raise ValidationError(f"'{new.sha256}' is not a SHA-256 in lower-case hex.")
    clash = find_by_sha256(session, case, new.sha256)
    if clash is not None:
        raise AlreadyExistsError(
            f"{new.file_name} is already in the case as {clash.file_name} (same SHA-256)."
        )
    values = dataclasses.asdict(new)
    values["kind"] = new.kind.value
    row = MediaRow(
        uid=new_uid(uid),
        case=case,
        imported_at=journal.clock(),
        imported_by=journal.actor,
        **values,
    )
    session.add(row)
    journal.created(row, "media.import")
    return convert.media(row)


def find_by_sha256(session: Session, case: CaseRow, sha256: str) -> Media | None:
    row = session.scalars(
        select(MediaRow).where(MediaRow.case_id == case.id, MediaRow.sha256 == sha256)
    ).one_or_none()
    return None if row is None else convert.media(row)


def get(session: Session, case: CaseRow, uid: str) -> Media:
    return convert.media(by_uid(session, MediaRow, case, uid))


def sha_index(session: Session, case: CaseRow) -> dict[str, tuple[str, str]]:
    rows = session.execute(
        select(MediaRow.sha256, MediaRow.uid, MediaRow.original_path).where(
            MediaRow.case_id == case.id
        )
    )
    return {sha: (uid, path) for sha, uid, path in rows}


def annotation_counts(session: Session, case: CaseRow) -> dict[str, int]:
    from sqlalchemy import func

    from annotator.db.schema import AnnotationRow

    rows = session.execute(
        select(MediaRow.uid, func.count(AnnotationRow.id))
        .join(AnnotationRow, AnnotationRow.media_id == MediaRow.id)
        .where(MediaRow.case_id == case.id, AnnotationRow.deleted_at.is_(None))
        .group_by(MediaRow.uid)
    )
    return {uid: int(n) for uid, n in rows}


def thumbnails(session: Session, case: CaseRow) -> dict[str, bytes]:
    rows = session.execute(
        select(MediaRow.uid, MediaRow.thumbnail).where(
            MediaRow.case_id == case.id, MediaRow.thumbnail.is_not(None)
        )
    )
    return {uid: data for uid, data in rows if data is not None}


def list_for_case(session: Session, case: CaseRow) -> list[Media]:
    rows = session.scalars(
        select(MediaRow).where(MediaRow.case_id == case.id).order_by(MediaRow.file_name)
    )
    return [convert.media(r) for r in rows]


# What an investigator may edit on a media item: its provenance and its place and time.
EDITABLE = {*PROVENANCE_COLUMNS, *PLACE_FIELDS}
VERIFY_STATES = ("ok", "modified", "missing", "unreadable")


def update(
    session: Session,
    journal: Journal,
    case: CaseRow,
    uid: str,
    fields: Mapping[str, str],
    expected_version: int | None = None,
) -> Media:
    """Edit provenance and place fields (Berkeley Protocol), audited before/after."""
    row = by_uid(session, MediaRow, case, uid)
    check_version(row.version, expected_version, "media item")
    before = snapshot(row)
    for name, value in fields.items():
        if name not in EDITABLE:
            raise ValidationError(f"A media item has no editable field '{name}'.")
        text = str(value or "")
        if name == "latitude":
            text = validation.coordinate(text, "latitude", 90)
        elif name == "longitude":
            text = validation.coordinate(text, "longitude", 180)
        else:
            text = validation.clean_text(text, name.replace("_", " "))
        setattr(row, PROVENANCE_COLUMNS.get(name, name), text)
    journal.updated(row, "media.edit", before)
    return convert.media(row)


def set_graphic(
    session: Session, journal: Journal, case: CaseRow, uid: str, graphic: bool
) -> Media:
    """Mark (or unmark) the media item as showing distressing content; audited."""
    row = by_uid(session, MediaRow, case, uid)
    before = snapshot(row)
    row.graphic = bool(graphic)
    journal.updated(row, "media.graphic", before)
    return convert.media(row)


def set_location(
    session: Session, journal: Journal, case: CaseRow, uid: str, location: str
) -> Media:
    """Where the file is now (relink). The original path never changes."""
    row = by_uid(session, MediaRow, case, uid)
    before = snapshot(row)
    row.location = location
    journal.updated(row, "media.relink", before)
    return convert.media(row)


def set_verified(session: Session, journal: Journal, case: CaseRow, uid: str, state: str) -> Media:
    """Record the outcome of re-hashing the file (ok/modified/missing/unreadable)."""
    if state not in VERIFY_STATES:
        raise ValidationError(f"'{state}' is not a verification state.")
    row = by_uid(session, MediaRow, case, uid)
    before = snapshot(row)
    row.last_verify_state = state
    row.last_verified_at = journal.clock()
    journal.updated(row, "media.verify", before)
    return convert.media(row)


def with_frame_hashes(session: Session, case: CaseRow) -> list[tuple[Media, str | None]]:
    """Every media item with its stored frame hashes (None: not computed), by file name."""
    rows = session.scalars(
        select(MediaRow)
        .where(MediaRow.case_id == case.id)
        .order_by(MediaRow.file_name, MediaRow.id)
        .options(defer(MediaRow.thumbnail))
    )
    return [(convert.media(row), row.frame_hashes) for row in rows]


def without_frame_hashes(session: Session, case: CaseRow) -> list[Media]:
    """Videos whose frame hashes were never computed (imported before fingerprints)."""
    rows = session.scalars(
        select(MediaRow)
        .where(
            MediaRow.case_id == case.id,
            MediaRow.kind == "video",
            MediaRow.frame_hashes.is_(None),
        )
        .order_by(MediaRow.file_name, MediaRow.id)
        .options(defer(MediaRow.thumbnail))
    )
    return [convert.media(row) for row in rows]


def set_frame_hashes(
    session: Session, journal: Journal, case: CaseRow, uid: str, frame_hashes: str
) -> Media | None:
    """Store a video's computed fingerprint, audited as "media.fingerprint".

    Only fills in a missing one: None (nothing written) when another run was first.
    """
    row = by_uid(session, MediaRow, case, uid)
    if row.frame_hashes is not None:
        return None
    before = snapshot(row)
    row.frame_hashes = frame_hashes
    journal.updated(row, "media.fingerprint", before)
    return convert.media(row)
