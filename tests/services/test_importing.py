"""Batch import over real files: outcomes, bad input, duplicates, resume, cancel, originals."""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from annotator.core.entities import Case, MediaKind
from annotator.core.progress import CancelToken, Progress, drain
from annotator.core.settings import Settings
from annotator.services.container import Services, open_services
from annotator.services.importing import ImportReport
from tests.conftest import INVESTIGATOR


def run_import(services: Services, case: Case, *paths: Path, **kw: object) -> ImportReport:
    return drain(services.importing.run(case.uid, list(paths), **kw))  # type: ignore[arg-type]


def by_name(report: ImportReport) -> dict[str, tuple[str, str]]:
    return {Path(f.path).name: (f.outcome, f.reason) for f in report.files}


def fingerprint(folder: Path) -> dict[str, tuple[str, int, int]]:
    """Every file's bytes hash, mtime and size: what 'never touch the originals' means."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            st = path.stat()
            out[str(path)] = (
                hashlib.sha256(path.read_bytes()).hexdigest(),
                st.st_mtime_ns,
                st.st_size,
            )
    return out


def test_import_folder_records_everything(
    services: Services, case: Case, media_folder: Path, tmp_path: Path
) -> None:
    before = fingerprint(media_folder)
    listing = sorted(p.name for p in media_folder.rglob("*"))
    report = run_import(services, case, media_folder)
    assert report.summary == {
        "imported": 4,
        "duplicate": 0,
        "unsupported": 0,
        "failed": 0,
        "skipped": 0,
    }
    media = {m.file_name: m for m in services.media.for_case(case.uid)}
    video = media["h264-bframes.mp4"]
    assert video.kind is MediaKind.VIDEO and video.frame_count == 36
    assert video.sha256 == hashlib.sha256((media_folder / video.file_name).read_bytes()).hexdigest()
    assert video.original_path == str(media_folder / video.file_name)
    assert video.imported_by == INVESTIGATOR and video.video_codec == "h264"
    assert video.width == 192 and video.height == 108 and video.duration_ms == 1500
    assert media["vfr.mp4"].is_vfr
    assert media["tone-aac.m4a"].kind is MediaKind.AUDIO
    assert media["picture.jpg"].kind is MediaKind.IMAGE
    thumbs = services.media.thumbnails(case.uid)
    assert set(thumbs) == {m.uid for m in media.values() if m.kind is not MediaKind.AUDIO}
    assert all(Image.open(__import__("io").BytesIO(t)).format == "JPEG" for t in thumbs.values())
    # Originals untouched: same bytes, same mtimes, nothing written beside them.
    assert fingerprint(media_folder) == before
    assert sorted(p.name for p in media_folder.rglob("*")) == listing
    assert services.audit.verify(case.uid).ok
    assert len(services.audit.history(case.uid)) == 1 + 4  # one event per file


def test_frame_index_is_cached_per_media(
    tmp_path: Path, case: Case, media_folder: Path, db_target: str
) -> None:
    from annotator.core.paths import AppPaths

    svc = open_services(db_target, lambda: "x", Settings, AppPaths.from_environment())
    cache = svc.paths.frame_index_dir
    run_import(svc, case, media_folder)
    video = next(m for m in svc.media.for_case(case.uid) if m.file_name == "vfr.mp4")
    assert (cache / f"{video.sha256}.npz").is_file()
    svc.close()


def _png_declaring(width: int, height: int) -> bytes:
    """A PNG header that claims a huge size (a decompression bomb), valid CRCs, no pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 99))


