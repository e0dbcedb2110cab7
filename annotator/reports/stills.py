"""Stills: the exact frame of an annotation, upright, with its region drawn.

A report shows each annotation as a picture of the frame it marks (DESIGN.md: JPEGs at most
960 px wide in HTML/PDF reports, full-resolution PNGs in the ``stills`` export). A segment
is represented by its first frame, an image by itself (EXIF orientation applied). Regions
are normalised to the displayed frame, so they are drawn after the picture is upright.

With ``redactions`` (the export document's redaction records of that media), each still is
redacted before its region is drawn: what a published report shows is what the redaction
preview showed (``annotator.media.redaction``).

Failures raise :class:`MediaError` naming the file; callers show a placeholder instead.
"""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from annotator.core.errors import MediaError
from annotator.core.files import atomic_write_bytes
from annotator.media.images import PILLOW_FAILURES
from annotator.media.video import (
    FrameIndex,
    FrameLost,
    VideoSource,
    build_frame_index,
    video_stream,
)

JPEG_QUALITY = 85
MAX_PIXELS = 250_000_000  # the default image limit of the settings (DESIGN.md)
# Amber with a near-black halo: visible on bright, dark and busy pictures alike.
REGION_RGB = (255, 200, 0)
HALO_RGB = (10, 10, 10)

Redactions = Sequence[Mapping[str, object]] | None


def still_jpeg(
    media_path: Path,
    media: Mapping[str, object],
    annotation: Mapping[str, object],
    *,
    max_width: int = 960,
    max_pixels: int = MAX_PIXELS,
    redactions: Redactions = None,
) -> bytes:
    """A JPEG of the annotation's frame, region drawn, at most ``max_width`` pixels wide.

    ``media`` and ``annotation`` are records of the export document; ``redactions`` the
    document's redaction records of that media, applied before the region is drawn.
    Raises MediaError for audio (no picture) and for files that are missing or cannot be
    decoded.
    """
    frame, rgb = _picture(media_path, media, annotation, max_width=max_width, max_pixels=max_pixels)
    return encode_jpeg(_finish(rgb, annotation, max_width, redactions, frame))


def write_still_png(
    media_path: Path,
    media: Mapping[str, object],
    annotation: Mapping[str, object],
    out: Path,
    *,
    max_pixels: int = MAX_PIXELS,
    redactions: Redactions = None,
) -> Path:
    """Write the annotation's frame at full resolution as PNG (redacted, region drawn)."""
    frame, rgb = _picture(media_path, media, annotation, max_pixels=max_pixels)
    atomic_write_bytes(out, encode_png(_finish(rgb, annotation, None, redactions, frame)))
    return out


def stills_in_order(
    media_path: Path,
    media: Mapping[str, object],
    annotations: Sequence[Mapping[str, object]],
    *,
    max_width: int | None = 960,
    max_pixels: int = MAX_PIXELS,
    redactions: Redactions = None,
) -> Iterator[tuple[Mapping[str, object], np.ndarray | MediaError]]:
    """The picture of each annotation of one media, redacted, region drawn, as RGB (or why not).

    A video is opened once and its frames are decoded in time order: a report with 100
    annotations on one video makes one pass through it, not 100 seeks. ``max_width`` None
    keeps full resolution. The pictures come in frame order, not in the given order.
    ``redactions``: the export document's redaction records of this media.
    """
    kind = str(media.get("kind", ""))
    if kind != "video" or not media_path.exists():
        for annotation in annotations:
            try:
                frame, rgb = _picture(
                    media_path, media, annotation, max_width=max_width, max_pixels=max_pixels
                )
            except MediaError as exc:
                yield annotation, exc
                continue
            yield annotation, _finish(rgb, annotation, max_width, redactions, frame)
        return
    name = str(media.get("file_name") or media_path.name)
    try:
        source = VideoSource(media_path, index=_cached_index(media_path), cache_bytes=0)
    except (OSError, ValueError, EOFError) as exc:
        error = _decode_failure(media_path, name, exc)
        for annotation in annotations:
            yield annotation, error
        return
    with source:
        last: tuple[tuple[int, int], tuple[int, np.ndarray]] | None = None
        for annotation in sorted(annotations, key=_time_order):
            key = _time_order(annotation)
            try:
                if last is not None and last[0] == key:
                    number, rgb = last[1]  # two annotations on one frame: decoded once
                else:
                    number, rgb = _read(source, name, annotation)
                    last = (key, (number, rgb))
            except MediaError as exc:
                yield annotation, exc
                continue
            except (EOFError, IndexError, ValueError, OSError) as exc:
                yield annotation, _decode_failure(media_path, name, exc)
                continue
            yield annotation, _finish(rgb, annotation, max_width, redactions, number)


def _time_order(annotation: Mapping[str, object]) -> tuple[int, int]:
    frame, ms = annotation.get("start_frame"), annotation.get("start_ms")
    return (frame if isinstance(frame, int) else -1, ms if isinstance(ms, int) else -1)


