"""numpy RGB -> QImage without a copy on the UI thread (the QImage owns its buffer)."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


def to_qimage(rgb: np.ndarray) -> QImage:
    """Build in the worker thread; the returned image holds its own copy of the pixels."""
    rgb = np.ascontiguousarray(rgb)
    height, width = rgb.shape[:2]
    image = QImage(rgb.data, width, height, rgb.strides[0], QImage.Format.Format_RGB888)
    return image.copy()  # detach from the numpy buffer, which the worker may reuse


def to_rgb(image: QImage) -> np.ndarray:
    """QImage -> a new H x W x 3 uint8 RGB array (row padding dropped)."""
    if image.format() != QImage.Format.Format_RGB888:
        image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    data = np.frombuffer(image.constBits(), dtype=np.uint8)[: stride * height]
    return data.reshape(height, stride)[:, : width * 3].reshape(height, width, 3).copy()
