"""Technical metadata of audio and video files (PyAV): what the investigator sees and cites."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from annotator.core.entities import MediaKind
from annotator.core.errors import MediaError
from annotator.core.timecode import pts_to_ms
from annotator.media.video import (
    FrameIndex,
    NoFramesError,
    VideoSource,
    build_frame_index,
    fps_text,
    video_stream,
)

# Audio-only containers keep their own name; everything else with a picture is video.
_CREATION_TAGS = ("creation_time", "com.apple.quicktime.creationdate", "date")


@dataclass(frozen=True, slots=True)
class AVProbe:
    kind: MediaKind
    container: str
    video_codec: str = ""
    audio_codec: str = ""
    width: int | None = None  # as displayed (rotation applied)
    height: int | None = None
    rotation: int = 0  # clockwise degrees applied for display
    duration_ms: int | None = None
    frame_count: int | None = None
    avg_fps: str = ""
    is_vfr: bool = False
    start_pts_ms: int = 0
    captured_at: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    index: FrameIndex | None = None
    poster: np.ndarray | None = None  # upright RGB of a non-black frame a little in


def _av_error(path: Path, exc: Exception) -> MediaError:
    text = str(exc)
    if "moov atom not found" in text or "End of file" in text or isinstance(exc, EOFError):
        return MediaError(
            "truncated",
            f"{path.name} is cut short (truncated): {text}. "
            "Download or copy it again from the source.",
        )
    return MediaError("decode_error", f"{path.name} could not be read as audio or video: {text}.")


def probe_av(path: Path, *, structure_whole: bool = False) -> AVProbe:
    """Open, demux every frame's timestamp, read tags, decode a poster frame.

    A header that lists more frames than the file holds usually means the file was cut
    short; with ``structure_whole`` (the container's own structure proved complete) it is
    a header that lies instead: the demuxed frames are the truth, and the claim is kept
    in the metadata as ``declared_frames``.

    The poster frame is decoded here, on the already open file, because its display
    matrix is also where PyAV reports the rotation. Raises MediaError with a reason.
    """
    import av

    try:
        container = av.open(str(path), mode="r", metadata_errors="replace")
    except FileNotFoundError as exc:
        raise MediaError("not_found", f"{path} no longer exists.") from exc
    except PermissionError as exc:
        raise MediaError("permission_denied", f"No permission to read {path}.") from exc
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise _av_error(path, exc) from exc
    try:
        return _probe_open(path, container, structure_whole)
    except (av.error.FFmpegError, EOFError, UnicodeDecodeError) as exc:
        raise _av_error(path, exc) from exc
    finally:
        container.close()


def _probe_open(path: Path, container: Any, structure_whole: bool) -> AVProbe:
    metadata: dict[str, Any] = {
        "format": container.format.name,
        "format_long_name": container.format.long_name,
        "tags": dict(container.metadata),
        "streams": [],
    }
    audio = container.streams.audio[0] if container.streams.audio else None
    video = video_stream(container)
    for stream in container.streams:
        codec = stream.codec_context
        metadata["streams"].append(
            {
                "index": stream.index,
                "type": stream.type,
                "codec": codec.name if codec else "",
                "tags": dict(stream.metadata),
                "language": stream.language or "",
            }
        )
    captured = next(
        (container.metadata[k] for k in _CREATION_TAGS if container.metadata.get(k)), ""
    )
    container_name = container.format.name.split(",")[0]
    if video is not None:
        declared_frames = int(video.frames or 0)
        try:
            index = build_frame_index(container, video)
        except NoFramesError as exc:
            raise MediaError(
                "decode_error", f"{path.name} is damaged: its video stream has no frames."
            ) from exc
        if declared_frames and declared_frames != index.frame_count:
            metadata["declared_frames"] = declared_frames
        if (
            declared_frames
            and index.frame_count < declared_frames * 0.98 - 1
            and not structure_whole
        ):
            raise MediaError(
                "truncated",
                f"{path.name} is cut short: its header lists {declared_frames} frames but only "
                f"{index.frame_count} are in the file. Download or copy it again from the source.",
            )
        source = VideoSource(path, index=index, container=container, cache_bytes=0)
        try:
            poster = source.poster()
        except (EOFError, IndexError) as exc:
            raise MediaError(
                "decode_error", f"No picture could be decoded from {path.name}: {exc}."
            ) from exc
        finally:
            source.release()
        height, width = poster.rgb.shape[:2]
        rotation = source.rotation
        rate = video.average_rate
        avg = Fraction(rate.numerator, rate.denominator) if rate else index.avg_fps
        if index.is_vfr or avg is None:
            avg = index.avg_fps
        return AVProbe(
            kind=MediaKind.VIDEO,
            container=container_name,
            video_codec=_codec_name(video),
            audio_codec=_codec_name(audio) if audio else "",
            width=width,
            height=height,
            rotation=rotation,
            duration_ms=index.duration_ms,
            frame_count=index.frame_count,
            avg_fps=fps_text(avg),
            is_vfr=index.is_vfr,
            start_pts_ms=pts_to_ms(index.start_pts, index.time_base),
            captured_at=str(captured),
            metadata=metadata,
            index=index,
            poster=poster.rgb,
        )
    if audio is None and not container.streams:
        # The signature promised audio or video, and not even a stream header was found.
        raise MediaError(
            "decode_error",
            f"{path.name} is damaged: no stream could be read from its "
            f"{container_name.upper()} headers.",
        )
    if audio is None:
        raise MediaError(
            "unsupported_format", f"{path.name} holds neither video nor audio that can be played."
        )
    if audio.codec_context is None:
        # A damaged or unknown codec tag: FFmpeg has no decoder to offer for the stream.
        raise MediaError(
            "unsupported_format",
            f"{path.name} holds audio in a coding that cannot be played (no decoder for it).",
        )
    return AVProbe(
        kind=MediaKind.AUDIO,
        container=container_name,
        audio_codec=_codec_name(audio),
        duration_ms=_audio_duration_ms(container, audio),
        captured_at=str(captured),
        metadata=metadata,
    )


def _codec_name(stream: Any) -> str:
    """The stream's codec, or "" when FFmpeg knows no decoder for its (damaged) tag."""
    codec = stream.codec_context
    return str(codec.codec.canonical_name) if codec is not None else ""


def _audio_duration_ms(container: Any, stream: Any) -> int:
    """Duration from the last packet's end (exact), else the header's figure."""
    end = None
    start = None
    for packet in container.demux(stream):
        if packet.pts is None:
            continue
        start = packet.pts if start is None else min(start, packet.pts)
        stop = packet.pts + int(packet.duration or 0)
        end = stop if end is None else max(end, stop)
    tb = Fraction(stream.time_base.numerator, stream.time_base.denominator)
    if end is not None and start is not None and end > start:
        return pts_to_ms(end, tb, start)
    if container.duration:
        return int(-(-container.duration // 1000))
    raise MediaError("decode_error", "the audio stream has no packets")
