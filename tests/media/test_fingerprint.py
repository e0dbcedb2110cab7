"""Perceptual fingerprints of videos: sampling, hashing and matching re-encodes and excerpts.

The clips here have real visual structure that changes over time (textured backgrounds,
moving shapes, a new shot every 2.5 s), generated as numpy frames and encoded by the
ffmpeg of imageio-ffmpeg. Unrelated clips use the same palette, so they look alike in
colour and differ only in structure, the hard case for a colour-blind hash.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest

from annotator.core.errors import MediaError
from annotator.media import fingerprint as fp
from annotator.media.analyse import analyse_file
from annotator.media.hashing import detailed_hash, hamming, perceptual_hash
from annotator.media.video import FrameIndex, VideoSource
from tests import media_factory as mf
from tests.scene_clips import (  # noqa: F401
    FPS,
    SIZE,
    encode_scene,
    make_scene_clips,
    reencode,
    scene_frames,
)


def fingerprint_of(path: Path) -> fp.Fingerprint:
    with VideoSource(path, cache_bytes=0) as source:
        duration = source.index.duration_ms
    return fp.Fingerprint.of_video(duration, fp.video_frame_hashes(path))


# --- acceptance -------------------------------------------------------------------------------


def test_reencode_and_excerpt_match_the_original_unrelated_clips_do_not(
    scene_clips: dict[str, Path],
) -> None:
    prints = {name: fingerprint_of(path) for name, path in scene_clips.items()}
    assert all(p.ms.size == fp.SAMPLES for p in prints.values())

    same = fp.compare(prints["original"], prints["reupload"])
    assert same is not None and same.relation is fp.Relation.SAME
    assert same.score >= 0.9 and same.frames == fp.SAMPLES

    excerpt = fp.compare(prints["excerpt"], prints["original"])  # shorter one first
    assert excerpt is not None and excerpt.relation is fp.Relation.EXCERPT
    assert excerpt.outer == 1  # the second (the original) contains the first
    assert excerpt.offset_ms is not None and abs(excerpt.offset_ms - 2000) <= 150
    assert excerpt.score >= 0.8 and excerpt.frames >= fp.MIN_PAIRS
    via_reupload = fp.compare(prints["reupload"], prints["excerpt"])
    assert via_reupload is not None and via_reupload.relation is fp.Relation.EXCERPT
    assert via_reupload.outer == 0 and abs((via_reupload.offset_ms or 0) - 2000) <= 150

    for name in ("original", "reupload", "excerpt"):
        for other in ("unrelated", "unrelated-short"):
            found = fp.compare(prints[name], prints[other])
            assert found is None or found.score < 0.3, (name, other, found)


def test_same_colours_other_structure_are_far_apart_frame_by_frame(
    scene_clips: dict[str, Path],
) -> None:
    original = fingerprint_of(scene_clips["original"])
    unrelated = fingerprint_of(scene_clips["unrelated"])
    apart = np.bitwise_count(original.bits[:, None] ^ unrelated.bits[None, :])
    assert apart.min() > fp.SAME_BITS * 2  # not even one frame pair looks the same
    with VideoSource(scene_clips["original"], cache_bytes=0) as a:
        colour_a = a.read(96).rgb.reshape(-1, 3).mean(axis=0)
    with VideoSource(scene_clips["unrelated"], cache_bytes=0) as b:
        colour_b = b.read(96).rgb.reshape(-1, 3).mean(axis=0)
    assert np.abs(colour_a - colour_b).max() < 25  # yet the same colours overall


def test_a_rotated_copy_matches_its_upright_original(
    scene_clips: dict[str, Path], tmp_path: Path
) -> None:
    rotated = encode_scene(tmp_path / "portrait.mp4", seed=1, seconds=8, rotation=90)
    with VideoSource(rotated, cache_bytes=0) as source:
        assert source.read(0).rgb.shape == (SIZE[1], SIZE[0], 3) and source.rotation == 90
    found = fp.compare(fingerprint_of(scene_clips["original"]), fingerprint_of(rotated))
    assert found is not None and found.relation is fp.Relation.SAME and found.score >= 0.9


def test_a_screenshot_of_a_frame_matches_the_video_at_that_frame(
    scene_clips: dict[str, Path],
) -> None:
    video = fingerprint_of(scene_clips["original"])
    moment = int(video.ms[8])
    with VideoSource(scene_clips["original"], cache_bytes=0) as source:
        frame = source.read_at_ms(moment).rgb
    screenshot = cv2.resize(frame, (1280, 720), interpolation=cv2.INTER_CUBIC)
    ok, jpeg = cv2.imencode(".jpg", screenshot, [cv2.IMWRITE_JPEG_QUALITY, 70])
    assert ok
    picture = cv2.imdecode(jpeg, cv2.IMREAD_COLOR)
    image = fp.Fingerprint.of_image(perceptual_hash(picture[:, :, ::-1]))
    assert image is not None
    found = fp.compare(image, video)
    assert found is not None and found.relation is fp.Relation.FRAME
    assert found.outer == 1 and found.offset_ms == moment and found.score >= 0.8


# --- sampling ---------------------------------------------------------------------------------


def test_sample_times_are_the_middles_of_equal_parts() -> None:
    assert fp.sample_times(8000, 4) == [1000, 3000, 5000, 7000]
    assert fp.sample_times(0, 16) == [0]


def _index(frames: int, keyframe_every: int, fps: int = 25) -> FrameIndex:
    pts = np.arange(frames, dtype=np.int64)
    keys = pts % keyframe_every == 0
    return FrameIndex(Fraction(1, fps), pts, keys, frames)


def test_plan_decodes_exact_frames_when_cheap_else_the_nearest_keyframe() -> None:
    # Short clip, one keyframe: the samples follow one another, so all are exact.
    short = _index(75, keyframe_every=250)
    plan = fp.plan_samples(short, 16, budget_frames=10)
    assert plan == sorted({short.frame_at_ms(t) for t in fp.sample_times(3000, 16)})
    # Ten minutes with a keyframe every 10 s and a small budget: keyframes nearest in time.
    long = _index(15000, keyframe_every=250)
    plan = fp.plan_samples(long, 16, budget_frames=10)
    wanted = [long.frame_at_ms(t) for t in fp.sample_times(long.duration_ms, 16)]
    assert len(plan) == 16 and all(long.keyframe[n] for n in plan)
    assert all(abs(n - w) <= 125 for n, w in zip(plan, wanted, strict=True))
    # A generous budget buys exact frames.
    assert fp.plan_samples(long, 16, budget_frames=250) == wanted


def test_flat_frames_are_left_out(tmp_path: Path) -> None:
    black = tmp_path / "black.mp4"
    mf.run_ffmpeg(
        ["-f", "lavfi", "-i", "color=c=black:s=320x180:r=24:d=2", "-c:v", "libx264", str(black)]
    )
    assert fp.video_frame_hashes(black) == []
    assert detailed_hash(np.zeros((90, 160, 3), np.uint8)) is None
    assert not fp.informative(perceptual_hash(np.zeros((90, 160, 3), np.uint8)))


def test_every_corpus_codec_is_sampled(corpus: dict[str, Path]) -> None:
    for name in ("h264-bframes", "hevc", "vp9", "vfr", "rotated", "mjpeg"):
        hashes = fp.video_frame_hashes(corpus[name])
        assert len(hashes) == 16, name  # 36 frames: one per sample time
        assert [ms for ms, _ in hashes] == sorted({ms for ms, _ in hashes})


def test_import_records_frame_hashes_for_videos_only(corpus: dict[str, Path]) -> None:
    video = analyse_file(corpus["h264-audio"], max_pixels=10**8).media
    assert len(fp.loads(video.frame_hashes)) == 16
    assert analyse_file(corpus["image.jpg"], max_pixels=10**8).media.frame_hashes is None
    assert analyse_file(corpus["audio-aac"], max_pixels=10**8).media.frame_hashes is None


def test_a_file_that_is_not_a_video_says_why(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.mp4"
    bogus.write_bytes(b"not a video at all" * 100)
    with pytest.raises(MediaError) as caught:
        fp.video_frame_hashes(bogus)
    assert caught.value.reason == "decode_error"
    with pytest.raises(MediaError) as caught:
        fp.video_frame_hashes(tmp_path / "gone.mp4")
    assert caught.value.reason == "not_found"


# --- storage and grouping ---------------------------------------------------------------------


def test_stored_form_round_trips_and_survives_garbage() -> None:
    hashes = [(0, "0123456789abcdef"), (500, "fedcba9876543210")]
    assert fp.loads(fp.dumps(hashes)) == hashes
    assert fp.dumps(hashes) == '[[0,"0123456789abcdef"],[500,"fedcba9876543210"]]'
    assert fp.loads(None) == [] and fp.loads("") == [] and fp.loads("{not json") == []
    assert hamming("00000000000000ff", "000000000000000f") == 4


def _video(seconds: int, bits: list[int], start_ms: int = 0, step: int = 500) -> fp.Fingerprint:
    hashes = [(start_ms + k * step, f"{b:016x}") for k, b in enumerate(bits)]
    return fp.Fingerprint.of_video(seconds * 1000, hashes)


def test_candidates_components_and_placement() -> None:
    rng = np.random.default_rng(7)
    frames = [int(v) for v in rng.integers(0, 2**63, 16, dtype=np.int64)]
    long = _video(8, frames)
    excerpt = _video(3, frames[4:10], start_ms=0)  # starts 2 s in
    copy = _video(8, [f ^ 1 for f in frames])  # one bit off everywhere
    other = _video(8, [int(v) for v in rng.integers(0, 2**63, 16, dtype=np.int64)])
    prints = [long, excerpt, copy, other, None]
    pairs = fp.candidate_pairs(prints)
    assert (0, 1) in pairs and (0, 2) in pairs and (1, 2) in pairs
    assert all(3 not in p and 4 not in p for p in pairs)
    edges = {}
    for i, j in pairs:
        found = fp.compare(prints[i], prints[j])  # type: ignore[arg-type]
        if found is not None:
            edges[(i, j)] = found
    assert edges[(0, 1)].relation is fp.Relation.EXCERPT and edges[(0, 1)].offset_ms == 2000
    assert fp.components(5, list(edges)) == [[0, 1, 2]]
    # Placed through the copy only, the excerpt still lands at 2 s of the reference.
    only_via_copy = {k: v for k, v in edges.items() if k != (0, 1)}
    placed = fp.place(0, only_via_copy, [0, 1, 2])
    assert placed[0].offset_ms == 0 and placed[0].relation is None
    assert placed[2].relation is fp.Relation.SAME and placed[2].offset_ms == 0
    assert placed[1].offset_ms == 2000 and placed[1].relation is fp.Relation.EXCERPT
    assert placed[1].score == min(only_via_copy[(0, 2)].score, only_via_copy[(1, 2)].score)