@pytest.fixture
def hostile_folder(tmp_path: Path, corpus: dict[str, Path]) -> Path:
    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "empty.mp4").write_bytes(b"")
    video = corpus["h264-bframes"].read_bytes()
    (folder / "cut-half.mp4").write_bytes(video[: len(video) // 2])
    (folder / "cut-head.mp4").write_bytes(video[:600])
    (folder / "notes.mp4").write_text("this is a text file renamed as a video\n" * 20)
    (folder / "noise.jpg").write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(5000))
    (folder / "garbage.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(3000))
    jpeg = corpus["image.jpg"].read_bytes()
    (folder / "cut.jpg").write_bytes(jpeg[: len(jpeg) // 2])
    (folder / "bomb.png").write_bytes(_png_declaring(30_000, 30_000))
    (folder / "report.pdf").write_bytes(b"%PDF-1.7\n" + b"x" * 300)
    shutil.copy(corpus["image.png"], folder / "good.png")
    return folder


def test_bad_input_gets_a_reason_and_the_rest_completes(
    services: Services, case: Case, hostile_folder: Path
) -> None:
    report = run_import(services, case, hostile_folder)
    outcomes = by_name(report)
    assert outcomes == {
        "empty.mp4": ("failed", "zero_bytes"),
        "cut-half.mp4": ("failed", "truncated"),
        "cut-head.mp4": ("failed", "truncated"),
        "notes.mp4": ("unsupported", "unsupported_format"),
        "noise.jpg": ("failed", "decode_error"),
        "garbage.png": ("failed", "decode_error"),
        "cut.jpg": ("failed", "truncated"),
        "bomb.png": ("failed", "too_large"),
        "report.pdf": ("unsupported", "unsupported_format"),
        "good.png": ("imported", ""),
    }
    for f in report.files:
        if f.outcome != "imported":
            assert Path(f.path).name in f.message  # every message names its file
    assert [m.file_name for m in services.media.for_case(case.uid)] == ["good.png"]


def test_pixel_limit_is_a_setting(tmp_path: Path, db_target: str, case: Case) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    Image.new("RGB", (2000, 1000), (10, 20, 30)).save(folder / "two-mp.png")
    svc = open_services(db_target, lambda: "x", lambda: Settings(max_image_megapixels=1))
    report = run_import(svc, case, folder)
    assert by_name(report) == {"two-mp.png": ("failed", "too_large")}
    assert "1-megapixel limit" in report.files[0].message
    svc.close()


def test_sixty_megapixel_image_imports_with_thumbnail(
    services: Services, case: Case, tmp_path: Path
) -> None:
    folder = tmp_path / "huge"
    folder.mkdir()
    width, height = 10_000, 6_000
    gradient = np.linspace(0, 255, width, dtype=np.uint8)
    pixels = np.broadcast_to(gradient[None, :, None], (height, width, 3))
    Image.fromarray(np.ascontiguousarray(pixels)).save(folder / "satellite.jpg", quality=60)
    report = run_import(services, case, folder)
    assert by_name(report) == {"satellite.jpg": ("imported", "")}
    (media,) = services.media.for_case(case.uid)
    assert (media.width, media.height) == (width, height)
    assert services.media.thumbnails(case.uid)[media.uid]


def test_duplicates_resume_and_reimport(
    services: Services, case: Case, media_folder: Path, tmp_path: Path
) -> None:
    shutil.copy(media_folder / "vfr.mp4", media_folder / "vfr-copy.mp4")
    first = run_import(services, case, media_folder)
    assert first.summary["imported"] == 4 and first.summary["duplicate"] == 1
    dup = next(f for f in first.files if f.outcome == "duplicate")
    pair = {Path(dup.path).name, Path(dup.duplicate_of).name}
    assert pair == {"vfr.mp4", "vfr-copy.mp4"}  # both paths reported

    again = run_import(services, case, media_folder)
    assert again.summary["imported"] == 0
    assert {f.reason for f in again.files} <= {"already_imported", "duplicate"}

    elsewhere = tmp_path / "other-disk"
    elsewhere.mkdir()
    shutil.copy(media_folder / "picture.jpg", elsewhere / "same-photo.jpg")
    third = run_import(services, case, elsewhere)
    (f,) = third.files
    assert f.outcome == "duplicate" and f.duplicate_of == str(media_folder / "picture.jpg")
    assert len(services.media.for_case(case.uid)) == 4


def test_interrupted_import_resumes_with_only_what_is_missing(
    services: Services, case: Case, corpus: dict[str, Path], tmp_path: Path
) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for name in (
        "image.png",
        "image.gif",
        "image.bmp",
        "image.webp",
        "image.tif",
        "exif",
        "audio-pcm",
        "mjpeg",
    ):
        shutil.copy(corpus[name], folder / corpus[name].name)
    work = services.importing.run(case.uid, [folder], workers=1)
    progress = [next(work) for _ in range(4)]  # then the process "dies": never resumed
    work.close()
    recorded = len(services.media.for_case(case.uid))
    assert 0 < recorded < 8 and progress[-1].done >= recorded
    assert services.audit.verify(case.uid).ok  # each record committed whole

    report = run_import(services, case, folder)
    assert report.summary["imported"] == 8 - recorded
    assert report.summary["skipped"] == recorded
    assert len(services.media.for_case(case.uid)) == 8


def test_cancel_stops_promptly_and_keeps_what_finished(
    services: Services, case: Case, corpus: dict[str, Path], tmp_path: Path
) -> None:
    folder = tmp_path / "cancel"
    folder.mkdir()
    for i in range(12):
        shutil.copy(corpus["image.png"], folder / f"copy-{i:02}.png")
        mf_bytes = (folder / f"copy-{i:02}.png").read_bytes()
        (folder / f"copy-{i:02}.png").write_bytes(mf_bytes + bytes([i]))  # distinct hashes
    token = CancelToken()
    updates: list[Progress] = []

    def on_progress(p: Progress) -> None:
        updates.append(p)
        if p.done >= 2:
            token.cancel()

    report = drain(services.importing.run(case.uid, [folder], token, workers=1), on_progress)
    assert report.cancelled
    assert len(report.files) == 12  # every file has exactly one outcome
    imported = report.summary["imported"]
    assert 2 <= imported < 12
    assert report.summary["skipped"] == 12 - imported
    assert {f.reason for f in report.files if f.outcome == "skipped"} == {"cancelled"}
    assert len(services.media.for_case(case.uid)) == imported


def test_unicode_names_hidden_files_and_symlink_loops(
    services: Services, case: Case, corpus: dict[str, Path], tmp_path: Path
) -> None:
    folder = tmp_path / "Докази 证据"
    (folder / "Донецьк" / "відео").mkdir(parents=True)
    (folder / ".cache").mkdir()
    shutil.copy(corpus["image.png"], folder / "Донецьк" / "відео" / "полонений 俘虏 🎥.png")
    shutil.copy(corpus["image.gif"], folder / ".hidden-photo.gif")
    shutil.copy(corpus["image.bmp"], folder / ".cache" / "thumb.bmp")
    (folder / "Донецьк" / "loop").symlink_to(folder)  # a folder that contains itself
    report = run_import(services, case, folder)
    assert by_name(report) == {"полонений 俘虏 🎥.png": ("imported", "")}
    (media,) = services.media.for_case(case.uid)
    assert media.original_path == str(folder / "Донецьк" / "відео" / "полонений 俘虏 🎥.png")


def test_file_removed_during_import(services: Services, case: Case, media_folder: Path) -> None:
    victim = media_folder / "vfr.mp4"
    work = services.importing.run(case.uid, [media_folder], workers=1)
    first = next(work)  # scanned, nothing read yet
    assert first.total == 4
    victim.unlink()
    report = drain(work)
    assert by_name(report)["vfr.mp4"] == ("failed", "not_found")
    assert report.summary["imported"] == 3


def test_missing_path_and_unknown_case(services: Services, case: Case, tmp_path: Path) -> None:
    report = run_import(services, case, tmp_path / "nowhere")
    assert by_name(report) == {"nowhere": ("failed", "not_found")}
    from annotator.core.errors import NotFoundError

    with pytest.raises(NotFoundError):
        drain(services.importing.run("no-such-case", [tmp_path]))


def test_permission_denied_files_and_folders(
    services: Services, case: Case, media_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests run as root, which chmod cannot stop: inject the OS's refusal instead."""
    locked_file = media_folder / "vfr.mp4"
    locked_dir = media_folder / "private"
    locked_dir.mkdir()
    shutil.copy(media_folder / "picture.jpg", locked_dir / "inside.jpg")
    broken_disk = media_folder / "tone-aac.m4a"
    real_open, real_scandir = Path.open, os.scandir

    def guarded_open(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if self == locked_file:
            raise PermissionError(13, "Permission denied", str(self))
        if self == broken_disk:
            raise OSError(5, "Input/output error", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    def guarded_scandir(path):  # type: ignore[no-untyped-def]
        if Path(path) == locked_dir:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(Path, "open", guarded_open)
    monkeypatch.setattr(os, "scandir", guarded_scandir)
    report = run_import(services, case, media_folder)
    outcomes = by_name(report)
    assert outcomes["vfr.mp4"] == ("failed", "permission_denied")
    assert outcomes["private"] == ("failed", "permission_denied")
    assert outcomes["tone-aac.m4a"] == ("failed", "unreadable")
    assert outcomes["h264-bframes.mp4"] == ("imported", "")
    assert outcomes["picture.jpg"] == ("imported", "")
    message = next(f.message for f in report.files if f.path.endswith("vfr.mp4"))
    assert "No permission to read" in message and "vfr.mp4" in message


def test_file_changing_while_read_is_not_recorded(
    services: Services, case: Case, media_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A download still being written: its hash would be of bytes that no longer exist."""
    from annotator.media import analyse

    growing = media_folder / "vfr.mp4"
    real_sha = analyse.sha256_file

    def sha_then_append(path: Path, *args: object, **kwargs: object) -> tuple[str, int]:
        result = real_sha(path, *args, **kwargs)  # type: ignore[arg-type]
        if path == growing:
            with growing.open("ab") as handle:  # the downloader writes more meanwhile
                handle.write(b"\0" * 1000)
        return result

    monkeypatch.setattr(analyse, "sha256_file", sha_then_append)
    report = run_import(services, case, media_folder)
    assert by_name(report)["vfr.mp4"] == ("failed", "changed_during_import")
    assert report.summary["imported"] == 3
