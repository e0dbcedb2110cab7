"""ELAN ``.eaf`` files (EAF 3.0) for one media item: written from the export document, read back.

Linguists and many investigators transcribe in ELAN, so a case's moments, segments and
regions go there as timed annotations and come back through ``import-annotations``.

What a file we write holds, and why:

- **Media** by path: a MEDIA_DESCRIPTOR with MEDIA_URL = the ``file://`` URI of the media's
  ``original_path``, RELATIVE_MEDIA_URL from the ``.eaf``'s folder (when the path is absolute
  on this system) and MIME_TYPE. Times are ms from the first displayed frame (DESIGN.md).
- **Tiers**: ``tiers="tag"`` gives one independent tier per tag path in use, named by the path
  (an annotation with two tags sits on both tiers), and ``(no tag)`` for untagged ones;
  ``tiers="kind"`` gives the tiers ``moment``, ``segment`` and ``region``, each with a ``tags``
  child tier holding the tag paths joined with ``"; "`` (the CSV convention).
- **Transcripts and translations**: Symbolic_Association child tiers, one per parent tier,
  role and language (``<parent> - transcript [ru]``), whose LANG_REF names a LANGUAGE with
  the code as LANG_ID (``langN`` when the code is not an XML name or looks like one of our
  ids) and LANG_LABEL = the exact code.
  Empty text writes nothing; an empty language code writes no LANG_REF.
- **Value** of an annotation: its note, or its title when the note is empty. Annotations
  without a time (regions on images) are left out, and an image media item is refused.
- **Identity**: ANNOTATION_ID must be an XML name (a UUID may start with a digit) and is the
  file's business, so each annotation's EXT_REF points at an EXTERNAL_REF of TYPE
  ``resource_url`` and VALUE ``urn:uuid:<uid>``. EAF has carried EXT_REF on annotations
  since 2.6 and ELAN keeps it with the annotation object, so the uid follows edits and moves
  (checked against the schema and pympi, not a running ELAN). What ELAN has no place for
  (kind, title, region geometry, a made-up end) goes into one HEADER PROPERTY per annotation,
  ``evidence-annotator:annotation:<uid>``, holding compact JSON.
- **Moments** (and regions without an end) need begin < end in ELAN, so they span their own
  frame: ``floor(1000 / fps)`` ms for a constant-frame-rate video (start_ms is the frame's
  pts rounded up, so this never reaches the next frame's time), else 1 ms (variable rate,
  unknown rate, audio). This is display only: reading our file back gives ``end_ms`` None
  again unless the span was changed in ELAN.

``read_eaf`` reads our files and ELAN's own. In a file we did not write, every independent
tier is a tag tier, every annotation on it a segment (value -> note), and child tiers whose
linguistic type or name mentions "transl"/"transc" give the translation/transcript.
"""

from __future__ import annotations

import json
import math
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath
from urllib.parse import quote
from xml.parsers import expat

from annotator.core.files import atomic_write_bytes

TIER_MODES = ("tag", "kind")
KINDS = ("moment", "segment", "region")
UNTAGGED = "(no tag)"
FORMAT = "evidence-annotator-eaf/1"
PROPERTY = "evidence-annotator:"
ROLES = ("transcript", "translation")
TAG_SEPARATOR = "; "

_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_SCHEMA = "http://www.mpi.nl/tools/elan/EAFv3.0.xsd"
_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9._-]*$")
_OUR_IDS = re.compile(r"^(a|ts|er|lang)[0-9]+$")  # LANG_ID shares the XML ID space with these
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Our linguistic types: parent tiers say what their name means, children what they hold.
_PARENT_TYPES = ("tag", "untagged", "kind")
_CHILD_TYPES = ("transcript", "translation", "tag list")
# ELAN adds the other stereotypes itself; our child tiers use only this one.
_CONSTRAINTS = {"Symbolic_Association": "1-1 association with a parent annotation"}

Record = dict[str, object]


# --- Shared with webvtt and webannotation: typed access to the JSON-ready document ------------


