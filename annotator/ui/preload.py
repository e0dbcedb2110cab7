"""Load the native libraries of the decoders on the UI thread, once, before any worker.

Two threads importing native extension modules at the same moment can deadlock: seen
here with PyAV loading in the waveform thread while Qt Multimedia loaded on the UI thread
(each waited for the other inside the import machinery). Importing them all once, in one
thread, right after the window appears, removes the race for the rest of the session.
"""

from __future__ import annotations

import contextlib
import logging

log = logging.getLogger(__name__)
_done = False


def preload_native_modules() -> None:
    global _done
    if _done:
        return
    import av  # noqa: F401
    import cv2  # noqa: F401
    from PIL import Image

    Image.init()
    with contextlib.suppress(ImportError):  # no PulseAudio library: silent playback later
        import PySide6.QtMultimedia  # noqa: F401
    _done = True
    log.debug("native modules loaded")
