"""Perceptual fingerprints: what a video looks like over time, and how alike two media are.

Platforms re-encode what they are given (another resolution, bitrate or codec) and often
post only a part of it, so a re-upload's SHA-256 says nothing about its pictures. A video's
fingerprint is the pHash of frames sampled evenly in time, each with its exact time; an
image's is its pHash. Two videos are compared by sliding the shorter along the longer: a
re-encode matches at offset 0, an excerpt where it was cut, a screenshot at its frame.

Pure functions over PyAV, OpenCV and numpy; nothing here knows the database.
"""

from __future__ import annotations

import enum
import heapq
import itertools
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from annotator.core.errors import MediaError
from annotator.core.progress import CancelToken
from annotator.media.hashing import detailed_hash
from annotator.media.video import (
    FrameIndex,
    build_frame_index,
    rotation_of,
    upright,
    video_stream,
)

SAMPLES = 16
# Decoding allowed per sample to land exactly on its time, in pixels: 10 frames of 720p.
# Past that (long keyframe intervals in big videos) the keyframe nearest in time is taken:
# one frame of work, a little off the even spacing, and its true time is what is stored.
EXACT_BUDGET_PIXELS = 10 * 1280 * 720
_SMALL = 64  # frames are scaled to this square in the decoder; pHash then takes 32 x 32

# Bits (of 63) apart: re-encodes and resizes of one frame usually differ in 0-4; unrelated
# pictures in about half of them. Similarity falls linearly between the two marks.
SAME_BITS = 4
UNRELATED_BITS = 24
PAIR_BITS = 14  # frames at most this far apart propose an alignment worth checking
MIN_PAIRS = 3  # frame pairs an alignment of two videos needs (fewer only if there are fewer)
WHOLE = 0.9  # a shorter video covering this much of the longer one is the same footage
# A pHash is 63 bits of which about half are set; far fewer means a flat picture whose
# hash says nothing (stored image hashes predate the flatness check, so it is done here).
_INFORMATIVE_BITS = (16, 47)

FrameHashes = list[tuple[int, str]]


# --- sampling and hashing --------------------------------------------------------------------


