"""W3C Web Annotation (JSON-LD) of an export: one AnnotationCollection, one Annotation per record.

Annotation tools, archives and IIIF viewers read the W3C model, so an investigation's
findings can travel without our software. How our records map onto it, and why:

- The collection and its single page get stable ``urn:uuid`` ids derived from the case, the
  selection and the export time, so building the same document twice gives equal JSON.
- Annotation ``id`` is ``urn:uuid:<uid>``; ``created``/``modified`` are the record's times,
  ``creator`` a Person named by the author.
- Target: a SpecificResource whose source is the media by content, ``urn:sha256:<hex>``
  (a path or a name can change; the hash cannot), with ``label`` = file name, ``format`` =
  MIME type and ``via`` = the ``file://`` URI of the original path and the provenance
  source URL (where the file came from).
- Selectors use Media Fragments: a FragmentSelector conforming to
  ``http://www.w3.org/TR/media-frags/`` with ``t=start,end`` in seconds to the millisecond
  (``t=start`` for a moment or a region on one frame: Media Fragments read it as "from
  there on", which is where a player seeks) and ``xywh=pixel:x,y,w,h`` from the
  normalised rectangle times the displayed size (rounded half up, at least 1 px; percent
  when the size is unknown), joined as ``t=..&xywh=..``. A polygon is an SvgSelector in
  displayed pixels (two decimals at most), refining the time fragment when there is one.
- Bodies: note (purpose commenting), title (describing), transcript and translation
  (describing, with ``language``), each a TextualBody whose id is ``urn:uuid:<uid>#note``,
  ``#title``, ``#transcript`` or ``#translation`` so a reader can tell them apart; one
  TextualBody per tag (tagging); per claim link a SpecificResource (id ``urn:uuid:<link
  uid>``, purpose assessing for supports/contradicts, linking for context) whose source is
  the claim, ``urn:uuid:<claim uid>`` labelled with its statement. The anno.jsonld context
  has no term for the relation or the rationale: they ride as plain ``relation`` and
  ``rationale`` keys, which JSON readers see and JSON-LD processors drop.
"""

from __future__ import annotations

import json
import uuid
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from annotator.core.files import atomic_write_bytes
from annotator.reports.eaf import Record, file_uri, opt_int, records, text

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
MEDIA_FRAGMENTS = "http://www.w3.org/TR/media-frags/"
_TYPES = {"video": "Video", "image": "Image", "audio": "Sound"}
_PURPOSE = {"supports": "assessing", "contradicts": "assessing", "context": "linking"}


def build_w3c(document: Record) -> Record:
    """The export document as a W3C AnnotationCollection (a JSON-ready dict)."""
    media = {text(m, "uid"): m for m in records(document, "media")}
    claims = {text(c, "uid"): c for c in records(document, "claims")}
    items = []
    for record in records(document, "annotations"):
        source = media.get(text(record, "media_uid"))
        if source is None:
            raise ValueError(
                f"Annotation {text(record, 'uid')} belongs to media "
                f"{text(record, 'media_uid')}, which the export does not hold."
            )
        items.append(_annotation(record, source, claims))
    case = document.get("case")
    case = case if isinstance(case, dict) else {}
    seed = json.dumps(
        [text(case, "uid"), document.get("selection"), text(document, "exported_at")],
        sort_keys=True,
    )
    collection_id = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'evidence-annotator:' + seed)}"
    collection: Record = {
        "@context": CONTEXT,
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": f"{text(case, 'name')}: annotations",
        "generator": {
            "type": "Software",
            "name": f"Evidence Annotator {text(document, 'tool_version')}",
        },
        "generated": text(document, "exported_at"),
        "total": len(items),
    }
    if items:  # the model has pages only for a collection that holds something
        page_id = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, collection_id + '/page/1')}"
        collection["first"] = {
            "id": page_id,
            "type": "AnnotationPage",
            "partOf": collection_id,
            "startIndex": 0,
            "items": items,
        }
        collection["last"] = page_id
    return collection


def write_w3c(document: Record, out: Path) -> Path:
    """Write :func:`build_w3c` of ``document`` as UTF-8 JSON-LD at ``out``; return ``out``."""
    data = json.dumps(build_w3c(document), ensure_ascii=False, indent=2) + "\n"
    atomic_write_bytes(out, data.encode("utf-8"))
    return out


def _annotation(record: Record, media: Record, claims: dict[str, Record]) -> Record:
    uid = text(record, "uid")
    result: Record = {"id": f"urn:uuid:{uid}", "type": "Annotation"}
    for key, field in (("created", "created_at"), ("modified", "updated_at")):
        if text(record, field):
            result[key] = text(record, field)
    if text(record, "author"):
        result["creator"] = {"type": "Person", "name": text(record, "author")}
    bodies = _bodies(record, claims)
    if bodies:
        result["body"] = bodies
    result["target"] = _target(record, media)
    return result


