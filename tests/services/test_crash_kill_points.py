"""Issue 9 item 3, with test_crash_safety.py: a process killed in an import or an export
loses nothing it reported done, leaves no half-made record or file, and the next run
finishes the work (20 mixed files killed after the 5th; html, json and csv, new or
replacing an older export).

Each test runs the real work in a child process (tests/services/crash_child.py) that prints
a marker at each point it reports as done, and SIGKILLs it from here at a chosen marker. The
edit-burst case is tests/services/test_kill_and_reopen.py.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.core.progress import drain
from annotator.services.container import Services, open_services
from tests.media_factory import make_image, make_video

ROOT = Path(__file__).resolve().parents[2]
FILES = 20


def child(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.services.crash_child", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def kill(process: subprocess.Popen[str]) -> list[str]:
    """SIGKILL the child; the marker lines it printed before dying."""
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.stdout is not None
    return [line.strip() for line in process.stdout if line.strip()]


def assert_intact(db: Path) -> None:
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        con.close()


def media_folder(folder: Path) -> Path:
    folder.mkdir()
    for i in range(FILES):  # a few videos among the pictures: slower, more varied work
        if i % 5 == 0:
            make_video(folder / f"clip-{i:02}.mp4", frames=12 + i)
        else:
            make_image(folder / f"photo-{i:02}.png", index=i)
    return folder


def new_case(db: Path) -> Services:
    svc = open_services(db, lambda: "investigator")
    svc.cases.create("Crash")
    return svc


def test_sigkill_during_an_import_keeps_every_reported_file_and_the_rerun_finishes(
    tmp_path: Path,
) -> None:
    folder = media_folder(tmp_path / "media")
    db = tmp_path / "crash.sqlite"
    new_case(db).close()
    process = child("import", str(db), str(folder))
    assert process.stdout is not None
    reported: list[str] = []
    while len(reported) < 5:
        line = process.stdout.readline()
        assert line, "the import ended before recording 5 files"
        assert line.startswith("recorded "), line
        reported.append(line.removeprefix("recorded ").strip())
    late = kill(process)
    assert "done" not in late, "killed too late: the import had finished"
    reported += [line.removeprefix("recorded ") for line in late if line.startswith("recorded")]

    assert_intact(db)
    svc = open_services(db, lambda: "after the crash")
    case = svc.cases.get_by_name("Crash")
    in_case = svc.media.for_case(case.uid)
    paths = {m.original_path for m in in_case}
    assert set(reported) <= paths  # everything reported as recorded is there
    assert len(paths) < FILES
    for media in in_case:  # and whole: a record is its file, with its analysis
        assert Path(media.original_path).parent == folder
        assert media.size_bytes == Path(media.original_path).stat().st_size
        assert len(media.sha256) == 64 and media.width and media.height
    report = svc.audit.verify(case.uid)
    assert report.ok, report.message
    assert report.events == 1 + len(in_case)  # the case, then one event per record

    rerun = drain(svc.importing.run(case.uid, [folder]))
    assert rerun.summary["imported"] == FILES - len(in_case)
    assert rerun.summary["skipped"] == len(in_case)
    assert {f.reason for f in rerun.files if f.outcome == "skipped"} <= {"already_imported"}
    assert len(svc.media.for_case(case.uid)) == FILES
    assert svc.audit.verify(case.uid).ok
    svc.close()


@pytest.mark.parametrize("fmt", ["html", "json", "csv"])
@pytest.mark.parametrize("existing", [False, True], ids=["new", "replacing"])
def test_sigkill_while_an_export_is_renamed_into_place_leaves_no_partial_file(
    tmp_path: Path, fmt: str, existing: bool
) -> None:
    db = tmp_path / "crash.sqlite"
    svc = new_case(db)
    case = svc.cases.get_by_name("Crash")
    picture = make_image(tmp_path / "photo.png")
    drain(svc.importing.run(case.uid, [picture]))
    media = svc.media.for_case(case.uid)
    svc.annotations.create(
        case.uid,
        media[0].uid,
        {
            "kind": "region",
            "region": {"shape": "rect", "x": 0.1, "y": 0.1, "w": 0.2, "h": 0.2},
            "note": "seen",
        },
    )
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / f"report.{fmt}"
    if existing:
        drain(svc.exporting.run(case.uid, fmt, out))
    before = out.read_bytes() if existing else None
    events_before = svc.audit.verify(case.uid).events
    svc.close()

    process = child("export", str(db), fmt, str(out))
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("renaming "), line
    temp = Path(line.removeprefix("renaming ").strip())
    assert temp.parent == out_dir and temp.stat().st_size > 0  # fully written, not in place
    kill(process)

    if existing:
        assert out.read_bytes() == before  # the old complete file, untouched
    else:
        assert not out.exists()
    left = sorted(p.name for p in out_dir.iterdir() if p != out)
    assert left == [temp.name]  # only a recognisably temporary file remains
    assert_intact(db)
    svc = open_services(db, lambda: "after the crash")
    report = svc.audit.verify(case.uid)
    assert report.ok, report.message
    assert report.events == events_before  # the killed export recorded nothing

    # The next export into that folder clears the killed one's leftover (its lock is gone).
    drain(svc.exporting.run(case.uid, fmt, out))
    assert sorted(p.name for p in out_dir.iterdir()) == [out.name]
    svc.close()
