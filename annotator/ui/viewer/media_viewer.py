"""The centre of the window: the player for video, the viewer for images, notices otherwise."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QStackedWidget, QWidget

from annotator.core.entities import Media, MediaKind
from annotator.media.video import FrameIndex
from annotator.ui.viewer.audio_pane import AudioPane
from annotator.ui.viewer.image_view import ImageViewer
from annotator.ui.viewer.player import Player


class MediaViewer(QStackedWidget):
    message = Signal(str)

    def __init__(
        self,
        parent: QWidget | None = None,
        cache_bytes: int = 256 << 20,
        max_pixels: int = 250_000_000,
    ) -> None:
        super().__init__(parent)
        self.player = Player(cache_bytes=cache_bytes)
        self.audio_pane = AudioPane()
        self.image_viewer = ImageViewer(max_pixels=max_pixels)
        self.notice = QLabel()
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice.setWordWrap(True)
        for widget in (self.player, self.image_viewer, self.audio_pane, self.notice):
            self.addWidget(widget)
        self.player.message.connect(self.message)
        self.image_viewer.message.connect(self.message)
        self.audio_pane.message.connect(self.message)
        self.media: Media | None = None
        self.path: Path | None = None

    def show_media(
        self,
        media: Media,
        path: Path,
        index: FrameIndex | None = None,
        waveform_cache: Path | None = None,
    ) -> None:
        self.close_media()
        self.media, self.path = media, path
        if not path.is_file():
            self.notice.setText(
                f"{media.file_name} is not where it was: {path}\n\n"
                "Connect the drive or folder that holds it, or set its media root in the "
                "settings. The case keeps its hash to recognise it."
            )
            self.setCurrentWidget(self.notice)
            return
        if media.kind is MediaKind.IMAGE:
            self.image_viewer.open(path)
            self.setCurrentWidget(self.image_viewer)
        elif media.kind is MediaKind.AUDIO:
            self.audio_pane.open(path, media.duration_ms or 0, waveform_cache)
            self.setCurrentWidget(self.audio_pane)
        else:
            has_audio = bool(media.audio_codec)
            self.player.open(path, index, has_audio=has_audio, waveform_cache=waveform_cache)
            self.setCurrentWidget(self.player)
        self.focus_picture()

    def focus_picture(self) -> None:
        widget = self.currentWidget()
        if widget is self.player:
            self.player.view.setFocus()
        elif widget is self.image_viewer:
            self.image_viewer.view.setFocus()
        elif widget is self.audio_pane:
            self.audio_pane.setFocus()

    def close_media(self) -> None:
        self.player.close_media()
        self.image_viewer.close_media()
        self.audio_pane.close_media()
        self.media = self.path = None
