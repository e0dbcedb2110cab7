"""The media factory really produces what other tests rely on, checked with PyAV and Pillow.

If one of these fails, frame-accuracy failures elsewhere are probably the factory's fault
(or the bundled ffmpeg's), not the application's.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import ExifTags, Image, ImageOps

from tests.media_factory import (
    HAS_AV1,
    MAX_INDEX,
    ExifValue,
    FFmpegError,
    RGBFrame,
    available_encoders,
    decode_index,
    encode_index,
    expected_frame_rotation,
    ffmpeg_version,
    gps_exif,
    gps_to_degrees,
    make_audio,
    make_image,
    make_video,
    run_ffmpeg,
    upright,
    vfr_pts_ms,
)

needs_av1 = pytest.mark.skipif(not HAS_AV1, reason="the bundled ffmpeg has no AV1 encoder")

# One container per codec for the broad checks; the container matrix is tested separately.
CODECS = [
    pytest.param("h264", ".mp4", id="h264"),
    pytest.param("hevc", ".mp4", id="hevc"),
    pytest.param("vp9", ".webm", id="vp9"),
    pytest.param("vp8", ".webm", id="vp8"),
    pytest.param("mjpeg", ".avi", id="mjpeg"),
    pytest.param("mpeg4", ".avi", id="mpeg4"),
    pytest.param("av1", ".mp4", id="av1", marks=needs_av1),
]


def decoded_frames(path: Path) -> list[av.VideoFrame]:
    with av.open(str(path)) as container:
        return list(container.decode(video=0))


def rgb(frame: av.VideoFrame) -> RGBFrame:
    return np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)


def decoded_indices(path: Path) -> list[int]:
    return [decode_index(rgb(frame)) for frame in decoded_frames(path)]


def frame_times_ms(frames: list[av.VideoFrame]) -> list[int]:
    """Presentation times relative to the first frame (MPEG-TS starts at ~1.4 s)."""
    times: list[int] = []
    for frame in frames:
        assert frame.pts is not None and frames[0].pts is not None
        assert frame.time_base is not None
        times.append(round(float((frame.pts - frames[0].pts) * frame.time_base * 1000)))
    return times


def test_bundled_ffmpeg_has_the_encoders_the_suite_needs() -> None:
    needed = {"libx264", "libx265", "libvpx", "libvpx-vp9", "mjpeg", "mpeg4", "aac"}
    assert needed <= available_encoders(), ffmpeg_version()


# --------------------------------------------------------------------------------------------
# Index code


SIZES = [(16, 8), (64, 48), (160, 120), (192, 108), (1920, 1080)]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_index_code_round_trips(size: tuple[int, int]) -> None:
    width, height = size
    for index in (0, 1, 2, 255, 256, 12345, MAX_INDEX):
        frame = encode_index(index, width, height)
        assert frame.shape == (height, width, 3) and frame.dtype == np.uint8
        assert decode_index(frame) == index


def test_consecutive_frames_differ_outside_the_code() -> None:
    a, b = encode_index(6, 192, 108), encode_index(7, 192, 108)
    assert not np.array_equal(a[54:], b[54:])


def test_decode_index_refuses_frames_that_are_not_index_frames() -> None:
    with pytest.raises(ValueError, match="neither black nor white"):
        decode_index(np.full((108, 192, 3), 128, dtype=np.uint8))
    with pytest.raises(ValueError):
        encode_index(MAX_INDEX + 1, 192, 108)


# --------------------------------------------------------------------------------------------
# Video


@pytest.mark.parametrize(("codec", "suffix"), CODECS)
def test_every_codec_decodes_to_its_frame_indices_in_order(
    tmp_path: Path, codec: str, suffix: str
) -> None:
    path = make_video(tmp_path / f"clip{suffix}", codec=codec)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == (192, 108)
        assert stream.average_rate == 24
    assert decoded_indices(path) == list(range(48))
    assert path.stat().st_size < 200_000


@pytest.mark.parametrize(
    ("codec", "suffix"),
    [
        ("h264", ".mov"),
        ("h264", ".mkv"),
        ("h264", ".ts"),
        ("h264", ".3gp"),
        ("h264", ".m4v"),
        ("hevc", ".mkv"),
        ("vp9", ".mkv"),
        pytest.param("av1", ".webm", marks=needs_av1),
    ],
)
def test_other_containers(tmp_path: Path, codec: str, suffix: str) -> None:
    path = make_video(tmp_path / f"clip{suffix}", codec=codec, frames=12, fps=Fraction(30000, 1001))
    assert decoded_indices(path) == list(range(12))


@pytest.mark.parametrize(("codec", "suffix"), CODECS)
@pytest.mark.parametrize(
    ("size", "frames"), [((160, 120), 6), ((1920, 1080), 3)], ids=["small", "fullhd"]
)
def test_small_and_full_hd_frames_survive_every_codec(
    tmp_path: Path, codec: str, suffix: str, size: tuple[int, int], frames: int
) -> None:
    path = make_video(tmp_path / f"clip{suffix}", codec=codec, size=size, frames=frames)
    frames_read = decoded_frames(path)
    assert (frames_read[0].width, frames_read[0].height) == size
    assert [decode_index(rgb(f)) for f in frames_read] == list(range(frames))


@pytest.mark.parametrize(
    ("codec", "suffix"), [("h264", ".mp4"), ("h264", ".mkv"), ("hevc", ".mp4")]
)
def test_b_frames_make_decode_order_differ_from_presentation_order(
    tmp_path: Path, codec: str, suffix: str
) -> None:
    path = make_video(tmp_path / f"clip{suffix}", codec=codec, frames=24, bframes=2)
    with av.open(str(path)) as container:
        pts = [p.pts for p in container.demux(video=0) if p.pts is not None]
    assert pts != sorted(pts), "packets arrive in decode order, so pts must jump back"
    assert len(set(pts)) == 24
    assert decoded_indices(path) == list(range(24))


def test_x264_ultrafast_has_no_b_frames_unless_asked(tmp_path: Path) -> None:
    path = make_video(tmp_path / "clip.mp4", frames=12)
    with av.open(str(path)) as container:
        packets = [p for p in container.demux(video=0) if p.pts is not None]
    assert [p.pts for p in packets] == [p.dts for p in packets]


def test_gop_sets_the_keyframe_interval(tmp_path: Path) -> None:
    path = make_video(tmp_path / "clip.mp4", frames=30, gop=10, bframes=0)
    with av.open(str(path)) as container:
        keys = [n for n, p in enumerate(container.demux(video=0)) if p.is_keyframe]
    assert keys == [0, 10, 20]


def test_vfr_pts_pattern_is_documented() -> None:
    assert vfr_pts_ms(8) == [0, 20, 40, 120, 140, 160, 240, 260]


@pytest.mark.parametrize(
    ("codec", "suffix"),
    [
        ("h264", ".mp4"),
        ("h264", ".mkv"),
        ("h264", ".ts"),
        ("hevc", ".mov"),
        ("vp9", ".webm"),
        ("mjpeg", ".mkv"),
    ],
)
def test_vfr_clips_have_the_documented_uneven_timestamps(
    tmp_path: Path, codec: str, suffix: str
) -> None:
    bframes = 2 if codec == "h264" else None
    path = make_video(tmp_path / f"vfr{suffix}", codec=codec, frames=30, vfr=True, bframes=bframes)
    frames = decoded_frames(path)
    times = frame_times_ms(frames)
    assert times == vfr_pts_ms(30)
    assert len({b - a for a, b in itertools.pairwise(times)}) > 1
    assert [decode_index(rgb(f)) for f in frames] == list(range(30))
    with av.open(str(path)) as container:
        packet_pts = sorted(p.pts for p in container.demux(video=0) if p.pts is not None)
        deltas = {b - a for a, b in itertools.pairwise(packet_pts)}
    assert len(deltas) > 1


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotation_is_metadata_and_the_picture_is_upright_after_applying_it(
    tmp_path: Path, rotation: int
) -> None:
    path = make_video(tmp_path / "phone.mp4", frames=4, rotation=rotation, size=(192, 108))
    frames = decoded_frames(path)
    stored = (108, 192) if rotation in (90, 270) else (192, 108)
    assert (frames[0].width, frames[0].height) == stored
    for n, frame in enumerate(frames):
        assert frame.rotation % 360 == expected_frame_rotation(rotation) % 360
        shown = upright(rgb(frame), frame.rotation)
        assert shown.shape[:2] == (108, 192)
        assert decode_index(shown) == n


def test_rotation_90_reads_back_as_minus_90(tmp_path: Path) -> None:
    """Phone convention (clockwise) in, FFmpeg's counter-clockwise display matrix out."""
    path = make_video(tmp_path / "phone.mp4", frames=2, rotation=90)
    assert [f.rotation for f in decoded_frames(path)] == [-90, -90]
    assert expected_frame_rotation(90) == -90