def records(document: Record, key: str) -> list[Record]:
    """The list of records under ``key`` (an absent or malformed list reads as empty)."""
    value = document.get(key)
    return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []


def text(record: Record, key: str) -> str:
    value = record.get(key)
    return "" if value is None else str(value)


def opt_int(record: Record, key: str) -> int | None:
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(
            f"'{key}' must be a whole number of milliseconds or frames, not {value!r}."
        )
    return value


def find_media(document: Record, media_uid: str) -> Record:
    """The media record with ``media_uid``, or a ValueError naming what the export holds."""
    media = records(document, "media")
    for record in media:
        if record.get("uid") == media_uid:
            return record
    names = ", ".join(f"{text(m, 'file_name')} ({text(m, 'uid')})" for m in media[:5])
    raise ValueError(
        f"The export has no media item with uid {media_uid}. "
        + (f"It holds: {names}." if names else "It holds no media: check the selection.")
    )


def media_annotations(document: Record, media_uid: str) -> list[Record]:
    return [a for a in records(document, "annotations") if a.get("media_uid") == media_uid]


def file_uri(path: str) -> str | None:
    """``file://`` URI of an absolute path written on Windows or POSIX; None when relative."""
    if not path:
        return None
    windows = PureWindowsPath(path)
    if windows.drive and windows.is_absolute():  # C:\... or \\server\share\...
        return windows.as_uri()
    posix = PurePosixPath(path)
    return posix.as_uri() if posix.is_absolute() else None


# --- Writing ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Tier:
    tier_id: str
    ling: str
    parent: _Tier | None = None
    lang: str = ""
    spans: list[tuple[Record, int, int]] = field(default_factory=list)  # parent tiers
    refs: list[tuple[str, str]] = field(default_factory=list)  # child tiers: (uid, value)
    ann_ids: dict[str, str] = field(default_factory=dict)  # parent tiers: uid -> ANNOTATION_ID


def frame_span_ms(media: Record) -> int:
    """How long a moment lasts in the file: its frame on a constant-rate video, else 1 ms."""
    rational = text(media, "avg_fps_rational")
    if text(media, "kind") != "video" or media.get("is_vfr") or not rational:
        return 1
    num, _, den = rational.partition("/")
    try:
        fps = Fraction(int(num), int(den or "1"))
    except (ValueError, ZeroDivisionError):
        return 1
    return max(1, math.floor(1000 / fps)) if fps > 0 else 1


def write_eaf(document: Record, media_uid: str, out: Path, *, tiers: str = "tag") -> Path:
    """Write the timed annotations of one media item as an ELAN file at ``out``; return ``out``.

    Annotations without a time (regions on images) have no place in ELAN and are left out;
    an image itself is refused.
    """
    if tiers not in TIER_MODES:
        raise ValueError(f"ELAN tiers are made per 'tag' or per 'kind', not '{tiers}'.")
    media = find_media(document, media_uid)
    if text(media, "kind") == "image":
        raise ValueError(
            f"{text(media, 'file_name')} is an image: ELAN files hold timed annotations only. "
            "Export its regions with the w3c format instead."
        )
    span = frame_span_ms(media)
    parents = {k: _Tier(k, "kind") for k in KINDS} if tiers == "kind" else {}
    meta: dict[str, dict[str, object]] = {}
    for record in media_annotations(document, media_uid):
        start, end = opt_int(record, "start_ms"), opt_int(record, "end_ms")
        if start is None:
            continue
        uid = text(record, "uid")
        if end is not None and end <= start:
            raise ValueError(f"Annotation {uid} ends ({end} ms) before it starts ({start} ms).")
        meta[uid] = _meta(record, span if end is None else None)
        # Untagged ones sit under the key "" (no tag path is empty), named UNTAGGED below.
        for key in [text(record, "kind")] if tiers == "kind" else _tags(record) or [""]:
            if key not in parents:
                ling = "kind" if tiers == "kind" else "tag" if key else "untagged"
                parents[key] = _Tier(key or UNTAGGED, ling)
            parents[key].spans.append((record, start, start + span if end is None else end))
    # Per tag: by path, untagged last. Per kind: moment, segment, region (then any other).
    if tiers == "tag":
        order = sorted(parents, key=lambda key: (not key, key))
    else:
        order = [*KINDS, *sorted(set(parents) - set(KINDS))]
    root = _document(document, media, out, [parents[k] for k in order], meta, tiers)
    ET.indent(root)
    xml = ET.tostring(root, encoding="unicode")
    atomic_write_bytes(out, f'<?xml version="1.0" encoding="UTF-8"?>\n{xml}\n'.encode())
    return out


