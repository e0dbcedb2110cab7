"""A corpus of real media, generated once per test session with real encoders."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import media_factory as mf

FRAMES = 36


@dataclass(frozen=True)
class VideoCase:
    name: str
    codec: str
    suffix: str
    frames: int = FRAMES
    kwargs: tuple[tuple[str, object], ...] = ()


VIDEO_CASES = [
    VideoCase("h264-bframes", "h264", ".mp4", kwargs=(("bframes", 2), ("gop", 12))),
    VideoCase("h264-audio", "h264", ".mp4", kwargs=(("audio", True),)),
    VideoCase("h264-mov", "h264", ".mov"),
    VideoCase("h264-m4v", "h264", ".m4v"),
    VideoCase("h264-mkv", "h264", ".mkv"),
    VideoCase("h264-ts", "h264", ".ts"),
    VideoCase("h264-3gp", "h264", ".3gp"),
    VideoCase("hevc", "hevc", ".mp4", kwargs=(("gop", 12),)),
    VideoCase("vp9", "vp9", ".webm"),
    VideoCase("vp8", "vp8", ".webm"),
    VideoCase("mjpeg", "mjpeg", ".avi"),
    VideoCase("mpeg4", "mpeg4", ".avi"),
    VideoCase("vfr", "h264", ".mp4", kwargs=(("vfr", True),)),
    # A portrait phone clip: stored landscape, shown upright at 108 x 192 by its matrix.
    VideoCase("rotated", "h264", ".mp4", kwargs=(("rotation", 90), ("size", (108, 192)))),
]
if mf.HAS_AV1:
    VIDEO_CASES.append(VideoCase("av1", "av1", ".mkv", frames=12))

AUDIO_CASES = [("aac", ".m4a"), ("mp3", ".mp3"), ("pcm", ".wav"), ("opus", ".ogg")]
IMAGE_SUFFIXES = [".jpg", ".png", ".webp", ".tif", ".bmp", ".gif"]


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """name -> file. Generated once (about a few seconds on 2 cores) and then only read."""
    root = tmp_path_factory.mktemp("corpus")
    files: dict[str, Path] = {}
    for case in VIDEO_CASES:
        files[case.name] = mf.make_video(
            root / f"{case.name}{case.suffix}",
            codec=case.codec,
            frames=case.frames,
            **dict(case.kwargs),  # type: ignore[arg-type]
        )
    for codec, suffix in AUDIO_CASES:
        files[f"audio-{codec}"] = mf.make_audio(root / f"tone-{codec}{suffix}", codec=codec)
    for suffix in IMAGE_SUFFIXES:
        files[f"image{suffix}"] = mf.make_image(root / f"picture{suffix}", size=(96, 64), index=7)
    files["exif"] = mf.make_image(
        root / "phone-photo.jpg",
        size=(96, 64),
        index=5,
        exif_orientation=6,
        exif={
            271: "Xiaomi",
            272: "Redmi Note 12",
            36867: "2025:04:08 14:03:22",
            0x8825: mf.gps_exif(48.015883, 37.802850),
        },
    )
    return files


@pytest.fixture
def media_folder(tmp_path: Path, corpus: dict[str, Path]) -> Path:
    """A fresh copy of a few corpus files in a folder, for tests that import or alter."""
    folder = tmp_path / "evidence"
    folder.mkdir()
    for name in ("h264-bframes", "vfr", "image.jpg", "audio-aac"):
        shutil.copy2(corpus[name], folder / corpus[name].name)
    return folder


@pytest.fixture(scope="session")
def scene_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An original clip, its re-encode, a 3-second excerpt and look-alike unrelated clips."""
    from tests.scene_clips import make_scene_clips

    return make_scene_clips(tmp_path_factory.getbasetemp() / "scene-clips")
