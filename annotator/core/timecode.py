"""Exact time: milliseconds <-> ``HH:MM:SS.mmm`` and presentation timestamps <-> frames.

The rules (DESIGN.md, "Time, exactly"): a frame's time is its exact pts relative to the
first displayed frame, shown and stored rounded *up* to a whole millisecond, so typing a
shown time selects the same frame again; a typed time selects the last frame whose
pts <= that time. Time is never computed as frame / fps.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Sequence
from fractions import Fraction

from annotator.core.errors import ValidationError

# Bounded digit runs: int() refuses more than 4,300 digits with a ValueError, and no real
# time needs more than these (12 digits of seconds is 31,000 years).
_TIMECODE = re.compile(
    r"^\s*(?:(?:(?P<h>\d{1,9}):)?(?P<m>\d{1,2}):)?(?P<s>\d{1,12})(?:[.,](?P<frac>\d{1,3}))?\s*$"
)


def format_ms(ms: int) -> str:
    """Format milliseconds as ``HH:MM:SS.mmm`` (hours grow past 99 if needed)."""
    if ms < 0:
        raise ValueError(f"time cannot be negative: {ms} ms")
    seconds, millis = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def parse_timecode(text: str) -> int:
    """Parse ``HH:MM:SS.mmm``, ``MM:SS.mmm`` or ``SS.mmm`` into whole milliseconds."""
    match = _TIMECODE.match(text)
    if match is None:
        raise ValidationError(
            f"'{text.strip()}' is not a time. Type it as HH:MM:SS.mmm, for example 00:01:14.367."
        )
    hours = int(match["h"] or 0)
    minutes = int(match["m"] or 0)
    seconds = int(match["s"])
    if match["m"] is not None and seconds >= 60:
        raise ValidationError(f"'{text.strip()}' has {seconds} seconds; use 0-59 after a colon.")
    if match["h"] is not None and minutes >= 60:
        raise ValidationError(f"'{text.strip()}' has {minutes} minutes; use 0-59 after the hours.")
    millis = int((match["frac"] or "0").ljust(3, "0"))
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis


def pts_to_ms(pts: int, time_base: Fraction, start_pts: int = 0) -> int:
    """Exact pts -> stored milliseconds, rounded up so the shown time round-trips."""
    exact = (pts - start_pts) * time_base * 1000
    return math.ceil(exact)


def frame_at_ms(
    frame_pts: Sequence[int], time_base: Fraction, t_ms: int, start_pts: int = 0
) -> int:
    """Index of the frame on screen at ``t_ms``: the last frame whose pts <= t_ms.

    ``frame_pts`` holds every frame's pts in presentation order (sorted). Times before the
    first frame select frame 0.
    """
    if len(frame_pts) == 0:
        raise ValueError("the video has no frames")
    # pts - start <= t_ms / (1000 * tb)  <=>  pts <= floor(start + t_ms / (1000 * tb))
    limit = math.floor(start_pts + Fraction(t_ms) / (1000 * time_base))
    return max(0, bisect_right(frame_pts, limit) - 1)


def segment_end_ms(
    frame_pts: Sequence[int],
    time_base: Fraction,
    last_frame: int,
    stream_end_pts: int,
    start_pts: int = 0,
) -> int:
    """Exclusive end of a segment: when its last frame stops being shown."""
    end = frame_pts[last_frame + 1] if last_frame + 1 < len(frame_pts) else stream_end_pts
    return pts_to_ms(end, time_base, start_pts)
