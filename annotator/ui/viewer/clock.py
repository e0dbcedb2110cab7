"""The playback clock: monotonic time times speed, or the audio position when sound plays."""

from __future__ import annotations

import time
from collections.abc import Callable


class PlaybackClock:
    """Media time in ms. Follows an audio position source when one is attached.

    The audio player reports its position in coarse steps; between reports the clock
    runs on from the last one at the playback speed, so frames stay smooth and in sync.
    """

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self.now = now
        self._anchor_media = 0.0
        self._anchor_wall = now()
        self.speed = 1.0
        self.running = False

    def start(self, at_ms: float) -> None:
        self._anchor_media, self._anchor_wall = at_ms, self.now()
        self.running = True

    def stop(self) -> float:
        position = self.position()
        self.running = False
        self._anchor_media = position
        return position

    def set_speed(self, speed: float) -> None:
        position = self.position()
        self.speed = speed
        self._anchor_media, self._anchor_wall = position, self.now()

    def sync(self, media_ms: float) -> None:
        """An authoritative position (the audio output's): re-anchor on it."""
        self._anchor_media, self._anchor_wall = media_ms, self.now()

    def position(self) -> float:
        if not self.running:
            return self._anchor_media
        return self._anchor_media + (self.now() - self._anchor_wall) * 1000.0 * self.speed
