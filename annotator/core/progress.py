"""Progress reports and cancellation for long work that runs off the UI thread."""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Progress:
    done: int
    total: int | None
    current: str = ""
    bytes_done: int = 0
    bytes_total: int | None = None
    message: str = ""

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return min(1.0, self.done / self.total)


class Cancelled(Exception):
    """Raised inside long work when the user pressed Cancel; finished parts are kept."""


class CancelToken:
    """Thread-safe flag that the UI sets and the worker checks between items."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``, waking at once on cancel; True when cancelled."""
        return self._event.wait(seconds)

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


def drain(
    work: Generator[Progress, None, T], on_progress: Callable[[Progress], None] | None = None
) -> T:
    """Run long work to the end, passing each Progress on; returns the work's result."""
    while True:
        try:
            update = next(work)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        if on_progress is not None:
            on_progress(update)
