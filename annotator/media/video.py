"""Video decoding layer: exact presentation timestamps, keyframe index, accurate frames.

PyAV (FFmpeg) demuxes and decodes; OpenCV/numpy only touch pixels. A frame's time comes
from its pts (never index / fps). Time 0 is the first displayed frame: packets that the
container's edit list discards are not frames of the video.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from annotator.core import timecode
from annotator.core.files import atomic_writer

INDEX_FORMAT = 1


@dataclass(frozen=True, eq=False)
class FrameIndex:
    """Every frame's pts (presentation order) and keyframe flag, built by demuxing only."""

    time_base: Fraction
    pts: np.ndarray  # int64, sorted ascending
    keyframe: np.ndarray  # bool, same length
    end_pts: int  # when the last frame stops being shown

    @property
    def frame_count(self) -> int:
        return int(self.pts.size)

    @property
    def start_pts(self) -> int:
        return int(self.pts[0])

    def ms(self, frame: int) -> int:
        """The stored/shown time of ``frame``: its exact pts, rounded up to a millisecond."""
        return timecode.pts_to_ms(int(self.pts[frame]), self.time_base, self.start_pts)

    def frame_at_ms(self, t_ms: int) -> int:
        return timecode.frame_at_ms(self.pts, self.time_base, t_ms, self.start_pts)  # type: ignore[arg-type]

    @property
    def duration_ms(self) -> int:
        return timecode.pts_to_ms(self.end_pts, self.time_base, self.start_pts)

    def keyframe_before(self, frame: int) -> int:
        """The nearest keyframe at or before ``frame``: where decoding must start."""
        keys = np.flatnonzero(self.keyframe[: frame + 1])
        return int(keys[-1]) if keys.size else 0

    @property
    def is_vfr(self) -> bool:
        """True when frame durations really vary (not just timestamp rounding)."""
        if self.pts.size < 3:
            return False
        deltas = np.diff(self.pts)
        spread = int(deltas.max() - deltas.min())
        return spread > max(1, int(np.median(deltas) * 0.1))

    @property
    def avg_fps(self) -> Fraction | None:
        """Frames per second over the whole stream (exact rational; informational only)."""
        span = (self.end_pts - self.start_pts) * self.time_base
        if span <= 0:
            return None
        return (Fraction(self.frame_count) / span).limit_denominator(1001)

    def save(self, path: Path) -> None:
        with atomic_writer(path) as handle:
            np.savez_compressed(
                handle,
                format=np.array([INDEX_FORMAT]),
                time_base=np.array([self.time_base.numerator, self.time_base.denominator]),
                pts=self.pts,
                keyframe=self.keyframe,
                end_pts=np.array([self.end_pts]),
            )

    @classmethod
    def load(cls, path: Path) -> FrameIndex | None:
        """The cached index, or None when missing or unreadable (it is then rebuilt)."""
        try:
            with np.load(path) as data:
                if int(data["format"][0]) != INDEX_FORMAT:
                    return None
                num, den = (int(v) for v in data["time_base"])
                return cls(
                    Fraction(num, den),
                    data["pts"].astype(np.int64),
                    data["keyframe"].astype(bool),
                    int(data["end_pts"][0]),
                )
        except (OSError, ValueError, KeyError):
            return None


def video_stream(container: Any) -> Any | None:
    """The main video stream, ignoring cover art (attached pictures in audio files)."""
    for stream in container.streams.video:
        if not stream.disposition & _ATTACHED_PIC:
            return stream
    return None


_ATTACHED_PIC = 0x0400  # AV_DISPOSITION_ATTACHED_PIC


def build_frame_index(container: Any, stream: Any) -> FrameIndex:
    """Demux (no decoding) every packet of ``stream``: ~600 frames in 15 ms."""
    pts: list[int] = []
    keys: list[bool] = []
    last_duration = 0
    for packet in container.demux(stream):
        if packet.pts is None or packet.size == 0 or packet.is_discard:
            continue
        pts.append(packet.pts)
        keys.append(bool(packet.is_keyframe))
        last_duration = max(last_duration, int(packet.duration or 0))
    if not pts:
        raise ValueError("the video stream has no frames")
    order = np.argsort(np.asarray(pts, dtype=np.int64), kind="stable")
    pts_arr = np.asarray(pts, dtype=np.int64)[order]
    key_arr = np.asarray(keys, dtype=bool)[order]
    if not last_duration:
        last_duration = int(np.median(np.diff(pts_arr))) if pts_arr.size > 1 else 1
    time_base = Fraction(stream.time_base.numerator, stream.time_base.denominator)
    return FrameIndex(time_base, pts_arr, key_arr, int(pts_arr[-1]) + last_duration)


def rotation_of(frame: Any) -> int:
    """Clockwise degrees (0/90/180/270) to turn the decoded picture to show it upright."""
    angle = round(float(getattr(frame, "rotation", 0) or 0))
    # PyAV reports the display matrix's counter-clockwise angle.
    return (-angle) % 360


def upright(rgb: np.ndarray, clockwise: int) -> np.ndarray:
    """Apply a display rotation ourselves: PyAV does not rotate."""
    turns = (clockwise // 90) % 4
    return np.ascontiguousarray(np.rot90(rgb, k=-turns)) if turns else rgb


@dataclass(frozen=True, slots=True)
class DecodedFrame:
    number: int
    pts: int
    ms: int
    rgb: np.ndarray  # upright, H x W x 3 uint8


class VideoSource:
    """One open video: accurate frame access by number or time. Not shared across threads."""

    def __init__(
        self, path: Path, index: FrameIndex | None = None, container: Any | None = None
    ) -> None:
        import av

        self.path = path
        self._container = container if container is not None else av.open(str(path), mode="r")
        stream = video_stream(self._container)
        if stream is None:
            self._container.close()
            raise ValueError(f"{path.name} has no video stream")
        self._stream = stream
        self.index = index if index is not None else build_frame_index(self._container, stream)
        self._stream.thread_type = "AUTO"
        self.rotation = 0  # clockwise degrees, known once a frame was decoded

    def close(self) -> None:
        self._container.close()

    def __enter__(self) -> VideoSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def poster(self) -> DecodedFrame:
        """A frame a little into the video that is not black: what a thumbnail should show."""
        count = self.index.frame_count
        first_second = self.index.frame_at_ms(min(1000, self.index.duration_ms // 10))
        candidates = dict.fromkeys([first_second, count // 4, count // 2, 0])
        fallback: DecodedFrame | None = None
        for number in candidates:
            frame = self.read(number)
            fallback = fallback or frame
            gray = frame.rgb.mean(axis=2)
            if gray.mean() >= 16 and gray.std() >= 4:
                return frame
        assert fallback is not None
        return fallback

    def read(self, number: int) -> DecodedFrame:
        """Exactly frame ``number``: seek to the keyframe before it, decode forward."""
        if not 0 <= number < self.index.frame_count:
            raise IndexError(f"frame {number} is outside 0..{self.index.frame_count - 1}")
        target = int(self.index.pts[number])
        key_pts = int(self.index.pts[self.index.keyframe_before(number)])
        self._container.seek(key_pts, stream=self._stream, backward=True, any_frame=False)
        for frame in self._container.decode(self._stream):
            if frame.pts is None:
                continue
            if frame.pts >= target:
                if frame.pts != target:
                    # The decoder skipped our frame (broken stream): report what we show.
                    number = int(np.searchsorted(self.index.pts, frame.pts))
                    number = min(number, self.index.frame_count - 1)
                self.rotation = rotation_of(frame)
                rgb = upright(frame.to_ndarray(format="rgb24"), self.rotation)
                return DecodedFrame(number, int(frame.pts), self.index.ms(number), rgb)
        raise EOFError(f"frame {number} could not be decoded from {self.path.name}")


def fps_text(rate: Fraction | None) -> str:
    """``30000/1001`` style text; empty when unknown."""
    if rate is None or rate <= 0 or not math.isfinite(float(rate)):
        return ""
    return f"{rate.numerator}/{rate.denominator}"