def _finish(
    rgb: np.ndarray,
    annotation: Mapping[str, object],
    max_width: int | None,
    redactions: Redactions = None,
    frame: int | None = None,
) -> np.ndarray:
    """Scale, redact (at the final size: pixels outside the boxes stay exact), draw the region."""
    if max_width:
        rgb = scale_to_width(rgb, max_width)
    if redactions:
        from annotator.media.redaction import redact_frame

        rgb = redact_frame(rgb, redactions, frame)
    region = annotation.get("region")
    return draw_region(rgb, region) if isinstance(region, Mapping) else rgb


def _decode_failure(path: Path, name: str, exc: BaseException) -> MediaError:
    if isinstance(exc, PermissionError):
        return MediaError("permission_denied", f"No permission to read {path}.")
    if isinstance(exc, FileNotFoundError):
        return MediaError("not_found", f"{name} is not at {path}.")
    return MediaError("decode_error", f"{name}: the frame could not be decoded ({exc}).")


def frame_rgb(
    media_path: Path,
    media: Mapping[str, object],
    annotation: Mapping[str, object],
    *,
    max_width: int | None = None,
    max_pixels: int = MAX_PIXELS,
) -> np.ndarray:
    """The upright RGB picture an annotation marks (H x W x 3 uint8), without its region.

    With ``max_width``, a JPEG photo may be decoded at a reduced size (never narrower).
    """
    return _picture(media_path, media, annotation, max_width=max_width, max_pixels=max_pixels)[1]


def _picture(
    media_path: Path,
    media: Mapping[str, object],
    annotation: Mapping[str, object],
    *,
    max_width: int | None = None,
    max_pixels: int = MAX_PIXELS,
) -> tuple[int | None, np.ndarray]:
    """(frame number or None for an image, upright RGB) of what the annotation marks."""
    kind = str(media.get("kind", ""))
    name = str(media.get("file_name") or media_path.name)
    if kind == "audio":
        raise MediaError("no_picture", f"{name} is audio: it has no picture to show.")
    if not media_path.exists():
        raise MediaError(
            "not_found",
            f"{name} is not at {media_path}. Relink the media to its current folder.",
        )
    if kind == "image":
        return None, _image_rgb(media_path, name, max_width, max_pixels)
    if kind == "video":
        return _video_rgb(media_path, name, annotation)
    raise MediaError("unsupported_format", f"{name}: unknown media kind '{kind}'.")


def _video_rgb(path: Path, name: str, annotation: Mapping[str, object]) -> tuple[int, np.ndarray]:
    try:
        with VideoSource(path, index=_cached_index(path), cache_bytes=0) as source:
            return _read(source, name, annotation)
    except MediaError:
        raise
    except (EOFError, IndexError, ValueError, OSError) as exc:
        raise _decode_failure(path, name, exc) from exc


def _read(
    source: VideoSource, name: str, annotation: Mapping[str, object]
) -> tuple[int, np.ndarray]:
    """(frame number, upright RGB) of the annotation's frame."""
    frame = annotation.get("start_frame")
    at_ms = annotation.get("start_ms")
    if isinstance(frame, int) and not isinstance(frame, bool):
        if not 0 <= frame < source.index.frame_count:
            raise MediaError(
                "decode_error",
                f"{name} has frames 0 to {source.index.frame_count - 1}; frame "
                f"{frame} is not one of them. Verify the case: the file may have changed.",
            )
    elif isinstance(at_ms, int) and not isinstance(at_ms, bool):
        frame = source.index.frame_at_ms(at_ms)
    else:
        raise MediaError(
            "decode_error", f"The annotation on {name} has neither a frame nor a time."
        )
    try:
        decoded = source.read_exact(frame)
    except FrameLost as exc:
        # Never a neighbouring frame under this frame's label: say why there is no still.
        raise MediaError("decode_error", f"{exc}. Check the file against the original.") from exc
    return decoded.number, decoded.rgb


# The frame index of recently used videos: a report reads many frames of one video and
# demuxing the whole file for each would cost more than decoding the frame.
_INDEX_CACHE: OrderedDict[tuple[str, int, int], FrameIndex] = OrderedDict()
_INDEX_LOCK = threading.Lock()
_INDEX_CACHE_SIZE = 8


def _cached_index(path: Path) -> FrameIndex:
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    with _INDEX_LOCK:
        index = _INDEX_CACHE.get(key)
        if index is not None:
            _INDEX_CACHE.move_to_end(key)
            return index
    import av

    with av.open(str(path), mode="r") as container:
        stream = video_stream(container)
        if stream is None:
            raise ValueError(f"{path.name} has no video stream")
        index = build_frame_index(container, stream)
    with _INDEX_LOCK:
        _INDEX_CACHE[key] = index
        while len(_INDEX_CACHE) > _INDEX_CACHE_SIZE:
            _INDEX_CACHE.popitem(last=False)
    return index


