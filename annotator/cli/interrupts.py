"""Ctrl-C during long work: cancel cleanly first, interrupt for real the second time."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType

from annotator.core.progress import CancelToken


@contextlib.contextmanager
def cancel_on_interrupt(token: CancelToken) -> Iterator[None]:
    """The first Ctrl-C cancels the work (what is done stays recorded); a second one quits.

    A KeyboardInterrupt raised inside the running generator would end it without its
    report, so the signal only sets the token and the work stops at its next check.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum: int, frame: FrameType | None) -> None:
        token.cancel()
        signal.signal(signal.SIGINT, previous)
        print("\ncancelling: finishing the files in progress...", file=sys.stderr)

    signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
