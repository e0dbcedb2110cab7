"""Streaming SHA-256 of evidence files, and perceptual hashes of pictures."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from annotator.core.progress import CancelToken

CHUNK = 4 * 1024 * 1024  # large enough that hashlib releases the GIL for most of the work


def sha256_file(
    path: Path,
    cancel: CancelToken | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> tuple[str, int]:
    """(hex digest, bytes read). The file is only ever opened for reading."""
    digest = hashlib.sha256()
    total = 0
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    with path.open("rb", buffering=0) as handle:
        while True:
            if cancel is not None:
                cancel.raise_if_cancelled()
            n = handle.readinto(buffer)
            if not n:
                break
            digest.update(view[:n])
            total += n
            if on_bytes is not None:
                on_bytes(n)
    return digest.hexdigest(), total


HASH_SIDE = 32  # pHash looks at a 32 x 32 grey picture and keeps its 8 x 8 lowest frequencies
# Grey-level spread (0-255) below which a picture is too flat to tell apart from another:
# black frames, fades and blank walls would all hash alike and "match" everything.
MIN_DETAIL = 3.0


def small_gray(picture: np.ndarray) -> np.ndarray:
    """The 32 x 32 grey float picture that pHash looks at, from RGB or grey of any size."""
    import cv2

    gray = cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY) if picture.ndim == 3 else picture
    side = (HASH_SIDE, HASH_SIDE)
    return cv2.resize(gray, side, interpolation=cv2.INTER_AREA).astype(np.float32)


def _dct_hash(small: np.ndarray) -> str:
    import cv2

    low = cv2.dct(small)[:8, :8].flatten()
    ac = low[1:]  # skip the DC term: overall brightness
    median = np.partition(ac, ac.size // 2)[ac.size // 2]  # (np.median imports numpy.ma)
    bits = ac > median
    value = 0
    for bit in bits:
        value = (value << 1) | int(bit)
    return f"{value:016x}"


def perceptual_hash(rgb: np.ndarray) -> str:
    """64-bit DCT hash (pHash) as 16 hex digits: near-identical pictures differ in few bits.

    Lets investigators find re-encoded or resized copies of the same image or poster frame.
    """
    return _dct_hash(small_gray(rgb))


def detailed_hash(picture: np.ndarray) -> str | None:
    """The pHash of a picture with enough detail to identify it; None for a flat one."""
    small = small_gray(picture)
    if float(small.std()) < MIN_DETAIL:
        return None
    return _dct_hash(small)


def hamming(a: str, b: str) -> int:
    """How many of two hex hashes' bits differ."""
    return (int(a, 16) ^ int(b, 16)).bit_count()
