"""Images: orientation-correct size, EXIF, and a reduced decode for thumbnails.

Pillow's decompression-bomb guard stays on, set to our own pixel limit (a setting), and
a header that declares more pixels than that is refused before anything is decoded.
"""

from __future__ import annotations

import struct
import warnings
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from annotator.core.errors import MediaError

THUMB_EDGE = 320
# What Pillow's format plugins raise on damaged files besides OSError: ValueError and
# SyntaxError for bad headers, EOFError for a short read, TypeError and struct.error for
# TIFF tags of the wrong type or size (fuzzing found "Missing dimensions" and an
# IFDRational where an integer belongs), IndexError/KeyError for tables that refer past
# their ends, ZeroDivisionError for zero-sized strips and tiles.
PILLOW_FAILURES: tuple[type[Exception], ...] = (
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    TypeError,
    struct.error,
    IndexError,
    KeyError,
    ZeroDivisionError,
)
_ORIENTATION_TAG = 0x0112
_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_DATETIME_ORIGINAL = 36867
_DATETIME = 306
_MAKE, _MODEL = 271, 272
# EXIF orientation -> clockwise rotation needed for display (mirrored ones keep their turn).
_ROTATION = {1: 0, 2: 0, 3: 180, 4: 180, 5: 90, 6: 90, 7: 270, 8: 270}


def exif_orientation(image: Any) -> int:
    """The picture's EXIF orientation, 1 (as stored) when absent, unknown or unreadable."""
    try:
        orientation = int(image.getexif().get(_ORIENTATION_TAG, 1) or 1)
    except Exception:  # a broken EXIF block must not cost the picture
        return 1
    return orientation if orientation in _ROTATION else 1


def upright_image(image: Any, orientation: int) -> Any:
    """Apply an EXIF orientation (the same mapping as Pillow's exif_transpose)."""
    if orientation not in _ROTATION or orientation == 1:
        return image
    return _upright(image, orientation)


def _upright(image: Any, orientation: int) -> Any:
    """Apply an EXIF orientation 2..8 (the same mapping as Pillow's exif_transpose)."""
    from PIL import Image

    t = Image.Transpose
    method = {
        2: t.FLIP_LEFT_RIGHT,
        3: t.ROTATE_180,
        4: t.FLIP_TOP_BOTTOM,
        5: t.TRANSPOSE,
        6: t.ROTATE_270,
        7: t.TRANSVERSE,
        8: t.ROTATE_90,
    }[orientation]
    return image.transpose(method)


@dataclass(frozen=True, slots=True)
class ImageProbe:
    format: str
    width: int  # as displayed (EXIF orientation applied)
    height: int
    rotation: int
    frames: int
    captured_at: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    preview: np.ndarray | None = None  # upright RGB, longest edge about THUMB_EDGE


def _text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).strip("\x00 ").strip()


def _json_safe(value: object) -> object:
    """EXIF values as JSON: rationals as "num/den" text (no floats), bytes as text."""
    if isinstance(value, tuple | list):
        return [_json_safe(v) for v in value]
    if isinstance(value, int | str):
        return value
    if hasattr(value, "numerator") and hasattr(value, "denominator"):
        frac = Fraction(int(value.numerator), int(value.denominator or 1))
        return f"{frac.numerator}/{frac.denominator}"
    return _text(value)


def _gps_decimal(dms: Any, ref: str) -> str:
    """EXIF degrees/minutes/seconds rationals -> decimal degrees text (6 places, ~0.1 m)."""
    d, m, s = (Fraction(int(v.numerator), int(v.denominator or 1)) for v in dms)
    value = d + m / 60 + s / 3600
    if ref.upper() in ("S", "W"):
        value = -value
    return f"{float(value):.6f}"


def _exif(image: Any) -> tuple[dict[str, Any], str, int]:
    from PIL import ExifTags

    exif = image.getexif()
    orientation = int(exif.get(_ORIENTATION_TAG, 1) or 1)
    out: dict[str, Any] = {}
    for tag, value in exif.items():
        if tag in (_EXIF_IFD, _GPS_IFD):
            continue
        out[ExifTags.TAGS.get(tag, str(tag))] = _json_safe(value)
    sub = exif.get_ifd(_EXIF_IFD)
    for tag, value in sub.items():
        if tag == 37500:  # MakerNote: opaque vendor bytes
            continue
        out[ExifTags.TAGS.get(tag, str(tag))] = _json_safe(value)
    captured = _text(sub.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME) or "")
    gps = exif.get_ifd(_GPS_IFD)
    if gps:
        out["GPSInfo"] = {ExifTags.GPSTAGS.get(k, str(k)): _json_safe(v) for k, v in gps.items()}
        try:
            out["gps_latitude"] = _gps_decimal(gps[2], _text(gps.get(1, "N")))
            out["gps_longitude"] = _gps_decimal(gps[4], _text(gps.get(3, "E")))
        except (KeyError, TypeError, ValueError, ZeroDivisionError):
            pass  # incomplete GPS: the raw tags are kept above
    if make := exif.get(_MAKE):
        out["camera_make"] = _text(make)
    if model := exif.get(_MODEL):
        out["camera_model"] = _text(model)
    return out, captured, orientation if orientation in _ROTATION else 1


