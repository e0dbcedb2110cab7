"""The structural verdict on a file: cut (and what is missing), whole, garbled or unknown."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from annotator.core.errors import MediaError
from annotator.media.analyse import analyse_file
from annotator.media.containers import judge


def cut(src: Path, dst: Path, keep: int) -> Path:
    dst.write_bytes(src.read_bytes()[:keep])
    return dst


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("h264-bframes", "mp4"),
        ("h264-mov", "mov"),
        ("h264-3gp", "3gp"),
        ("vp9", "webm"),
        ("h264-mkv", "matroska"),
        ("mjpeg", "avi"),
        ("audio-pcm", "wav"),
        ("image.webp", "webp"),
        ("image.png", "png"),
        ("image.jpg", "jpeg"),
        ("exif", "jpeg"),
    ],
)
def test_whole_files_are_whole_and_their_cuts_are_cut(
    corpus: dict[str, Path], tmp_path: Path, name: str, fmt: str
) -> None:
    src = corpus[name]
    assert judge(src, fmt).state == "whole"
    size = src.stat().st_size
    for keep in (16, size // 2, size - 1):
        verdict = judge(cut(src, tmp_path / f"cut{src.suffix}", keep), fmt)
        assert verdict.state == "cut", (keep, verdict)
        assert (
            "more byte" in verdict.detail
            or "ends before" in verdict.detail
            or "incomplete" in verdict.detail
        )


def test_formats_without_a_check_are_not_judged(corpus: dict[str, Path]) -> None:
    for name, fmt in (("image.gif", "gif"), ("image.tif", "tiff"), ("audio-mp3", "mp3")):
        assert judge(corpus[name], fmt).state == "unknown"


def test_an_avi_is_never_read_as_mp4_boxes(corpus: dict[str, Path], tmp_path: Path) -> None:
    """The old check read every AV file as MP4 boxes: 'RIFF' became a huge box size."""
    avi = tmp_path / "broken.avi"
    data = bytearray(corpus["mjpeg"].read_bytes())
    data[12:400] = b"\xee" * 388  # the header list destroyed, the RIFF size still right
    avi.write_bytes(bytes(data))
    assert judge(avi, "avi").state == "whole"
    with pytest.raises(MediaError) as err:
        analyse_file(avi, max_pixels=10**8)
    assert err.value.reason == "decode_error"


def test_an_mp4_without_its_index_is_cut(corpus: dict[str, Path], tmp_path: Path) -> None:
    data = corpus["h264-bframes"].read_bytes()
    (ftyp_size,) = struct.unpack(">I", data[:4])
    only_ftyp = tmp_path / "only-ftyp.mp4"
    only_ftyp.write_bytes(data[:ftyp_size])
    assert judge(only_ftyp, "mp4").detail.startswith("it ends before its 'moov' box")
    open_ended = tmp_path / "recording-stopped.mp4"  # mdat of size 0: runs to the end
    open_ended.write_bytes(data[:ftyp_size] + b"\x00\x00\x00\x00mdat" + b"\x00" * 500)
    assert judge(open_ended, "mp4").state == "cut"


def test_noise_behind_a_signature_is_garbled(tmp_path: Path) -> None:
    noise = bytes(range(256)) * 8
    for name, fmt, head in (
        ("n.png", "png", b"\x89PNG\r\n\x1a\n"),
        ("n.jpg", "jpeg", b"\xff\xd8\xff\xe0"),
        (
            "n.mp4",
            "mp4",
            b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2\x00\x00\x01\x00\xfe\xfd\xfc\xfb",
        ),
        ("n.webm", "webm", b"\x1a\x45\xdf\xa3\x9f" + b"\x00" * 31 + b"\x99\x99"),
    ):
        path = tmp_path / name
        path.write_bytes(head + noise)
        assert judge(path, fmt).state == "garbled", name


def test_a_jpeg_thumbnail_end_marker_does_not_hide_a_cut(
    corpus: dict[str, Path], tmp_path: Path
) -> None:
    """An EXIF thumbnail brings its own FF D9 before the picture's scan: not the end."""
    jpeg = corpus["image.jpg"].read_bytes()
    thumb = b"Exif\x00\x00" + b"\xff\xd8\xff\xd9" * 4
    app1 = b"\xff\xe1" + struct.pack(">H", len(thumb) + 2) + thumb
    with_thumb = jpeg[:2] + app1 + jpeg[2:]
    whole = tmp_path / "whole.jpg"
    whole.write_bytes(with_thumb)
    assert judge(whole, "jpeg").state == "whole"
    verdict = judge(cut(whole, tmp_path / "cut.jpg", len(with_thumb) - 200), "jpeg")
    assert verdict.state == "cut" and "end-of-image marker" in verdict.detail


def test_unknown_sizes_are_not_judged(corpus: dict[str, Path], tmp_path: Path) -> None:
    """Live recorders leave the Segment (Matroska) or RIFF size unknown: no verdict."""
    webm = bytearray(corpus["vp9"].read_bytes())
    at = webm.find(b"\x18\x53\x80\x67") + 4
    assert webm[at] == 0x01  # ffmpeg writes the Segment size on 8 bytes
    webm[at : at + 8] = b"\x01" + b"\xff" * 7
    live = tmp_path / "live.webm"
    live.write_bytes(bytes(webm[: len(webm) * 9 // 10]))
    assert judge(live, "webm").state == "unknown"
    wav = bytearray(corpus["audio-pcm"].read_bytes())
    wav[4:8] = b"\xff\xff\xff\xff"
    streamed = tmp_path / "streamed.wav"
    streamed.write_bytes(bytes(wav[: len(wav) // 2]))
    assert judge(streamed, "wav").state == "unknown"


def test_unreadable_files_are_not_judged(tmp_path: Path) -> None:
    assert judge(tmp_path / "gone.mp4", "mp4").state == "unknown"
