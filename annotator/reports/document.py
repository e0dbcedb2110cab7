"""The export document: one versioned, JSON-ready record of a case (CLI.md, "The JSON export").

Every exporter renders from this one structure, so an HTML report, a CSV and an ELAN file
of the same selection can never disagree. ``import-annotations`` reads it back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime

from annotator import __version__
from annotator.core.audit_chain import format_at
from annotator.core.entities import Annotation, Case, Claim, ClaimLink, Media, Redaction, Tag

SCHEMA = "evidence-annotator/1"


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 UTC with ``Z`` (CLI.md); None stays None."""
    return None if moment is None else format_at(moment)


def fps_number(rational: str) -> float | None:
    if not rational:
        return None
    num, _, den = rational.partition("/")
    return round(int(num) / int(den or 1), 3)


def media_record(m: Media) -> dict[str, object]:
    """A media item as in ``media list --json``, plus its metadata and place."""
    return {
        "uid": m.uid,
        "sha256": m.sha256,
        "file_name": m.file_name,
        "original_path": m.original_path,
        "location": m.location,
        "kind": m.kind.value,
        "mime": m.mime,
        "size_bytes": m.size_bytes,
        "container": m.container,
        "width": m.width,
        "height": m.height,
        "rotation": m.rotation,
        "duration_ms": m.duration_ms,
        "frame_count": m.frame_count,
        "avg_fps": fps_number(m.avg_fps),
        "avg_fps_rational": m.avg_fps or None,
        "is_vfr": m.is_vfr,
        "start_pts_ms": m.start_pts_ms,
        "video_codec": m.video_codec,
        "audio_codec": m.audio_codec,
        "captured_at": m.captured_at or None,
        "imported_at": iso(m.imported_at),
        "imported_by": m.imported_by,
        "provenance": asdict(m.provenance),
        "place": asdict(m.place),
        "verify_state": m.last_verify_state or None,
        "last_verified_at": iso(m.last_verified_at),
        "phash": m.phash or None,
        "graphic": m.graphic,
        "metadata": json.loads(m.metadata_json or "{}"),
    }


def tag_record(t: Tag) -> dict[str, object]:
    return {"uid": t.uid, "path": t.path, "colour": t.colour, "description": t.description}


def claim_record(c: Claim, evidence: dict[str, int] | None = None) -> dict[str, object]:
    record: dict[str, object] = {
        "uid": c.uid,
        "statement": c.statement,
        "claimant": c.claimant,
        "source_url": c.source_url,
        "claimed_at": c.claimed_at or None,
        "status": c.status.value,
        "notes": c.notes,
        "created_at": iso(c.created_at),
        "updated_at": iso(c.updated_at),
    }
    if evidence is not None:
        record["evidence"] = {
            relation: int(evidence.get(relation, 0))
            for relation in ("supports", "contradicts", "context")
        }
    return record


def annotation_record(
    a: Annotation,
    media_sha256: str,
    tag_paths: Sequence[str],
    links: Sequence[ClaimLink],
) -> dict[str, object]:
    return {
        "uid": a.uid,
        "media_uid": a.media_uid,
        "media_sha256": media_sha256,
        "kind": a.kind.value,
        "start_ms": a.start_ms,
        "end_ms": a.end_ms,
        "start_frame": a.start_frame,
        "end_frame": a.end_frame,
        "region": a.region,
        "title": a.title,
        "note": a.note,
        "transcript": a.transcript,
        "transcript_lang": a.transcript_lang,
        "translation": a.translation,
        "translation_lang": a.translation_lang,
        "confidence": a.confidence,
        "graphic": a.graphic,
        "tags": sorted(tag_paths),
        "claims": [
            {
                "uid": link.uid,
                "claim_uid": link.claim_uid,
                "relation": link.relation.value,
                "rationale": link.rationale,
            }
            for link in sorted(links, key=lambda link: (link.claim_uid, link.uid))
        ],
        "location": asdict(a.place),
        "author": a.author,
        "created_at": iso(a.created_at),
        "updated_at": iso(a.updated_at),
    }


def redaction_record(r: Redaction, media_sha256: str) -> dict[str, object]:
    """A redaction as the export document carries it (and stills and clips apply it).

    ``start_frame``..``end_frame`` is the span (inclusive; None on an image), ``end_ms``
    exclusive like a segment's; ``keyframes`` are ``{"frame", "ms", "x", "y", "w", "h"}``
    boxes normalised to the displayed frame, interpolated linearly between frames.
    """
    return {
        "uid": r.uid,
        "media_uid": r.media_uid,
        "media_sha256": media_sha256,
        "shape": r.shape.value,
        "method": r.method.value,
        "start_frame": r.start_frame,
        "end_frame": r.end_frame,
        "start_ms": r.start_ms,
        "end_ms": r.end_ms,
        "keyframes": [k.as_record() for k in r.keyframes],
        "label": r.label,
        "author": r.author,
        "created_at": iso(r.created_at),
        "updated_at": iso(r.updated_at),
    }


