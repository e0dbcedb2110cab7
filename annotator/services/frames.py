"""Single frames as evidence: the exact frame as a full-resolution PNG with a JSON sidecar.

Used headless by ``annotator frame`` (no case) and by the player's snapshot (with the
case, the actor and an audit event). The sidecar says which file (SHA-256), which frame
(index and exact time) and when: enough to reproduce the picture from the original.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from annotator.core.audit_chain import format_at
from annotator.core.errors import MediaError, ValidationError
from annotator.core.files import atomic_write_bytes
from annotator.core.timecode import format_ms
from annotator.media.hashing import sha256_file
from annotator.media.video import DecodedFrame, FrameLost, VideoSource


@dataclass(frozen=True, slots=True)
class FrameFile:
    out: Path
    sidecar: Path
    record: dict[str, object]


def png_bytes(rgb: np.ndarray) -> bytes:
    import cv2

    ok, data = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError("the frame could not be encoded as PNG")
    return bytes(data)


def read_frame(path: Path, *, frame: int | None = None, at_ms: int | None = None) -> DecodedFrame:
    """One exact frame of the video at ``path``: by number, or the one on screen at a time."""
    if (frame is None) == (at_ms is None):
        raise ValidationError("Give either a frame number or a time, not both.")
    try:
        source = VideoSource(path, cache_bytes=0)
    except FileNotFoundError as exc:
        raise MediaError("not_found", f"{path} does not exist.") from exc
    except (ValueError, OSError) as exc:
        raise MediaError(
            "decode_error", f"{path.name} is not a video that can be read: {exc}"
        ) from exc
    with source:
        count = source.index.frame_count
        if frame is not None and not 0 <= frame < count:
            raise ValidationError(
                f"{path.name} has frames 0 to {count - 1}; {frame} is not one of them."
            )
        if at_ms is not None and at_ms > source.index.duration_ms:
            raise ValidationError(
                f"{path.name} lasts {format_ms(source.index.duration_ms)}; "
                f"{format_ms(at_ms)} is past its end."
            )
        number = frame if frame is not None else source.index.frame_at_ms(at_ms or 0)
        try:
            return source.read_exact(number)
        except FrameLost as exc:
            raise MediaError("decode_error", f"{exc}.") from exc


def write_frame(
    media_path: Path,
    decoded: DecodedFrame,
    out: Path,
    *,
    sha256: str | None = None,
    extra: dict[str, object] | None = None,
) -> FrameFile:
    """Write the PNG and its ``.json`` sidecar, each atomically (temporary name, rename)."""
    if out.suffix.lower() != ".png":
        raise ValidationError(f"{out.name}: frames are saved as PNG; end the name with .png.")
    digest = sha256 or sha256_file(media_path)[0]
    record: dict[str, object] = {
        "frame": decoded.number,
        "pts_ms": decoded.ms,
        "timecode": format_ms(decoded.ms),
        "sha256": digest,
        "media_file": media_path.name,
        "width": int(decoded.rgb.shape[1]),
        "height": int(decoded.rgb.shape[0]),
        "taken_at": format_at(datetime.now(UTC)),
        **(extra or {}),
    }
    atomic_write_bytes(out, png_bytes(decoded.rgb))
    record["png_sha256"] = sha256_file(out)[0]
    record["out"] = str(out)
    sidecar = out.with_name(out.name + ".json")
    atomic_write_bytes(sidecar, json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8"))
    return FrameFile(out, sidecar, record)