def _tags(record: Record) -> list[str]:
    value = record.get("tags")
    return sorted({str(t) for t in value}) if isinstance(value, list) else []


def _meta(record: Record, made_up_span: int | None) -> dict[str, object]:
    """What ELAN has no place for, kept so a round trip restores the annotation exactly."""
    info: dict[str, object] = {"kind": text(record, "kind")}
    if text(record, "title"):
        info["title"] = text(record, "title")
        if not text(record, "note"):
            info["value"] = "title"
    if record.get("region") is not None:
        info["region"] = record["region"]
    if made_up_span is not None:
        info["span"] = made_up_span
    return info


def _clean(value: str) -> str:
    """XML 1.0 cannot hold most control characters; validation refuses them, this is a guard."""
    return _NOT_XML.sub("", value)


def _relative_url(media_path: str, folder: Path) -> str | None:
    """The media's path from the ``.eaf``'s folder, as ELAN's RELATIVE_MEDIA_URL."""
    if not media_path or not Path(media_path).is_absolute():
        return None  # relative, or written on another system
    try:
        relative = PurePath(os.path.relpath(media_path, os.path.abspath(folder))).as_posix()
    except ValueError:  # another drive on Windows
        return None
    return quote(relative if relative.startswith("../") else f"./{relative}")


class _Ids:
    """Unique tier names and the counters behind annotation, reference and language ids."""

    def __init__(self) -> None:
        self.tiers: set[str] = set()
        self.annotations = 0
        self.ext_refs: dict[str, str] = {}
        self.languages: dict[str, str] = {}

    def tier(self, wanted: str) -> str:
        name, n = wanted, 1
        while name in self.tiers:
            n += 1
            name = f"{wanted} #{n}"
        self.tiers.add(name)
        return name

    def annotation(self) -> str:
        self.annotations += 1
        return f"a{self.annotations}"

    def ext_ref(self, uid: str) -> str:
        return self.ext_refs.setdefault(uid, f"er{len(self.ext_refs) + 1}")

    def language(self, code: str) -> str:
        """LANG_ID for ``code``: the code itself when it is an XML name, else ``langN``."""
        if code not in self.languages:
            taken = set(self.languages.values())
            usable = _NCNAME.match(code) and not _OUR_IDS.match(code)
            lang_id, n = (code if usable else ""), len(taken)
            while not lang_id or lang_id in taken:
                n += 1
                lang_id = f"lang{n}"
            self.languages[code] = lang_id
        return self.languages[code]


def _children(parent: _Tier, ids: _Ids, tiers: str) -> list[_Tier]:
    """The transcript and translation tiers (and, per kind, the tag list) under ``parent``."""
    found: dict[tuple[str, str], _Tier] = {}
    for record, _start, _end in parent.spans:
        values = [(role, text(record, role), text(record, f"{role}_lang")) for role in ROLES]
        if tiers == "kind" and _tags(record):
            values.append(("tag list", TAG_SEPARATOR.join(_tags(record)), ""))
        for role, value, lang in values:
            if not value:
                continue
            if (role, lang) not in found:
                label = "tags" if role == "tag list" else role
                name = f"{parent.tier_id} - {label}" + (f" [{lang}]" if lang else "")
                found[role, lang] = _Tier(ids.tier(name), role, parent, lang)
            found[role, lang].refs.append((text(record, "uid"), value))
    return [found[k] for k in sorted(found, key=lambda k: (_CHILD_TYPES.index(k[0]), k[1]))]