@dataclass(frozen=True, slots=True)
class Selection:
    """Which part of a case to export: all of it, or the annotations matching every filter."""

    media_sha256: tuple[str, ...] = ()
    claim_uid: str | None = None
    tag_path: str | None = None

    @property
    def whole_case(self) -> bool:
        return not self.media_sha256 and self.claim_uid is None and self.tag_path is None

    def as_record(self) -> dict[str, object]:
        return {
            "media": list(self.media_sha256) or None,
            "claim": self.claim_uid,
            "tag": self.tag_path,
        }


@dataclass(slots=True)
class CaseData:
    """What the services read for an export, before selection."""

    case: Case
    media: list[Media]
    tags: list[Tag]
    claims: list[tuple[Claim, dict[str, int]]]
    annotations: list[Annotation]
    links: list[ClaimLink]
    audit_events: int
    audit_head: str
    extra: dict[str, object] = field(default_factory=dict)
    redactions: list[Redaction] = field(default_factory=list)


def _tag_matches(path: str, wanted: str) -> bool:
    """A tag filter takes the tag and everything under it (``person`` takes ``person/captive``)."""
    return path == wanted or path.startswith(wanted + "/")


def build_document(
    data: CaseData, selection: Selection, exported_at: datetime
) -> dict[str, object]:
    """The export document for ``selection`` of the case (CLI.md's JSON export)."""
    tag_path = {t.uid: t.path for t in data.tags}
    sha_of = {m.uid: m.sha256 for m in data.media}
    links_of: dict[str, list[ClaimLink]] = {}
    for link in data.links:
        links_of.setdefault(link.annotation_uid, []).append(link)

    def selected(a: Annotation) -> bool:
        if selection.media_sha256 and sha_of.get(a.media_uid) not in selection.media_sha256:
            return False
        if selection.claim_uid is not None and not any(
            link.claim_uid == selection.claim_uid for link in links_of.get(a.uid, [])
        ):
            return False
        wanted = selection.tag_path
        return wanted is None or any(
            _tag_matches(tag_path.get(uid, ""), wanted) for uid in a.tag_uids
        )

    annotations = [a for a in data.annotations if selected(a)]
    if selection.whole_case:
        media = list(data.media)
    else:
        used = {a.media_uid for a in annotations}
        media = [m for m in data.media if m.uid in used or m.sha256 in selection.media_sha256]
    annotations.sort(key=lambda a: (a.media_uid, a.start_ms or 0, a.start_frame or 0, a.uid))
    order = {m.uid: i for i, m in enumerate(media)}
    annotations.sort(key=lambda a: order.get(a.media_uid, 0))
    claims = data.claims
    if selection.claim_uid is not None:
        claims = [(c, e) for c, e in claims if c.uid == selection.claim_uid]
    return {
        "schema": SCHEMA,
        "exported_at": iso(exported_at),
        "tool_version": __version__,
        "case": {
            "uid": data.case.uid,
            "name": data.case.name,
            "description": data.case.description,
            "created_at": iso(data.case.created_at),
            "created_by": data.case.created_by,
        },
        "selection": selection.as_record(),
        "media": [media_record(m) for m in media],
        "tags": [tag_record(t) for t in sorted(data.tags, key=lambda t: t.path)],
        "claims": [claim_record(c, e) for c, e in claims],
        "annotations": [
            annotation_record(
                a,
                sha_of.get(a.media_uid, ""),
                [tag_path[uid] for uid in a.tag_uids if uid in tag_path],
                links_of.get(a.uid, []),
            )
            for a in annotations
        ],
        "redactions": [
            redaction_record(r, sha_of.get(r.media_uid, ""))
            for r in sorted(
                data.redactions,
                key=lambda r: (order.get(r.media_uid, 0), r.start_frame or 0, r.uid),
            )
            if r.media_uid in order
        ],
        "audit": {"events": data.audit_events, "head_hash": data.audit_head},
    }


def annotations_by_media(document: dict[str, object]) -> dict[str, list[dict[str, object]]]:
    """The document's annotations grouped by media uid, in the document's order."""
    grouped: dict[str, list[dict[str, object]]] = {}
    for record in _records(document, "annotations"):
        grouped.setdefault(str(record["media_uid"]), []).append(record)
    return grouped


def redactions_by_media(document: dict[str, object]) -> dict[str, list[dict[str, object]]]:
    """The document's redactions grouped by media uid."""
    grouped: dict[str, list[dict[str, object]]] = {}
    for record in _records(document, "redactions"):
        grouped.setdefault(str(record["media_uid"]), []).append(record)
    return grouped


def _records(document: dict[str, object], key: str) -> Iterable[dict[str, object]]:
    value = document.get(key)
    return value if isinstance(value, list) else []
