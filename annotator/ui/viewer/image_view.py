"""The image viewer: EXIF-upright, zoom, pan, pixel readout, display-only adjustments.

Decoding (up to the pixel limit, 250 MP by default) happens in a worker thread, so a
60-megapixel photo never freezes the window.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from annotator.ui.viewer.adjust import Adjustments, apply
from annotator.ui.viewer.frame_view import FrameView
from annotator.ui.viewer.picture_tools import PictureTools
from annotator.ui.viewer.qimage import to_qimage


def load_upright_rgb(path: Path, max_pixels: int) -> np.ndarray:
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = max_pixels
    with Image.open(path) as image:
        if image.width * image.height > max_pixels:
            raise ValueError(
                f"{path.name} is larger than the {max_pixels / 1e6:.0f}-megapixel limit."
            )
        upright = ImageOps.exif_transpose(image)
        return np.asarray(upright.convert("RGB"))


class _Render(QThread):
    done = Signal(int, object, object)  # generation, rgb array, QImage
    failed = Signal(int, str)

    def __init__(
        self,
        generation: int,
        path: Path,
        rgb: np.ndarray | None,
        adjust: Adjustments,
        max_pixels: int,
        parent: QObject,
    ) -> None:
        super().__init__(parent)
        self.generation, self.path, self.rgb = generation, path, rgb
        self.adjust, self.max_pixels = adjust, max_pixels

    def run(self) -> None:
        try:
            rgb = self.rgb if self.rgb is not None else load_upright_rgb(self.path, self.max_pixels)
            self.done.emit(self.generation, rgb, to_qimage(apply(rgb, self.adjust)))
        except Exception as exc:  # shown in the viewer, with the file's name
            self.failed.emit(self.generation, f"{self.path.name} cannot be shown: {exc}")


class ImageViewer(QWidget):
    loaded = Signal()
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None, max_pixels: int = 250_000_000) -> None:
        super().__init__(parent)
        self.max_pixels = max_pixels
        self.view = FrameView()
        self.tools = PictureTools(self.view)
        self.tools.adjust.changed.connect(self.set_adjustments)
        self.tools.install_zoom_keys(self)
        self.notice = QLabel()
        self.notice.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.tools)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.notice)
        self.path: Path | None = None
        self.rgb: np.ndarray | None = None
        self.adjust = Adjustments()
        self._generation = 0
        self._threads: set[_Render] = set()

    def open(self, path: Path) -> None:
        self.path, self.rgb = path, None
        self.notice.hide()
        self.view.set_image(QImage())
        self.view.fit_mode = True
        self._render()

    def set_adjustments(self, adjust: Adjustments) -> None:
        self.adjust = adjust
        if self.path is not None:
            self._render()

    def _render(self) -> None:
        assert self.path is not None
        self._generation += 1
        worker = _Render(self._generation, self.path, self.rgb, self.adjust, self.max_pixels, self)
        worker.done.connect(self._done)
        worker.failed.connect(self._failed)
        worker.finished.connect(self._finished)  # bound: dropped if the viewer is gone
        self._threads.add(worker)
        worker.start()

    def _done(self, generation: int, rgb: np.ndarray, image: QImage) -> None:
        if generation != self._generation:
            return  # a newer request is on its way
        self.rgb = rgb
        self.view.set_image(image)
        self.loaded.emit()

    def _failed(self, generation: int, text: str) -> None:
        if generation == self._generation:
            self.notice.setText(text)
            self.notice.show()
            self.message.emit(text)

    def _finished(self) -> None:
        worker = self.sender()
        if isinstance(worker, _Render) and worker in self._threads:
            self._threads.discard(worker)
            worker.deleteLater()

    def close_media(self) -> None:
        for worker in list(self._threads):
            worker.wait()
        self.path, self.rgb = None, None
        self.view.set_image(QImage())
