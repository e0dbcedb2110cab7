"""One decoding thread per open video. The newest request wins; stale results are dropped.

The thread owns its VideoSource (PyAV containers are not shared across threads). The UI
asks for a frame with ``request``; if several requests arrive while a frame is being
decoded, only the last is served. Each result carries its request id so the view can
ignore an answer to a question it no longer asks.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtGui import QImage

from annotator.media.video import FrameIndex, VideoSource
from annotator.ui.viewer.adjust import Adjustments, apply
from annotator.ui.viewer.qimage import to_qimage


@dataclass(frozen=True, slots=True)
class FrameResult:
    request_id: int
    number: int
    ms: int
    image: QImage
    exact: bool  # False for a scrubbing preview (the nearest keyframe)


@dataclass(frozen=True, slots=True)
class _Request:
    request_id: int
    number: int
    exact: bool
    adjust: Adjustments


class FrameLoader(QThread):
    opened = Signal(object)  # FrameIndex
    frame_ready = Signal(object)  # FrameResult
    failed = Signal(str)

    def __init__(
        self,
        path: Path,
        index: FrameIndex | None = None,
        cache_bytes: int = 256 * 1024 * 1024,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._path = path
        self._index = index
        self._cache_bytes = cache_bytes
        self._lock = threading.Condition()
        self._pending: _Request | None = None
        self._stopping = False
        self._next_id = 0

    def request(self, number: int, *, exact: bool = True, adjust: Adjustments | None = None) -> int:
        """Ask for frame ``number`` (or, not exact, its keyframe: instant while scrubbing)."""
        with self._lock:
            self._next_id += 1
            self._pending = _Request(self._next_id, number, exact, adjust or Adjustments())
            self._lock.notify()
            return self._next_id

    def stop(self) -> None:
        """Ask the thread to finish and wait for it (never terminate())."""
        with self._lock:
            self._stopping = True
            self._lock.notify()
        self.wait()

    def run(self) -> None:
        try:
            source = VideoSource(self._path, index=self._index, cache_bytes=self._cache_bytes)
        except Exception as exc:  # reported to the UI, which says what to do
            self.failed.emit(f"{self._path.name} cannot be played: {exc}")
            return
        self.opened.emit(source.index)
        try:
            while True:
                with self._lock:
                    while self._pending is None and not self._stopping:
                        self._lock.wait()
                    if self._stopping:
                        return
                    request, self._pending = self._pending, None
                assert request is not None
                number = request.number
                if not request.exact:
                    number = source.index.keyframe_before(number)
                try:
                    frame = source.read(number)
                except (EOFError, IndexError) as exc:
                    self.failed.emit(f"Frame {request.number} of {self._path.name}: {exc}")
                    continue
                image = to_qimage(apply(frame.rgb, request.adjust))
                self.frame_ready.emit(
                    FrameResult(request.request_id, frame.number, frame.ms, image, request.exact)
                )
        finally:
            source.close()
