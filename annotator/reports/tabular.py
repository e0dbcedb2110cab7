"""The JSON and CSV exports (CLI.md).

The JSON is the whole export document; the CSV is one row per annotation for spreadsheets.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from annotator.core.entities import ANNOTATION_TEXT_FIELDS, PLACE_FIELDS
from annotator.core.files import atomic_write_bytes
from annotator.core.timecode import format_ms

CSV_COLUMNS = (
    "uid",
    "media_file",
    "media_sha256",
    "kind",
    "start_timecode",
    "end_timecode",
    "start_ms",
    "end_ms",
    "start_frame",
    "end_frame",
    "region",
    *ANNOTATION_TEXT_FIELDS,
    "confidence",
    "tags",
    "claims",
    *PLACE_FIELDS,
    "author",
    "created_at",
    "updated_at",
)
# A cell starting with one of these is run as a formula by spreadsheet programs: a note
# reading "=HYPERLINK(...)" must stay text (OWASP's advice: a leading apostrophe).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def json_bytes(document: dict[str, object]) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode()


def write_json(document: dict[str, object], out: Path) -> Path:
    atomic_write_bytes(out, json_bytes(document))
    return out


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_rows(document: dict[str, object]) -> list[list[str]]:
    media = {m["uid"]: m for m in _list(document, "media")}
    statements = {c["uid"]: c["statement"] for c in _list(document, "claims")}
    rows = [list(CSV_COLUMNS)]
    for a in _list(document, "annotations"):
        item = media.get(a["media_uid"], {})
        place = a.get("location") if isinstance(a.get("location"), dict) else {}
        assert isinstance(place, dict)
        links = a.get("claims") if isinstance(a.get("claims"), list) else []
        assert isinstance(links, list)
        tags = a.get("tags") if isinstance(a.get("tags"), list) else []
        assert isinstance(tags, list)
        values: dict[str, object] = {
            **{k: a.get(k) for k in CSV_COLUMNS if k in a},
            **{k: place.get(k) for k in CSV_COLUMNS if k in place},
            "media_file": item.get("file_name", ""),
            "start_timecode": _timecode(a.get("start_ms")),
            "end_timecode": _timecode(a.get("end_ms")),
            "tags": "; ".join(str(t) for t in tags),
            "claims": "; ".join(
                f"{link['relation']}: {statements.get(link['claim_uid'], '?')} "
                f"[{link['claim_uid']}]"
                for link in links
            ),
        }
        rows.append([_cell(values.get(column)) for column in CSV_COLUMNS])
    return rows


def write_csv(document: dict[str, object], out: Path) -> Path:
    """UTF-8 with a byte-order mark, so spreadsheet programs show Cyrillic and Chinese."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(csv_rows(document))
    atomic_write_bytes(out, buffer.getvalue().encode("utf-8-sig"))
    return out


def _timecode(ms: object) -> str:
    return format_ms(ms) if isinstance(ms, int) else ""


def _list(document: dict[str, object], key: str) -> list[dict[str, object]]:
    value = document.get(key)
    return value if isinstance(value, list) else []
