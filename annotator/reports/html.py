"""The HTML report: one self-contained file that opens anywhere and prints well.

Stills are embedded as ``data:`` URIs and the CSS is inline: no network, no scripts (a
Content-Security-Policy says so to the browser too). Every string typed by an
investigator or read from a file goes through Jinja's autoescaping; the only links out are
claim sources, and only when they are plain http(s) URLs. The PDF report prints this same
HTML (:mod:`annotator.reports.pdf`), so both always agree.

The template gets a *view*: the export document with every display string prepared here
(timecodes, frame numbers, sizes, anchors), so the template only lays things out.
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from annotator.core.files import atomic_write_bytes
from annotator.core.timecode import format_ms

TEMPLATE = "report.html.j2"
STYLESHEET = "report.css"

Record = Mapping[str, Any]
StillValue = bytes | str | None

RELATIONS = (
    ("supports", "Supporting"),
    ("contradicts", "Contradicting"),
    ("context", "Context"),
)
RELATION_LABEL = {"supports": "supports", "contradicts": "contradicts", "context": "context for"}
STATUS_LABEL = {
    "unverified": "Unverified",
    "supported": "Supported",
    "disputed": "Disputed",
    "refuted": "Refuted",
    "inconclusive": "Inconclusive",
}
PROVENANCE_FIELDS = (
    ("source_url", "Source URL"),
    ("platform", "Platform"),
    ("uploader", "Uploader"),
    ("posted_at", "Posted"),
    ("obtained_at", "Obtained"),
    ("obtained_by", "Obtained by"),
    ("method", "Method"),
    ("archive_url", "Archive URL"),
    ("notes", "Notes"),
)
METHOD_LABEL = {
    "blur": "blurred",
    "pixelate": "pixelated",
    "fill": "covered with solid black",
}
SHAPE_LABEL = {"rect": "rectangles", "ellipse": "ellipses"}
FIELD_LABEL = {
    **dict(PROVENANCE_FIELDS),
    "original_path": "Original path",
    "location": "Current location",
    "imported_by": "Importer",
}
_WEB_URL = re.compile(r"^https?://[^\s\x00-\x1f\x7f<>\"'`\\]+$", re.IGNORECASE)
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_LANG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_NO_STILL = "the picture could not be made from the media file"


def render_html(
    document: Mapping[str, Any],
    stills: Mapping[str, StillValue],
    *,
    title: str | None = None,
) -> str:
    """The report of an export document as one self-contained HTML page.

    ``stills`` maps annotation uids to a JPEG/PNG still; a missing or None entry shows a
    placeholder, and a text value is shown as the reason there is no still.
    """
    view = report_view(document, stills, title=title)
    return str(_template().render(view=view, css=_stylesheet()))


def write_html(
    document: Mapping[str, Any],
    stills: Mapping[str, StillValue],
    out: Path,
    *,
    title: str | None = None,
) -> Path:
    """Render the report and write it to ``out`` atomically (UTF-8)."""
    atomic_write_bytes(out, render_html(document, stills, title=title).encode("utf-8"))
    return out


# --- template loading -----------------------------------------------------------------------


def _read_resource(name: str) -> str:
    return (resources.files("annotator.resources") / "templates" / name).read_text("utf-8")


@functools.cache
def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_read_resource),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "htm", "j2"), default_for_string=True, default=True
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = number
    env.filters["plural"] = plural
    return env


def _template() -> Any:
    return _environment().get_template(TEMPLATE)


@functools.cache
def _stylesheet() -> Any:
    from markupsafe import Markup

    css = _read_resource(STYLESHEET)
    if "</" in css:  # it is inlined in <style>: must not be able to close the element
        raise ValueError(f"{STYLESHEET} must not contain '</'")
    return Markup(css)  # noqa: S704 - our own stylesheet from the package, checked above


# --- formatting helpers ---------------------------------------------------------------------


def number(value: object) -> str:
    """An integer with thousands separators (``1,234``)."""
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def when(value: object) -> str:
    """An ISO 8601 UTC time for people: ``2025-04-08 14:03:22 UTC``; other text unchanged."""
    if not isinstance(value, str) or not value:
        return ""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    offset = moment.utcoffset()
    zone = "UTC" if offset is not None and not offset else moment.strftime("%z")
    return f"{moment:%Y-%m-%d %H:%M:%S} {zone}"


def plural(count: int, word: str, words: str | None = None) -> str:
    """``1 moment``, ``2 moments``, with thousands separators."""
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def size_text(size: object) -> str:
    if not isinstance(size, int) or isinstance(size, bool):
        return ""
    value, unit = float(size), "bytes"
    for next_unit in ("KB", "MB", "GB", "TB"):
        if value < 1000:
            break
        value, unit = value / 1000, next_unit
    if unit == "bytes":
        return f"{size:,} bytes"
    return f"{value:.1f} {unit} ({size:,} bytes)"


def web_url(value: object) -> str | None:
    """``value`` when it is a plain http(s) URL that is safe to link to, else None."""
    if isinstance(value, str) and _WEB_URL.match(value):
        return value
    return None


def language(value: object) -> str | None:
    """A language tag fit for a ``lang`` attribute (``zh``, ``uk``, ``zh-Hans``), else None."""
    return value if isinstance(value, str) and _LANG.match(value) else None


def css_string(text: str, limit: int = 60) -> str:
    """Text for a CSS string literal: every character but letters, digits and space escaped."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return "".join(
        ch if ch.isascii() and (ch.isalnum() or ch == " ") else f"\\{ord(ch):x} " for ch in text
    )