@pytest.mark.parametrize(
    ("codec", "suffix"), [("h264", ".mov"), ("h264", ".mkv"), ("vp9", ".webm"), ("hevc", ".mp4")]
)
def test_rotation_in_other_containers(tmp_path: Path, codec: str, suffix: str) -> None:
    path = make_video(tmp_path / f"phone{suffix}", codec=codec, frames=2, rotation=270)
    assert [f.rotation for f in decoded_frames(path)] == [90, 90]


def test_rotation_is_refused_where_the_container_cannot_store_it(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="rotation"):
        make_video(tmp_path / "clip.avi", codec="mjpeg", rotation=90)
    with pytest.raises(ValueError, match="VFR"):
        make_video(tmp_path / "clip.avi", codec="mpeg4", vfr=True)
    with pytest.raises(ValueError, match="does not go into"):
        make_video(tmp_path / "clip.webm", codec="h264")


@pytest.mark.parametrize(
    ("codec", "suffix", "audio_codec"),
    [
        ("h264", ".mp4", "aac"),
        ("h264", ".mov", "aac"),
        ("h264", ".mkv", "aac"),
        ("h264", ".ts", "aac"),
        ("vp9", ".webm", "opus"),
        ("mjpeg", ".avi", "pcm_s16le"),
    ],
)
def test_audio_track_lasts_as_long_as_the_video(
    tmp_path: Path, codec: str, suffix: str, audio_codec: str
) -> None:
    path = make_video(tmp_path / f"talk{suffix}", codec=codec, frames=24, fps=12, audio=True)
    with av.open(str(path)) as container:
        assert container.streams.audio[0].codec_context.name == audio_codec
        rate = container.streams.audio[0].sample_rate
        seconds = sum(frame.samples for frame in container.decode(audio=0)) / rate
    assert seconds == pytest.approx(2.0, abs=0.1)
    assert decoded_indices(path) == list(range(24))


