"""Properties of exact time (DESIGN.md "Time, exactly"), checked by Hypothesis.

A shown time is the frame's exact pts rounded up to a millisecond; typing that time
selects the same frame again; any typed text is a time or a ValidationError.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.core.errors import ValidationError
from annotator.core.timecode import format_ms, frame_at_ms, parse_timecode, pts_to_ms
from annotator.media.video import FrameIndex

MS = st.integers(min_value=0, max_value=10**12)  # ~31 years: far past any recording

# Time bases containers really use, with the pts step of the usual constant rates:
# 30000/1001 and 24000/1001 (NTSC), 25, 30, 60 in MP4's 1/90000 and 1/15360, WebM's 1/1000.
RATES = [
    (Fraction(1, 30000), 1001),
    (Fraction(1, 24000), 1001),
    (Fraction(1, 60000), 1001),
    (Fraction(1, 90000), 3003),
    (Fraction(1, 90000), 3600),
    (Fraction(1, 15360), 512),
    (Fraction(1, 12800), 512),
    (Fraction(1, 1000), 33),
    (Fraction(1, 25), 1),
    (Fraction(1001, 30000), 1),
]


@given(MS)
def test_format_then_parse_is_the_same_millisecond(ms: int) -> None:
    assert parse_timecode(format_ms(ms)) == ms


@given(MS)
def test_shorter_forms_and_a_comma_parse_the_same(ms: int) -> None:
    text = format_ms(ms)
    assert parse_timecode(text.replace(".", ",")) == ms
    if ms < 3_600_000:
        assert parse_timecode(text[3:]) == ms  # MM:SS.mmm
    if ms < 60_000:
        assert parse_timecode(text[6:]) == ms  # SS.mmm
    assert parse_timecode(f"  {text}\t") == ms


@given(st.text())
def test_any_text_is_a_time_or_a_validation_error(text: str) -> None:
    try:
        ms = parse_timecode(text)
    except ValidationError as exc:
        assert exc.reason == "invalid"
        assert str(exc)
    else:
        assert isinstance(ms, int)
        assert ms >= 0


@given(st.from_regex(r"\A[0-9:.,\s]{0,20}\Z"))
def test_timecode_like_text_is_a_time_or_a_validation_error(text: str) -> None:
    try:
        ms = parse_timecode(text)
    except ValidationError:
        return
    assert ms >= 0
    # What parsed is canonical once formatted: formatting and parsing again is stable.
    assert parse_timecode(format_ms(ms)) == ms


@st.composite
def frame_times(draw: st.DrawFn) -> tuple[Fraction, list[int]]:
    """A time base and sorted pts: constant rate, or VFR gaps at least 1 ms apart."""
    time_base, step = draw(st.sampled_from(RATES))
    start = draw(st.integers(min_value=-(10**6), max_value=10**9))
    count = draw(st.integers(min_value=1, max_value=60))
    if draw(st.booleans()):
        gaps = [step] * (count - 1)
    else:
        # Variable frame rate: any gap of at least a millisecond (and a tick).
        min_gap = max(1, int(Fraction(1, 1000) / time_base) + 1)
        gaps = draw(
            st.lists(st.integers(min_gap, min_gap * 200), min_size=count - 1, max_size=count - 1)
        )
    pts = [start]
    for gap in gaps:
        pts.append(pts[-1] + gap)
    return time_base, pts


@given(frame_times())
def test_a_shown_frame_time_typed_back_selects_that_frame(
    times: tuple[Fraction, list[int]],
) -> None:
    time_base, pts = times
    start = pts[0]
    for number, p in enumerate(pts):
        shown = pts_to_ms(p, time_base, start)
        assert parse_timecode(format_ms(shown)) == shown
        assert frame_at_ms(pts, time_base, shown, start) == number
        # Exact, never frame / fps: the shown time is within a millisecond above the pts.
        exact = (p - start) * time_base * 1000
        assert exact <= shown < exact + 1


@given(frame_times(), st.integers(min_value=-(10**6), max_value=10**10))
def test_any_time_selects_the_last_frame_at_or_before_it(
    times: tuple[Fraction, list[int]], t_ms: int
) -> None:
    time_base, pts = times
    start = pts[0]
    number = frame_at_ms(pts, time_base, t_ms, start)
    assert 0 <= number < len(pts)
    if t_ms >= 0:
        assert (pts[number] - start) * time_base * 1000 <= t_ms
    if number + 1 < len(pts):
        assert (pts[number + 1] - start) * time_base * 1000 > t_ms


@given(frame_times())
def test_the_frame_index_agrees_with_the_timecode_rules(times: tuple[Fraction, list[int]]) -> None:
    time_base, pts = times
    arr = np.asarray(pts, dtype=np.int64)
    index = FrameIndex(time_base, arr, np.ones(arr.size, dtype=bool), pts[-1] + 1)
    for number in range(index.frame_count):
        assert index.frame_at_ms(index.ms(number)) == number
    assert index.duration_ms >= index.ms(index.frame_count - 1)


def test_a_negative_time_cannot_be_formatted() -> None:
    with pytest.raises(ValueError):
        format_ms(-1)


@given(st.integers(min_value=0, max_value=59), st.integers(min_value=60, max_value=999))
def test_out_of_range_fields_after_a_colon_are_refused(low: int, high: int) -> None:
    with pytest.raises(ValidationError):
        parse_timecode(f"00:{low:02d}:{high}.000")
    with pytest.raises(ValidationError):
        parse_timecode(f"01:{high}:{low:02d}.000")
    # Without hours, minutes may run past 59 (a 75-minute clip is typed 75:00), up to 99.
    if high < 100:
        assert parse_timecode(f"{high}:{low:02d}") == (high * 60 + low) * 1000