def probe_image(path: Path, max_pixels: int) -> ImageProbe:
    """Header, EXIF and a reduced upright preview. Raises MediaError with a reason."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
    except FileNotFoundError as exc:
        raise MediaError("not_found", f"{path} no longer exists.") from exc
    except PermissionError as exc:
        raise MediaError("permission_denied", f"No permission to read {path}.") from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_large(path, max_pixels) from exc
    except PILLOW_FAILURES as exc:  # UnidentifiedImageError is an OSError
        raise MediaError("decode_error", f"{path.name} is not a readable image ({exc}).") from exc
    with image:
        width, height = image.size
        if width * height > max_pixels:
            raise _too_large(path, max_pixels, width, height)
        try:
            metadata, captured, orientation = _exif(image)
        except Exception:
            metadata, captured, orientation = {"exif_error": "unreadable EXIF"}, "", 1
        fmt = (image.format or "").lower()
        try:
            frames = int(getattr(image, "n_frames", 1) or 1)  # TIFF/GIF: reads every frame header
            image.draft("RGB", (THUMB_EDGE, THUMB_EDGE))  # JPEG: decode at 1/2..1/8 size
            image.load()
            small = shrink_natively(image, max(width, height) // (2 * THUMB_EDGE))
            preview = small if small.mode == "RGB" else small.convert("RGB")
            preview.thumbnail((THUMB_EDGE, THUMB_EDGE), reducing_gap=2.0)
            if orientation != 1:
                preview = _upright(preview, orientation)
        except Image.DecompressionBombError as exc:  # a later frame larger than the limit
            raise _too_large(path, max_pixels) from exc
        except PILLOW_FAILURES as exc:
            if "truncated" in str(exc) or isinstance(exc, EOFError):
                raise MediaError(
                    "truncated",
                    f"{path.name} is cut short (truncated): {exc}. "
                    "Download or copy it again from the source.",
                ) from exc
            raise MediaError("decode_error", f"{path.name} could not be decoded ({exc}).") from exc
    rotation = _ROTATION[orientation]
    if rotation in (90, 270):
        width, height = height, width
    metadata["orientation"] = orientation
    return ImageProbe(
        format=fmt,
        width=width,
        height=height,
        rotation=rotation,
        frames=frames,
        captured_at=captured,
        metadata=metadata,
        preview=np.asarray(preview),
    )


# Modes Pillow's box reduction averages correctly (palette indices must not be averaged).
_REDUCIBLE = frozenset({"L", "LA", "RGB", "RGBA", "I", "F", "CMYK", "YCbCr"})


def shrink_natively(image: Any, factor: int) -> Any:
    """The decoded ``image`` made ``factor`` times smaller in its own mode (or itself).

    Converting first would copy the full picture: a 1-bit PNG of 240 megapixels is a
    file of a few kilobytes that Pillow holds in 240 MB, and its RGB copy took 720 MB
    more before it was shrunk, in each pool worker at once. Shrunk in its own mode the
    copy is small. Bilevel pictures are averaged as grey; palette pictures are sampled.
    (The decoded picture itself is the price of the pixel limit, a setting.)
    """
    if factor <= 1:
        return image
    from PIL import Image

    if image.mode == "1":  # averaged as grey, a band at a time: no full-size grey copy
        width, height = image.size
        step = factor * 64
        out = Image.new("L", (-(-width // factor), -(-height // factor)))
        for top in range(0, height, step):
            band = image.crop((0, top, width, min(height, top + step)))
            out.paste(band.convert("L").reduce(factor), (0, top // factor))
        return out
    if image.mode in _REDUCIBLE:
        return image.reduce(factor)
    if image.mode in ("P", "PA"):
        width, height = image.size
        size = (max(1, width // factor), max(1, height // factor))
        return image.resize(size, Image.Resampling.NEAREST)
    return image


def _too_large(path: Path, limit: int, width: int = 0, height: int = 0) -> MediaError:
    size = f" ({width} x {height} = {width * height / 1e6:.0f} megapixels)" if width else ""
    return MediaError(
        "too_large",
        f"{path.name} is larger than the {limit / 1e6:.0f}-megapixel limit{size}. "
        "Raise the limit in the settings if you trust the file.",
    )
