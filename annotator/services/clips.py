"""A segment as its own video file: exactly its frames, H.264 MP4, with a JSON sidecar.

The clip holds frames ``start_frame..end_frame`` of the original and nothing else, each
at its original time (pts minus the first frame's pts, so a variable frame rate stays
variable), upright, and with the original's audio for the same span re-encoded to AAC.
Before cutting, the original is hashed and must still be the file the case holds; it is
only ever opened for reading. The clip and its sidecar (both hashes, the frame and time
range, the redactions applied) are written to a temporary name and renamed, and the
export is recorded in the audit trail.

``redact(frame_number, rgb) -> rgb`` lets the caller burn redactions into every frame
(frame numbers are the original's); the redactions it applies are passed as a list and
recorded verbatim in the sidecar.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import tempfile
import uuid
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from annotator import APP_NAME, __version__
from annotator.core.audit_chain import format_at
from annotator.core.entities import Annotation, AnnotationKind, Media, MediaKind
from annotator.core.errors import AnnotatorError, MediaError, NotFoundError, ValidationError
from annotator.core.files import _UMASK, atomic_write_bytes
from annotator.core.locations import resolve_location
from annotator.core.progress import CancelToken, Progress
from annotator.core.settings import Settings
from annotator.core.timecode import format_ms
from annotator.db.engine import Database
from annotator.db.repositories import annotations as annotation_repo
from annotator.db.repositories import media as media_repo
from annotator.db.repositories.lookup import case_by_uid
from annotator.media.hashing import sha256_file
from annotator.media.video import FrameIndex, FrameLost, VideoSource
from annotator.services.base import Service

Redact = Callable[[int, np.ndarray], np.ndarray]

CRF = 18
PRESET = "fast"
AUDIO_BIT_RATE = 160_000
AAC_RATES = frozenset(
    {8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 64000, 88200, 96000}
)


@dataclass(slots=True)
class ClipResult:
    out: Path
    sidecar: Path
    sha256: str
    source_sha256: str
    start_frame: int
    end_frame: int
    frame_count: int
    start_ms: int
    end_ms: int
    audio: bool
    redactions: list[dict[str, object]] = field(default_factory=list)
    record: dict[str, object] = field(default_factory=dict)  # the sidecar's content

    def as_record(self) -> dict[str, object]:
        """What ``annotator clip --json`` prints (CLI.md)."""
        return {
            "out": str(self.out),
            "sha256": self.sha256,
            "source_sha256": self.source_sha256,
            "start_frame": self.start_frame,
            "end_frame": self.end_frame,
            "redactions": list(self.redactions),
        }


@dataclass(frozen=True, slots=True)
class _Span:
    """The clip's frames in the original, with exact pts in the video stream's time base."""

    first: int
    last: int
    pts: np.ndarray  # pts of first..last
    end_pts: int  # when the last frame stops being shown
    time_base: Fraction

    @property
    def count(self) -> int:
        return self.last - self.first + 1

    def seconds(self, pts: int) -> Fraction:
        return pts * self.time_base

    @classmethod
    def of(cls, index: FrameIndex, first: int, last: int) -> _Span:
        end = int(index.pts[last + 1]) if last + 1 < index.frame_count else index.end_pts
        return cls(first, last, index.pts[first : last + 1].copy(), end, index.time_base)


class ClipService(Service):
    def __init__(
        self, db: Database, actor: Callable[[], str], settings: Callable[[], Settings]
    ) -> None:
        super().__init__(db, actor)
        self._settings = settings

    def clip_target(self, case_uid: str, annotation_uid: str) -> tuple[Annotation, Media]:
        """The annotation and its video, or why no clip can be made of it."""
        with self.read() as session:
            case = case_by_uid(session, case_uid)
            annotation = annotation_repo.get(session, case, annotation_uid)
            media = media_repo.get(session, case, annotation.media_uid)
        if annotation.deleted_at is not None:
            raise NotFoundError(f"Annotation {annotation_uid} was deleted; restore it first.")
        if media.kind is not MediaKind.VIDEO:
            raise ValidationError(
                f"{media.file_name} is {'a picture' if media.kind is MediaKind.IMAGE else 'sound'}"
                ", not a video: only a segment of a video can be exported as a clip."
            )
        spans = annotation.kind is AnnotationKind.SEGMENT or (
            annotation.kind is AnnotationKind.REGION and annotation.end_frame is not None
        )
        if not spans or annotation.start_frame is None or annotation.end_frame is None:
            raise ValidationError(
                f"Annotation {annotation_uid} is a {annotation.kind.value} without a span of "
                "frames: a clip is made of a segment (mark in with I, out with O)."
            )
        return annotation, media

    def export_clip(
        self,
        case_uid: str,
        annotation_uid: str,
        out: Path,
        *,
        redact: Redact | None = None,
        redactions: list[dict[str, object]] | None = None,
        cancel: CancelToken | None = None,
    ) -> Generator[Progress, None, ClipResult]:
        """Write the segment's frames to ``out`` (an .mp4) and ``out`` + ``.json`` beside it."""
        cancel = cancel or CancelToken()
        out = Path(out)
        annotation, media = self.clip_target(case_uid, annotation_uid)
        source = resolve_location(media.location, self._settings().media_roots)
        _check_out(out, source)
        assert annotation.start_frame is not None and annotation.end_frame is not None
        before = _stat(source, media)
        source_sha = yield from _verify(source, media, before[0], cancel)

        try:
            video = VideoSource(source, cache_bytes=0)
        except (ValueError, OSError) as exc:
            raise MediaError("decode_error", f"{media.file_name} cannot be read: {exc}") from exc
        with video:
            index = video.index
            if annotation.end_frame >= index.frame_count:
                raise ValidationError(
                    f"{media.file_name} has frames 0 to {index.frame_count - 1}; the segment "
                    f"ends at frame {annotation.end_frame}. Check the annotation."
                )
            span = _Span.of(index, annotation.start_frame, annotation.end_frame)
            audio = _AudioCut.open(source, span, cancel)
            try:
                frames = _frames(video, span, redact)
                encoded = yield from _encode(out, span, frames, audio, cancel, media.file_name)
            finally:
                if audio is not None:
                    audio.close()
        if _stat(source, media) != before:
            out.unlink(missing_ok=True)
            raise MediaError(
                "changed_during_export",
                f"{media.file_name} changed while the clip was being cut; nothing was kept. "
                "Find out what is writing to the original, then export again.",
            )

        clip_sha = sha256_file(out)[0]
        start_ms, end_ms = index.ms(span.first), _end_ms(index, span)
        actor = self._actor()
        record: dict[str, object] = {
            "tool": APP_NAME,
            "tool_version": __version__,
            "created_at": format_at(datetime.now(UTC)),
            "actor": actor,
            "clip_file": out.name,
            "sha256": clip_sha,
            "source_file": media.file_name,
            "source_media_uid": media.uid,
            "source_sha256": source_sha,
            "case_uid": case_uid,
            "annotation_uid": annotation.uid,
            "annotation_kind": annotation.kind.value,
            "start_frame": span.first,
            "end_frame": span.last,
            "frame_count": span.count,
            "start_pts_ms": start_ms,
            "end_ms": end_ms,
            "start_timecode": format_ms(start_ms),
            "end_timecode": format_ms(end_ms),
            "source_time_base": f"{span.time_base.numerator}/{span.time_base.denominator}",
            "source_start_pts": int(span.pts[0]),
            "source_end_pts": span.end_pts,
            "timing": "each frame keeps its original time: clip pts = source pts - first pts",
            "video": encoded,
            "audio": audio.describe() if audio is not None else None,
            "redacted": redact is not None,
            "redactions": list(redactions or []),
        }
        sidecar = out.with_name(out.name + ".json")
        result = ClipResult(
            out=out,
            sidecar=sidecar,
            sha256=clip_sha,
            source_sha256=source_sha,
            start_frame=span.first,
            end_frame=span.last,
            frame_count=span.count,
            start_ms=start_ms,
            end_ms=end_ms,
            audio=audio is not None,
            redactions=list(redactions or []),
            record=record,
        )
        try:
            text = json.dumps(record, ensure_ascii=False, indent=2)
            atomic_write_bytes(sidecar, text.encode("utf-8"))
            self._record(case_uid, media, result, sha256_file(sidecar)[0])
        except BaseException:
            # A clip without its sidecar and audit event would be evidence nobody can trace.
            for path in (out, sidecar):
                path.unlink(missing_ok=True)
            raise
        yield Progress(span.count, span.count, current=out.name, message="Done")
        return result

    def _record(self, case_uid: str, media: Media, result: ClipResult, sidecar_sha: str) -> None:
        with self.write() as unit:
            unit.journal.append(
                unit.case(case_uid),
                "export.clip",
                "export",
                str(uuid.uuid4()),
                None,
                {
                    "format": "clip",
                    "files": [
                        {"name": result.out.name, "sha256": result.sha256},
                        {"name": result.sidecar.name, "sha256": sidecar_sha},
                    ],
                    "source_media_uid": media.uid,
                    "source_sha256": result.source_sha256,
                    "annotation_uid": str(result.record["annotation_uid"]),
                    "start_frame": result.start_frame,
                    "end_frame": result.end_frame,
                    "start_ms": result.start_ms,
                    "end_ms": result.end_ms,
                    "redactions": _no_floats(result.redactions),
                    "exported_at": str(result.record["created_at"]),
                },
            )


