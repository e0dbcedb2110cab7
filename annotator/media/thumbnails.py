"""Small JPEG thumbnails for the media browser, from an upright RGB picture."""

from __future__ import annotations

import numpy as np

THUMB_WIDTH = 320


def jpeg_thumbnail(rgb: np.ndarray, width: int = THUMB_WIDTH, quality: int = 85) -> bytes:
    import cv2

    height, src_width = rgb.shape[:2]
    if src_width > width:
        new_height = max(1, round(height * width / src_width))
        rgb = cv2.resize(rgb, (width, new_height), interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(
        ".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]
    )
    if not ok:
        raise ValueError("thumbnail could not be encoded")
    return bytes(data)
