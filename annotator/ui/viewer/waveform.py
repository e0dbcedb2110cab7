"""The waveform strip: where the sound is, the playhead, click to go there."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, QThread, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from annotator.media.waveform import Waveform, cached_waveform


class _Compute(QThread):
    done = Signal(object)  # Waveform or None

    def __init__(self, path: Path, cache_file: Path | None, parent: QObject) -> None:
        super().__init__(parent)
        self.path, self.cache_file = path, cache_file

    def run(self) -> None:
        try:
            self.done.emit(cached_waveform(self.path, self.cache_file))
        except Exception:  # no waveform is not an error worth a dialog: the strip says so
            self.done.emit(None)


class WaveformStrip(QWidget):
    seek_ms = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.waveform: Waveform | None = None
        self.duration_ms = 0
        self.position_ms = 0
        self.status = ""
        self._worker: _Compute | None = None
        self.setMinimumHeight(self.fontMetrics().height() * 3)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip("The sound of the file: click to go there")

    def load(self, path: Path, duration_ms: int, cache_file: Path | None) -> None:
        self.stop()
        self.waveform, self.duration_ms, self.status = None, duration_ms, "Reading the sound..."
        self._worker = _Compute(path, cache_file, self)
        self._worker.done.connect(self._loaded)
        self._worker.start()
        self.update()

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.wait()
            self._worker.deleteLater()
            self._worker = None

    def _loaded(self, waveform: Waveform | None) -> None:
        self.waveform = waveform
        self.status = "" if waveform is not None else "No sound in this file."
        if waveform is not None and not self.duration_ms:
            self.duration_ms = waveform.duration_ms
        self.update()

    def set_position(self, ms: int) -> None:
        self.position_ms = ms
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.duration_ms and self.width():
            fraction = min(1.0, max(0.0, event.position().x() / self.width()))
            self.seek_ms.emit(int(fraction * self.duration_ms))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        width, height = self.width(), self.height()
        middle = height / 2
        if self.waveform is None:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.status)
        elif self.duration_ms:
            peaks = self.waveform.peaks
            loudest = float(abs(peaks).max()) if peaks.size else 0.0
            # Quiet recordings are drawn larger (up to 8x) so speech stands out.
            gain = min(8.0, 0.95 / loudest) if loudest > 0 else 1.0
            painter.setPen(palette.color(QPalette.ColorRole.Highlight))
            per_pixel = self.duration_ms / width / self.waveform.bucket_ms
            for x in range(width):
                start = int(x * per_pixel)
                stop = max(start + 1, int((x + 1) * per_pixel))
                chunk = peaks[start:stop]
                if chunk.size == 0:
                    break
                low, high = float(chunk[:, 0].min()) * gain, float(chunk[:, 1].max()) * gain
                painter.drawLine(
                    QPointF(x, middle - high * middle), QPointF(x, middle - low * middle)
                )
        if self.duration_ms:
            x = self.position_ms / self.duration_ms * width
            painter.setPen(QColor("#d32f2f"))
            painter.drawLine(QPointF(x, 0), QPointF(x, height))
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.drawRect(QRectF(0, 0, width - 1, height - 1))
