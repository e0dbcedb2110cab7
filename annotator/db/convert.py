"""Rows -> frozen entities. Nothing else in the app sees an ORM object."""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import Iterator, Sequence
from operator import attrgetter, itemgetter
from typing import Any

from annotator.core.entities import (
    PLACE_FIELDS,
    Annotation,
    AnnotationKind,
    AuditEvent,
    Case,
    Claim,
    ClaimLink,
    ClaimStatus,
    Keyframe,
    Media,
    MediaKind,
    Place,
    Provenance,
    Redaction,
    RedactionMethod,
    RedactionShape,
    Relation,
    Tag,
)
from annotator.db.schema import (
    AuditEventRow,
    CaseRow,
    ClaimLinkRow,
    ClaimRow,
    MediaRow,
    RedactionRow,
    TagRow,
)

# Provenance field -> column (the column names avoid clashing with other media fields).
PROVENANCE_COLUMNS = {
    "source_url": "source_url",
    "platform": "platform",
    "uploader": "uploader",
    "posted_at": "posted_at",
    "obtained_at": "obtained_at",
    "obtained_by": "obtained_by",
    "method": "acquisition_method",
    "archive_url": "archive_url",
    "notes": "provenance_notes",
}


_place_values = attrgetter(*PLACE_FIELDS)
_NO_PLACE = Place()


def _place(row: Any) -> Place:
    values = _place_values(row)
    if not any(values):  # most annotations: one shared empty value (Place is frozen)
        return _NO_PLACE
    return Place(**dict(zip(PLACE_FIELDS, values, strict=True)))


def case(row: CaseRow) -> Case:
    return Case(
        id=row.id,
        uid=row.uid,
        name=row.name,
        description=row.description,
        created_at=row.created_at,
        created_by=row.created_by,
        version=row.version,
    )


def media(row: MediaRow) -> Media:
    return Media(
        id=row.id,
        uid=row.uid,
        case_uid=row.case.uid,
        sha256=row.sha256,
        size_bytes=row.size_bytes,
        kind=MediaKind(row.kind),
        mime=row.mime,
        original_path=row.original_path,
        location=row.location,
        file_name=row.file_name,
        container=row.container,
        video_codec=row.video_codec,
        audio_codec=row.audio_codec,
        width=row.width,
        height=row.height,
        rotation=row.rotation,
        duration_ms=row.duration_ms,
        frame_count=row.frame_count,
        avg_fps=row.avg_fps,
        is_vfr=row.is_vfr,
        start_pts_ms=row.start_pts_ms,
        captured_at=row.captured_at,
        metadata_json=row.metadata_json,
        phash=row.phash,
        provenance=Provenance(
            **{field: getattr(row, col) for field, col in PROVENANCE_COLUMNS.items()}
        ),
        place=_place(row),
        imported_at=row.imported_at,
        imported_by=row.imported_by,
        last_verified_at=row.last_verified_at,
        last_verify_state=row.last_verify_state,
        graphic=bool(row.graphic),
        version=row.version,
    )


def tag(row: TagRow) -> Tag:
    return Tag(
        id=row.id,
        uid=row.uid,
        case_uid=row.case.uid,
        path=row.path,
        colour=row.colour,
        description=row.description,
        favourite_slot=row.favourite_slot,
        version=row.version,
    )


def claim(row: ClaimRow) -> Claim:
    return Claim(
        id=row.id,
        uid=row.uid,
        case_uid=row.case.uid,
        statement=row.statement,
        claimant=row.claimant,
        source_url=row.source_url,
        claimed_at=row.claimed_at,
        status=ClaimStatus(row.status),
        notes=row.notes,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )


# Annotation fields read straight from a column of the same name.
_PLAIN_ANNOTATION_FIELDS = (
    "id",
    "uid",
    "start_ms",
    "end_ms",
    "start_frame",
    "end_frame",
    "title",
    "note",
    "transcript",
    "transcript_lang",
    "translation",
    "translation_lang",
    "confidence",
    "graphic",
    "author",
    "created_at",
    "updated_at",
    "deleted_at",
    "version",
)


