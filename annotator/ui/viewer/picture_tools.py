"""Zoom buttons, pixel readout and display adjustments, shared by the player and image viewer."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from annotator.ui.shortcuts import shortcut, with_shortcut
from annotator.ui.viewer.adjust import Adjustments
from annotator.ui.viewer.frame_view import ZOOM_STEP, FrameView


def _tool(text: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setToolTip(tip)
    button.setAutoRaise(True)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return button


class AdjustPanel(QWidget):
    changed = Signal(object)  # Adjustments

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.brightness = self._slider(-100, 100, 0)
        self.contrast = self._slider(-100, 100, 0)
        self.gamma = self._slider(20, 500, 100)  # x100
        reset = QPushButton("Reset")
        reset.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        reset.clicked.connect(self.reset)
        note = QLabel("For your eyes only: files and exports are not changed.")
        note.setEnabled(False)
        form = QFormLayout()
        form.addRow("Brightness", self.brightness)
        form.addRow("Contrast", self.contrast)
        form.addRow("Gamma", self.gamma)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addLayout(form)
        row = QHBoxLayout()
        row.addWidget(note, 1)
        row.addWidget(reset)
        layout.addLayout(row)

    def _slider(self, low: int, high: int, value: int) -> QSlider:
        slider = QSlider(Qt.Orientation.Horizontal)
        slider.setRange(low, high)
        slider.setValue(value)
        slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        slider.valueChanged.connect(lambda _: self.changed.emit(self.value()))
        return slider

    def value(self) -> Adjustments:
        return Adjustments(
            self.brightness.value(), self.contrast.value(), self.gamma.value() / 100.0
        )

    def reset(self) -> None:
        for slider, value in ((self.brightness, 0), (self.contrast, 0), (self.gamma, 100)):
            slider.blockSignals(True)
            slider.setValue(value)
            slider.blockSignals(False)
        self.changed.emit(self.value())


class PictureTools(QWidget):
    """A thin bar over the picture: zoom, where the cursor points, and the Adjust panel."""

    def __init__(self, view: FrameView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        fit = _tool("Fit", with_shortcut("Fit the picture in the window", "zoom_fit"))
        fit.clicked.connect(view.fit)
        actual = _tool("100%", with_shortcut("Actual size", "zoom_actual"))
        actual.clicked.connect(view.actual_size)
        out = _tool("-", with_shortcut("Zoom out", "zoom_out"))
        out.clicked.connect(lambda: view.zoom_by(1 / ZOOM_STEP))
        zoom_in = _tool("+", with_shortcut("Zoom in (or the mouse wheel)", "zoom_in"))
        zoom_in.clicked.connect(lambda: view.zoom_by(ZOOM_STEP))
        self.zoom_label = QLabel("fit")
        self.pixel_label = QLabel("")
        self.adjust_button = _tool("Adjust...", "Brightness, contrast and gamma, for viewing only")
        self.adjust_button.setCheckable(True)
        self.adjust = AdjustPanel()
        self.adjust.hide()
        self.adjust_button.toggled.connect(self.adjust.setVisible)
        view.zoom_changed.connect(lambda z: self.zoom_label.setText(f"{z * 100:.0f}%"))
        view.pixel_hovered.connect(self._pixel)
        row = QHBoxLayout()
        row.setContentsMargins(4, 2, 4, 2)
        for widget in (fit, actual, out, zoom_in, self.zoom_label):
            row.addWidget(widget)
        row.addStretch(1)
        row.addWidget(self.pixel_label)
        row.addWidget(self.adjust_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(row)
        layout.addWidget(self.adjust)

    def install_zoom_keys(self, owner: QWidget) -> None:
        """+, -, Ctrl+0 and Ctrl+1 while ``owner`` (the viewer) has the focus."""
        for name, slot in {
            "zoom_in": lambda: self.view.zoom_by(ZOOM_STEP),
            "zoom_in_alt": lambda: self.view.zoom_by(ZOOM_STEP),
            "zoom_out": lambda: self.view.zoom_by(1 / ZOOM_STEP),
            "zoom_fit": self.view.fit,
            "zoom_actual": self.view.actual_size,
        }.items():
            item = QShortcut(shortcut(name), owner)
            item.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            item.activated.connect(slot)

    def _pixel(self, x: int, y: int) -> None:
        self.pixel_label.setText("" if x < 0 else f"x {x}, y {y}")