def _end_ms(index: FrameIndex, span: _Span) -> int:
    """When the clip's last frame stops being shown, in the original's ms (exclusive end)."""
    if span.last + 1 < index.frame_count:
        return index.ms(span.last + 1)
    return index.duration_ms


def _no_floats(value: object) -> Any:
    """Audit records hold no floats (canonical hashing): a float becomes its shortest text."""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return {str(k): _no_floats(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_no_floats(v) for v in value]
    return value


def _check_out(out: Path, source: Path) -> None:
    if out.suffix.lower() != ".mp4":
        raise ValidationError(f"{out.name}: clips are saved as MP4; end the name with .mp4.")
    if out.is_dir():
        raise ValidationError(f"{out} is a folder; give a file name ending in .mp4.")
    sidecar = out.with_name(out.name + ".json")
    for target in (out, sidecar):
        try:
            same = target.exists() and source.exists() and target.samefile(source)
        except OSError:
            same = False
        if same or target.absolute() == source.absolute():
            raise ValidationError(
                f"{target} is the original itself; originals are never written. "
                "Choose another file name."
            )


def _stat(source: Path, media: Media) -> tuple[int, int, int, int]:
    """What tells a file was rewritten: size, modification time, inode (not access time)."""
    try:
        st = source.stat()
        return st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev
    except FileNotFoundError as exc:
        raise MediaError(
            "not_found",
            f"{media.file_name} is not at {source} any more. Put it back or relink it, "
            "then export again.",
        ) from exc
    except OSError as exc:
        raise MediaError("unreadable", f"{media.file_name} cannot be read: {exc}") from exc


def _verify(
    source: Path, media: Media, size: int, cancel: CancelToken
) -> Generator[Progress, None, str]:
    """SHA-256 of the original, which must still be the file the case recorded."""
    yield Progress(0, None, current=media.file_name, bytes_total=size, message="Verifying")
    try:
        digest, _ = sha256_file(source, cancel)
    except PermissionError as exc:
        raise MediaError("permission_denied", f"No permission to read {source}.") from exc
    except OSError as exc:
        raise MediaError("unreadable", f"{media.file_name} cannot be read: {exc}") from exc
    if digest != media.sha256:
        raise MediaError(
            "hash_mismatch",
            f"{media.file_name} at {source} is no longer the file in the case: its SHA-256 is "
            f"{digest}, the case recorded {media.sha256}. No clip was made; find the "
            "original file and relink it.",
        )
    yield Progress(0, None, current=media.file_name, bytes_done=size, bytes_total=size)
    return digest


def _frames(
    video: VideoSource, span: _Span, redact: Redact | None
) -> Iterator[tuple[int, np.ndarray]]:
    """(clip pts, upright RGB) of every frame of the span, redacted when asked."""
    first_pts = int(span.pts[0])
    for number in range(span.first, span.last + 1):
        try:
            decoded = video.read_exact(number)
        except FrameLost as exc:
            raise MediaError("decode_error", f"{exc}; no clip was made.") from exc
        rgb = decoded.rgb
        if redact is not None:
            redacted = redact(number, rgb)
            if redacted.shape != rgb.shape or redacted.dtype != np.uint8:
                raise ValueError(
                    f"redaction of frame {number} returned {redacted.shape} {redacted.dtype}, "
                    f"not {rgb.shape} uint8"
                )
            rgb = redacted
        yield decoded.pts - first_pts, rgb


def _even(rgb: np.ndarray) -> np.ndarray:
    """H.264 4:2:0 needs even sides: one black row or column is added when one is odd."""
    height, width = rgb.shape[:2]
    if height % 2 == 0 and width % 2 == 0:
        return rgb
    return np.pad(rgb, ((0, height % 2), (0, width % 2), (0, 0)))


def _encode(
    out: Path,
    span: _Span,
    frames: Iterator[tuple[int, np.ndarray]],
    audio: _AudioCut | None,
    cancel: CancelToken,
    name: str,
) -> Generator[Progress, None, dict[str, object]]:
    """Encode into a temporary file beside ``out``, renamed into place when complete."""
    import av

    time_base = span.time_base
    durations = {
        int(p) - int(span.pts[0]): int(d)
        for p, d in zip(span.pts, np.diff(np.append(span.pts, span.end_pts)), strict=True)
    }
    first = next(frames)  # its size sets the stream's
    height, width = first[1].shape[:2]
    even_width, even_height = width + width % 2, height + height % 2
    with _atomic_path(out) as temporary:
        # faststart: the index goes first, so a player or browser can start at once.
        options = {"movflags": "+faststart"}
        container = av.open(str(temporary), mode="w", format="mp4", options=options)
        try:
            stream = _video_stream(container, even_width, even_height, span)
            audio_stream = audio.add_stream(container) if audio is not None else None
            pending = audio.packets(audio_stream) if audio is not None else iter(())
            next_audio = next(pending, None)
            for done, (pts, rgb) in enumerate(itertools.chain([first], frames)):
                cancel.raise_if_cancelled()
                frame = av.VideoFrame.from_ndarray(_even(rgb), format="rgb24")
                frame.pts = pts
                frame.time_base = time_base
                for packet in stream.encode(frame):
                    _mux_video(container, packet, durations)
                # Audio up to this frame's time goes in between: an interleaved file.
                while next_audio is not None and _before(next_audio, pts * time_base):
                    container.mux(next_audio)
                    next_audio = next(pending, None)
                yield Progress(done + 1, span.count, current=name, message="Encoding frames")
            for packet in stream.encode(None):
                _mux_video(container, packet, durations)
            while next_audio is not None:
                container.mux(next_audio)
                next_audio = next(pending, None)
        finally:
            container.close()
        cancel.raise_if_cancelled()  # a late Cancel still leaves nothing behind
    padded = (even_width, even_height) != (width, height)
    return {
        "codec": "h264",
        "encoder": "libx264",
        "pix_fmt": "yuv420p",
        "crf": CRF,
        "preset": PRESET,
        "width": even_width,
        "height": even_height,
        "source_width": int(width),
        "source_height": int(height),
        "padding": {"right": even_width - width, "bottom": even_height - height},
        "padding_note": (
            "a black pixel column (right) and/or row (bottom) was added: H.264 4:2:0 "
            "needs even sides; the original's pixels are all kept"
            if padded
            else ""
        ),
        "upright": "the original's display rotation is applied to the pixels",
    }


@contextlib.contextmanager
def _atomic_path(path: Path) -> Iterator[Path]:
    """A temporary file name beside ``path``, renamed to it once written and synced.

    As ``atomic_writer``, but a name rather than a handle: the MP4 muxer reopens the
    file by name to move its index to the front.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise AnnotatorError(
            f"The clip cannot be written into {path.parent}: {exc.strerror or exc}. "
            "Choose another folder.",
            reason="write_failed",
        ) from exc
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        temporary.chmod(0o666 & ~_UMASK)  # a clip is made to be shared, as any new file
        with temporary.open("rb+") as handle:
            os.fsync(handle.fileno())
        temporary.replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise


def _video_stream(container: Any, width: int, height: int, span: _Span) -> Any:
    stream = container.add_stream("libx264", rate=_rate(span))
    stream.width, stream.height = width, height
    stream.pix_fmt = "yuv420p"
    stream.time_base = span.time_base
    context = stream.codec_context
    context.time_base = span.time_base
    context.options = {"crf": str(CRF), "preset": PRESET}
    # PyAV converts RGB with the BT.601 matrix in limited range: say so, so players agree.
    context.colorspace = 6  # AVCOL_SPC_SMPTE170M
    context.color_range = 1  # AVCOL_RANGE_MPEG
    return stream


def _rate(span: _Span) -> Fraction:
    """The clip's average frame rate (x264's rate control and the stream header only)."""
    seconds = (span.end_pts - int(span.pts[0])) * span.time_base
    if seconds <= 0:
        return Fraction(25)
    return (Fraction(span.count) / seconds).limit_denominator(1001)


def _mux_video(container: Any, packet: Any, durations: dict[int, int]) -> None:
    """Each frame lasts what it lasted in the original (the last one too, where MP4 keeps it)."""
    if packet.pts is not None and packet.pts in durations and not packet.duration:
        packet.duration = durations[packet.pts]
    container.mux(packet)


def _before(packet: Any, t: Fraction) -> bool:
    return packet.pts is None or packet.pts * packet.time_base <= t


class _AudioCut:
    """The original's audio for the clip's span, re-encoded as AAC from the clip's time 0.

    Decoded a little at a time while the video is encoded (an hour of raw audio would not
    fit in memory); the original stays open for reading until ``close``.
    """

    def __init__(
        self, container: Any, stream: Any, span: _Span, rate: int, layout: str, cancel: CancelToken
    ) -> None:
        self._container, self._stream, self._span = container, stream, span
        self.rate, self.layout, self._cancel = rate, layout, cancel
        self.source = str(stream.codec_context.name)
        self.samples = 0

    @classmethod
    def open(cls, path: Path, span: _Span, cancel: CancelToken) -> _AudioCut | None:
        """The first audio stream of ``path``, or None when it has none."""
        import av

        container = av.open(str(path), mode="r")
        stream = container.streams.audio[0] if container.streams.audio else None
        rate = int(stream.codec_context.sample_rate or 0) if stream is not None else 0
        if stream is None or not rate:
            container.close()
            return None
        layout = "mono" if stream.codec_context.layout.nb_channels == 1 else "stereo"
        return cls(container, stream, span, rate if rate in AAC_RATES else 48000, layout, cancel)

    def close(self) -> None:
        self._container.close()

    def describe(self) -> dict[str, object]:
        return {
            "codec": "aac",
            "sample_rate": self.rate,
            "layout": self.layout,
            "samples": self.samples,
            "bit_rate": AUDIO_BIT_RATE,
            "source_codec": self.source,
        }

    def chunks(self) -> Iterator[np.ndarray]:
        """Planar float samples of [first frame's time, end of the last frame), in order.

        Times are the container's: the audio sample at the first frame's pts becomes
        sample 0. Where the original has no sound (it starts late, or ends early) the
        clip gets silence, so sound and picture stay aligned.
        """
        import av

        span, rate, stream = self._span, self.rate, self._stream
        start, end = span.seconds(int(span.pts[0])), span.seconds(span.end_pts)
        wanted = round((end - start) * rate)
        seek_to = max(Fraction(0), start - 1)  # a second early: audio seeks coarsely
        time_base = stream.time_base or Fraction(1, self.rate)
        self._container.seek(int(seek_to / time_base), stream=stream, backward=True)
        resampler = av.AudioResampler(format="fltp", layout=self.layout, rate=self.rate)
        position: Fraction | None = None  # time of the next resampled sample
        for frame in _decoded(self._container, stream):
            self._cancel.raise_if_cancelled()
            if frame.pts is not None and frame.time_base is not None:
                position = frame.pts * frame.time_base
            for converted in resampler.resample(frame):
                data = converted.to_ndarray()
                chunk_start = start if position is None else position
                position = chunk_start + Fraction(data.shape[1], self.rate)
                offset = round((chunk_start - start) * rate)  # clip sample of data[:, 0]
                if offset > self.samples:  # a gap: silence up to this chunk
                    yield from self._silence(min(offset, wanted) - self.samples, data.shape[0])
                skip = max(self.samples - offset, 0)
                take = min(data.shape[1], wanted - offset) - skip
                if take > 0:
                    self.samples += take
                    yield np.ascontiguousarray(data[:, skip : skip + take], dtype=np.float32)
            if self.samples >= wanted:
                return
        yield from self._silence(wanted - self.samples, av.AudioLayout(self.layout).nb_channels)

    def _silence(self, samples: int, channels: int) -> Iterator[np.ndarray]:
        if samples > 0:
            self.samples += samples
            yield np.zeros((channels, samples), dtype=np.float32)

    def add_stream(self, container: Any) -> Any:
        stream = container.add_stream("aac", rate=self.rate, layout=self.layout)
        stream.codec_context.format = "fltp"
        stream.codec_context.bit_rate = AUDIO_BIT_RATE
        stream.time_base = Fraction(1, self.rate)
        stream.codec_context.time_base = Fraction(1, self.rate)
        return stream

    def packets(self, stream: Any) -> Iterator[Any]:
        """Encoded packets in order, from sample 0 = the clip's first frame."""
        import av

        fifo = av.AudioFifo()
        sent = 0
        size = 1024  # samples per AAC frame

        def encode(frame: Any) -> Iterator[Any]:
            nonlocal sent
            frame.pts = sent
            frame.time_base = Fraction(1, self.rate)
            frame.sample_rate = self.rate
            sent += frame.samples
            yield from stream.encode(frame)

        for chunk in self.chunks():
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=self.layout)
            frame.sample_rate = self.rate
            frame.pts = None
            fifo.write(frame)
            while fifo.samples >= size:
                yield from encode(fifo.read(size))
        if fifo.samples:
            yield from encode(fifo.read(fifo.samples))
        yield from stream.encode(None)


