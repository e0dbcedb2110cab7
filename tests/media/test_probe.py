"""Detection, metadata and exact frame timing on real, generated media of every kind."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from annotator.core.entities import MediaKind
from annotator.core.errors import MediaError
from annotator.media import detect
from annotator.media.analyse import analyse_file
from annotator.media.hashing import perceptual_hash, sha256_file
from annotator.media.images import probe_image
from annotator.media.probe import probe_av
from annotator.media.video import FrameIndex, VideoSource
from tests import media_factory as mf
from tests.corpus import AUDIO_CASES, IMAGE_SUFFIXES, VIDEO_CASES, VideoCase

LIMIT = 250_000_000
VIDEO_CODEC_NAMES = {
    "h264": "h264",
    "hevc": "hevc",
    "vp9": "vp9",
    "vp8": "vp8",
    "mjpeg": "mjpeg",
    "mpeg4": "mpeg4",
    "av1": "av1",
}


@pytest.mark.parametrize("case", VIDEO_CASES, ids=lambda c: c.name)
def test_video_metadata_and_exact_frame_count(case: VideoCase, corpus: dict[str, Path]) -> None:
    probe = probe_av(corpus[case.name])
    assert probe.kind is MediaKind.VIDEO
    assert probe.video_codec == VIDEO_CODEC_NAMES[case.codec]
    assert probe.frame_count == case.frames
    assert probe.index is not None and probe.index.frame_count == case.frames
    rotated = dict(case.kwargs).get("rotation") == 90
    assert (probe.width, probe.height) == ((108, 192) if rotated else (192, 108))
    assert probe.rotation == (90 if rotated else 0)
    if dict(case.kwargs).get("vfr"):
        assert probe.is_vfr
    else:
        assert not probe.is_vfr
        assert probe.avg_fps == "24/1"
        # Matroska stores whole milliseconds, so its frame ends are rounded by up to 1 ms.
        tolerance = 1 if case.suffix in {".mkv", ".webm"} else 0
        assert abs(probe.duration_ms - 1000 * case.frames // 24) <= tolerance
    if dict(case.kwargs).get("audio"):
        assert probe.audio_codec == "aac"
    assert probe.poster is not None
    assert probe.poster.shape[:2] == (probe.height, probe.width)  # upright


def test_vfr_true_times_and_duration(corpus: dict[str, Path]) -> None:
    probe = probe_av(corpus["vfr"])
    index = probe.index
    assert index is not None
    expected = mf.vfr_pts_ms(index.frame_count)
    assert [index.ms(n) for n in range(index.frame_count)] == expected
    # Time -> frame follows the real timestamps, not an average rate.
    for n, ms in enumerate(expected):
        assert index.frame_at_ms(ms) == n
        assert index.frame_at_ms(ms + 1) == n
    last = mf.VFR_DURATIONS_MS[(index.frame_count - 1) % 3]
    assert abs(probe.duration_ms - (expected[-1] + last)) <= 80  # muxer guesses the last one
    assert probe.avg_fps  # informational only, never used for time


@pytest.mark.parametrize(
    "case",
    [
        c
        for c in VIDEO_CASES
        if c.name in {"h264-bframes", "hevc", "vp9", "mjpeg", "vfr", "rotated", "h264-ts"}
    ],
    ids=lambda c: c.name,
)
def test_decoding_layer_returns_exactly_the_asked_frame(
    case: VideoCase, corpus: dict[str, Path]
) -> None:
    with VideoSource(corpus[case.name]) as source:
        order = [0, case.frames - 1, case.frames // 2, 1, case.frames // 2 - 1, 13, 12, 11]
        for number in order:
            frame = source.read(number)
            assert frame.number == number
            assert mf.decode_index(frame.rgb) == number, f"asked {number}"
            assert frame.ms == source.index.ms(number)


def test_frame_index_cache_round_trip(corpus: dict[str, Path], tmp_path: Path) -> None:
    probe = probe_av(corpus["h264-bframes"])
    assert probe.index is not None
    path = tmp_path / "index.npz"
    probe.index.save(path)
    loaded = FrameIndex.load(path)
    assert loaded is not None
    assert loaded.time_base == probe.index.time_base and loaded.end_pts == probe.index.end_pts
    assert (loaded.pts == probe.index.pts).all() and (loaded.keyframe == probe.index.keyframe).all()
    assert loaded.keyframe_before(13) == 12  # gop 12
    path.write_bytes(b"not an index")
    assert FrameIndex.load(path) is None
    assert FrameIndex.load(tmp_path / "missing.npz") is None


@pytest.mark.parametrize(("codec", "suffix"), AUDIO_CASES)
def test_audio_only_files(codec: str, suffix: str, corpus: dict[str, Path]) -> None:
    probe = probe_av(corpus[f"audio-{codec}"])
    assert probe.kind is MediaKind.AUDIO
    assert probe.frame_count is None and probe.width is None
    assert probe.duration_ms is not None and 950 <= probe.duration_ms <= 1100


@pytest.mark.parametrize("suffix", IMAGE_SUFFIXES)
def test_images(suffix: str, corpus: dict[str, Path]) -> None:
    probe = probe_image(corpus[f"image{suffix}"], LIMIT)
    assert (probe.width, probe.height) == (96, 64)
    assert probe.preview is not None and mf.decode_index(probe.preview) == 7


def test_exif_orientation_capture_time_camera_and_gps(corpus: dict[str, Path]) -> None:
    probe = probe_image(corpus["exif"], LIMIT)
    assert (probe.width, probe.height) == (96, 64)  # stored transposed, displayed upright
    assert probe.rotation == 90 and probe.metadata["orientation"] == 6
    assert probe.captured_at == "2025:04:08 14:03:22"
    assert probe.metadata["camera_make"] == "Xiaomi"
    assert probe.metadata["camera_model"] == "Redmi Note 12"
    assert probe.metadata["gps_latitude"] == "48.015883"
    assert probe.metadata["gps_longitude"] == "37.802850"
    assert probe.preview is not None and mf.decode_index(probe.preview) == 5


def test_every_format_is_recognised_without_its_extension(
    corpus: dict[str, Path], tmp_path: Path
) -> None:
    for name, path in corpus.items():
        renamed = tmp_path / f"{name}-renamed.dat"
        shutil.copy(path, renamed)
        with renamed.open("rb") as handle:
            assert detect.sniff(handle.read(detect.HEADER_BYTES)) is not None, name
        analysis = analyse_file(renamed, max_pixels=LIMIT)
        assert analysis.media.thumbnail or analysis.media.kind is MediaKind.AUDIO, name


@pytest.mark.parametrize(
    "data",
    [
        b"hello, this is text\n" * 50,
        b"%PDF-1.7\n" + b"x" * 500,
        b"PK\x03\x04" + b"\0" * 600,
        bytes(range(256)) * 4,
    ],
    ids=["text", "pdf", "zip", "binary"],
)
def test_non_media_is_not_recognised(data: bytes) -> None:
    assert detect.sniff(data) is None


def test_sha256_streams_and_matches_hashlib(tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    data = bytes(range(256)) * 40_000  # 10 MB: several chunks
    path.write_bytes(data)
    seen: list[int] = []
    digest, size = sha256_file(path, on_bytes=seen.append)
    assert digest == hashlib.sha256(data).hexdigest() and size == len(data) == sum(seen)
    assert len(seen) >= 3


def test_perceptual_hash_finds_reencoded_copies() -> None:
    a = mf.encode_index(1234, 320, 180)
    b = (a.astype(int) + 6).clip(0, 255).astype("uint8")  # a brightness shift
    c = mf.encode_index(4321, 320, 180)

    def distance(x: str, y: str) -> int:
        return bin(int(x, 16) ^ int(y, 16)).count("1")

    assert distance(perceptual_hash(a), perceptual_hash(b)) <= 6
    assert distance(perceptual_hash(a), perceptual_hash(c)) > 6


def test_probe_errors_name_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 400)
    with pytest.raises(MediaError) as err:
        probe_av(broken)
    assert "broken.mp4" in err.value.message and err.value.reason in {"truncated", "decode_error"}


def test_a_tiff_tag_of_the_wrong_type_is_a_decode_error(tmp_path: Path) -> None:
    """Found by fuzzing (i9-fuzz): StripOffsets stored as a RATIONAL made Pillow raise
    TypeError out of the probe, past every handler that knew only OSError/ValueError."""
    import io
    import struct

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (10, 20, 30)).save(buffer, "TIFF")
    data = bytearray(buffer.getvalue())
    ifd = struct.unpack("<I", data[4:8])[0]
    for i in range(struct.unpack("<H", data[ifd : ifd + 2])[0]):
        entry = ifd + 2 + 12 * i
        if struct.unpack("<H", data[entry : entry + 2])[0] == 273:  # StripOffsets
            data[entry + 2 : entry + 12] = struct.pack("<HII", 5, 1, len(data))  # 1 RATIONAL
    data += struct.pack("<II", 7, 2)
    damaged = tmp_path / "scan.tif"
    damaged.write_bytes(bytes(data))
    with pytest.raises(MediaError) as caught:
        probe_image(damaged, 10**8)
    assert caught.value.reason == "decode_error" and "scan.tif" in caught.value.message