# --------------------------------------------------------------------------------------------
# Audio


@pytest.mark.parametrize(
    ("codec", "suffix", "decoder"),
    [
        ("aac", ".m4a", "aac"),
        ("mp3", ".mp3", "mp3float"),
        ("pcm", ".wav", "pcm_s16le"),
        ("opus", ".ogg", "opus"),
        ("opus", ".opus", "opus"),
        ("vorbis", ".ogg", "vorbis"),
    ],
)
def test_audio_files(tmp_path: Path, codec: str, suffix: str, decoder: str) -> None:
    path = make_audio(tmp_path / f"sound{suffix}", codec=codec, seconds=1.5)
    with av.open(str(path)) as container:
        assert not container.streams.video
        stream = container.streams.audio[0]
        assert stream.codec_context.name == decoder
        assert container.duration is not None
        assert container.duration / av.time_base == pytest.approx(1.5, abs=0.05)
        samples = sum(frame.samples for frame in container.decode(audio=0))
    assert samples / stream.sample_rate == pytest.approx(1.5, abs=0.05)


# --------------------------------------------------------------------------------------------
# Images

EXIF_TAGS: dict[int, ExifValue] = {
    ExifTags.Base.Make: "Samsung",
    ExifTags.Base.Model: "SM-G991B",
    ExifTags.Base.DateTimeOriginal: "2022:03:14 09:26:53",
    ExifTags.IFD.GPSInfo: gps_exif(47.0971, 37.5434),
}


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".webp", ".tif", ".bmp", ".gif"])
def test_plain_images(tmp_path: Path, suffix: str) -> None:
    path = make_image(tmp_path / f"photo{suffix}", size=(64, 48), index=4242)
    with Image.open(path) as image:
        assert image.size == (64, 48)
        assert decode_index(np.asarray(image.convert("RGB"))) == 4242


