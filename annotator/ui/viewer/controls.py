"""The player's transport bar: buttons, seek slider, time and frame readout, speed."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from annotator.core.timecode import format_ms
from annotator.ui.shortcuts import with_shortcut

SPEEDS = (0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 4.0)


def _button(text: str, icon: str, tip: str) -> QToolButton:
    import qtawesome

    button = QToolButton()
    button.setIcon(qtawesome.icon(icon))
    button.setText(text)
    button.setToolTip(tip)
    button.setAutoRaise(True)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the picture
    return button


class TransportBar(QWidget):
    play_toggled = Signal()
    step = Signal(int)
    seek_preview = Signal(int)  # dragging: show the nearest keyframe at once
    seek_exact = Signal(int)
    speed_changed = Signal(float)
    loop_toggled = Signal(bool)
    mute_toggled = Signal(bool)
    volume_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider.setToolTip("Drag to scrub; the exact frame appears when you let go")
        self.slider.sliderMoved.connect(self.seek_preview)
        self.slider.sliderReleased.connect(lambda: self.seek_exact.emit(self.slider.value()))
        self.slider.actionTriggered.connect(self._slider_action)

        self.play_button = _button("Play", "mdi6.play", with_shortcut("Play or pause", "play"))
        self.play_button.clicked.connect(self.play_toggled)
        back = _button("Back", "mdi6.step-backward", with_shortcut("One frame back", "step_back"))
        back.clicked.connect(lambda: self.step.emit(-1))
        forward = _button(
            "Forward", "mdi6.step-forward", with_shortcut("One frame forward", "step_forward")
        )
        forward.clicked.connect(lambda: self.step.emit(1))
        self.loop_button = _button("Loop", "mdi6.repeat", "Loop the video or the selected segment")
        self.loop_button.setCheckable(True)
        self.loop_button.toggled.connect(self.loop_toggled)

        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.time_label = QLabel(format_ms(0))
        self.time_label.setFont(mono)
        self.time_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.time_label.setToolTip(with_shortcut("Time of the frame on screen; go to", "goto"))
        self.frame_label = QLabel("frame 0 / 0")
        self.frame_label.setFont(mono)
        self.frame_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.speed_combo = QComboBox()
        self.speed_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for speed in SPEEDS:
            self.speed_combo.addItem(f"{speed:g}x", speed)
        self.speed_combo.setCurrentIndex(SPEEDS.index(1.0))
        self.speed_combo.setToolTip("Playback speed ([ slower, ] faster)")
        self.speed_combo.currentIndexChanged.connect(
            lambda i: self.speed_changed.emit(float(self.speed_combo.itemData(i)))
        )
        self.mute_button = _button("Mute", "mdi6.volume-high", "Mute or unmute")
        self.mute_button.setCheckable(True)
        self.mute_button.toggled.connect(self.mute_toggled)
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setRange(0, 100)
        self.volume.setValue(80)
        self.volume.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.volume.setMaximumWidth(self.fontMetrics().averageCharWidth() * 12)
        self.volume.setToolTip("Volume")
        self.volume.valueChanged.connect(self.volume_changed)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        for widget in (back, self.play_button, forward, self.loop_button):
            row.addWidget(widget)
        row.addSpacing(8)
        row.addWidget(self.time_label)
        row.addSpacing(8)
        row.addWidget(self.frame_label)
        row.addStretch(1)
        row.addWidget(self.speed_combo)
        row.addWidget(self.mute_button)
        row.addWidget(self.volume)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 4)
        layout.addWidget(self.slider)
        layout.addLayout(row)

    def _slider_action(self, action: int) -> None:
        # A click on the groove (page step) jumps there exactly.
        if action in (
            QSlider.SliderAction.SliderPageStepAdd,
            QSlider.SliderAction.SliderPageStepSub,
        ):
            self.seek_exact.emit(self.slider.sliderPosition())

    def set_range(self, frames: int) -> None:
        self.slider.setRange(0, max(0, frames - 1))
        self.slider.setPageStep(max(1, frames // 20))
        self._frames = frames

    def show_position(self, number: int, ms: int, frames: int) -> None:
        self.time_label.setText(format_ms(ms))
        self.frame_label.setText(f"frame {number} / {frames - 1}")
        if not self.slider.isSliderDown():
            self.slider.blockSignals(True)
            self.slider.setValue(number)
            self.slider.blockSignals(False)

    def show_playing(self, playing: bool) -> None:
        import qtawesome

        self.play_button.setIcon(qtawesome.icon("mdi6.pause" if playing else "mdi6.play"))
        self.play_button.setText("Pause" if playing else "Play")

    def speed(self) -> float:
        return float(self.speed_combo.currentData())

    def change_speed(self, steps: int) -> None:
        index = min(len(SPEEDS) - 1, max(0, self.speed_combo.currentIndex() + steps))
        self.speed_combo.setCurrentIndex(index)
