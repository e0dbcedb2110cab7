"""Display-only picture adjustments: brightness, contrast, gamma. Never written anywhere."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np


@dataclass(frozen=True, slots=True)
class Adjustments:
    brightness: int = 0  # -100..100, added in 8-bit levels scaled to +/-128
    contrast: int = 0  # -100..100, around mid-grey
    gamma: float = 1.0  # 0.2..5; > 1 lifts the shadows (reads a document in a dark frame)

    @property
    def neutral(self) -> bool:
        return self == Adjustments()


@lru_cache(maxsize=32)
def _lut(adjust: Adjustments) -> np.ndarray:
    x = np.arange(256, dtype=np.float64) / 255.0
    x = np.power(x, 1.0 / max(0.05, adjust.gamma))
    factor = (100.0 + adjust.contrast) / 100.0
    x = (x - 0.5) * factor * (1.0 if adjust.contrast <= 0 else factor) + 0.5
    x = x + adjust.brightness / 100.0 * 0.5
    return np.clip(np.round(x * 255.0), 0, 255).astype(np.uint8)


def apply(rgb: np.ndarray, adjust: Adjustments) -> np.ndarray:
    """A new array with the adjustment applied; the input is never modified."""
    if adjust.neutral:
        return rgb
    import cv2

    return cv2.LUT(rgb, _lut(adjust))
