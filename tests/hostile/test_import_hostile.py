"""Importing hostile media: each file its exact outcome and reason, the rest carries on.

Real files, real decoders, real SQLite. Nothing saved before the import may change, and
the originals are never written.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from annotator.core.entities import Case, MediaKind
from annotator.core.paths import path_text
from annotator.core.progress import drain
from annotator.media.analyse import analyse_file
from annotator.services.container import Services
from tests import media_factory as mf
from tests.hostile.support import (
    assert_kept,
    dump,
    expected_outcomes,
    fingerprint,
    outcomes,
    relative,
    run_import,
)
from tests.hostile_corpus import CORRUPT_FRAMES, FRAMES, HostileCorpus


def test_every_hostile_file_gets_its_outcome_and_saved_work_is_untouched(
    services: Services, earlier_work: Case, hostile: HostileCorpus, db_path: Path
) -> None:
    before, originals = dump(db_path), fingerprint(hostile.root)
    report = run_import(services, earlier_work.uid, hostile.root)

    assert outcomes(hostile, report.files) == expected_outcomes(hostile)
    for f in report.files:
        if f.outcome != "imported":  # every message names its file
            assert path_text(Path(f.path).name) in f.message, f
    counts = {"imported": 0, "duplicate": 0, "unsupported": 0, "failed": 0, "skipped": 0}
    for expected in hostile.expected.values():
        counts[expected.outcome] += 1
    assert report.summary == counts

    assert_kept(before, dump(db_path))  # earlier media, annotations, tags, claims, audit
    assert services.audit.verify(earlier_work.uid).ok
    assert fingerprint(hostile.root) == originals  # read-only: same bytes, same mtimes

    root = str(hostile.root)
    media = {
        relative(hostile.root, m.original_path): m
        for m in services.media.for_case(earlier_work.uid)
        if m.original_path.startswith(root)
    }
    assert set(media) == set(hostile.imported())
    for rel, expected in hostile.imported().items():
        assert media[rel].kind is MediaKind(expected.kind), rel
        assert media[rel].original_path == str(hostile.path(rel))  # odd names kept exactly


def test_lying_headers_are_overruled_by_the_demuxed_frames(
    services: Services, case: Case, hostile: HostileCorpus
) -> None:
    run_import(services, case.uid, hostile.root / "headers", hostile.root / "damaged")
    media = {m.file_name: m for m in services.media.for_case(case.uid)}
    truth = {
        suffix: analyse_file(hostile.sources / f"clip{suffix}", max_pixels=10**8).media
        for suffix in (".mp4", ".webm")
    }
    for name, m in media.items():
        real = truth[Path(name).suffix]
        assert (m.frame_count, m.duration_ms) == (FRAMES, real.duration_ms), name
        assert (m.width, m.height) == (192, 108), name
    assert media["claims-one-hour.mp4"].duration_ms == 1500
    declared = json.loads(media["claims-ten-times-the-frames.mp4"].metadata_json)
    assert declared["declared_frames"] == FRAMES * 10  # the lie is kept, as metadata


def test_thumbnails_of_what_imported(
    services: Services, case: Case, hostile: HostileCorpus
) -> None:
    run_import(services, case.uid, hostile.root)
    media = services.media.for_case(case.uid)
    thumbs = services.media.thumbnails(case.uid)
    assert set(thumbs) == {m.uid for m in media}  # every imported picture and video has one
    for m in media:
        picture = Image.open(io.BytesIO(thumbs[m.uid]))
        assert picture.format == "JPEG" and picture.width <= 320, m.file_name
        assert picture.size == (m.width, m.height), m.file_name  # small sources: not scaled
    corrupt = next(m for m in media if m.file_name == "corrupt-frames.mp4")
    shown = mf.decode_index(np.asarray(Image.open(io.BytesIO(thumbs[corrupt.uid])).convert("RGB")))
    assert shown not in range(CORRUPT_FRAMES[0], 24)  # an intact frame, not the damage


def test_import_again_gives_the_same_verdicts(
    services: Services, case: Case, hostile: HostileCorpus
) -> None:
    run_import(services, case.uid, hostile.root)
    again = run_import(services, case.uid, hostile.root)
    expected = {
        rel: ("skipped", "already_imported") if e.outcome == "imported" else (e.outcome, e.reason)
        for rel, e in hostile.expected.items()
    }
    assert outcomes(hostile, again.files) == expected


def test_files_that_vanish_or_change_during_import(
    services: Services,
    case: Case,
    hostile: HostileCorpus,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The folder is scanned, then other programs act before and while each file is read."""
    from annotator.media import analyse

    folder = tmp_path / "moving"
    folder.mkdir()
    names = ["deleted.png", "now-a-folder.png", "emptied.png", "growing.png", "kept.png"]
    for i, name in enumerate(names):
        mf.make_image(folder / name, size=(96, 64), index=100 + i)
    (folder / "dangling.png").symlink_to(folder / "never-there.png")
    growing = folder / "growing.png"
    video = (hostile.sources / "clip-faststart.mp4").read_bytes()
    downloading = folder / "downloading.mp4"  # half there when scanned, more while read
    downloading.write_bytes(video[: len(video) // 2])
    real_sha = analyse.sha256_file

    def sha_while_written(path: Path, *args: object, **kwargs: object) -> tuple[str, int]:
        result = real_sha(path, *args, **kwargs)  # type: ignore[arg-type]
        if path == growing:  # a copy still being written while we read it
            with growing.open("ab") as handle:
                handle.write(b"\0" * 100)
        if path == downloading:  # still incomplete after this chunk
            downloading.write_bytes(video[: len(video) * 3 // 4])
        return result

    monkeypatch.setattr(analyse, "sha256_file", sha_while_written)
    work = services.importing.run(case.uid, [folder], workers=1)
    assert next(work).total == 7  # scanned; nothing read yet
    (folder / "deleted.png").unlink()
    (folder / "now-a-folder.png").unlink()
    (folder / "now-a-folder.png").mkdir()
    (folder / "emptied.png").write_bytes(b"")
    report = drain(work)
    assert {Path(f.path).name: (f.outcome, f.reason) for f in report.files} == {
        "dangling.png": ("failed", "not_found"),
        "deleted.png": ("failed", "not_found"),
        "now-a-folder.png": ("unsupported", "unsupported_format"),
        "emptied.png": ("failed", "zero_bytes"),
        "growing.png": ("failed", "changed_during_import"),
        "downloading.mp4": ("failed", "changed_during_import"),  # not "truncated"
        "kept.png": ("imported", ""),
    }
    assert [m.file_name for m in services.media.for_case(case.uid)] == ["kept.png"]


def test_permission_denied_on_files_and_folders(
    services: Services,
    earlier_work: Case,
    hostile: HostileCorpus,
    db_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As root chmod stops nothing: the OS's refusal is injected (see also the CLI test)."""
    locked_file = hostile.path("damaged/corrupt-frames.mp4")
    locked_dir = hostile.path("names")
    real_open, real_scandir = Path.open, os.scandir

    def guarded_open(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if self == locked_file:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    def guarded_scandir(path):  # type: ignore[no-untyped-def]
        if Path(path) == locked_dir:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(Path, "open", guarded_open)
    monkeypatch.setattr(os, "scandir", guarded_scandir)
    before = dump(db_path)
    report = run_import(services, earlier_work.uid, hostile.root)
    expected = {
        rel: (e.outcome, e.reason)
        for rel, e in hostile.expected.items()
        if not rel.startswith("names/")
    }
    expected["damaged/corrupt-frames.mp4"] = ("failed", "permission_denied")
    expected["names"] = ("failed", "permission_denied")
    assert outcomes(hostile, report.files) == expected
    message = next(f.message for f in report.files if f.path == str(locked_file))
    assert message == f"No permission to read {locked_file}."
    assert_kept(before, dump(db_path))


def test_a_copy_of_the_corpus_under_the_same_case_is_all_duplicates(
    services: Services, case: Case, hostile: HostileCorpus, tmp_path: Path
) -> None:
    run_import(services, case.uid, hostile.root)
    copy = tmp_path / "second-copy"
    shutil.copytree(hostile.root, copy)
    report = run_import(services, case.uid, copy)
    dupes = {relative(copy, f.path) for f in report.files if f.outcome == "duplicate"}
    assert dupes == set(hostile.imported())
    assert all(f.duplicate_of for f in report.files if f.outcome == "duplicate")


def test_devices_pipes_sockets_and_link_loops_never_block_the_import(
    services: Services, case: Case, tmp_path: Path
) -> None:
    """A reader that opened a FIFO or /dev/zero would wait or read forever."""
    import socket

    folder = tmp_path / "specials"
    folder.mkdir()
    os.mkfifo(folder / "pipe.mp4")
    (folder / "zeros.mp4").symlink_to("/dev/zero")
    (folder / "self.jpg").symlink_to(folder / "self.jpg")  # a link to itself
    (folder / "loop").symlink_to(folder)  # a folder containing itself
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "control.sock"))
    mf.make_image(folder / "real.png", size=(96, 64), index=9)
    try:
        report = run_import(services, case.uid, folder)
    finally:
        server.close()
    got = {Path(f.path).name: (f.outcome, f.reason) for f in report.files}
    assert got == {
        "pipe.mp4": ("unsupported", "unsupported_format"),
        "zeros.mp4": ("unsupported", "unsupported_format"),
        "control.sock": ("unsupported", "unsupported_format"),
        "self.jpg": ("failed", "unreadable"),
        "real.png": ("imported", ""),
    }
    messages = {Path(f.path).name: f.message for f in report.files}
    assert "not a regular file" in messages["pipe.mp4"]
    assert "Too many levels of symbolic links" in messages["self.jpg"]


def test_folders_deeper_than_the_system_path_limit(
    services: Services, case: Case, tmp_path: Path
) -> None:
    """60 levels of 80-character names: past PATH_MAX the folder is named, not the crash."""
    root = tmp_path / "archive"
    root.mkdir()
    mf.make_image(root / "top.png", size=(96, 64), index=1)
    fd = os.open(root, os.O_RDONLY)
    names = [f"{n:02d}-" + "x" * 77 for n in range(60)]
    try:
        for name in names:  # relative to the parent's descriptor: no long path needed
            os.mkdir(name, dir_fd=fd)
            child = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = child
        bottom = os.open("bottom.png", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(bottom, b"\x89PNG\r\n\x1a\n")
        os.close(bottom)
    finally:
        os.close(fd)
    report = run_import(services, case.uid, root)
    failed = [f for f in report.files if f.outcome != "imported"]
    assert [Path(f.path).name for f in report.files if f.outcome == "imported"] == ["top.png"]
    (too_long,) = failed
    assert too_long.outcome == "failed" and too_long.reason == "path_too_long"
    assert len(os.fsencode(too_long.path)) > 4095
    assert too_long.message.startswith(too_long.path) and "Move the folder" in too_long.message