def data_uri(still: bytes) -> str | None:
    if still.startswith(b"\xff\xd8\xff"):
        mime = "image/jpeg"
    elif still.startswith(b"\x89PNG\r\n\x1a\n"):
        mime = "image/png"
    else:
        return None
    return f"data:{mime};base64,{base64.b64encode(still).decode('ascii')}"


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _mapping(value: object) -> Record:
    return value if isinstance(value, Mapping) else {}


def _records(document: Mapping[str, Any], key: str) -> list[Record]:
    value = document.get(key)
    return [r for r in value if isinstance(r, Mapping)] if isinstance(value, list) else []


def _anchor(prefix: str, uid: object, fallback: int) -> str:
    text = _text(uid)
    return f"{prefix}-{text}" if _SAFE_ID.match(text) else f"{prefix}-n{fallback}"


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def timecode_text(annotation: Record, media_kind: str) -> tuple[str, str]:
    """(time, frames) as shown: ``00:00:04.167`` or a range, and ``frame 100``/``frames a–b``."""
    if media_kind == "image":
        return "", ""
    start_ms, end_ms = _int(annotation.get("start_ms")), _int(annotation.get("end_ms"))
    start_frame, end_frame = _int(annotation.get("start_frame")), _int(annotation.get("end_frame"))
    segment = annotation.get("kind") == "segment"
    time = ""
    if start_ms is not None:
        time = format_ms(start_ms)
        if segment and end_ms is not None:
            time = f"{time} – {format_ms(end_ms)}"
    frames = ""
    if start_frame is not None:
        if segment and end_frame is not None and end_frame != start_frame:
            frames = f"frames {start_frame:,}–{end_frame:,}"
        else:
            frames = f"frame {start_frame:,}"
    return time, frames


def region_text(region: object) -> str:
    if not isinstance(region, Mapping):
        return ""
    try:
        if region.get("shape") == "rect":
            x, y, w, h = (float(region[k]) for k in ("x", "y", "w", "h"))
            return (
                f"rectangle {w:.0%} × {h:.0%} of the frame, "
                f"top left at {x:.0%} across, {y:.0%} down"
            )
        if region.get("shape") == "polygon":
            points = region.get("points")
            count = len(points) if isinstance(points, list) else 0
            return f"polygon with {count} points"
    except (KeyError, TypeError, ValueError):
        pass
    return "region"


