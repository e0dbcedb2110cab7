"""Progress of long work: counts, bytes, current item, elapsed and remaining time, Cancel."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from annotator.core.progress import Progress


def human_bytes(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


def clock(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ProgressDialog(QDialog):
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None, title: str, noun: str = "files") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 70)
        self._noun = noun
        self._started = time.monotonic()
        self.counts = QLabel("Starting...")
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bytes_label = QLabel("")
        self.current = QLabel("")
        self.current.setTextFormat(Qt.TextFormat.PlainText)
        self.current.setMinimumWidth(10)
        self.timing = QLabel("")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self._cancel)
        layout = QVBoxLayout(self)
        for widget in (self.counts, self.bar, self.bytes_label, self.current, self.timing):
            layout.addWidget(widget)
        layout.addWidget(self.buttons)

    def _cancel(self) -> None:
        self.buttons.setEnabled(False)
        self.counts.setText("Cancelling: finishing the files in progress...")
        self.cancel_requested.emit()

    def reject(self) -> None:  # Esc and the window's close button also cancel
        if self.buttons.isEnabled():
            self._cancel()

    def update_progress(self, progress: Progress) -> None:
        elapsed = time.monotonic() - self._started
        if progress.total:
            self.bar.setRange(0, progress.total)
            self.bar.setValue(progress.done)
        if self.buttons.isEnabled():
            self.counts.setText(f"{progress.done} of {progress.total or '?'} {self._noun}")
        if progress.bytes_total:
            self.bytes_label.setText(
                f"{human_bytes(progress.bytes_done)} of {human_bytes(progress.bytes_total)}"
            )
        if progress.current:
            metrics = self.current.fontMetrics()
            self.current.setText(
                metrics.elidedText(
                    progress.current, Qt.TextElideMode.ElideMiddle, max(200, self.current.width())
                )
            )
        remaining = ""
        fraction = None
        if progress.bytes_total:
            fraction = progress.bytes_done / progress.bytes_total
        elif progress.fraction is not None:
            fraction = progress.fraction
        if fraction and fraction > 0.02 and elapsed > 1:
            remaining = f", about {clock(elapsed * (1 - fraction) / fraction)} left"
        self.timing.setText(f"Elapsed {clock(elapsed)}{remaining}")
