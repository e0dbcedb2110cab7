"""Audio-only media: the waveform, large, with play/pause, time and volume."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from annotator.ui.shortcuts import shortcut
from annotator.ui.viewer.audio import AudioTrack, audio_unavailable_reason
from annotator.ui.viewer.clock import PlaybackClock
from annotator.ui.viewer.controls import TransportBar
from annotator.ui.viewer.waveform import WaveformStrip

SLIDER_STEP_MS = 10


class AudioPane(QWidget):
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.waveform = WaveformStrip()
        self.waveform.setMinimumHeight(self.fontMetrics().height() * 10)
        self.waveform.seek_ms.connect(self.seek_ms)
        self.transport = TransportBar()
        self.transport.frame_label.hide()  # sound has times, not frames
        self.notice = QLabel()
        self.notice.hide()
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.waveform)
        layout.addWidget(self.notice)
        layout.addStretch(1)
        layout.addWidget(self.transport)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.audio: AudioTrack | None = None
        self.duration_ms = 0
        self.position_ms = 0
        self.clock = PlaybackClock()
        self._tick = QTimer(self)
        self._tick.setInterval(30)
        self._tick.timeout.connect(self._on_tick)
        t = self.transport
        t.play_toggled.connect(self.toggle_play)
        t.step.connect(lambda n: self.seek_ms(self.position_ms + n * 100))
        t.seek_preview.connect(lambda v: self.seek_ms(v * SLIDER_STEP_MS))
        t.seek_exact.connect(lambda v: self.seek_ms(v * SLIDER_STEP_MS))
        t.speed_changed.connect(self._speed)
        t.mute_toggled.connect(lambda m: self.audio and self.audio.set_muted(m))
        t.volume_changed.connect(lambda v: self.audio and self.audio.set_volume(v))
        for name, slot in {
            "play": self.toggle_play,
            "second_forward": lambda: self.seek_ms(self.position_ms + 1000),
            "second_back": lambda: self.seek_ms(self.position_ms - 1000),
            "ten_forward": lambda: self.seek_ms(self.position_ms + 10_000),
            "ten_back": lambda: self.seek_ms(self.position_ms - 10_000),
            "start": lambda: self.seek_ms(0),
        }.items():
            item = QShortcut(QKeySequence(shortcut(name)), self)
            item.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            item.activated.connect(slot)

    def open(self, path: Path, duration_ms: int, waveform_cache: Path | None) -> None:
        self.close_media()
        self.duration_ms, self.position_ms = duration_ms, 0
        self.transport.slider.setRange(0, max(0, duration_ms // SLIDER_STEP_MS))
        self.waveform.load(path, duration_ms, waveform_cache)
        reason = audio_unavailable_reason()
        self.notice.setVisible(reason is not None)
        if reason is None:
            self.audio = AudioTrack(path, self)
            self.audio.position.connect(self._audio_position)
        else:
            self.notice.setText(reason)
            self.message.emit(reason)
        self._show()

    def close_media(self) -> None:
        self.pause()
        self.waveform.stop()
        if self.audio is not None:
            self.audio.close()
            self.audio.deleteLater()
            self.audio = None

    @property
    def playing(self) -> bool:
        return self.clock.running

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def play(self) -> None:
        if self.position_ms >= self.duration_ms:
            self.position_ms = 0
        self.clock.speed = self.transport.speed()
        self.clock.start(self.position_ms)
        if self.audio is not None:
            self.audio.play(self.position_ms, self.clock.speed)
        self._tick.start()
        self.transport.show_playing(True)

    def pause(self) -> None:
        if not self.playing:
            return
        self._tick.stop()
        self.position_ms = int(self.clock.stop())
        if self.audio is not None:
            self.audio.pause()
        self.transport.show_playing(False)
        self._show()

    def seek_ms(self, ms: int) -> None:
        self.position_ms = min(max(0, ms), self.duration_ms)
        if self.playing:
            self.clock.start(self.position_ms)
        if self.audio is not None:
            self.audio.seek(self.position_ms)
        self._show()

    def _speed(self, speed: float) -> None:
        self.clock.set_speed(speed)
        if self.audio is not None:
            self.audio.set_rate(speed)

    def _audio_position(self, ms: int) -> None:
        if self.playing and abs(self.clock.position() - ms) > 40:
            self.clock.sync(ms)

    def _on_tick(self) -> None:
        self.position_ms = min(int(self.clock.position()), self.duration_ms)
        if self.position_ms >= self.duration_ms:
            self.pause()
        self._show()

    def _show(self) -> None:
        self.transport.show_position(self.position_ms // SLIDER_STEP_MS, self.position_ms, 1)
        self.waveform.set_position(self.position_ms)