def _bodies(record: Record, claims: dict[str, Record]) -> list[Record]:
    uid = text(record, "uid")
    bodies: list[Record] = []
    for field, purpose in (
        ("note", "commenting"),
        ("title", "describing"),
        ("transcript", "describing"),
        ("translation", "describing"),
    ):
        if text(record, field):
            body: Record = {
                "id": f"urn:uuid:{uid}#{field}",
                "type": "TextualBody",
                "purpose": purpose,
                "value": text(record, field),
                "format": "text/plain",
            }
            if text(record, f"{field}_lang"):
                body["language"] = text(record, f"{field}_lang")
            bodies.append(body)
    tags = record.get("tags")
    for tag in tags if isinstance(tags, list) else []:
        bodies.append({"type": "TextualBody", "purpose": "tagging", "value": str(tag)})
    links = record.get("claims")
    for link in links if isinstance(links, list) else []:
        if isinstance(link, dict):
            bodies.append(_claim_body(link, claims))
    return bodies


def _claim_body(link: Record, claims: dict[str, Record]) -> Record:
    claim_uid, relation = text(link, "claim_uid"), text(link, "relation")
    source: Record = {"id": f"urn:uuid:{claim_uid}", "type": "Text"}
    if claim_uid in claims:
        source["label"] = text(claims[claim_uid], "statement")
    body: Record = {"id": f"urn:uuid:{text(link, 'uid')}"} if text(link, "uid") else {}
    body.update(
        type="SpecificResource",
        purpose=_PURPOSE.get(relation, "linking"),
        source=source,
        relation=relation,
    )
    if text(link, "rationale"):
        body["rationale"] = text(link, "rationale")
    return body


def _target(record: Record, media: Record) -> Record:
    """The part of the media an annotation is about: time, place on the picture, or both."""
    source: Record = {
        "id": f"urn:sha256:{text(media, 'sha256')}",
        "type": _TYPES.get(text(media, "kind"), "Dataset"),
        "label": text(media, "file_name"),
    }
    if text(media, "mime"):
        source["format"] = text(media, "mime")
    provenance = media.get("provenance")
    via = [
        uri
        for uri in (
            file_uri(text(media, "original_path")),
            text(provenance, "source_url") if isinstance(provenance, dict) else "",
        )
        if uri
    ]
    if via:
        source["via"] = via
    selector = _selector(record, media)
    return {
        "type": "SpecificResource",
        "source": source,
        **({"selector": selector} if selector else {}),
    }


def seconds(ms: int) -> str:
    """Milliseconds as Media Fragments seconds with exactly three decimals (no float)."""
    return f"{ms // 1000}.{ms % 1000:03d}"


def _selector(record: Record, media: Record) -> Record | None:
    parts = []
    start, end = opt_int(record, "start_ms"), opt_int(record, "end_ms")
    if start is not None:
        moment = text(record, "kind") == "moment" or end is None
        parts.append(f"t={seconds(start)}" if moment else f"t={seconds(start)},{seconds(end or 0)}")
    region = record.get("region")
    region = region if isinstance(region, dict) else {}
    size = opt_int(media, "width"), opt_int(media, "height")
    svg: Record | None = None
    if region.get("shape") == "rect":
        parts.append(_xywh(region, size))
    elif region.get("shape") == "polygon":
        svg = {"type": "SvgSelector", "value": _svg(region, size)}
    if not parts:
        return svg
    fragment: Record = {
        "type": "FragmentSelector",
        "conformsTo": MEDIA_FRAGMENTS,
        "value": "&".join(parts),
    }
    if svg is not None:
        fragment["refinedBy"] = svg
    return fragment


def _number(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"A region coordinate must be a number, not {value!r}.")
    return Decimal(repr(value))


def _xywh(region: Record, size: tuple[int | None, int | None]) -> str:
    width, height = size
    values = [_number(region.get(k)) for k in ("x", "y", "w", "h")]
    if width and height:
        scale = [width, height, width, height]
        pixels = [
            (v * s).to_integral_value(ROUND_HALF_UP) for v, s in zip(values, scale, strict=True)
        ]
        pixels[2:] = [max(Decimal(1), p) for p in pixels[2:]]
        return "xywh=pixel:" + ",".join(str(int(p)) for p in pixels)
    return "xywh=percent:" + ",".join(_plain(v * 100, "0.0001") for v in values)


def _plain(value: Decimal, step: str) -> str:
    """``value`` rounded to ``step``, without trailing zeros: 480.00 -> 480, 12.50 -> 12.5."""
    rounded = value.quantize(Decimal(step), ROUND_HALF_UP)
    return f"{rounded:f}".rstrip("0").rstrip(".") if "." in f"{rounded:f}" else f"{rounded:f}"


def _svg(region: Record, size: tuple[int | None, int | None]) -> str:
    width, height = size
    points = region.get("points")
    coords = []
    for point in points if isinstance(points, list) else []:
        x, y = (_number(v) for v in point)
        if width and height:
            coords.append(f"{_plain(x * width, '0.01')},{_plain(y * height, '0.01')}")
        else:
            coords.append(f"{_plain(x, '0.000001')},{_plain(y, '0.000001')}")
    view = f' viewBox="0 0 {width} {height}"' if width and height else ' viewBox="0 0 1 1"'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg"{view}>'
        f'<polygon points="{" ".join(coords)}"/></svg>'
    )