@pytest.mark.parametrize("suffix", [".jpg", ".tif", ".webp", ".png"])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_and_tags(tmp_path: Path, suffix: str, orientation: int) -> None:
    path = make_image(
        tmp_path / f"photo{suffix}",
        size=(64, 48),
        index=777,
        exif_orientation=orientation,
        exif=EXIF_TAGS,
    )
    transposed = orientation >= 5
    with Image.open(path) as image:
        exif = image.getexif()  # before loading: Pillow drops a TIFF's orientation on load
        assert exif[ExifTags.Base.Orientation] == orientation
        assert exif[ExifTags.Base.Make] == "Samsung"
        assert exif[ExifTags.Base.Model] == "SM-G991B"
        sub = exif.get_ifd(ExifTags.IFD.Exif)
        assert sub[ExifTags.Base.DateTimeOriginal] == "2022:03:14 09:26:53"
        lat, lon = gps_to_degrees(exif.get_ifd(ExifTags.IFD.GPSInfo))
        assert lat == pytest.approx(47.0971, abs=1e-6)
        assert lon == pytest.approx(37.5434, abs=1e-6)
        if suffix != ".tif":  # Pillow reports TIFFs already turned upright
            assert image.size == ((48, 64) if transposed else (64, 48))
        shown = ImageOps.exif_transpose(image)
        assert shown.size == (64, 48)
        assert decode_index(np.asarray(shown.convert("RGB"))) == 777
    # FFmpeg ignores EXIF for the pixels: it sees the stored, transformed image.
    with av.open(str(path)) as container:
        stored = next(container.decode(video=0))
    assert (stored.width, stored.height) == ((48, 64) if transposed else (64, 48))


def test_south_west_gps(tmp_path: Path) -> None:
    path = make_image(tmp_path / "photo.jpg", exif={ExifTags.IFD.GPSInfo: gps_exif(-33.5, -70.25)})
    with Image.open(path) as image:
        gps = image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert gps[ExifTags.GPS.GPSLatitudeRef] == "S" and gps[ExifTags.GPS.GPSLongitudeRef] == "W"
    lat, lon = gps_to_degrees(gps)
    assert lat == pytest.approx(-33.5) and lon == pytest.approx(-70.25)


def test_exif_is_refused_for_formats_without_it(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="EXIF"):
        make_image(tmp_path / "photo.bmp", exif_orientation=6)


# --------------------------------------------------------------------------------------------
# Errors


def test_ffmpeg_failures_carry_ffmpeg_stderr(tmp_path: Path) -> None:
    with pytest.raises(FFmpegError, match="No such file"):
        run_ffmpeg(["-i", str(tmp_path / "missing.mp4"), str(tmp_path / "out.mp4")])
