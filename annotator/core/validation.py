"""Checks and normal forms for what investigators type, shared by services and importers."""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from annotator.core.errors import ValidationError

MAX_TAG_DEPTH = 8
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# Distinct, readable on light and dark backgrounds.
TAG_PALETTE = (
    "#e6194b",
    "#3cb44b",
    "#4363d8",
    "#f58231",
    "#911eb4",
    "#42d4f4",
    "#f032e6",
    "#9a6324",
    "#469990",
    "#800000",
    "#808000",
    "#000075",
    "#bfef45",
    "#dcbeff",
)


def clean_text(value: str, what: str, *, required: bool = False, max_len: int = 100_000) -> str:
    """Normalise to NFC and strip; refuse control characters other than newlines and tabs."""
    text = unicodedata.normalize("NFC", value).strip()
    if required and not text:
        raise ValidationError(f"The {what} cannot be empty.")
    if len(text) > max_len:
        raise ValidationError(
            f"The {what} is too long ({len(text)} characters, at most {max_len})."
        )
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise ValidationError(f"The {what} contains control characters; remove them.")
    return text


def case_name(value: str) -> str:
    name = clean_text(value, "case name", required=True, max_len=200)
    if "\n" in name or "\t" in name:
        raise ValidationError("A case name must fit on one line.")
    return name


def tag_path(value: str) -> str:
    """``" Person / Captive "`` -> ``"Person/Captive"``; empty segments are refused."""
    text = clean_text(value, "tag", required=True, max_len=500)
    parts = [re.sub(r"\s+", " ", part.strip()) for part in text.split("/")]
    if any(not part for part in parts):
        raise ValidationError(
            f"'{text}' is not a tag path. Use names separated by '/', e.g. person/captive."
        )
    if len(parts) > MAX_TAG_DEPTH:
        raise ValidationError(f"'{text}' nests deeper than {MAX_TAG_DEPTH} levels.")
    return "/".join(parts)


def parents_of(path: str) -> list[str]:
    """``a/b/c`` -> ``["a", "a/b"]``."""
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def colour(value: str) -> str:
    if not _COLOUR.match(value.strip()):
        raise ValidationError(f"'{value}' is not a colour. Use #rrggbb, for example #e6194b.")
    return value.strip().lower()


def default_colour(path: str) -> str:
    """A stable colour per top-level tag, so a family of tags reads as one."""
    root = path.split("/")[0].casefold()
    index = int(hashlib.sha256(root.encode("utf-8")).hexdigest(), 16) % len(TAG_PALETTE)
    return TAG_PALETTE[index]


def favourite_slot(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= 9:
        raise ValidationError("Favourite slots are the number keys 1 to 9.")
    return value


def coordinate(value: str, what: str, limit: int) -> str:
    """A latitude/longitude as typed, checked to be a decimal number within +/- limit."""
    text = value.strip()
    if not text:
        return ""
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ValidationError(
            f"The {what} '{text}' is not a decimal number, e.g. 48.0159."
        ) from exc
    if not number.is_finite() or abs(number) > limit:
        raise ValidationError(f"The {what} must be between -{limit} and {limit}.")
    return text


def region(value: dict[str, object] | None) -> str | None:
    """Normalise region geometry to canonical JSON text (normalised 0..1 coordinates).

    ``{"shape": "rect", "x", "y", "w", "h"}`` or ``{"shape": "polygon", "points": [[x, y], ...]}``
    in displayed-frame coordinates. Values are rounded to 6 decimals (a 1/1,000,000 of the
    frame) so the stored text, and with it the audit record, is stable.
    """
    if value is None:
        return None
    shape = value.get("shape")

    def number(v: object, name: str) -> float:
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise ValidationError(f"Region {name} must be a number.")
        if not 0.0 <= float(v) <= 1.0:
            raise ValidationError(f"Region {name} must lie inside the frame (0 to 1).")
        return round(float(v), 6)

    if shape == "rect":
        raw = [value.get(k) for k in "xywh"]
        x, y = number(raw[0], "x"), number(raw[1], "y")
        w, h = number(raw[2], "width"), number(raw[3], "height")
        # A millionth past the edge is float slop from the viewer (clipped below), more is not.
        past = float(raw[0]) + float(raw[2]) - 1, float(raw[1]) + float(raw[3]) - 1  # type: ignore[arg-type]
        if max(past) > 0.000001:
            raise ValidationError("A region rectangle must lie inside the frame.")
        # Rounding may carry the far edge past 1 (x 0.9999996 -> 1.0): clip it back.
        w, h = min(w, round(1.0 - x, 6)), min(h, round(1.0 - y, 6))
        if w <= 0 or h <= 0:
            raise ValidationError("A region rectangle needs a size.")
        clean: dict[str, object] = {"shape": "rect", "x": x, "y": y, "w": w, "h": h}
    elif shape == "polygon":
        points = value.get("points")
        if not isinstance(points, list) or len(points) < 3:
            raise ValidationError("A region polygon needs at least three points.")
        pts = []
        for point in points:
            if not isinstance(point, list | tuple) or len(point) != 2:
                raise ValidationError("Each polygon point is a pair [x, y].")
            pts.append([number(point[0], "x"), number(point[1], "y")])
        clean = {"shape": "polygon", "points": pts}
    else:
        raise ValidationError("A region is a 'rect' or a 'polygon'.")
    return json.dumps(clean, sort_keys=True, separators=(",", ":"))


def redaction_keyframes(value: object, *, image: bool) -> str:
    """Normalise a redaction's keyframes to canonical JSON text, sorted by frame.

    Each keyframe is ``{"frame", "ms", "x", "y", "w", "h"}``: a box in normalised 0..1
    coordinates of the displayed frame, rounded like regions (6 decimals). On an image
    there is exactly one keyframe and its frame and ms are None; on a video every keyframe
    names its frame (0-based) and that frame's time in ms, and no two share a frame.
    """
    if not isinstance(value, list | tuple) or not value:
        raise ValidationError("A redaction needs at least one keyframe (a box on a frame).")
    clean: list[dict[str, object]] = []
    for raw in value:
        if not isinstance(raw, dict):
            raise ValidationError("Each redaction keyframe is an object with frame, x, y, w, h.")
        box = json.loads(region({"shape": "rect", **{k: raw.get(k) for k in "xywh"}}) or "{}")
        frame, ms = raw.get("frame"), raw.get("ms")
        for name, number in (("frame", frame), ("ms", ms)):
            if number is not None and (
                isinstance(number, bool) or not isinstance(number, int) or number < 0
            ):
                raise ValidationError(f"A keyframe's {name} must be a whole number from 0.")
        if image and (frame is not None or ms is not None):
            raise ValidationError("An image has no frames: its redaction has no frame or time.")
        if not image and (frame is None or ms is None):
            raise ValidationError("A keyframe on a video needs its frame number and time.")
        clean.append({"frame": frame, "ms": ms, **{k: box[k] for k in "xywh"}})
    if image and len(clean) != 1:
        raise ValidationError("A redaction on an image has exactly one box.")
    if not image:
        clean.sort(key=lambda k: int(k["frame"]))  # type: ignore[call-overload]
        frames = [k["frame"] for k in clean]
        if len(set(frames)) != len(frames):
            raise ValidationError("Two keyframes of one redaction are on the same frame.")
    return json.dumps(clean, sort_keys=True, separators=(",", ":"))