def place_rows(place: object) -> list[dict[str, Any]]:
    """Geolocation and chronolocation rows, each with how it was established."""
    if not isinstance(place, Mapping):
        return []
    rows: list[dict[str, Any]] = []
    name = _text(place.get("place_name"))
    lat, lon = _text(place.get("latitude")), _text(place.get("longitude"))
    where = " · ".join(p for p in (name, f"{lat}, {lon}" if lat or lon else "") if p)
    if where:
        rows.append(
            _row("Place", where, detail=_how(place.get("geo_method"), place.get("geo_confidence")))
        )
    moment = _text(place.get("event_time"))
    if moment:
        detail = _how(place.get("chrono_method"), place.get("chrono_confidence"))
        rows.append(_row("Event time", moment, detail=detail))
    return rows


def _how(method: object, confidence: object) -> str:
    parts = []
    if _text(method):
        parts.append(f"method: {_text(method)}")
    if _text(confidence):
        parts.append(f"confidence: {_text(confidence)}")
    return "; ".join(parts)


def _row(
    label: str,
    value: str,
    *,
    detail: str = "",
    lang: str | None = None,
    cls: str = "",
) -> dict[str, Any]:
    return {"label": label, "value": value, "detail": detail, "lang": lang, "cls": cls}


# --- the view -------------------------------------------------------------------------------


def report_view(
    document: Mapping[str, Any],
    stills: Mapping[str, StillValue],
    *,
    title: str | None = None,
) -> dict[str, Any]:
    """Everything the template shows, as display strings, lists and anchors."""
    case = _mapping(document.get("case"))
    media_records = _records(document, "media")
    claim_records = _records(document, "claims")
    annotation_records = _records(document, "annotations")
    audit = _mapping(document.get("audit"))

    media = [_media_view(m, i) for i, m in enumerate(media_records, 1)]
    media_by_uid = {m["uid"]: m for m in media}
    claim_anchor = {
        _text(c.get("uid")): _anchor("claim", c.get("uid"), i)
        for i, c in enumerate(claim_records, 1)
    }
    claim_statement = {_text(c.get("uid")): _text(c.get("statement")) for c in claim_records}

    annotations = [
        _annotation_view(a, i, media_by_uid, claim_anchor, claim_statement, stills)
        for i, a in enumerate(annotation_records, 1)
    ]
    groups: list[dict[str, Any]] = []
    by_media: dict[str, list[dict[str, Any]]] = {}
    for a in annotations:
        by_media.setdefault(a["media_uid"], []).append(a)
    for m in media:
        items = by_media.get(m["uid"], [])
        m["annotation_count"] = len(items)
        if items:
            groups.append({"media": m, "anchor": f"g-{m['anchor']}", "annotations": items})

    publication = _publication_view(document)
    if publication["redacted"]:
        _mark_redacted_stills(document, annotation_records, annotations)
    claims = [_claim_view(c, i, claim_anchor, annotations) for i, c in enumerate(claim_records, 1)]
    kinds = {
        k: sum(1 for a in annotations if a["kind"] == k) for k in ("moment", "segment", "region")
    }
    case_name = _text(case.get("name"))
    head = _text(audit.get("head_hash"))
    events = _int(audit.get("events")) or 0
    return {
        "title": title or f"Evidence report: {case_name}",
        "case": {
            "name": case_name,
            "description": _text(case.get("description")),
            "uid": _text(case.get("uid")),
            "created": when(case.get("created_at")),
            "created_by": _text(case.get("created_by")),
        },
        "generated": when(document.get("exported_at")),
        "tool_version": _text(document.get("tool_version")),
        "schema": _text(document.get("schema")),
        "audit": {"events": events, "head_hash": head},
        "footer": {
            "case": css_string(case_name, 40),
            "head": head[:16] if _HEX.match(head) else "",
        },
        "selection": _selection_rows(document, media_records, claim_records),
        "publication": publication,
        "counts": {
            "media": len(media),
            "annotations": len(annotations),
            "claims": len(claims),
            "tags": len(_records(document, "tags")),
            "kinds": kinds,
        },
        "claims": claims,
        "media": media,
        "groups": groups,
        "tags": [
            {"path": _text(t.get("path")), "description": _text(t.get("description"))}
            for t in _records(document, "tags")
        ],
    }