def sample_times(duration_ms: int, count: int = SAMPLES) -> list[int]:
    """``count`` times (ms) evenly spread over a video: the middles of equal parts."""
    if duration_ms <= 0 or count <= 0:
        return [0]
    return [(2 * k + 1) * duration_ms // (2 * count) for k in range(count)]


def plan_samples(index: FrameIndex, count: int = SAMPLES, budget_frames: int = 30) -> list[int]:
    """Frame numbers to decode, ascending: one per sample time.

    Each is the frame on screen at its sample time, unless reaching it would decode more
    than ``budget_frames`` frames (from its keyframe, or from the previous sample when
    decoding can simply go on); then it is the keyframe nearest that time.
    """
    times = sample_times(index.duration_ms, min(count, index.frame_count))
    wanted = sorted({index.frame_at_ms(t) for t in times})
    keys = np.flatnonzero(index.keyframe)
    plan: set[int] = set()
    position = -1  # the frame the decoder would have produced last
    for frame in wanted:
        key = index.keyframe_before(frame)
        start = position + 1 if key <= position < frame else key
        if frame - start + 1 <= budget_frames:
            chosen = frame
        else:
            after = keys[np.searchsorted(keys, frame) :]
            chosen = key
            if after.size:
                later = int(after[0])
                here = int(index.pts[frame])
                if abs(int(index.pts[later]) - here) < abs(here - int(index.pts[key])):
                    chosen = later
        plan.add(chosen)
        position = max(position, chosen)
    return sorted(plan)


def video_frame_hashes(
    path: Path,
    index: FrameIndex | None = None,
    count: int = SAMPLES,
    cancel: CancelToken | None = None,
) -> FrameHashes:
    """The (ms, pHash) of frames sampled evenly in time; flat frames (black, fades) left out.

    ``index`` is the video's frame index when the caller has it (import does): the file
    is then not demuxed twice. The file is only opened for reading. Raises MediaError
    (decode_error, not_found, permission_denied, unreadable) when the file cannot be sampled.
    """
    import av

    try:
        return _sample(path, index, count, cancel)
    except FileNotFoundError as exc:
        raise MediaError("not_found", f"{path} does not exist.") from exc
    except PermissionError as exc:
        raise MediaError("permission_denied", f"No permission to read {path}.") from exc
    except (av.error.FFmpegError, ValueError, EOFError, IndexError) as exc:
        raise MediaError(
            "decode_error", f"No frames could be sampled from {path.name}: {exc}."
        ) from exc
    except OSError as exc:
        raise MediaError("unreadable", f"{path} cannot be read: {exc.strerror or exc}.") from exc


def _sample(
    path: Path, index: FrameIndex | None, count: int, cancel: CancelToken | None
) -> FrameHashes:
    import av

    container = av.open(str(path), mode="r", metadata_errors="replace")
    try:
        stream = video_stream(container)
        if stream is None:
            return []
        if index is None:
            index = build_frame_index(container, stream)
        # One thread per file: import already runs files in parallel, and frame threads
        # hold back each frame after a seek until several more were decoded.
        stream.thread_type = "SLICE"
        context = stream.codec_context
        pixels = max(1, int(context.width or 0) * int(context.height or 0))
        budget = max(2, EXACT_BUDGET_PIXELS // pixels)
        sampler = _Sampler(container, stream, index)
        out: FrameHashes = []
        for target in plan_samples(index, count, budget):
            if cancel is not None:
                cancel.raise_if_cancelled()
            frame = sampler.read(target)
            if frame is None:
                continue
            number, picture = frame
            digest = detailed_hash(picture)
            if digest is not None:
                out.append((index.ms(number), digest))
        return out
    finally:
        container.close()


class _Sampler:
    """Decodes chosen frames in ascending order, as small upright grey pictures.

    Goes on decoding when the next frame is in reach, seeks otherwise; a keyframe reached
    by a seek is drained out of the decoder at once instead of waiting for the frames that
    B-frame reordering would hold back (half the work for keyframe samples).
    """

    def __init__(self, container: Any, stream: Any, index: FrameIndex) -> None:
        from av.video.reformatter import VideoReformatter

        self._container = container
        self._stream = stream
        self._index = index
        self._number_of = {int(p): n for n, p in enumerate(index.pts)}
        self._reformatter = VideoReformatter()
        self._packets: Iterator[Any] | None = None
        self._last = -1  # number of the frame the decoder produced last

    def read(self, target: int) -> tuple[int, np.ndarray] | None:
        import av

        if target <= self._last:
            return None  # the stream lost that frame and we are already past it
        index = self._index
        key = index.keyframe_before(target)
        if self._packets is None or key > self._last:
            self._container.seek(
                int(index.pts[key]), stream=self._stream, backward=True, any_frame=False
            )
            self._packets = self._container.demux(self._stream)
            self._last = -1
        drain_at = int(index.pts[target]) if target == key else None
        for packet in self._packets:
            try:
                frames = list(packet.decode())
                if drain_at is not None and packet.pts == drain_at and packet.is_keyframe:
                    frames += self._stream.codec_context.decode(None)
                    self._packets = None  # drained: the next read seeks (which resets it)
            except av.error.InvalidDataError:
                continue  # a corrupt stretch must not end the sampling
            for frame in frames:
                number = None if frame.pts is None else self._number_of.get(int(frame.pts))
                if number is None:
                    continue  # not a frame of the video (discarded by the edit list)
                self._last = number
                if number >= target:
                    return number, self._small(frame)
            if self._packets is None:
                return None
        self._packets = None
        return None

    def _small(self, frame: Any) -> np.ndarray:
        small = self._reformatter.reformat(
            frame, width=_SMALL, height=_SMALL, format="gray", interpolation="AREA"
        ).to_ndarray()
        return upright(small, rotation_of(frame))


def dumps(hashes: FrameHashes) -> str:
    """The stored form: compact JSON ``[[ms, "hex"], ...]`` (text and integers only)."""
    return json.dumps([[int(ms), str(h)] for ms, h in hashes], separators=(",", ":"))


def loads(text: str | None) -> FrameHashes:
    """The stored form read back; nothing usable (or nothing stored) gives an empty list."""
    if not text:
        return []
    try:
        rows = json.loads(text)
        return [(int(ms), str(h)) for ms, h in rows if isinstance(h, str) and len(h) == 16]
    except (ValueError, TypeError):
        return []


# --- comparing ---------------------------------------------------------------------------------


def _bits(hashes: Sequence[str]) -> np.ndarray:
    return np.array([int(h, 16) for h in hashes], dtype=np.uint64)


def informative(phash: str) -> bool:
    """False for a missing or flat picture's hash (it would match every other flat one)."""
    if len(phash) != 16:
        return False
    ones = int(phash, 16).bit_count()
    return _INFORMATIVE_BITS[0] <= ones <= _INFORMATIVE_BITS[1]


@dataclass(frozen=True, slots=True, eq=False)
class Fingerprint:
    """What one media item looks like: pHashes (uint64) at times (ms, ascending).

    An image has one hash at time 0 and duration 0.
    """

    duration_ms: int
    ms: np.ndarray
    bits: np.ndarray
    is_image: bool = False

    @classmethod
    def of_video(cls, duration_ms: int | None, hashes: FrameHashes) -> Fingerprint:
        rows = sorted(hashes)
        times = np.array([ms for ms, _ in rows], dtype=np.int64)
        end = max(int(duration_ms or 0), int(times[-1]) + 1 if rows else 0)
        return cls(end, times, _bits([h for _, h in rows]))

    @classmethod
    def of_image(cls, phash: str) -> Fingerprint | None:
        if not informative(phash):
            return None
        return cls(0, np.zeros(1, dtype=np.int64), _bits([phash]), is_image=True)

    @property
    def spacing_ms(self) -> float:
        return self.duration_ms / max(1, self.ms.size)


class Relation(enum.StrEnum):
    SAME = "same"  # the same footage start to end: re-encoded, resized
    EXCERPT = "excerpt"  # the shorter video is a part of the longer, from offset_ms
    FRAME = "frame"  # a picture of one frame of the video, at offset_ms
    IMAGE = "image"  # two pictures alike


@dataclass(frozen=True, slots=True)
class Match:
    """How alike two media are, and how they line up.

    ``outer`` is 0 when the first of the two compared is the longer (containing) one, else 1;
    ``offset_ms`` is where the other starts in it (None for two pictures).
    """

    score: float  # 0..1
    relation: Relation
    offset_ms: int | None
    frames: int  # frame pairs compared
    outer: int = 0


def similarity(bits_apart: np.ndarray | int) -> np.ndarray:
    """1 for hashes at most SAME_BITS apart, 0 from UNRELATED_BITS on, linear between."""
    span = UNRELATED_BITS - SAME_BITS
    return np.clip((UNRELATED_BITS - np.asarray(bits_apart, dtype=np.float64)) / span, 0.0, 1.0)


def compare(a: Fingerprint, b: Fingerprint) -> Match | None:
    """The best way ``a`` and ``b`` line up, or None when nothing suggests they are alike."""
    if a.ms.size == 0 or b.ms.size == 0:
        return None
    if a.is_image and b.is_image:
        apart = int(np.bitwise_count(a.bits[0] ^ b.bits[0]))
        if apart > PAIR_BITS:
            return None
        return Match(float(similarity(apart)), Relation.IMAGE, None, 1)
    if a.is_image or b.is_image:
        video, picture, outer = (b, a, 1) if a.is_image else (a, b, 0)
        apart_all = np.bitwise_count(video.bits ^ picture.bits[0])
        best = int(np.argmin(apart_all))
        if int(apart_all[best]) > PAIR_BITS:
            return None
        score = float(similarity(int(apart_all[best])))
        return Match(score, Relation.FRAME, int(video.ms[best]), 1, outer)
    if a.duration_ms >= b.duration_ms:
        found = _slide(a, b)
        return found
    found = _slide(b, a)
    if found is None:
        return None
    return Match(found.score, found.relation, found.offset_ms, found.frames, 1)


def _nearest(sorted_ms: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Index of the value in ``sorted_ms`` nearest to each of ``times``."""
    right = np.clip(np.searchsorted(sorted_ms, times), 0, sorted_ms.size - 1)
    left = np.clip(right - 1, 0, sorted_ms.size - 1)
    use_left = np.abs(sorted_ms[left] - times) <= np.abs(sorted_ms[right] - times)
    return np.where(use_left, left, right)


def _pairs(long: Fingerprint, short: Fingerprint, offset: int, tolerance: float) -> np.ndarray:
    """(short index, long index) of samples that show the same moment at this offset.

    Each sample of either video is paired with the other's sample nearest in time, when
    that is within ``tolerance``: the denser video thereby covers the sparser one.
    """
    shifted = short.ms + offset
    j = _nearest(long.ms, shifted)
    ok = np.abs(long.ms[j] - shifted) <= tolerance
    first = np.stack([np.flatnonzero(ok), j[ok]], axis=1)
    inside = np.flatnonzero(
        (long.ms >= offset - tolerance) & (long.ms <= offset + short.duration_ms + tolerance)
    )
    back = long.ms[inside] - offset
    i = _nearest(short.ms, back)
    ok = np.abs(short.ms[i] - back) <= tolerance
    second = np.stack([i[ok], inside[ok]], axis=1)
    return np.unique(np.concatenate([first, second]), axis=0)


def _slide(long: Fingerprint, short: Fingerprint) -> Match | None:
    """Slide ``short`` along ``long``: the offset where their frames agree best."""
    apart = np.bitwise_count(short.bits[:, None] ^ long.bits[None, :]).astype(np.int64)
    close_i, close_j = np.nonzero(apart <= PAIR_BITS)
    if close_i.size == 0:
        return None
    tolerance = float(np.clip(0.6 * min(long.spacing_ms, short.spacing_ms), 120, 1000))
    offsets = long.ms[close_j] - short.ms[close_i]
    room = long.duration_ms - short.duration_ms
    offsets = np.unique(offsets[(offsets >= -tolerance) & (offsets <= room + tolerance)])
    needed = min(MIN_PAIRS, short.ms.size, long.ms.size)
    best: tuple[tuple[float, int], int, np.ndarray] | None = None
    for offset in offsets.tolist():
        pairs = _pairs(long, short, offset, tolerance)
        if len(pairs) < needed:
            continue
        score = float(similarity(apart[pairs[:, 0], pairs[:, 1]]).mean())
        key = (score, len(pairs))
        if best is None or key > best[0]:
            best = (key, offset, pairs)
    if best is None:
        return None
    (score, count), offset, pairs = best
    offset = _refine(long, short, pairs, apart, offset)
    whole = short.duration_ms >= WHOLE * long.duration_ms and abs(offset) <= tolerance
    if whole:
        return Match(score, Relation.SAME, 0, count)
    return Match(score, Relation.EXCERPT, max(0, offset), count)


def _refine(
    long: Fingerprint, short: Fingerprint, pairs: np.ndarray, apart: np.ndarray, offset: int
) -> int:
    """The offset the closest frame pairs agree on (the median of what each implies)."""
    distances = apart[pairs[:, 0], pairs[:, 1]]
    closest = pairs[distances <= distances.min() + 2]
    implied = long.ms[closest[:, 1]] - short.ms[closest[:, 0]]
    return int(np.median(implied)) if implied.size else offset


def candidate_pairs(prints: Sequence[Fingerprint | None]) -> list[tuple[int, int]]:
    """Pairs (i < j) of fingerprints with at least one pair of frames close enough to check.

    All hashes are compared at once in blocks (XOR and popcount), so only pairs with a
    reason to be alike get the slower alignment.
    """
    owners: list[np.ndarray] = []
    bits: list[np.ndarray] = []
    for number, fp in enumerate(prints):
        if fp is not None and fp.bits.size:
            owners.append(np.full(fp.bits.size, number, dtype=np.int64))
            bits.append(fp.bits)
    if not bits:
        return []
    owner = np.concatenate(owners)
    every = np.concatenate(bits)
    found: set[tuple[int, int]] = set()
    block = max(1, 4_000_000 // every.size)
    for start in range(0, every.size, block):
        apart = np.bitwise_count(every[start : start + block, None] ^ every[None, :])
        rows, cols = np.nonzero(apart <= PAIR_BITS)
        a, b = owner[rows + start], owner[cols]
        keep = a < b
        found.update(zip(a[keep].tolist(), b[keep].tolist(), strict=True))
    return sorted(found)


def components(count: int, edges: Sequence[tuple[int, int]]) -> list[list[int]]:
    """Connected groups (two or more members) of ``count`` items joined by ``edges``."""
    parent = list(range(count))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for item in range(count):
        groups.setdefault(root(item), []).append(item)
    return [members for members in groups.values() if len(members) > 1]


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a group member sits relative to the group's reference, and how sure we are."""

    score: float  # the weakest match on the best chain of matches to the reference
    offset_ms: int | None  # where it starts in the reference (None for pictures vs pictures)
    relation: Relation | None  # its own match to the reference or to the chain (None: ref)


def place(
    reference: int, edges: dict[tuple[int, int], Match], members: Sequence[int]
) -> dict[int, Placement]:
    """Each member's position in the reference's time, along its most certain chain.

    ``edges`` maps (i, j) to ``compare(prints[i], prints[j])``. Offsets add up along the
    chain (an excerpt of a re-encode of the reference starts where it starts in both).
    """
    links: dict[int, list[tuple[int, Match, int]]] = {m: [] for m in members}
    for (i, j), found in edges.items():
        if i in links and j in links:
            links[i].append((j, found, 0))
            links[j].append((i, found, 1))
    placed: dict[int, Placement] = {}
    order = itertools.count()  # ties never compare offsets or relations
    queue: list[tuple[float, int, int, int | None, Relation | None]] = [
        (-1.0, next(order), reference, 0, None)
    ]
    while queue:
        negative, _, node, offset, relation = heapq.heappop(queue)
        if node in placed:
            continue
        placed[node] = Placement(-negative, offset, relation)
        for other, found, side in links[node]:
            if other in placed:
                continue
            step = found.offset_ms
            position: int | None = None
            if offset is not None and step is not None:
                # ``side`` says which end of the pair ``node`` is: 0 = first compared.
                node_is_outer = (found.outer == 0) == (side == 0)
                position = offset + step if node_is_outer else offset - step
            score = min(-negative, found.score)
            heapq.heappush(queue, (-score, next(order), other, position, found.relation))
    return placed