def _document(
    document: Record,
    media: Record,
    out: Path,
    parents: list[_Tier],
    meta: dict[str, dict[str, object]],
    tiers: str,
) -> ET.Element:
    root = ET.Element(
        "ANNOTATION_DOCUMENT",
        {
            "AUTHOR": "",
            "DATE": text(document, "exported_at"),
            "FORMAT": "3.0",
            "VERSION": "3.0",
            f"{{{_XSI}}}noNamespaceSchemaLocation": _SCHEMA,
        },
    )
    header = ET.SubElement(root, "HEADER", {"MEDIA_FILE": "", "TIME_UNITS": "milliseconds"})
    descriptor = {
        "MEDIA_URL": file_uri(text(media, "original_path")) or "",
        "MIME_TYPE": text(media, "mime") or "unknown",
    }
    relative = _relative_url(text(media, "original_path"), out.parent)
    if relative:
        descriptor["RELATIVE_MEDIA_URL"] = relative
    ET.SubElement(header, "MEDIA_DESCRIPTOR", descriptor)
    time_order = ET.SubElement(root, "TIME_ORDER")
    ids = _Ids()
    every: list[_Tier] = []
    for parent in parents:  # tag tiers keep their exact names: claim them before children
        parent.tier_id = ids.tier(parent.tier_id)
    for parent in parents:
        every += [parent, *_children(parent, ids, tiers)]
    slots: list[tuple[int, int, ET.Element, str]] = []  # time, order, annotation, attribute
    for tier in every:
        _tier_element(root, tier, ids, slots)
    # Slots in time order, as ELAN writes them; every annotation has its own two slots, so
    # moving one in ELAN never drags another along.
    slots.sort(key=lambda slot: (slot[0], slot[1]))
    for n, (time, _order, element, attribute) in enumerate(slots, start=1):
        element.set(attribute, f"ts{n}")
        ET.SubElement(time_order, "TIME_SLOT", {"TIME_SLOT_ID": f"ts{n}", "TIME_VALUE": str(time)})
    properties = {
        "format": FORMAT,
        "tiers": tiers,
        "media_uid": text(media, "uid"),
        "media_sha256": text(media, "sha256"),
    }
    properties.update(
        (f"annotation:{uid}", json.dumps(info, ensure_ascii=False, separators=(",", ":")))
        for uid, info in meta.items()
    )
    for name, value in properties.items():
        ET.SubElement(header, "PROPERTY", {"NAME": PROPERTY + name}).text = _clean(value)
    ET.SubElement(header, "PROPERTY", {"NAME": "lastUsedAnnotationId"}).text = str(ids.annotations)
    _types_and_languages(root, ids)
    return root


def _tier_element(
    root: ET.Element, tier: _Tier, ids: _Ids, slots: list[tuple[int, int, ET.Element, str]]
) -> None:
    attributes = {"TIER_ID": tier.tier_id, "LINGUISTIC_TYPE_REF": tier.ling}
    if tier.parent is not None:
        attributes["PARENT_REF"] = tier.parent.tier_id
    if tier.lang:
        attributes["LANG_REF"] = ids.language(tier.lang)
    element = ET.SubElement(root, "TIER", attributes)
    for record, start, end in sorted(tier.spans, key=lambda s: (s[1], s[2], text(s[0], "uid"))):
        uid = text(record, "uid")
        tier.ann_ids[uid] = ids.annotation()
        alignable = ET.SubElement(
            ET.SubElement(element, "ANNOTATION"),
            "ALIGNABLE_ANNOTATION",
            {"ANNOTATION_ID": tier.ann_ids[uid], "EXT_REF": ids.ext_ref(uid)},
        )
        value = text(record, "note") or text(record, "title")
        ET.SubElement(alignable, "ANNOTATION_VALUE").text = _clean(value)
        slots.append((start, len(slots), alignable, "TIME_SLOT_REF1"))
        slots.append((end, len(slots), alignable, "TIME_SLOT_REF2"))
    if tier.parent is not None:
        parent_ids = tier.parent.ann_ids
        for uid, value in sorted(tier.refs, key=lambda ref: int(parent_ids[ref[0]][1:])):
            ref = ET.SubElement(
                ET.SubElement(element, "ANNOTATION"),
                "REF_ANNOTATION",
                {"ANNOTATION_ID": ids.annotation(), "ANNOTATION_REF": parent_ids[uid]},
            )
            ET.SubElement(ref, "ANNOTATION_VALUE").text = _clean(value)