def _publication_view(document: Mapping[str, Any]) -> dict[str, Any]:
    """What the first page says about redaction and omitted fields (publication mode)."""
    publication = _mapping(document.get("publication"))
    redacted = bool(publication.get("redacted"))
    available = len(_records(document, "redactions"))
    methods = [
        METHOD_LABEL.get(_text(m), _text(m)) for m in publication.get("redaction_methods") or []
    ]
    shapes = [
        SHAPE_LABEL.get(_text(s), _text(s)) for s in publication.get("redaction_shapes") or []
    ]
    omitted = [FIELD_LABEL.get(_text(f), _text(f)) for f in publication.get("omitted_fields") or []]
    count = _int(publication.get("redactions")) or 0
    kinds = ""
    if redacted and count:
        kinds = (
            f"{plural(count, 'area')} hidden in the stills: "
            f"{_join(methods)}; drawn as {_join(shapes)}."
        )
    elif redacted:
        kinds = "The case has no redaction areas on the media of this report."
    return {
        "redacted": redacted,
        "kinds": kinds,
        "methods": methods,
        "omitted": omitted,
        "unredacted_areas": 0 if redacted else available,
        "stated": redacted or bool(omitted),
    }


def _join(words: Sequence[str]) -> str:
    words = [w for w in words if w]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _mark_redacted_stills(
    document: Mapping[str, Any],
    records: Sequence[Record],
    annotations: Sequence[dict[str, Any]],
) -> None:
    """Say under each still whether a redaction hides part of it."""
    from annotator.media.redaction import areas_at

    by_media: dict[str, list[Record]] = {}
    for r in _records(document, "redactions"):
        by_media.setdefault(_text(r.get("media_uid")), []).append(r)
    for record, view in zip(records, annotations, strict=True):
        still = view["still"]
        hidden = by_media.get(view["media_uid"])
        if not still or not still.get("src") or not hidden:
            continue
        if areas_at(hidden, _int(record.get("start_frame"))):
            caption = still.get("caption") or ""
            still["caption"] = f"{caption} · redacted" if caption else "Redacted"


def _selection_rows(
    document: Mapping[str, Any], media: Sequence[Record], claims: Sequence[Record]
) -> list[dict[str, Any]]:
    """What the report was limited to; empty when it covers the whole case."""
    selection = document.get("selection")
    if not isinstance(selection, Mapping):
        return []
    rows = []
    wanted = selection.get("media")
    if isinstance(wanted, list) and wanted:
        names = {_text(m.get("sha256")): _text(m.get("file_name")) for m in media}
        shown = [f"{names[s]} ({s[:12]}…)" if s in names else s for s in map(_text, wanted)]
        rows.append(_row("Media", "; ".join(shown)))
    claim_uid = selection.get("claim")
    if claim_uid:
        statements = {_text(c.get("uid")): _text(c.get("statement")) for c in claims}
        rows.append(_row("Claim", statements.get(_text(claim_uid)) or _text(claim_uid)))
    tag = selection.get("tag")
    if tag:
        rows.append(_row("Tag", f"{_text(tag)} (and the tags under it)"))
    return rows


