"""Stills show the exact frame an annotation marks, upright, with its region outlined."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from annotator.core.errors import MediaError
from annotator.reports import stills
from annotator.reports.stills import frame_rgb, still_jpeg, write_still_png
from tests import media_factory as mf
from tests.reports.report_fixtures import make_sample_media

VIDEO = {"kind": "video", "file_name": "captive.mp4"}
IMAGE = {"kind": "image", "file_name": "id-card.jpg"}


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("stills")
    video, image = make_sample_media(folder)  # 192 x 108, 48 frames; 96 x 64 photo, EXIF 6
    rotated = mf.make_video(folder / "portrait.mp4", frames=12, size=(108, 192), rotation=90)
    audio = mf.make_audio(folder / "call.m4a", codec="aac", seconds=0.3)
    broken = folder / "broken.mp4"
    broken.write_bytes(b"not a video at all" * 100)
    return {"video": video, "image": image, "rotated": rotated, "audio": audio, "broken": broken}


def decode(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None, "not a decodable image"
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def amber(pixels: np.ndarray) -> bool:
    """Amber after JPEG's chroma smoothing: strong red, fairly strong green, little blue."""
    r, g, b = np.asarray(pixels, dtype=float).reshape(-1, 3).mean(axis=0)
    return r >= 200 and 150 <= g <= 240 and b <= 110