def _types_and_languages(root: ET.Element, ids: _Ids) -> None:
    """LINGUISTIC_TYPE, LANGUAGE, CONSTRAINT and EXTERNAL_REF, in the schema's order."""
    for ling in _PARENT_TYPES:
        ET.SubElement(
            root,
            "LINGUISTIC_TYPE",
            {"GRAPHIC_REFERENCES": "false", "LINGUISTIC_TYPE_ID": ling, "TIME_ALIGNABLE": "true"},
        )
    for ling in _CHILD_TYPES:
        ET.SubElement(
            root,
            "LINGUISTIC_TYPE",
            {
                "CONSTRAINTS": "Symbolic_Association",
                "GRAPHIC_REFERENCES": "false",
                "LINGUISTIC_TYPE_ID": ling,
                "TIME_ALIGNABLE": "false",
            },
        )
    for code, lang_id in ids.languages.items():
        ET.SubElement(root, "LANGUAGE", {"LANG_ID": lang_id, "LANG_LABEL": _clean(code)})
    for stereotype, description in _CONSTRAINTS.items():
        ET.SubElement(root, "CONSTRAINT", {"DESCRIPTION": description, "STEREOTYPE": stereotype})
    for uid, ref_id in ids.ext_refs.items():
        ET.SubElement(
            root,
            "EXTERNAL_REF",
            {"EXT_REF_ID": ref_id, "TYPE": "resource_url", "VALUE": f"urn:uuid:{_clean(uid)}"},
        )


# --- Reading ------------------------------------------------------------------------------


class _RefusedError(Exception):
    pass


def _parse(path: Path) -> ET.Element:
    """Parse ``path`` after refusing any DTD, so entity tricks never reach the tree parser."""
    data = path.read_bytes()
    refused = ValueError(
        f"'{path}' declares a DOCTYPE or entities. ELAN files never do, and such declarations "
        "can make a reader expand huge or outside content, so it was not read."
    )
    markers = [m.encode(codec) for m in ("<!DOCTYPE", "<!ENTITY") for codec in _CODECS]
    if any(marker in data for marker in markers):
        raise refused
    scanner = expat.ParserCreate()

    def refuse(*_args: object) -> None:
        raise _RefusedError

    scanner.StartDoctypeDeclHandler = refuse
    scanner.EntityDeclHandler = refuse
    try:
        scanner.Parse(data, True)
    except _RefusedError:
        raise refused from None
    except expat.ExpatError as exc:
        raise ValueError(
            f"'{path}' is not a readable ELAN file: its XML is broken at line {exc.lineno}, "
            f"column {exc.offset} ({expat.ErrorString(exc.code)})."
        ) from None
    except LookupError:  # <?xml encoding="..."?> names a codec Python does not know
        raise ValueError(
            f"'{path}' is not a readable ELAN file: its XML declares an unknown encoding."
        ) from None
    try:
        root = ET.fromstring(data)  # noqa: S314 - checked above: no DTD, no entities
    except (ET.ParseError, LookupError) as exc:
        raise ValueError(f"'{path}' is not a readable ELAN file: {exc}.") from None
    if root.tag != "ANNOTATION_DOCUMENT":
        raise ValueError(
            f"'{path}' is XML but not an ELAN file: it starts with <{root.tag}>, "
            "not <ANNOTATION_DOCUMENT>."
        )
    return root


_CODECS = ("utf-8", "utf-16-le", "utf-16-be")


def _attribute(path: Path, element: ET.Element, name: str) -> str:
    value = element.get(name)
    if value is None:
        raise ValueError(f"'{path}' is not a valid ELAN file: a <{element.tag}> has no {name}.")
    return value