def _media_view(m: Record, n: int) -> dict[str, Any]:
    kind = _text(m.get("kind"))
    rows: list[dict[str, Any]] = [
        _row("SHA-256", _text(m.get("sha256")), cls="hash"),
        _row("Kind", " · ".join(p for p in (kind, _text(m.get("mime"))) if p)),
        _row("Size", size_text(m.get("size_bytes"))),
    ]
    duration = _int(m.get("duration_ms"))
    if duration is not None:
        rows.append(_row("Duration", format_ms(duration)))
    width, height = _int(m.get("width")), _int(m.get("height"))
    if width and height:
        rotation = _int(m.get("rotation")) or 0
        turned = f" (stored turned; rotated {rotation}° to show upright)" if rotation else ""
        rows.append(_row("Resolution", f"{width} × {height} as displayed{turned}"))
    frames = _int(m.get("frame_count"))
    if frames is not None:
        rate = _text(m.get("avg_fps_rational")) or _text(m.get("avg_fps"))
        fps = f" · average {m.get('avg_fps')} fps ({rate})" if rate else ""
        vfr = " · variable frame rate" if m.get("is_vfr") else ""
        rows.append(_row("Frames", f"{frames:,}{fps}{vfr}"))
    codecs = [
        f"video {_text(m.get('video_codec'))}" if m.get("video_codec") else "",
        f"audio {_text(m.get('audio_codec'))}" if m.get("audio_codec") else "",
        f"container {_text(m.get('container'))}" if m.get("container") else "",
    ]
    if any(codecs):
        rows.append(_row("Codecs", " · ".join(c for c in codecs if c)))
    if m.get("captured_at"):
        rows.append(_row("Captured (file metadata)", _text(m.get("captured_at"))))
    if "original_path" in m:  # left out in publication mode when asked
        rows.append(_row("Original path", _text(m.get("original_path")), cls="path"))
    if m.get("location") and m.get("location") != m.get("original_path"):
        rows.append(_row("Current location", _text(m.get("location")), cls="path"))
    imported = when(m.get("imported_at"))
    by = _text(m.get("imported_by"))
    rows.append(_row("Imported", f"{imported} by {by}" if by else imported))
    state = _text(m.get("verify_state"))
    checked = when(m.get("last_verified_at"))
    rows.append(
        _row("Last verified", f"{state} at {checked}" if state and checked else "not verified yet")
    )
    provenance = _mapping(m.get("provenance"))
    for key, label in PROVENANCE_FIELDS:
        value = _text(provenance.get(key))
        if value:
            cls = "path" if key.endswith("url") else ("multiline" if key == "notes" else "")
            rows.append(_row(label, value, cls=cls))
    rows.extend(place_rows(m.get("place")))
    uid = _text(m.get("uid"))
    return {
        "uid": uid,
        "anchor": _anchor("media", uid, n),
        "number": n,
        "name": _text(m.get("file_name")),
        "kind": kind,
        "sha256": _text(m.get("sha256")),
        "size_short": size_text(m.get("size_bytes")).split(" (")[0],
        "duration": format_ms(duration) if duration is not None else "",
        "resolution": f"{width} × {height}" if width and height else "",
        "rows": rows,
        "has_provenance": any(_text(provenance.get(k)) for k, _ in PROVENANCE_FIELDS),
        "annotation_count": 0,
    }


