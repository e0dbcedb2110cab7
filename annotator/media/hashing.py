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


def perceptual_hash(rgb: np.ndarray) -> str:
    """64-bit DCT hash (pHash) as 16 hex digits: near-identical pictures differ in few bits.

    Lets investigators find re-encoded or resized copies of the same image or poster frame.
    """
    import cv2

    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY) if rgb.ndim == 3 else rgb
    small = cv2.resize(gray, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32)
    low = cv2.dct(small)[:8, :8].flatten()
    ac = low[1:]  # skip the DC term: overall brightness
    median = np.partition(ac, ac.size // 2)[ac.size // 2]  # (np.median imports numpy.ma)
    bits = ac > median
    value = 0
    for bit in bits:
        value = (value << 1) | int(bit)
    return f"{value:016x}"
