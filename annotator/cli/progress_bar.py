"""Progress on stderr: a bar on a terminal, nothing otherwise unless asked (CLI.md)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from annotator.core.progress import Progress


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


class ProgressBar:
    def __init__(
        self,
        enabled: bool,
        stream: TextIO | None = None,
        width: int = 30,
        *,
        unit: str = "files",
        steps: bool = False,
    ) -> None:
        self.enabled = enabled
        #: What ``done`` counts, and whether to name the step (message, else current item).
        self.unit = unit
        self.steps = steps
        # Looked up now, not when the module was imported: sys.stderr may have been replaced.
        self.stream = stream = stream or sys.stderr
        self.width = width
        self._last = 0.0
        self._tty = stream.isatty()

    def __call__(self, progress: Progress) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if self._tty and now - self._last < 0.1 and progress.done != progress.total:
            return
        self._last = now
        fraction = progress.fraction or 0.0
        filled = int(fraction * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        size = ""
        if progress.bytes_total:
            size = f" {_size(progress.bytes_done)}/{_size(progress.bytes_total)}"
        line = f"[{bar}] {progress.done}/{progress.total or '?'} {self.unit}{size}"
        step = progress.message or progress.current
        if self.steps and step:
            line += f" - {step}"
        if self._tty:
            self.stream.write("\r" + line[:120].ljust(120))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled and self._tty:
            self.stream.write("\n")
            self.stream.flush()
