"""Custody verify over hostile media changed, moved, cut or locked after import.

Every file gets its state and reason, by path; the check goes on past each problem, and
the only database changes are the verification records it exists to write.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from annotator.core.entities import Case
from annotator.core.progress import drain
from annotator.services.container import Services
from tests.hostile.support import assert_kept, column, dump, relative, run_import
from tests.hostile_corpus import HostileCorpus

DEEP = "deep/" + "/".join(f"level-{n:02d}" for n in range(1, 61)) + "/bottom.png"


def test_verify_names_every_problem_and_goes_on(
    services: Services,
    earlier_work: Case,
    hostile: HostileCorpus,
    db_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run_import(services, earlier_work.uid, hostile.root)
    grown = hostile.path("names/🎥 съёмка 证据 💥.png")
    with grown.open("ab") as handle:
        handle.write(b"\0")
    flipped = hostile.path("headers/claims-one-hour.mp4")
    data = bytearray(flipped.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, other content
    flipped.write_bytes(bytes(data))
    cut = hostile.path(DEEP)
    cut.write_bytes(cut.read_bytes()[:-1])
    hostile.path("magic/png-named.mp4").unlink()
    folder_now = hostile.path("magic/mp4-named.jpg")
    folder_now.unlink()
    folder_now.mkdir()
    locked = hostile.path("damaged/corrupt-frames.mp4")
    real_open = Path.open

    def guarded_open(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if self == locked:  # as root chmod stops nothing: the OS's refusal is injected
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", guarded_open)
    before = dump(db_path)
    report = drain(services.custody.verify(earlier_work.uid))

    root = str(hostile.root)
    states = {
        relative(hostile.root, m.path): (m.state, m.reason)
        for m in report.media
        if m.path.startswith(root)
    }
    expected = {rel: ("ok", "") for rel in hostile.imported()}
    expected.update(
        {
            "names/🎥 съёмка 证据 💥.png": ("modified", "hash_mismatch"),
            "headers/claims-one-hour.mp4": ("modified", "hash_mismatch"),
            DEEP: ("modified", "hash_mismatch"),
            "magic/png-named.mp4": ("missing", "not_found"),
            "magic/mp4-named.jpg": ("missing", "not_found"),
            "damaged/corrupt-frames.mp4": ("unreadable", "permission_denied"),
        }
    )
    assert states == expected
    earlier = [m for m in report.media if not m.path.startswith(root)]
    assert [(m.file_name, m.state) for m in earlier] == [
        ("h264-bframes.mp4", "ok"),
        ("picture.jpg", "ok"),
    ]
    for m in report.problems:
        assert m.message and Path(m.path).name == m.file_name  # the record names the file
    assert report.audit.ok and not report.ok and not report.cancelled

    after = dump(db_path)
    verified = {
        column(db_path, "media_items", "last_verified_at"),
        column(db_path, "media_items", "last_verify_state"),
        column(db_path, "media_items", "version"),  # a recorded verification is an edit
    }
    assert_kept(before, after, may_change={"media_items": verified})
    added = {t: len(after[t]) - len(before[t]) for t in after if len(after[t]) != len(before[t])}
    assert added == {"audit_events": len(report.media)}  # one media.verify event per file
    assert services.audit.verify(earlier_work.uid).ok


def test_verify_after_relink_of_moved_hostile_names(
    services: Services, case: Case, hostile: HostileCorpus, tmp_path: Path
) -> None:
    """Odd names survive a move: relink finds them by content, verify is then all ok."""
    run_import(services, case.uid, hostile.root / "names")
    moved = tmp_path / "moved"
    shutil.move(os.fsencode(hostile.root / "names"), os.fsencode(moved))
    missing = drain(services.custody.verify(case.uid))
    assert {m.state for m in missing.media} == {"missing"}
    relinked = drain(services.custody.relink(case.uid, moved))
    assert relinked.complete and len(relinked.relinked) == len(missing.media)
    again = drain(services.custody.verify(case.uid))
    assert again.ok and {Path(m.path).parent for m in again.media} == {moved}
