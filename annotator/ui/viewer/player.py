"""The video player: exact frames, transport, keyboard, zoom and display adjustments.

Everything that records "the current position" reads ``current_frame``/``current_ms``:
the frame on screen, whose time is its presentation timestamp, never frame / fps.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QInputDialog, QLabel, QVBoxLayout, QWidget

from annotator.core.errors import ValidationError
from annotator.core.timecode import format_ms, parse_timecode
from annotator.media.video import FrameIndex
from annotator.ui.shortcuts import shortcut
from annotator.ui.viewer.adjust import Adjustments
from annotator.ui.viewer.audio import AudioTrack, audio_unavailable_reason
from annotator.ui.viewer.clock import PlaybackClock
from annotator.ui.viewer.controls import TransportBar
from annotator.ui.viewer.frame_loader import FrameLoader, FrameResult
from annotator.ui.viewer.frame_view import FrameView
from annotator.ui.viewer.picture_tools import PictureTools
from annotator.ui.viewer.waveform import WaveformStrip

TICK_MS = 5  # how often playback asks "which frame is on screen now?"
SCRUB_REST_MS = 150  # the slider is resting: replace the keyframe preview by the exact frame
AUDIO_START_WAIT_S = 2.0  # sound outputs take a moment to start; hold the picture meanwhile


def ask_position(parent: QWidget, current: str) -> str | None:
    text, ok = QInputDialog.getText(
        parent, "Go to", "Time (HH:MM:SS.mmm) or frame number:", text=current
    )
    return text if ok else None


class Player(QWidget):
    position_changed = Signal(int, int)  # frame on screen, its time in ms
    message = Signal(str)  # one line for the status bar

    def __init__(self, parent: QWidget | None = None, cache_bytes: int = 256 << 20) -> None:
        super().__init__(parent)
        self.cache_bytes = cache_bytes
        self.view = FrameView()
        self.tools = PictureTools(self.view)
        self.tools.adjust.changed.connect(self.set_adjustments)
        self.transport = TransportBar()
        self.notice = QLabel()
        self.notice.hide()
        self.waveform = WaveformStrip()
        self.waveform.seek_ms.connect(self.seek_ms)
        self.waveform.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.tools)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.notice)
        layout.addWidget(self.waveform)
        layout.addWidget(self.transport)

        self.loader: FrameLoader | None = None
        self.index: FrameIndex | None = None
        self.path: Path | None = None
        self.audio: AudioTrack | None = None
        self.adjust = Adjustments()
        self.current_frame = -1
        self.current_ms = 0
        self._requested = -1  # last exact frame asked for: steps build on it
        self._shown_id = 0
        self.clock = PlaybackClock()
        self.loop = False
        self.loop_range: tuple[int, int] | None = None
        self.played_frames = 0  # frames shown while playing (dropped ones are not counted)
        self._audio_wait: tuple[int, float] | None = None
        self.pending_seek: int | None = None  # where to go once the video is open

        self._tick = QTimer(self)
        self._tick.setTimerType(Qt.TimerType.PreciseTimer)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        self._scrub_rest = QTimer(self)
        self._scrub_rest.setSingleShot(True)
        self._scrub_rest.setInterval(SCRUB_REST_MS)
        self._scrub_rest.timeout.connect(lambda: self.seek(self.transport.slider.value()))

        t = self.transport
        t.play_toggled.connect(self.toggle_play)
        t.step.connect(self.step)
        t.seek_preview.connect(self._preview)
        t.seek_exact.connect(self.seek)
        t.speed_changed.connect(self._speed_changed)
        t.loop_toggled.connect(self._loop_toggled)
        t.mute_toggled.connect(lambda m: self.audio and self.audio.set_muted(m))
        t.volume_changed.connect(lambda v: self.audio and self.audio.set_volume(v))
        self._install_shortcuts()

    # --- opening and closing -------------------------------------------------------------

    def open(
        self,
        path: Path,
        index: FrameIndex | None = None,
        has_audio: bool = False,
        waveform_cache: Path | None = None,
    ) -> None:
        self.close_media()
        self.path = path
        self.index = None
        self.current_frame, self._requested, self._shown_id = -1, -1, 0
        self.loader = FrameLoader(path, index, self.cache_bytes, self)
        self.loader.opened.connect(self._opened)
        self.loader.frame_ready.connect(self._show)
        self.loader.failed.connect(self._failed)
        self.loader.start()
        self.notice.hide()
        if has_audio:
            reason = audio_unavailable_reason()
            if reason is None:
                self.audio = AudioTrack(path, self)
                self.audio.position.connect(self._audio_position)
            else:
                self._notify(reason)
        self.waveform.setVisible(has_audio)
        if has_audio:
            self.waveform.load(path, index.duration_ms if index else 0, waveform_cache)
        self.transport.mute_button.setEnabled(self.audio is not None)
        self.transport.volume.setEnabled(self.audio is not None)

    def close_media(self) -> None:
        self.pause()
        self.waveform.stop()
        if self.loader is not None:
            self.loader.stop()
            self.loader.deleteLater()
            self.loader = None
        if self.audio is not None:
            self.audio.close()
            self.audio.deleteLater()
            self.audio = None

    def _opened(self, index: FrameIndex) -> None:
        self.index = index
        self.waveform.duration_ms = index.duration_ms
        self.transport.set_range(index.frame_count)
        self.seek(self.pending_seek or 0)
        self.pending_seek = None

    def _failed(self, text: str) -> None:
        self._notify(text)

    def _notify(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.show()
        self.message.emit(text)

    # --- frames ----------------------------------------------------------------------------

    def seek(self, number: int) -> None:
        """Show exactly frame ``number`` (clamped to the video)."""
        if self.index is None or self.loader is None:
            return
        number = min(max(0, number), self.index.frame_count - 1)
        self._requested = number
        self.loader.request(number, adjust=self.adjust)
        if self.clock.running:
            self.clock.start(self.index.ms(number))
            if self.audio is not None:
                self.audio.seek(self.index.ms(number))

    def seek_ms(self, t_ms: int) -> None:
        """Show the frame on screen at ``t_ms``: the last frame whose time is <= t_ms."""
        if self.index is not None:
            self.seek(self.index.frame_at_ms(max(0, t_ms)))

    def step(self, frames: int) -> None:
        if self.index is None:
            return
        self.pause()
        base = self._requested if self._requested >= 0 else max(0, self.current_frame)
        self.seek(base + frames)

    def jump_ms(self, delta_ms: int) -> None:
        if self.index is None:
            return
        self.pause()
        base = self.index.ms(self._requested if self._requested >= 0 else 0)
        self.seek_ms(base + delta_ms)

    def _preview(self, number: int) -> None:
        if self.loader is not None:
            self.loader.request(number, exact=False, adjust=self.adjust)
            self._scrub_rest.start()

    def _show(self, result: FrameResult) -> None:
        if result.request_id <= self._shown_id or self.index is None:
            return  # an answer to a question we no longer ask
        self._shown_id = result.request_id
        self.view.set_image(result.image, result.number)
        if not result.exact:
            self.transport.show_position(result.number, result.ms, self.index.frame_count)
            return
        self.current_frame, self.current_ms = result.number, result.ms
        self.transport.show_position(result.number, result.ms, self.index.frame_count)
        if self.clock.running:
            self.played_frames += 1
        self.waveform.set_position(result.ms)
        self.position_changed.emit(result.number, result.ms)

    def set_adjustments(self, adjust: Adjustments) -> None:
        self.adjust = adjust
        if self.current_frame >= 0 and not self.clock.running:
            self.seek(self.current_frame)

    # --- playback --------------------------------------------------------------------------

    @property
    def playing(self) -> bool:
        return self.clock.running

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def play(self) -> None:
        if self.index is None or self.playing:
            return
        start = max(0, self.current_frame)
        first, last = self._bounds()
        if start >= last:
            start = first
            self.seek(start)
        self.clock.speed = self.transport.speed()
        self.clock.start(self.index.ms(start))
        if self.audio is not None:
            self.audio.play(self.index.ms(start), self.clock.speed)
            self._audio_wait = (self.audio.player.position(), self.clock.now())
        self._tick.start()
        self.transport.show_playing(True)

    def pause(self) -> None:
        if not self.playing:
            return
        self._audio_wait = None
        self._tick.stop()
        self.clock.stop()
        if self.audio is not None:
            self.audio.pause()
        self.transport.show_playing(False)
        if self.current_frame >= 0:
            self._requested = self.current_frame  # stay exactly on the frame on screen

    def _bounds(self) -> tuple[int, int]:
        assert self.index is not None
        if self.loop_range is not None:
            return self.loop_range
        return 0, self.index.frame_count - 1

    def _on_tick(self) -> None:
        if self.index is None or self.loader is None:
            return
        if self._audio_wait is not None and self.audio is not None:
            start_position, since = self._audio_wait
            position = self.audio.player.position()
            if position != start_position:
                self._audio_wait = None  # the sound is running: the clock follows it now
                self.clock.start(position)
            elif self.clock.now() - since < AUDIO_START_WAIT_S:
                self.clock.start(self.current_ms)  # hold the picture until the sound starts
                return
            else:
                self._audio_wait = None
                self._notify("The sound did not start: playing the picture on its own clock.")
        first, last = self._bounds()
        now = self.clock.position()
        target = self.index.frame_at_ms(int(now))
        if target > last or now >= self.index.duration_ms:
            if self.loop:
                self.clock.start(self.index.ms(first))
                if self.audio is not None:
                    self.audio.seek(self.index.ms(first))
                target = first
            else:
                self.pause()
                self.seek(last)
                return
        if target != self._requested:
            # Late frames are dropped, never queued: the loader serves only the newest.
            self._requested = target
            self.loader.request(target, adjust=self.adjust)

    def _audio_position(self, ms: int) -> None:
        if self.playing and abs(self.clock.position() - ms) > 40:
            self.clock.sync(ms)

    def _speed_changed(self, speed: float) -> None:
        self.clock.set_speed(speed)
        if self.audio is not None:
            self.audio.set_rate(speed)
        self.message.emit(f"Speed {speed:g}x")

    def _loop_toggled(self, on: bool) -> None:
        self.loop = on

    def set_loop_range(self, first: int, last: int) -> None:
        """Loop a segment (frames first..last inclusive) while Loop is on."""
        self.loop_range = (min(first, last), max(first, last))

    # --- keyboard --------------------------------------------------------------------------

    def _install_shortcuts(self) -> None:
        actions = {
            "play": self.toggle_play,
            "step_forward": lambda: self.step(1),
            "step_forward_alt": lambda: self.step(1),
            "step_back": lambda: self.step(-1),
            "step_back_alt": lambda: self.step(-1),
            "second_forward": lambda: self.jump_ms(1000),
            "second_back": lambda: self.jump_ms(-1000),
            "ten_forward": lambda: self.jump_ms(10_000),
            "ten_back": lambda: self.jump_ms(-10_000),
            "start": lambda: self.seek(0),
            "end": lambda: self.seek(self.index.frame_count - 1 if self.index else 0),
            "slower": lambda: self.transport.change_speed(-1),
            "faster": lambda: self.transport.change_speed(1),
            "goto": self.go_to,
        }
        self.tools.install_zoom_keys(self)
        self.shortcuts: dict[str, QShortcut] = {}
        for name, slot in actions.items():
            item = QShortcut(QKeySequence(shortcut(name)), self)
            # Only while the player has the focus: never while typing in a text field.
            item.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            item.activated.connect(slot)
            self.shortcuts[name] = item

    def go_to(self) -> None:
        if self.index is None:
            return
        text = ask_position(self, format_ms(self.current_ms))
        if text is None:
            return
        try:
            self.go_to_text(text)
        except ValidationError as exc:
            self._notify(exc.message)

    def go_to_text(self, text: str) -> None:
        """A frame number ("431") or a time ("00:00:14.367", "14.367")."""
        text = text.strip()
        if text.isdigit():
            self.pause()
            self.seek(int(text))
        else:
            self.pause()
            self.seek_ms(parse_timecode(text))