def moment(frame: int, **extra: object) -> dict[str, object]:
    return {"kind": "moment", "start_frame": frame, "start_ms": frame * 1000 // 24, **extra}


@pytest.mark.parametrize("frame", [0, 13, 25, 47])
def test_video_still_is_the_exact_frame(media: dict[str, Path], frame: int) -> None:
    data = still_jpeg(media["video"], VIDEO, moment(frame))
    assert data.startswith(b"\xff\xd8\xff")
    rgb = decode(data)
    assert rgb.shape == (108, 192, 3)  # small frames are never enlarged
    assert mf.decode_index(rgb) == frame


def test_segment_is_shown_by_its_first_frame(media: dict[str, Path]) -> None:
    segment = {"kind": "segment", "start_frame": 24, "end_frame": 35, "start_ms": 1000}
    assert mf.decode_index(decode(still_jpeg(media["video"], VIDEO, segment))) == 24


def test_still_is_scaled_down_to_max_width(media: dict[str, Path]) -> None:
    rgb = decode(still_jpeg(media["video"], VIDEO, moment(30), max_width=96))
    assert rgb.shape == (54, 96, 3)
    assert mf.decode_index(rgb) == 30


def test_rect_region_is_outlined_in_full_resolution_png(
    media: dict[str, Path], tmp_path: Path
) -> None:
    region = {"shape": "rect", "x": 0.25, "y": 0.6, "w": 0.5, "h": 0.3}
    annotation = moment(30, kind="region", region=region)
    out = write_still_png(media["video"], VIDEO, annotation, tmp_path / "still.png")
    assert out == tmp_path / "still.png"
    assert [p.name for p in tmp_path.iterdir()] == ["still.png"]  # no temporary file left
    drawn = cv2.cvtColor(cv2.imread(str(out)), cv2.COLOR_BGR2RGB)
    plain = frame_rgb(media["video"], VIDEO, annotation)
    assert drawn.shape == plain.shape == (108, 192, 3)
    assert mf.decode_index(drawn) == 30  # the region (bottom half) leaves the code intact
    top, left, bottom, right = round(0.6 * 108), round(0.25 * 192), round(0.9 * 108), 144
    amber = np.array(stills.REGION_RGB)
    for y, x in [(top, 96), (bottom, 96), (81, left), (81, right)]:  # mid-point of each edge
        assert np.abs(drawn[y, x].astype(int) - amber).max() <= 40, (y, x, drawn[y, x])
    # A dark halo just outside the amber line, and the inside of the box untouched.
    assert drawn[top - 2, 96].max() < 60
    assert np.array_equal(
        drawn[top + 6 : bottom - 5, left + 6 : right - 5],
        plain[top + 6 : bottom - 5, left + 6 : right - 5],
    )


def test_region_is_drawn_in_displayed_coordinates_of_a_rotated_video(
    media: dict[str, Path],
) -> None:
    polygon = {"shape": "polygon", "points": [[0.1, 0.6], [0.9, 0.6], [0.5, 0.95]]}
    data = still_jpeg(media["rotated"], VIDEO, moment(5, kind="region", region=polygon))
    rgb = decode(data)
    assert rgb.shape == (192, 108, 3)  # portrait, as the phone showed it
    assert mf.decode_index(rgb) == 5
    y = round(0.6 * 192)
    assert amber(rgb[y - 1 : y + 2, 30:80])  # the polygon's top edge
    assert not amber(rgb[y - 20 : y - 10, 30:80])


def test_image_still_is_upright_and_region_drawn(media: dict[str, Path]) -> None:
    region = {"shape": "rect", "x": 0.1, "y": 0.55, "w": 0.6, "h": 0.3}
    rgb = decode(still_jpeg(media["image"], IMAGE, {"kind": "region", "region": region}))
    assert rgb.shape == (64, 96, 3)  # stored 64 x 96, EXIF orientation 6 turns it
    assert mf.decode_index(rgb) == 7
    assert amber(rgb[round(0.85 * 64) - 1 : round(0.85 * 64) + 2, 20:50])  # bottom edge


@pytest.mark.parametrize(
    ("name", "kind", "reason"),
    [
        ("audio", "audio", "no_picture"),
        ("missing", "video", "not_found"),
        ("missing", "image", "not_found"),
        ("broken", "video", "decode_error"),
        ("broken", "image", "decode_error"),
    ],
)
def test_failures_raise_media_error_naming_the_file(
    media: dict[str, Path], tmp_path: Path, name: str, kind: str, reason: str
) -> None:
    path = media.get(name, tmp_path / "gone.mp4")
    record = {"kind": kind, "file_name": path.name}
    with pytest.raises(MediaError) as caught:
        still_jpeg(path, record, moment(0))
    assert caught.value.reason == reason
    assert path.name in caught.value.message


def test_frame_outside_the_video_is_a_media_error(media: dict[str, Path]) -> None:
    with pytest.raises(MediaError, match="frames 0 to 47") as caught:
        still_jpeg(media["video"], VIDEO, moment(48))
    assert caught.value.reason == "decode_error"


def test_region_points_reject_malformed_regions() -> None:
    assert stills.region_points({"shape": "rect", "x": "a"}, 10, 10) is None
    assert stills.region_points({"shape": "polygon", "points": [[0, 0]]}, 10, 10) is None
    assert stills.region_points({"shape": "circle"}, 10, 10) is None
    points = stills.region_points({"shape": "rect", "x": 0, "y": 0, "w": 1, "h": 1}, 10, 8)
    assert points is not None and points.tolist() == [[0, 0], [9, 0], [9, 7], [0, 7]]


def test_stills_in_order_decode_a_video_once_front_to_back(
    media: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.media.video import VideoSource

    seeks: list[int] = []
    real_seek = VideoSource._seek

    def counting_seek(self: VideoSource, keyframe: int) -> None:
        seeks.append(keyframe)
        real_seek(self, keyframe)

    monkeypatch.setattr(VideoSource, "_seek", counting_seek)
    wanted = [40, 3, 25, 26, 13, 47]  # given out of order, as a report lists them
    records = [moment(f, uid=str(f)) for f in wanted]
    records.append({"kind": "moment", "uid": "bad", "start_frame": 999})
    results = list(stills.stills_in_order(media["video"], VIDEO, records, max_width=None))
    pictures = [(r["uid"], p) for r, p in results if not isinstance(p, MediaError)]
    assert [uid for uid, _ in pictures] == [str(f) for f in sorted(wanted)]  # frame order
    assert [mf.decode_index(p) for _, p in pictures] == sorted(wanted)  # the exact frames
    failed = [(r["uid"], p) for r, p in results if isinstance(p, MediaError)]
    assert [(uid, e.reason) for uid, e in failed] == [("bad", "decode_error")]
    # One seek per keyframe interval reached (the sample has a GOP of 12 frames at most),
    # never one per annotation read back to front.
    assert len(seeks) <= len({f // 12 for f in wanted}) and seeks == sorted(seeks)


def test_annotations_on_one_frame_decode_it_once(
    media: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.media.video import VideoSource

    reads: list[int] = []
    real_read = VideoSource.read

    def counting_read(self: VideoSource, number: int) -> object:
        reads.append(number)
        return real_read(self, number)

    monkeypatch.setattr(VideoSource, "read", counting_read)
    square = {"shape": "rect", "x": 0.1, "y": 0.1, "w": 0.3, "h": 0.3}
    records = [moment(20, uid="a"), moment(20, uid="b", region=square), moment(31, uid="c")]
    results = list(stills.stills_in_order(media["video"], VIDEO, records, max_width=None))
    assert reads == [20, 31]
    by_uid = {r["uid"]: p for r, p in results}
    assert mf.decode_index(by_uid["a"]) == mf.decode_index(by_uid["b"]) == 20
    assert not np.array_equal(by_uid["a"], by_uid["b"])  # each still has its own region drawn