def _decoded(container: Any, stream: Any) -> Iterator[Any]:
    """Decoded audio frames; an undecodable packet is skipped, not the end of the sound."""
    import av

    for packet in container.demux(stream):
        try:
            yield from packet.decode()
        except av.error.InvalidDataError:
            continue


def redaction_available(redactions: object | None) -> bool:
    """Whether redacted clips can be made: the redaction service and drawing code exist."""
    import importlib
    import importlib.util

    if redactions is None or importlib.util.find_spec("annotator.media.redaction") is None:
        return False
    redaction = importlib.import_module("annotator.media.redaction")
    return hasattr(redaction, "box_at") and hasattr(redaction, "apply")


def redaction_plan(
    redactions: object | None, case_uid: str, annotation_uid: str
) -> tuple[Redact, list[dict[str, object]]]:
    """The hook that burns the case's redactions into a clip, and what it applies.

    ``redactions`` is the redaction service (``services.redactions``). One place for the
    command line and the window to share; raises until redaction is part of the app.
    """
    if not redaction_available(redactions):
        raise AnnotatorError(
            "Redacted clips are not available in this version: export the clip "
            "unredacted and do not publish it.",
            reason="not_available",
        )
    from annotator.db.repositories import annotations as annotation_repo
    from annotator.db.repositories.lookup import case_by_uid
    from annotator.media.redaction import frame_redactor

    service: Any = redactions
    with service.read() as session:
        annotation = annotation_repo.get(session, case_by_uid(session, case_uid), annotation_uid)
    first = annotation.start_frame or 0
    last = annotation.end_frame if annotation.end_frame is not None else first
    records = [
        r for r in service.records(case_uid, annotation.media_uid) if _overlaps(r, first, last)
    ]
    return frame_redactor(records), records


def _overlaps(record: dict[str, object], first: int, last: int) -> bool:
    """Whether a redaction's span meets frames first..last (no span: every frame)."""
    start, end = record.get("start_frame"), record.get("end_frame")
    if not isinstance(start, int):
        return True
    return start <= last and (not isinstance(end, int) or end >= first)