def annotations_from_rows(
    rows: Sequence[Any], keys: Sequence[str], case_uid: str, media_uid_key: str, tags_key: str
) -> list[Annotation]:
    """Many plain result rows -> annotations, reading each row by position.

    The switch to a media with 10,000 annotations waits on this loop: attribute access by
    name on a result row cost three times as much as the whole conversion does here.
    """
    at = {key: i for i, key in enumerate(keys)}
    plain = itemgetter(*(at[name] for name in _PLAIN_ANNOTATION_FIELDS))
    place = itemgetter(*(at[name] for name in PLACE_FIELDS))
    kind_at, region_at = at["kind"], at["region_json"]
    media_at, tags_at = at[media_uid_key], at[tags_key]
    kinds = {kind.value: kind for kind in AnnotationKind}
    out = []
    for row in rows:
        fields = dict(zip(_PLAIN_ANNOTATION_FIELDS, plain(row), strict=True))
        places = place(row)
        region_json, tag_text = row[region_at], row[tags_at]
        out.append(
            Annotation(
                case_uid=case_uid,
                media_uid=row[media_at],
                kind=kinds[row[kind_at]],
                region=None if region_json is None else json.loads(region_json),
                place=Place(**dict(zip(PLACE_FIELDS, places, strict=True)))
                if any(places)
                else _NO_PLACE,
                tag_uids=tuple(sorted(tag_text.split(","))) if tag_text else (),
                **fields,
            )
        )
    return out


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Hold Python's cyclic garbage collector while many objects are made at once.

    Reading 10,000 annotations set it off again and again (a third of the time, measured);
    rows and entities form no cycles, so nothing is lost by collecting afterwards.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def annotation(
    row: Any,
    *,
    case_uid: str | None = None,
    media_uid: str | None = None,
    tag_uids: tuple[str, ...] | None = None,
) -> Annotation:
    """From an ORM row, or from a plain result row plus the related uids given here."""
    return Annotation(
        id=row.id,
        uid=row.uid,
        case_uid=case_uid if case_uid is not None else row.case.uid,
        media_uid=media_uid if media_uid is not None else row.media.uid,
        kind=AnnotationKind(row.kind),
        start_ms=row.start_ms,
        end_ms=row.end_ms,
        start_frame=row.start_frame,
        end_frame=row.end_frame,
        region=None if row.region_json is None else json.loads(row.region_json),
        title=row.title,
        note=row.note,
        transcript=row.transcript,
        transcript_lang=row.transcript_lang,
        translation=row.translation,
        translation_lang=row.translation_lang,
        confidence=row.confidence,
        graphic=bool(row.graphic),
        place=_place(row),
        tag_uids=tag_uids if tag_uids is not None else tuple(sorted(t.uid for t in row.tags)),
        author=row.author,
        created_at=row.created_at,
        updated_at=row.updated_at,
        deleted_at=row.deleted_at,
        version=row.version,
    )


def claim_link(row: ClaimLinkRow) -> ClaimLink:
    return ClaimLink(
        id=row.id,
        uid=row.uid,
        case_uid=row.case.uid,
        annotation_uid=row.annotation.uid,
        claim_uid=row.claim.uid,
        relation=Relation(row.relation),
        rationale=row.rationale,
        created_at=row.created_at,
        version=row.version,
    )


def audit_event(row: AuditEventRow) -> AuditEvent:
    return AuditEvent(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        action=row.action,
        entity_type=row.entity_type,
        entity_uid=row.entity_uid,
        before=None if row.before_json is None else json.loads(row.before_json),
        after=None if row.after_json is None else json.loads(row.after_json),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def keyframes(text: str) -> tuple[Keyframe, ...]:
    """Stored keyframe JSON -> keyframes (already validated when written)."""
    return tuple(
        Keyframe(
            frame=k.get("frame"),
            ms=k.get("ms"),
            x=float(k["x"]),
            y=float(k["y"]),
            w=float(k["w"]),
            h=float(k["h"]),
        )
        for k in json.loads(text)
    )


def redaction(row: RedactionRow) -> Redaction:
    return Redaction(
        id=row.id,
        uid=row.uid,
        case_uid=row.case.uid,
        media_uid=row.media.uid,
        shape=RedactionShape(row.shape),
        method=RedactionMethod(row.method),
        start_frame=row.start_frame,
        end_frame=row.end_frame,
        start_ms=row.start_ms,
        end_ms=row.end_ms,
        keyframes=keyframes(row.keyframes_json),
        label=row.label,
        author=row.author,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )
