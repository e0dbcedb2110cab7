"""Video decoding layer: exact presentation timestamps, keyframe index, accurate frames.

PyAV (FFmpeg) demuxes and decodes; OpenCV/numpy only touch pixels. A frame's time comes
from its pts (never index / fps). Time 0 is the first displayed frame: packets that the
container's edit list discards are not frames of the video.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterator
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


def open_container(path: Path) -> Any:
    """Open ``path`` with PyAV the way the import probe does.

    Tags are evidence too, but a damaged tag must not make an already imported video
    unplayable: bytes that are not UTF-8 are replaced, as at import.
    """
    import av

    return av.open(str(path), mode="r", metadata_errors="replace")


def video_stream(container: Any) -> Any | None:
    """The main video stream, ignoring cover art (attached pictures in audio files)."""
    for stream in container.streams.video:
        if not stream.disposition & _ATTACHED_PIC:
            return stream
    return None


_ATTACHED_PIC = 0x0400  # AV_DISPOSITION_ATTACHED_PIC


class NoFramesError(ValueError):
    """The video stream holds no frame at all (a damaged file, most often)."""


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
        raise NoFramesError("the video stream has no frames")
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


class FrameLost(EOFError):
    """A frame the index lists but the decoder could not produce (a damaged stretch)."""

    def __init__(self, file_name: str, number: int, next_number: int | None) -> None:
        after = (
            f"the next picture it gives is frame {next_number}"
            if next_number is not None
            else "no picture follows it"
        )
        super().__init__(
            f"frame {number} of {file_name} cannot be decoded: the video is damaged there ({after})"
        )
        self.number = number
        self.next_number = next_number


@dataclass(frozen=True, slots=True)
class DecodedFrame:
    number: int
    pts: int
    ms: int
    rgb: np.ndarray  # upright, H x W x 3 uint8


class FrameCache:
    """Decoded frames by number, least recently used dropped first, bounded in bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(0, max_bytes)
        self._frames: OrderedDict[int, DecodedFrame] = OrderedDict()
        self.bytes = 0

    def get(self, number: int) -> DecodedFrame | None:
        frame = self._frames.get(number)
        if frame is not None:
            self._frames.move_to_end(number)
        return frame

    def put(self, frame: DecodedFrame) -> None:
        if frame.number in self._frames or frame.rgb.nbytes > self.max_bytes:
            return
        self._frames[frame.number] = frame
        self.bytes += frame.rgb.nbytes
        while self.bytes > self.max_bytes:
            _, old = self._frames.popitem(last=False)
            self.bytes -= old.rgb.nbytes

    def capacity(self, frame_bytes: int) -> int:
        return self.max_bytes // frame_bytes if frame_bytes else 0

    def __len__(self) -> int:
        return len(self._frames)

    def clear(self) -> None:
        self._frames.clear()
        self.bytes = 0


DEFAULT_CACHE_BYTES = 256 * 1024 * 1024
STEP_BACK_REACH = 3  # frames: a backward read this close to the last one is stepping back


class VideoSource:
    """One open video: exact frame access by number or time. Not shared across threads.

    Reads continue decoding forward when they can (stepping and playback), seek to the
    nearest preceding keyframe when they must, and when reading backward keep the decoded
    frames before the target in a bounded cache, so stepping back costs one GOP decode
    and then nothing per step.
    """

    def __init__(
        self,
        path: Path,
        index: FrameIndex | None = None,
        container: Any | None = None,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
    ) -> None:
        self.path = path
        self._container = container if container is not None else open_container(path)
        stream = video_stream(self._container)
        if stream is None:
            self._container.close()
            raise ValueError(f"{path.name} has no video stream")
        self._stream = stream
        self.index = index if index is not None else build_frame_index(self._container, stream)
        self._stream.thread_type = "AUTO"
        self._number_of = {int(p): n for n, p in enumerate(self.index.pts)}
        self.cache = FrameCache(cache_bytes)
        self._frames: Iterator[Any] | None = None  # the decoder, positioned after _last
        self._last = -1  # number of the frame the decoder produced last
        self._returned = -1  # number of the frame read() returned last
        self._reformatter: Any = None  # one colour converter for every frame (not one each)
        self._frame_bytes = 0
        self.rotation = 0  # clockwise degrees, known once a frame was decoded

    def release(self) -> None:
        """Drop the decoder and cached frames, keeping the container open.

        The decoder generator refers back to this object: without this, each closed
        video's decoder buffers would wait for the cyclic garbage collector.
        """
        self._frames = None
        self.cache.clear()

    def close(self) -> None:
        self.release()
        self._container.close()

    def __enter__(self) -> VideoSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def poster(self) -> DecodedFrame:
        """A frame a little into the video that is not black: what a thumbnail should show.

        Only keyframes are tried (decoding one is one frame of work, not a GOP's), a little
        in first, then a quarter and half way in.
        """
        count = self.index.frame_count
        first_second = self.index.frame_at_ms(min(1000, self.index.duration_ms // 10))
        wanted = [first_second, count // 4, count // 2]
        candidates = dict.fromkeys([self.index.keyframe_before(n) for n in wanted] + [0])
        fallback: DecodedFrame | None = None
        for number in candidates:
            frame = self.read(number)
            fallback = fallback or frame
            gray = frame.rgb[::8, ::8].mean(axis=2)  # a sample is enough to tell black
            if gray.mean() >= 16 and gray.std() >= 4:
                return frame
        assert fallback is not None
        return fallback

    def read_at_ms(self, t_ms: int) -> DecodedFrame:
        """The frame on screen at ``t_ms``: the last frame whose time is <= t_ms."""
        return self.read(self.index.frame_at_ms(t_ms))

    def read(self, number: int) -> DecodedFrame:
        """Exactly frame ``number``, upright."""
        if not 0 <= number < self.index.frame_count:
            raise IndexError(f"frame {number} is outside 0..{self.index.frame_count - 1}")
        cached = self.cache.get(number)
        if cached is not None:
            self._returned = number
            return cached
        keyframe = self.index.keyframe_before(number)
        backward = number <= self._last
        # A step or two back (not any backward jump) is where more back-steps follow.
        stepping_back = backward and 0 < self._returned - number <= STEP_BACK_REACH
        keep_from = number
        if self._frames is None or backward or keyframe > self._last:
            self._seek(keyframe)
            if stepping_back and self._frame_bytes:
                # Keep what precedes the target, as much as the cache holds.
                room = max(1, self.cache.capacity(self._frame_bytes))
                keep_from = max(keyframe, number - room + 1)
        decoded = self._decode_until(number, keep_from)
        self._returned = decoded.number
        return decoded

    def read_exact(self, number: int) -> DecodedFrame:
        """Exactly frame ``number`` or FrameLost: never a neighbour in its place.

        ``read`` gives the next decodable frame when the stream lost the one asked for,
        which is what playback wants; a still, a frame export or a measurement that names
        a frame must get that frame or say it cannot.
        """
        try:
            decoded = self.read(number)
        except FrameLost:
            raise
        except EOFError as exc:
            raise FrameLost(self.path.name, number, None) from exc
        if decoded.number != number:
            raise FrameLost(self.path.name, number, decoded.number)
        return decoded

    def _seek(self, keyframe: int) -> None:
        import av

        try:
            self._container.seek(
                int(self.index.pts[keyframe]), stream=self._stream, backward=True, any_frame=False
            )
        except av.error.FFmpegError as exc:
            # A damaged index can make the demuxer refuse the seek (EPERM, InvalidData):
            # the frames from there on cannot be reached, which callers know as EOFError.
            self._frames = None
            raise EOFError(
                f"frame {keyframe} of {self.path.name} cannot be reached: {exc}"
            ) from exc
        self._frames = self._decoded_frames()
        self._last = -1

    def _decoded_frames(self) -> Iterator[Any]:
        """Decoded frames in presentation order, skipping packets that cannot be decoded.

        A corrupt stretch in the middle of a stream must not end the video.
        """
        import av

        packets = self._container.demux(self._stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                return
            except av.error.FFmpegError:
                return  # demuxing cannot go on past damage: the stream ends here
            try:
                frames = packet.decode()
            except av.error.FFmpegError:
                # InvalidData mostly, but a damaged header can also ask for a feature FFmpeg
                # lacks (PatchWelcome): either way this packet gives no picture.
                continue
            yield from frames

    def _decode_until(self, number: int, keep_from: int) -> DecodedFrame:
        assert self._frames is not None
        for frame in self._frames:
            if frame.pts is None:
                continue
            got = self._number_of.get(int(frame.pts))
            if got is None:  # a frame the index does not know (discarded by the edit list)
                continue
            self._last = got
            if got < keep_from:
                continue  # decoded (needed for what follows) but not converted
            decoded = self._convert(frame, got)
            self.cache.put(decoded)
            if got >= number:
                return decoded  # got > number only when the stream lost our frame
        self._frames = None
        raise EOFError(f"frame {number} could not be decoded from {self.path.name}")

    def _convert(self, frame: Any, number: int) -> DecodedFrame:
        if self._reformatter is None:
            from av.video.reformatter import VideoReformatter

            self._reformatter = VideoReformatter()
        self.rotation = rotation_of(frame)
        rgb = upright(self._reformatter.reformat(frame, format="rgb24").to_ndarray(), self.rotation)
        self._frame_bytes = rgb.nbytes
        return DecodedFrame(number, int(frame.pts), self.index.ms(number), rgb)


def fps_text(rate: Fraction | None) -> str:
    """``30000/1001`` style text; empty when unknown."""
    if rate is None or rate <= 0 or not math.isfinite(float(rate)):
        return ""
    return f"{rate.numerator}/{rate.denominator}"
