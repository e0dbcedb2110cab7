"""The timeline dock's content: a lane chooser and zoom buttons over the scrollable timeline."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from annotator.ui.annotations.timeline import Timeline

LANE_MODE_KEY = "timeline/lanes"
LANE_MODES = (("kind", "By kind"), ("tag", "By tag"))


class TimelinePanel(QWidget):
    def __init__(self, timeline: Timeline, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.timeline = timeline
        self.lanes = QComboBox()
        for mode, label in LANE_MODES:
            self.lanes.addItem(label, mode)
        self.lanes.setToolTip("Show one lane per kind of annotation, or one per tag in use")
        self.lanes.currentIndexChanged.connect(self._lane_mode_changed)
        zoom_in = self._button("+", "Zoom in on the playhead (also Ctrl+wheel)", 0.5)
        zoom_out = self._button("−", "Zoom out (also Ctrl+wheel)", 2.0)
        whole = self._button("Whole", "Show the whole media", 0.0)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 0)
        bar.addWidget(QLabel("Lanes:"))
        bar.addWidget(self.lanes)
        bar.addStretch(1)
        for button in (zoom_in, zoom_out, whole):
            bar.addWidget(button)
        self.scroll = QScrollArea()
        self.scroll.setWidget(timeline)
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        # At least the ruler and two lanes, so the window still fits a small screen; more
        # lanes scroll.
        self.scroll.setMinimumHeight(timeline.lane_height * 3 + 6)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(bar)
        layout.addWidget(self.scroll, 1)
        saved = str(QSettings().value(LANE_MODE_KEY, "kind") or "kind")
        self.lanes.setCurrentIndex(max(0, self.lanes.findData(saved)))
        timeline.set_lane_mode(str(self.lanes.currentData()))

    def _button(self, text: str, tip: str, factor: float) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setAutoRaise(True)
        button.clicked.connect(lambda: self.timeline.zoom_around_playhead(factor))
        return button

    def _lane_mode_changed(self) -> None:
        mode = str(self.lanes.currentData())
        self.timeline.set_lane_mode(mode)
        QSettings().setValue(LANE_MODE_KEY, mode)