@dataclass(slots=True)
class _Found:
    """One annotation being read: its record so far and what its tiers said about it."""

    record: Record
    start: int
    end: int
    tags: list[str] = field(default_factory=list)
    # role -> [(tier id, language, value)] from child tiers, in file order
    texts: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)


def read_eaf(path: Path) -> list[Record]:
    """The annotations in an ELAN file (ours or one made by ELAN) as annotation field dicts.

    Each dict: uid (None when the file does not carry one), kind, start_ms, end_ms, note,
    title, transcript, transcript_lang, translation, translation_lang, tags, region and
    media_sha256 (None in a file we did not write); sorted by time. Anything that is not a
    well-formed ELAN file raises ValueError naming the file; OSError passes through.
    """
    root = _parse(path)
    header = root.find("HEADER")
    props = {
        p.get("NAME", ""): p.text or ""
        for p in (header if header is not None else [])
        if p.tag == "PROPERTY"
    }
    ours = props.get(PROPERTY + "format") == FORMAT
    slots: dict[str, int | None] = {}
    for slot in root.iter("TIME_SLOT"):
        slot_id, raw = _attribute(path, slot, "TIME_SLOT_ID"), slot.get("TIME_VALUE")
        try:
            slots[slot_id] = None if raw is None else int(raw)
        except ValueError:
            raise ValueError(
                f"'{path}' has a time slot whose time is not a number: {raw!r}."
            ) from None
    ext_refs = {e.get("EXT_REF_ID", ""): e.get("VALUE", "") for e in root.iter("EXTERNAL_REF")}
    tiers = root.findall("TIER")
    found: list[_Found] = []
    owner: dict[str, _Found] = {}  # ANNOTATION_ID -> the annotation it belongs to
    by_uid: dict[str, _Found] = {}
    for tier in tiers:
        if tier.get("PARENT_REF"):
            continue
        name, ling = _attribute(path, tier, "TIER_ID"), tier.get("LINGUISTIC_TYPE_REF", "")
        for alignable in tier.iter("ALIGNABLE_ANNOTATION"):
            ann_id = _attribute(path, alignable, "ANNOTATION_ID")
            start, end = (
                _time(path, slots, name, ann_id, _attribute(path, alignable, attribute))
                for attribute in ("TIME_SLOT_REF1", "TIME_SLOT_REF2")
            )
            if end <= start:
                raise ValueError(
                    f"'{path}': annotation {ann_id} on tier '{name}' ends before it starts."
                )
            uid = _uid(alignable.get("EXT_REF", ""), ext_refs)
            item = by_uid.get(uid) if uid else None
            if item is None:
                info = _info(props.get(f"{PROPERTY}annotation:{uid}", "")) if ours else {}
                media = props.get(PROPERTY + "media_sha256") if ours else None
                item = _Found(_record(uid, start, end, _value(alignable), info, media), start, end)
                found.append(item)
                by_uid.update({uid: item} if uid else {})
            owner[ann_id] = item
            if not ours or ling == "tag":
                item.tags.append(name)
            elif ling == "kind" and name in KINDS and item.record["uid"] is None:
                item.record["kind"] = name  # added in ELAN on one of our kind tiers
    _read_children(path, root, tiers, ours, owner)
    found.sort(key=lambda item: (item.start, item.end))
    return [_finish(item) for item in found]


def _time(path: Path, slots: dict[str, int | None], tier: str, ann_id: str, slot: str) -> int:
    if slot not in slots:
        raise ValueError(
            f"'{path}': annotation {ann_id} on tier '{tier}' uses time slot {slot}, "
            "which the file does not define."
        )
    value = slots[slot]
    if value is None:
        raise ValueError(
            f"'{path}': annotation {ann_id} on tier '{tier}' has no time. "
            "Open the file in ELAN, align it, save and try again."
        )
    return value


def _uid(ext_ref: str, ext_refs: dict[str, str]) -> str | None:
    for ref_id in ext_ref.split():
        value = ext_refs.get(ref_id, "")
        if value.startswith("urn:uuid:"):
            return value.removeprefix("urn:uuid:")
    return None


