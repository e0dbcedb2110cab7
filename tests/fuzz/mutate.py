"""Seeded, deterministic mutations of real media files, and the formats they start from.

A mutant is fully named by ``(format, seed, index)``: :func:`mutant` rebuilds its bytes
from the seed file alone, so a finding is kept as a regression test without committing
any binary. The seed files are small and generated with :mod:`tests.media_factory`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Format:
    name: str  # what the tables and regression tests call it
    suffix: str
    family: str  # video, image or audio: what else the worker exercises


FORMATS: tuple[Format, ...] = (
    Format("h264-mp4", ".mp4", "video"),
    Format("vp9-webm", ".webm", "video"),
    Format("mjpeg-avi", ".avi", "video"),
    Format("jpeg", ".jpg", "image"),
    Format("png", ".png", "image"),
    Format("wav", ".wav", "audio"),
)
BY_NAME = {fmt.name: fmt for fmt in FORMATS}


def make_seed(fmt: Format, folder: Path) -> Path:
    """Generate the small, valid file that ``fmt``'s mutants start from."""
    from tests import media_factory as mf

    path = folder / f"seed-{fmt.name}{fmt.suffix}"
    if path.exists():
        return path
    if fmt.name == "h264-mp4":
        mf.make_video(path, codec="h264", frames=12, size=(64, 48), gop=4)
    elif fmt.name == "vp9-webm":
        mf.make_video(path, codec="vp9", frames=12, size=(64, 48), gop=4)
    elif fmt.name == "mjpeg-avi":
        mf.make_video(path, codec="mjpeg", frames=12, size=(64, 48))
    elif fmt.name in {"jpeg", "png"}:
        mf.make_image(path, size=(64, 48))
    elif fmt.name == "wav":
        mf.make_audio(path, codec="pcm", seconds=0.1)
    else:
        raise ValueError(f"unknown format {fmt.name}")
    return path


# Values that tend to sit on a parser's edge: sizes and counts at 0, -1, sign bits.
_INTERESTING = (
    b"\x00",
    b"\xff",
    b"\x7f",
    b"\x80",
    b"\x00\x00\x00\x00",
    b"\xff\xff\xff\xff",
    b"\x7f\xff\xff\xff",
    b"\x80\x00\x00\x00",
    b"\x00\x00\x00\x01",
)

Mutation = Callable[[random.Random, bytearray], None]


def _offset(rng: random.Random, data: bytearray) -> int:
    # Headers hold most of the structure: half the edits land in the first 256 bytes.
    if rng.random() < 0.5:
        return rng.randrange(min(len(data), 256))
    return rng.randrange(len(data))


def bit_flip(rng: random.Random, data: bytearray) -> None:
    for _ in range(rng.randint(1, 8)):
        pos = _offset(rng, data)
        data[pos] ^= 1 << rng.randrange(8)


def overwrite(rng: random.Random, data: bytearray) -> None:
    pos = _offset(rng, data)
    interesting = rng.random() < 0.5
    value = rng.choice(_INTERESTING) if interesting else rng.randbytes(rng.randint(1, 16))
    data[pos : pos + len(value)] = value[: len(data) - pos]


def truncate(rng: random.Random, data: bytearray) -> None:
    if len(data) > 1:
        del data[rng.randrange(1, len(data)) :]


def duplicate_chunk(rng: random.Random, data: bytearray) -> None:
    start = rng.randrange(len(data))
    chunk = data[start : start + rng.randint(1, 512)]
    pos = rng.randrange(len(data) + 1)
    data[pos:pos] = chunk


def remove_chunk(rng: random.Random, data: bytearray) -> None:
    start = _offset(rng, data)
    del data[start : start + rng.randint(1, 512)]
    if not data:
        data.append(0)


def insert_random(rng: random.Random, data: bytearray) -> None:
    pos = _offset(rng, data)
    data[pos:pos] = rng.randbytes(rng.randint(1, 64))


MUTATIONS: tuple[Mutation, ...] = (
    bit_flip,
    overwrite,
    truncate,
    duplicate_chunk,
    remove_chunk,
    insert_random,
)


def mutant(seed_bytes: bytes, fmt: str, seed: int, index: int) -> tuple[bytes, list[str]]:
    """Mutant ``index`` of run ``seed`` for ``fmt``: its bytes and the mutations applied.

    One to three mutations are stacked; the random stream is seeded by the text
    ``fmt:seed:index``, which Python hashes the same way on every platform and run.
    """
    rng = random.Random(f"{fmt}:{seed}:{index}")
    data = bytearray(seed_bytes)
    applied = []
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        mutation = rng.choice(MUTATIONS)
        mutation(rng, data)
        applied.append(mutation.__name__)
    return bytes(data), applied
