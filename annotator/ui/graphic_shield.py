"""The graphic-content shield: investigators choose what distressing footage they see.

Media marked graphic show blurred (thumbnails and picture) until revealed, per item and per
session; a grayscale view takes the colour out of everything. Display only: nothing about
the file or the records changes, and exports are not affected.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QImage

from annotator.core.entities import Media
from annotator.ui.viewer.media_viewer import MediaViewer

BLUR_KEY = "view/blur_graphic"
GRAYSCALE_KEY = "view/grayscale"
BLUR_WIDTH = 24  # the picture is shrunk to this many pixels across, then enlarged


def blurred(image: QImage) -> QImage:
    """So blurred that shapes and colours remain but no detail (faces, wounds) can be seen."""
    if image.isNull():
        return image
    small = image.scaledToWidth(BLUR_WIDTH, Qt.TransformationMode.SmoothTransformation)
    return small.scaled(
        image.size(),
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )


def grayscale(image: QImage) -> QImage:
    if image.isNull():
        return image
    return image.convertToFormat(QImage.Format.Format_Grayscale8).convertToFormat(image.format())


class GraphicShield(QObject):
    changed = Signal()  # what is hidden changed: thumbnails must be drawn again

    def __init__(self, viewer: MediaViewer, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.viewer = viewer
        settings = QSettings()
        self.blur_enabled = _flag(settings.value(BLUR_KEY, True))
        self.grayscale_enabled = _flag(settings.value(GRAYSCALE_KEY, False))
        self.revealed: set[str] = set()  # this session only: never saved
        self.media: Media | None = None
        for view in (viewer.player.view, viewer.image_viewer.view):
            view.shield = self._filter

    def hides(self, media: Media) -> bool:
        return self.blur_enabled and media.graphic and media.uid not in self.revealed

    def set_media(self, media: Media | None) -> None:
        self.media = media
        self._refilter()

    def set_blur(self, on: bool) -> None:
        self.blur_enabled = on
        QSettings().setValue(BLUR_KEY, on)
        self._refilter()
        self.changed.emit()

    def set_grayscale(self, on: bool) -> None:
        self.grayscale_enabled = on
        QSettings().setValue(GRAYSCALE_KEY, on)
        self._refilter()

    def reveal(self, uid: str) -> None:
        self.revealed.add(uid)
        self._refilter()
        self.changed.emit()

    def _filter(self, image: QImage) -> QImage:
        if self.media is not None and self.hides(self.media):
            image = blurred(image)
        return grayscale(image) if self.grayscale_enabled else image

    def _refilter(self) -> None:
        for view in (self.viewer.player.view, self.viewer.image_viewer.view):
            view.refilter()


def _flag(value: object) -> bool:
    return value is True or str(value).lower() in ("true", "1")