def _annotation_view(
    a: Record,
    n: int,
    media_by_uid: Mapping[str, dict[str, Any]],
    claim_anchor: Mapping[str, str],
    claim_statement: Mapping[str, str],
    stills: Mapping[str, StillValue],
) -> dict[str, Any]:
    uid = _text(a.get("uid"))
    media_uid = _text(a.get("media_uid"))
    media = media_by_uid.get(media_uid, {})
    media_kind = _text(media.get("kind"))
    media_name = _text(media.get("name")) or _text(a.get("media_sha256"))
    kind = _text(a.get("kind"))
    time, frames = timecode_text(a, media_kind)
    title = _text(a.get("title")).strip()
    if not title:
        article = kind.capitalize() or "Annotation"
        title = f"{article} at {time.split(' – ')[0]}" if time else f"{article} on {media_name}"

    still: dict[str, Any] | None = None
    value = stills.get(uid)
    if media_kind != "audio":
        src = data_uri(value) if isinstance(value, bytes) else None
        if src is not None:
            start = _int(a.get("start_frame"))
            where = f"frame {start:,}" if start is not None and frames else "the picture"
            alt = f"Still of {where} of {media_name}"
            still = {"src": src, "alt": alt, "caption": _still_caption(a, time, frames)}
        else:
            reason = value if isinstance(value, str) and value else _NO_STILL
            still = {"src": None, "reason": reason}

    rows: list[dict[str, Any]] = []
    if a.get("region"):
        rows.append(_row("Region", region_text(a.get("region"))))
    if _text(a.get("note")):
        rows.append(_row("Note", _text(a.get("note")), cls="multiline"))
    for key, label in (("transcript", "Transcript"), ("translation", "Translation")):
        text = _text(a.get(key))
        if text:
            lang = _text(a.get(f"{key}_lang"))
            rows.append(
                _row(
                    f"{label} ({lang})" if lang else label,
                    text,
                    lang=language(lang),
                    cls="multiline",
                )
            )
    rows.extend(place_rows(a.get("location")))
    if _text(a.get("confidence")):
        rows.append(_row("Confidence", _text(a.get("confidence"))))
    created, updated = when(a.get("created_at")), when(a.get("updated_at"))
    author = _text(a.get("author"))
    rows.append(_row("Created", f"{created} by {author}" if author else created))
    if updated and updated != created:
        rows.append(_row("Updated", updated))

    links = []
    raw_links = a.get("claims")
    for i, link in enumerate(raw_links if isinstance(raw_links, list) else []):
        if not isinstance(link, Mapping):
            continue
        claim_uid = _text(link.get("claim_uid"))
        relation = _text(link.get("relation"))
        links.append(
            {
                "relation": relation,
                "label": RELATION_LABEL.get(relation, relation),
                "anchor": claim_anchor.get(claim_uid),
                "statement": _short(claim_statement.get(claim_uid) or f"claim {claim_uid}"),
                "claim_uid": claim_uid,
                "rationale": _text(link.get("rationale")),
                "order": i,
            }
        )
    return {
        "uid": uid,
        "anchor": _anchor("a", uid, n),
        "number": n,
        "media_uid": media_uid,
        "media_name": media_name,
        "media_anchor": media.get("anchor"),
        "kind": kind,
        "title": title,
        "time": time,
        "time_start": time.split(" – ")[0],
        "frames": frames,
        "still": still,
        "tags": [_text(t) for t in a.get("tags") or [] if _text(t)],
        "rows": rows,
        "claims": links,
    }


def _still_caption(a: Record, time: str, frames: str) -> str:
    parts = []
    if frames:
        start = _int(a.get("start_frame"))
        parts.append(f"Frame {start:,}" if start is not None else frames)
        if time:
            parts.append(f"at {time.split(' – ')[0]}")
        if a.get("kind") == "segment":
            parts.append("(first frame of the segment)")
    if a.get("region"):
        parts.append("· region outlined in amber" if parts else "Region outlined in amber")
    return " ".join(parts)


def _claim_view(
    c: Record, n: int, claim_anchor: Mapping[str, str], annotations: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    uid = _text(c.get("uid"))
    groups = []
    evidence = _mapping(c.get("evidence"))
    for relation, label in RELATIONS:
        items = []
        for a in annotations:
            for link in a["claims"]:
                if link["claim_uid"] == uid and link["relation"] == relation:
                    items.append(
                        {
                            "anchor": a["anchor"],
                            "number": a["number"],
                            "media_name": a["media_name"],
                            "time": a["time"],
                            "frames": a["frames"],
                            "title": a["title"],
                            "rationale": link["rationale"],
                        }
                    )
        in_case = _int(evidence.get(relation))
        elsewhere = max(0, in_case - len(items)) if in_case is not None else 0
        groups.append(
            {"relation": relation, "label": label, "entries": items, "elsewhere": elsewhere}
        )
    source = _text(c.get("source_url"))
    status = _text(c.get("status")) or "unverified"
    return {
        "uid": uid,
        "anchor": claim_anchor.get(uid, f"claim-n{n}"),
        "number": n,
        "statement": _text(c.get("statement")),
        "short": _short(_text(c.get("statement")), 70),
        "status": status,
        "status_label": STATUS_LABEL.get(status, status.capitalize()),
        "claimant": _text(c.get("claimant")),
        "claimed_at": _text(c.get("claimed_at")),
        "source": source,
        "source_link": web_url(source),
        "notes": _text(c.get("notes")),
        "groups": groups,
    }
