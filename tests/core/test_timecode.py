from fractions import Fraction

import pytest

from annotator.core.errors import ValidationError
from annotator.core.timecode import (
    format_ms,
    frame_at_ms,
    parse_timecode,
    pts_to_ms,
    segment_end_ms,
)


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0, "00:00:00.000"),
        (14_367, "00:00:14.367"),
        (3_600_000, "01:00:00.000"),
        (359_999_999, "99:59:59.999"),
        (360_000_000, "100:00:00.000"),
    ],
)
def test_format_and_parse_round_trip(ms: int, text: str) -> None:
    assert format_ms(ms) == text
    assert parse_timecode(text) == ms


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("14.367", 14_367),
        ("1:14.3", 74_300),
        ("01:14,36", 74_360),
        (" 7 ", 7000),
        ("0:00:00.5", 500),
        ("90", 90_000),
    ],
)
def test_parse_accepts_short_forms(text: str, ms: int) -> None:
    assert parse_timecode(text) == ms


@pytest.mark.parametrize("text", ["", "abc", "1:60.000", "1:61:00", "00:00:01.2345", "-1", "1::2"])
def test_parse_rejects_with_a_hint(text: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_timecode(text)
    assert "HH:MM:SS.mmm" in err.value.message or "0-59" in err.value.message


def test_negative_time_is_refused() -> None:
    with pytest.raises(ValueError):
        format_ms(-1)


def test_ntsc_times_round_up_and_select_the_same_frame() -> None:
    # 29.97 fps in a 1/30000 time base: frame n at pts 1001 * n.
    tb = Fraction(1, 30000)
    pts = [1001 * n for n in range(2000)]
    for n in range(2000):
        shown = pts_to_ms(pts[n], tb)
        assert shown >= pts[n] * tb * 1000  # rounded up, never down
        assert frame_at_ms(pts, tb, shown) == n  # typing the shown time lands on frame n


def test_vfr_and_nonzero_start() -> None:
    tb = Fraction(1, 90000)
    start = 9000  # first displayed frame at 0.1 s in the container: that is time 0
    pts = [start, start + 3000, start + 3000 + 4500, start + 3000 + 4500 + 1500]
    assert [pts_to_ms(p, tb, start) for p in pts] == [0, 34, 84, 100]
    assert frame_at_ms(pts, tb, 0, start) == 0
    assert frame_at_ms(pts, tb, 33, start) == 0  # frame 1 starts at 33.33 ms
    assert frame_at_ms(pts, tb, 34, start) == 1
    assert frame_at_ms(pts, tb, 10_000, start) == 3
    assert segment_end_ms(pts, tb, 1, start + 12_000, start) == 84
    assert segment_end_ms(pts, tb, 3, start + 12_000, start) == 134


def test_frame_at_ms_needs_frames() -> None:
    with pytest.raises(ValueError):
        frame_at_ms([], Fraction(1, 1000), 0)


def test_a_huge_digit_run_is_a_validation_error_not_a_crash() -> None:
    """Found by fuzzing: 4,301 digits made int() raise ValueError past the Go to... dialog."""
    from annotator.core.errors import ValidationError
    from annotator.core.timecode import parse_timecode

    for text in ("0" * 4301, "1" * 13, f"{'9' * 10}:00:00"):
        with pytest.raises(ValidationError):
            parse_timecode(text)
    assert parse_timecode("999999999:00:00") == 999_999_999 * 3_600_000
