"""The graphic-content shield: investigators choose what distressing footage they see.

Media marked graphic show blurred (thumbnails and picture) until revealed, per item and per
session; so do the frames of moments and segments marked graphic (a segment's whole span,
a moment's frame; on a picture, the picture). A grayscale view takes the colour out of
everything. Display only: nothing about
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

# A graphic moment or segment: (annotation uid, first frame, last frame); frames None on a
# picture, where the annotation covers the whole picture.
Span = tuple[str, int | None, int | None]


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
        self._spans_media = ""
        self.media: Media | None = None
        self.spans: list[Span] = []  # the graphic moments and segments of the media shown
        for view in (viewer.player.view, viewer.image_viewer.view):
            view.shield = self._filter

    def hides(self, media: Media) -> bool:
        return self.blur_enabled and media.graphic and media.uid not in self.revealed

    def hidden_at(self, frame: int | None) -> list[str]:
        """The graphic moments and segments covering ``frame`` (None: a picture) still hidden."""
        if not self.blur_enabled:
            return []
        hidden = []
        for uid, first, last in self.spans:
            if uid in self.revealed:
                continue
            if first is None or (
                frame is not None and first <= frame <= (first if last is None else last)
            ):
                hidden.append(uid)
        return hidden

    def current_frame(self) -> int | None:
        if self.media is None or self.media.kind.value == "image":
            return None
        return self.viewer.player.view.frame_number

    def hides_now(self) -> bool:
        """Whether what is on screen now is blurred by the shield."""
        if self.media is None:
            return False
        return self.hides(self.media) or bool(self.hidden_at(self.current_frame()))

    def set_media(self, media: Media | None) -> None:
        self.media = media
        if media is None or (self.spans and media.uid != self._spans_media):
            self.spans = []
        self._refilter()

    def set_spans(self, media_uid: str, spans: list[Span]) -> None:
        """The graphic moments and segments of ``media_uid`` (as the annotation list has them)."""
        if spans == self.spans and media_uid == self._spans_media:
            return
        self._spans_media, self.spans = media_uid, spans
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
        """Show media ``uid`` (or the graphic moment or segment ``uid``) unblurred this session."""
        self.revealed.add(uid)
        self._refilter()
        self.changed.emit()

    def reveal_now(self) -> None:
        """Reveal everything that blurs the picture on screen: the media and its segments."""
        if self.media is None:
            return
        self.revealed.update([self.media.uid, *self.hidden_at(self.current_frame())])
        self._refilter()
        self.changed.emit()

    def _filter(self, image: QImage, frame: int | None) -> QImage:
        if self.media is not None and (self.hides(self.media) or self.hidden_at(frame)):
            image = blurred(image)
        return grayscale(image) if self.grayscale_enabled else image

    def _refilter(self) -> None:
        for view in (self.viewer.player.view, self.viewer.image_viewer.view):
            view.refilter()


def _flag(value: object) -> bool:
    return value is True or str(value).lower() in ("true", "1")
