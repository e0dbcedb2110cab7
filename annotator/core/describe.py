"""Short human descriptions of records, shared by the window and the command line."""

from __future__ import annotations

from annotator.core.entities import Media
from annotator.core.timecode import format_ms


def media_facts(media: Media) -> list[str]:
    """``["1920x1080", "00:00:14.367", "variable frame rate"]``: what matters at a glance."""
    parts = []
    if media.width and media.height:
        parts.append(f"{media.width}x{media.height}")
    if media.duration_ms is not None:
        parts.append(format_ms(media.duration_ms))
    if media.is_vfr:
        parts.append("variable frame rate")
    if media.last_verify_state and media.last_verify_state != "ok":
        parts.append(media.last_verify_state.upper())
    return parts
