"""Sound through Qt Multimedia, when this computer can play it; silence with a notice if not.

Qt Multimedia needs the system's PulseAudio client library on Linux, and an output device.
Without either the video still plays, silently, and the user is told once in one line.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QUrl, Signal

log = logging.getLogger(__name__)


def audio_unavailable_reason() -> str | None:
    """None when sound can play here, else a one-line reason for the user."""
    try:
        from PySide6.QtMultimedia import QMediaDevices
    except ImportError as exc:
        log.info("Qt Multimedia unavailable: %s", exc)
        return "Sound is not available on this computer (audio library missing): playing silently."
    if not QMediaDevices.audioOutputs():
        return "No audio output device found: playing silently."
    return None


class AudioTrack(QObject):
    """The file's sound. ``position`` reports where the audio output is, in ms."""

    position = Signal(int)

    def __init__(self, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

        self.output = QAudioOutput(self)
        self.player: Any = QMediaPlayer(self)
        self.player.setAudioOutput(self.output)
        self.player.setSource(QUrl.fromLocalFile(str(path)))
        self.player.positionChanged.connect(lambda ms: self.position.emit(int(ms)))
        self.output.setVolume(0.8)

    def play(self, at_ms: int, rate: float) -> None:
        self.player.setPlaybackRate(rate)
        self.player.setPosition(at_ms)
        self.player.play()

    def pause(self) -> None:
        self.player.pause()

    def seek(self, at_ms: int) -> None:
        self.player.setPosition(at_ms)

    def set_rate(self, rate: float) -> None:
        self.player.setPlaybackRate(rate)

    def set_muted(self, muted: bool) -> None:
        self.output.setMuted(muted)

    def set_volume(self, percent: int) -> None:
        self.output.setVolume(percent / 100.0)

    @property
    def playing(self) -> bool:
        from PySide6.QtMultimedia import QMediaPlayer

        return bool(self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState)

    def close(self) -> None:
        self.player.stop()
        self.player.setSource(QUrl())
