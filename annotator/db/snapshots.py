"""Audit snapshots: each stored record as the plain dict its audit events carry.

References use uids, never integer keys, and times use the canonical UTC form, so a case
copied to another database produces the same snapshots and its trail still verifies.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from annotator.core.audit_chain import Snapshot, format_at
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

_SKIP = {"id", "case_id"}


def _columns(row: Base, skip: set[str]) -> Snapshot:
    out: Snapshot = {}
    for column in row.__table__.columns:
        if column.key in skip:
            continue
        value: Any = getattr(row, column.key)
        if isinstance(value, datetime):
            value = format_at(value)
        out[column.key] = value
    return out


def _case(row: CaseRow) -> Snapshot:
    return _columns(row, {"id"})


# Columns added after cases already existed. Left out while NULL, a record written before
# the column existed keeps the snapshot its audit events recorded, so old cases still verify;
# the (audited) update that fills one in adds it to the snapshot.
_MEDIA_LATER = ("frame_hashes",)
# Columns added later with a default (0004): left out while they hold it, for the same reason.
_LATER_DEFAULTS: dict[str, object] = {"graphic": False}


def _drop_later_defaults(snap: Snapshot) -> None:
    for name, default in _LATER_DEFAULTS.items():
        if name in snap and snap[name] == default:
            del snap[name]


def _media(row: MediaRow) -> Snapshot:
    snap = _columns(row, _SKIP | {"thumbnail"})
    for name in _MEDIA_LATER:
        if snap[name] is None:
            del snap[name]
    _drop_later_defaults(snap)
    # The thumbnail is derived, but it is what people see: a swapped one must show.
    snap["thumbnail_sha256"] = hashlib.sha256(row.thumbnail).hexdigest() if row.thumbnail else ""
    return snap


def _tag(row: TagRow) -> Snapshot:
    return _columns(row, _SKIP)


def _claim(row: ClaimRow) -> Snapshot:
    return _columns(row, _SKIP)


def _annotation(row: AnnotationRow) -> Snapshot:
    snap = _columns(row, _SKIP | {"media_id"})
    _drop_later_defaults(snap)
    snap["media_uid"] = row.media.uid
    snap["tag_uids"] = sorted(tag.uid for tag in row.tags)
    return snap


def _redaction(row: RedactionRow) -> Snapshot:
    snap = _columns(row, _SKIP | {"media_id"})
    snap["media_uid"] = row.media.uid
    return snap


def _claim_link(row: ClaimLinkRow) -> Snapshot:
    snap = _columns(row, _SKIP | {"annotation_id", "claim_id"})
    snap["annotation_uid"] = row.annotation.uid
    snap["claim_uid"] = row.claim.uid
    return snap


SNAPSHOTTERS: dict[type[Base], tuple[str, Callable[[Any], Snapshot]]] = {
    CaseRow: ("case", _case),
    MediaRow: ("media", _media),
    TagRow: ("tag", _tag),
    ClaimRow: ("claim", _claim),
    AnnotationRow: ("annotation", _annotation),
    ClaimLinkRow: ("claim_link", _claim_link),
    RedactionRow: ("redaction", _redaction),
}


def entity_type_of(row: Base) -> str:
    return SNAPSHOTTERS[type(row)][0]


def snapshot(row: Base) -> Snapshot:
    return SNAPSHOTTERS[type(row)][1](row)
