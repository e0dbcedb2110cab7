"""Playing damaged and lying videos: decoding goes on past the damage to the real end.

Every frame carries its own index in its pixels (tests/media_factory.py), so the test
asks each delivered picture which frame it is instead of trusting timestamps.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.media.video import DecodedFrame, FrameLost, VideoSource
from tests import media_factory as mf
from tests.hostile_corpus import CORRUPT_FRAMES, FRAMES, NEXT_KEYFRAME, HostileCorpus

DAMAGED = range(CORRUPT_FRAMES[0], NEXT_KEYFRAME)  # the overwritten frames and their GOP's rest


def play(path: Path) -> list[DecodedFrame]:
    """What the player shows stepping through: each read continues after the last frame."""
    shown: list[DecodedFrame] = []
    with VideoSource(path, cache_bytes=0) as source:
        number = 0
        while number < source.index.frame_count:
            frame = source.read(number)
            shown.append(frame)
            number = frame.number + 1
    return shown


def assert_exact(frame: DecodedFrame, source: VideoSource) -> None:
    assert frame.pts == int(source.index.pts[frame.number])
    assert frame.ms == source.index.ms(frame.number)


def test_playback_continues_past_corrupt_frames(hostile_corpus: HostileCorpus) -> None:
    path = hostile_corpus.path("damaged/corrupt-frames.mp4")
    shown = play(path)
    numbers = [f.number for f in shown]
    assert numbers == sorted(set(numbers)) and numbers[-1] == FRAMES - 1
    lost = set(range(FRAMES)) - set(numbers)
    assert lost and lost <= set(DAMAGED)  # the damage costs frames of its own GOP only
    with VideoSource(path, cache_bytes=0) as source:
        for frame in shown:
            assert_exact(frame, source)  # number, pts and time agree with the demuxed index
    for frame in shown:
        if frame.number not in DAMAGED:
            assert mf.decode_index(frame.rgb) == frame.number  # and the picture is that frame
    assert [f.number for f in shown if f.number >= NEXT_KEYFRAME] == list(
        range(NEXT_KEYFRAME, FRAMES)
    )


def test_exact_reads_name_the_lost_frames(hostile_corpus: HostileCorpus) -> None:
    path = hostile_corpus.path("damaged/corrupt-frames.mp4")
    delivered = {f.number for f in play(path)}
    with VideoSource(path, cache_bytes=0) as source:
        for number in (30, 3, *DAMAGED, 35, 0):  # seeks forward and back across the damage
            if number in delivered:
                frame = source.read_exact(number)
                assert frame.number == number
                assert_exact(frame, source)
            else:
                with pytest.raises(FrameLost) as lost:
                    source.read_exact(number)
                assert f"frame {number} of corrupt-frames.mp4 cannot be decoded" in str(lost.value)
        assert mf.decode_index(source.read_exact(NEXT_KEYFRAME + 1).rgb) == NEXT_KEYFRAME + 1


@pytest.mark.parametrize(
    "name",
    [
        "headers/claims-one-hour.mp4",
        "headers/claims-ten-times-the-frames.mp4",
        "headers/claims-65535x65535.mp4",
        "headers/claims-one-hour.webm",
        "magic/mp4-named.jpg",
    ],
)
def test_lying_headers_play_to_the_real_end(hostile_corpus: HostileCorpus, name: str) -> None:
    path = hostile_corpus.path(name)
    shown = play(path)
    frames = 12 if name.startswith("magic/") else FRAMES
    assert [f.number for f in shown] == list(range(frames))
    assert all(mf.decode_index(f.rgb) == f.number for f in shown)
    assert {f.rgb.shape for f in shown} == {(108, 192, 3)}  # decoded size, not the claim
    with VideoSource(path, cache_bytes=0) as source:
        assert source.read_at_ms(3_600_000).number == frames - 1  # "an hour in": the last frame
        with pytest.raises(IndexError):
            source.read(frames)


def test_the_players_loader_thread_plays_past_the_damage(
    qtbot: object, hostile_corpus: HostileCorpus
) -> None:
    """The UI's FrameLoader (its own thread, its own VideoSource), asked frame by frame."""
    from annotator.ui.viewer.frame_loader import FrameLoader, FrameResult

    path = hostile_corpus.path("damaged/corrupt-frames.mp4")
    expected = [f.number for f in play(path)]
    loader = FrameLoader(path, cache_bytes=0)
    results: list[FrameResult] = []
    failures: list[str] = []
    loader.frame_ready.connect(results.append)
    loader.failed.connect(failures.append)
    with qtbot.waitSignal(loader.opened, timeout=10_000):  # type: ignore[attr-defined]
        loader.start()
    try:
        number = 0
        while number < FRAMES:
            with qtbot.waitSignal(loader.frame_ready, timeout=10_000):  # type: ignore[attr-defined]
                loader.request(number)
            number = results[-1].number + 1
    finally:
        loader.stop()
    assert failures == []
    assert [r.number for r in results] == expected
    assert all(not r.image.isNull() and r.image.width() == 192 for r in results)
