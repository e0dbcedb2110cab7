"""Frame accuracy of the decoding layer the player uses: seeks, steps both ways, VFR."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from annotator.media.video import FrameCache, VideoSource
from tests import media_factory as mf
from tests.corpus import VIDEO_CASES, VideoCase

ACCURACY_CASES = [
    c
    for c in VIDEO_CASES
    if c.name
    in {
        "h264-bframes",
        "hevc",
        "vp9",
        "vp8",
        "mjpeg",
        "mpeg4",
        "vfr",
        "rotated",
        "h264-ts",
        "h264-mkv",
        "av1",
    }
]


@pytest.mark.parametrize("case", ACCURACY_CASES, ids=lambda c: c.name)
def test_random_seeks_and_steps_land_on_the_exact_frame(
    case: VideoCase, corpus: dict[str, Path]
) -> None:
    rng = random.Random(case.name)
    with VideoSource(corpus[case.name], cache_bytes=8 * 192 * 108 * 3) as source:
        n = source.index.frame_count

        def check(number: int) -> None:
            frame = source.read(number)
            assert (frame.number, mf.decode_index(frame.rgb)) == (number, number)

        for number in rng.sample(range(n), min(n, 12)):  # random accurate seeks
            check(number)
        for number in range(n):  # step forward through every GOP boundary
            check(number)
        for number in reversed(range(n)):  # and back again
            check(number)


def test_times_select_the_frame_on_screen_for_vfr(corpus: dict[str, Path]) -> None:
    expected = mf.vfr_pts_ms(36)
    with VideoSource(corpus["vfr"]) as source:
        for n, ms in enumerate(expected):
            assert source.read_at_ms(ms).number == n
            if n + 1 < len(expected):
                # Just before the next frame's time, this frame is still on screen.
                assert mf.decode_index(source.read_at_ms(expected[n + 1] - 1).rgb) == n


def test_stepping_back_is_served_from_the_cache(corpus: dict[str, Path]) -> None:
    with VideoSource(corpus["h264-bframes"]) as source:  # GOP 12
        source.read(23)
        source.read(22)  # one GOP decode, keeping 12..22
        assert len(source.cache) >= 11
        decoded_before = source._last
        for number in range(21, 11, -1):
            assert source.read(number).number == number
        assert source._last == decoded_before  # no decoding happened for those steps


def test_cache_stays_within_its_cap(corpus: dict[str, Path]) -> None:
    frame_bytes = 192 * 108 * 3
    with VideoSource(corpus["mjpeg"], cache_bytes=5 * frame_bytes) as source:
        for number in range(30, 0, -1):
            source.read(number)
            assert source.cache.bytes <= 5 * frame_bytes
        assert len(source.cache) == 5


def test_frame_cache_lru() -> None:
    import numpy as np

    from annotator.media.video import DecodedFrame

    cache = FrameCache(max_bytes=3 * 12)

    def frame(n: int) -> DecodedFrame:
        return DecodedFrame(n, n, n, np.zeros((2, 2, 3), np.uint8))

    for n in range(3):
        cache.put(frame(n))
    cache.get(0)  # now most recent
    cache.put(frame(3))
    assert cache.get(1) is None and cache.get(0) is not None and len(cache) == 3


def test_out_of_range(corpus: dict[str, Path]) -> None:
    with VideoSource(corpus["vp9"]) as source, pytest.raises(IndexError):
        source.read(source.index.frame_count)


def test_backward_read_without_cache_room_returns_the_asked_frame(
    corpus: dict[str, Path],
) -> None:
    """A cache too small for one frame must not make a backward read skip its target."""
    with VideoSource(corpus["h264-bframes"], cache_bytes=0) as source:
        source.read(30)
        for number in (29, 28, 13, 5):
            frame = source.read(number)
            assert frame.number == number and mf.decode_index(frame.rgb) == number


def test_a_backward_jump_converts_only_its_target(corpus: dict[str, Path]) -> None:
    with VideoSource(corpus["h264-bframes"]) as source:  # GOP 12
        source.read(34)
        source.read(27)  # a jump back, not a step: no cache fill
        assert len(source.cache) == 2
        source.read(26)  # a step back: fill from the keyframe (24)
        assert len(source.cache) >= 3