def _image_rgb(path: Path, name: str, max_width: int | None, max_pixels: int) -> np.ndarray:
    """An image upright (EXIF orientation applied), Pillow's pixel guard set to our limit."""
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
        with image:
            width, height = image.size
            if width * height > max_pixels:
                raise MediaError(
                    "too_large",
                    f"{name} has {width * height / 1e6:.0f} megapixels, more than the "
                    f"{max_pixels / 1e6:.0f}-megapixel limit. Raise the limit in the settings "
                    "if you trust the file.",
                )
            upright: Any = _reduced_upright(image, max_width) if max_width else None
            if upright is None:
                upright = ImageOps.exif_transpose(image)
            rgb = np.asarray(upright.convert("RGB"))
    except MediaError:
        raise
    except PermissionError as exc:
        raise MediaError("permission_denied", f"No permission to read {path}.") from exc
    except FileNotFoundError as exc:
        raise MediaError("not_found", f"{name} is not at {path}.") from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaError(
            "too_large", f"{name} is larger than the {max_pixels / 1e6:.0f}-megapixel limit."
        ) from exc
    except PILLOW_FAILURES as exc:
        raise MediaError("decode_error", f"{name} is not a readable image ({exc}).") from exc
    return np.ascontiguousarray(rgb)


def _reduced_upright(image: Any, max_width: int) -> Any | None:
    """The picture upright and shrunk before any full-size copy, or None if not smaller.

    A JPEG decodes at 1/2..1/8 size (draft); any other picture is then shrunk in its own
    mode, at least twice the still's width, so that a 240-megapixel grey PNG does not
    become a 720 MB RGB copy on its way to a 960-pixel still.
    """
    from annotator.media.images import exif_orientation, shrink_natively, upright_image

    width, height = image.size
    orientation = exif_orientation(image)
    shown_width = height if orientation in (5, 6, 7, 8) else width
    if shown_width <= max_width:
        return None
    scale = max_width / shown_width
    image.draft("RGB", (int(width * scale) + 1, int(height * scale) + 1))
    width, height = image.size
    shown_width = height if orientation in (5, 6, 7, 8) else width
    small = shrink_natively(image, shown_width // (2 * max_width))
    return upright_image(small, orientation)


def scale_to_width(rgb: np.ndarray, max_width: int) -> np.ndarray:
    """Shrink (never enlarge) to at most ``max_width`` pixels wide, keeping the aspect."""
    import cv2

    height, width = rgb.shape[:2]
    if width <= max_width:
        return rgb
    new_height = max(1, round(height * max_width / width))
    return np.asarray(cv2.resize(rgb, (max_width, new_height), interpolation=cv2.INTER_AREA))


def region_points(region: Mapping[str, object], width: int, height: int) -> np.ndarray | None:
    """The region's outline in pixels (N x 2 int32), or None when it is not a valid shape."""
    try:
        if region.get("shape") == "rect":
            x, y = float(region["x"]), float(region["y"])  # type: ignore[arg-type]
            w, h = float(region["w"]), float(region["h"])  # type: ignore[arg-type]
            corners = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
        elif region.get("shape") == "polygon":
            points = region.get("points")
            if not isinstance(points, list) or len(points) < 3:
                return None
            corners = [(float(p[0]), float(p[1])) for p in points]
        else:
            return None
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    pixels = [
        (
            min(width - 1, max(0, round(px * width))),
            min(height - 1, max(0, round(py * height))),
        )
        for px, py in corners
    ]
    return np.asarray(pixels, dtype=np.int32)


def line_width(width: int, height: int) -> int:
    """Outline thickness in pixels: visible on a thumbnail and on a 4K frame alike."""
    return max(2, round(max(width, height) / 240))


def draw_region(rgb: np.ndarray, region: Mapping[str, object]) -> np.ndarray:
    """A copy of ``rgb`` with the region outlined in amber over a dark halo."""
    import cv2

    height, width = rgb.shape[:2]
    points = region_points(region, width, height)
    if points is None:
        return rgb
    out = np.ascontiguousarray(rgb.copy())
    thickness = line_width(width, height)
    halo = thickness + max(4, thickness)  # at least 2 px of dark edge on either side
    contour = [points.reshape(-1, 1, 2)]
    cv2.polylines(out, contour, True, HALO_RGB, halo, cv2.LINE_8)
    cv2.polylines(out, contour, True, REGION_RGB, thickness, cv2.LINE_8)
    return out


def encode_jpeg(rgb: np.ndarray, quality: int = JPEG_QUALITY) -> bytes:
    import cv2

    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("the still could not be encoded as JPEG")
    return bytes(data)


def encode_png(rgb: np.ndarray) -> bytes:
    import cv2

    ok, data = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError("the still could not be encoded as PNG")
    return bytes(data)