def _info(raw: str) -> dict[str, object]:
    """Our per-annotation property; a damaged one is ignored rather than losing the file."""
    try:
        value = json.loads(raw) if raw else {}
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _value(element: ET.Element) -> str:
    value = element.find("ANNOTATION_VALUE")
    return "" if value is None or value.text is None else value.text


def _record(
    uid: str | None, start: int, end: int, value: str, info: dict[str, object], media: str | None
) -> Record:
    kind, title, span = info.get("kind"), info.get("title"), info.get("span")
    title = title if isinstance(title, str) else ""
    value_is_title = info.get("value") == "title" and value == title
    return {
        "uid": uid,
        "kind": kind if isinstance(kind, str) and kind else "segment",
        "start_ms": start,
        # An end we made up for a moment reads back as none, unless ELAN changed the span.
        "end_ms": None if isinstance(span, int) and end - start == span else end,
        "note": "" if value_is_title else value,
        "title": title,
        "region": info.get("region"),
        "media_sha256": media,
    }


def _read_children(
    path: Path, root: ET.Element, tiers: list[ET.Element], ours: bool, owner: dict[str, _Found]
) -> None:
    """Attach the values of child tiers (transcripts, translations, tag lists) to annotations."""
    known = {a.get("ANNOTATION_ID", "") for a in root.iter("ALIGNABLE_ANNOTATION")}
    refs: dict[str, str] = {}
    for ref in root.iter("REF_ANNOTATION"):
        refs[_attribute(path, ref, "ANNOTATION_ID")] = _attribute(path, ref, "ANNOTATION_REF")
    known |= set(refs)
    # Our LANG_LABEL is the exact code; in ELAN's files it reads "Russian (rus)".
    languages = {
        lang.get("LANG_ID", ""): (ours and lang.get("LANG_LABEL")) or lang.get("LANG_ID") or ""
        for lang in root.iter("LANGUAGE")
    }
    for tier in tiers:
        role = _role(tier, ours) if tier.get("PARENT_REF") else None
        if role is None:
            continue
        name, lang_ref = tier.get("TIER_ID", ""), tier.get("LANG_REF", "")
        for ref in tier.iter("REF_ANNOTATION"):
            target = _root_annotation(path, ref.get("ANNOTATION_ID", ""), refs, known)
            item = owner.get(target)
            if item is not None:
                lang = languages.get(lang_ref, lang_ref)
                item.texts.setdefault(role, []).append((name, lang, _value(ref)))


def _role(tier: ET.Element, ours: bool) -> str | None:
    ling = tier.get("LINGUISTIC_TYPE_REF", "")
    if ours and ling in _CHILD_TYPES:
        return ling
    words = f"{ling} {tier.get('TIER_ID', '')}".casefold()
    if "transl" in words:
        return "translation"
    return "transcript" if "transc" in words else None


def _root_annotation(path: Path, ann_id: str, refs: dict[str, str], known: set[str]) -> str:
    """Follow ANNOTATION_REF up to the time-aligned annotation it ultimately describes."""
    seen: set[str] = set()
    while ann_id in refs:
        if ann_id in seen:
            raise ValueError(f"'{path}': annotation {ann_id} refers to itself in a loop.")
        seen.add(ann_id)
        ann_id = refs[ann_id]
    if ann_id not in known:
        raise ValueError(f"'{path}': an annotation refers to {ann_id}, which does not exist.")
    return ann_id


def _finish(item: _Found) -> Record:
    record = item.record
    tags = list(item.tags)
    for _tier, _lang, value in item.texts.get("tag list", []):
        tags += [tag.strip() for tag in value.split(";") if tag.strip()]
    record["tags"] = sorted(set(tags))
    for role in ROLES:
        entries = item.texts.get(role, [])
        # The first tier that speaks for this annotation wins: our own files repeat a
        # transcript under each of its tag tiers. Within it, words of a subdivision are joined.
        first = entries[0][0] if entries else ""
        values = [value for tier, _lang, value in entries if tier == first and value]
        record[role] = " ".join(values)
        record[f"{role}_lang"] = entries[0][1] if values else ""
    return record
