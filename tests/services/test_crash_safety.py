"""SIGKILL in the middle of an import and of an export: reopen, and nothing is lost or half.

The child processes are real runs of the services with one hook each: the import sleeps
inside every record's write transaction (so the kill lands inside one), the export stops
just before its atomic rename (so the kill lands with the file fully written under its
temporary name). The parent kills only after the child said how far it got: no sleeps.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from annotator.core.progress import drain
from annotator.services.container import open_services
from tests import media_factory as mf

ROOT = Path(__file__).resolve().parents[2]

IMPORTER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import annotator.db.repositories.media as repo
    from annotator.services.container import open_services

    real_add = repo.add
    def slow_add(*args, **kwargs):
        media = real_add(*args, **kwargs)
        time.sleep(0.02)  # still inside the transaction: the kill likely lands here
        return media
    repo.add = slow_add

    svc = open_services(sys.argv[1], lambda: "killed investigator")
    case = svc.cases.create("Killed import").value
    work = svc.importing.run(case.uid, [Path(sys.argv[2])], workers=1)
    for progress in work:
        print("done", progress.done, flush=True)  # only after the records are committed
    print("finished", flush=True)
""")

EXPORTER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from annotator.core.progress import drain
    from annotator.services.container import open_services

    real_replace = Path.replace
    def stop_before_rename(self, target):
        print("renaming", self, target, flush=True)
        sys.stdin.readline()  # the parent kills us here
        return real_replace(self, target)
    Path.replace = stop_before_rename

    svc = open_services(sys.argv[1], lambda: "killed investigator")
    case = svc.cases.get_by_name("Exported")
    drain(svc.exporting.run(case.uid, sys.argv[2], Path(sys.argv[3])))
    print("finished", flush=True)
""")


def child(script: str, *args: str, stdin: bool = False) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE,
        stdin=subprocess.PIPE if stdin else None,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def kill(process: subprocess.Popen[str]) -> list[str]:
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.stdout is not None
    return [line.strip() for line in process.stdout if line.strip()]


def integrity(db: Path) -> str:
    con = sqlite3.connect(db)
    try:
        return str(con.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        con.close()


def test_sigkill_during_an_import_keeps_every_reported_file_whole(tmp_path: Path) -> None:
    folder = tmp_path / "evidence"
    folder.mkdir()
    files = [mf.make_image(folder / f"photo-{i:02}.jpg", index=i) for i in range(24)]
    files.append(mf.make_video(folder / "captive.mp4", frames=12))
    db = tmp_path / "case.sqlite"
    process = child(IMPORTER, str(db), str(folder))
    assert process.stdout is not None
    done = 0
    for line in process.stdout:
        assert line.startswith("done"), line
        done = int(line.split()[1])
        if done >= 6:
            break
    tail = kill(process)
    assert "finished" not in tail  # killed mid-import, not after it
    done = max([done, *(int(t.split()[1]) for t in tail if t.startswith("done"))])

    assert integrity(db) == "ok"
    services = open_services(db, lambda: "after the crash")
    case = services.cases.get_by_name("Killed import")
    saved = services.media.for_case(case.uid)
    assert done <= len(saved) < len(files)  # all that was reported, and no more than ran
    thumbs = services.media.thumbnails(case.uid)
    for media in saved:  # each record whole: its hash is the file's, its thumbnail there
        data = Path(media.original_path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == media.sha256
        assert media.size_bytes == len(data) and thumbs.get(media.uid)
    report = services.audit.verify(case.uid)
    assert report.ok, report.message

    # Importing the folder again brings in exactly the rest.
    again = drain(services.importing.run(case.uid, [folder]))
    assert again.summary["imported"] == len(files) - len(saved)
    assert again.summary["skipped"] == len(saved) and again.summary["failed"] == 0
    assert len(services.media.for_case(case.uid)) == len(files)
    assert services.audit.verify(case.uid).ok
    services.close()


def make_case_to_export(db: Path, folder: Path) -> None:
    folder.mkdir()
    for i in range(3):
        mf.make_image(folder / f"card-{i}.png", index=i)
    services = open_services(db, lambda: "investigator")
    case = services.cases.create("Exported").value
    drain(services.importing.run(case.uid, [folder]))
    for media in services.media.for_case(case.uid):
        services.annotations.create(
            case.uid,
            media.uid,
            {
                "kind": "region",
                "region": {"shape": "rect", "x": 0.1, "y": 0.1, "w": 0.3, "h": 0.3},
                "note": f"ID card {media.file_name}",
            },
        )
    services.close()


def test_sigkill_during_an_export_leaves_no_half_file(tmp_path: Path) -> None:
    db = tmp_path / "case.sqlite"
    make_case_to_export(db, tmp_path / "evidence")
    out = tmp_path / "out"
    out.mkdir()
    earlier = out / "case.json"
    earlier.write_bytes(b'{"an": "earlier complete export"}')
    services = open_services(db, lambda: "investigator")
    case = services.cases.get_by_name("Exported")
    events = services.audit.head(case.uid)[0]
    services.close()

    seen: set[str] = set()
    for fmt, name in (("json", "case.json"), ("csv", "case.csv"), ("html", "report.html")):
        process = child(EXPORTER, str(db), fmt, str(out / name), stdin=True)
        assert process.stdout is not None
        marker = process.stdout.readline().split()
        # The HTML report writes its stills first; wait for the report's own rename.
        while marker and not marker[-1].endswith(name):
            assert process.stdin is not None
            process.stdin.write("\n")
            process.stdin.flush()
            marker = process.stdout.readline().split()
        assert marker[0] == "renaming", marker
        temporary = Path(marker[1])
        assert temporary.parent == out and temporary.name.startswith(f".{name}.")
        assert temporary.stat().st_size > 0  # written in full under its temporary name
        assert "finished" not in kill(process)

        if name == "case.json":
            assert earlier.read_bytes() == b'{"an": "earlier complete export"}'
        else:
            assert not (out / name).exists()
        # What is left is only the recognisably temporary file.
        left = {p.name for p in out.iterdir()} - {"case.json"} - seen
        seen |= left
        assert all(n.startswith(f".{name}.") and n.endswith(".part") for n in left), left

    assert integrity(db) == "ok"
    services = open_services(db, lambda: "after the crash")
    assert services.audit.head(case.uid)[0] == events  # no export recorded as written
    assert services.audit.verify(case.uid).ok
    assert len(seen) == 3
    # Writing again clears what the killed writers left (their locks died with them).
    for fmt, name in (("json", "case.json"), ("csv", "case.csv"), ("html", "report.html")):
        result = drain(services.exporting.run(case.uid, fmt, out / name))
        assert result.files[-1] == out / name
    assert sorted(p.name for p in out.iterdir()) == ["case.csv", "case.json", "report.html"]
    assert b"earlier complete export" not in (out / "case.json").read_bytes()
    services.close()


def test_a_live_writers_temporary_file_is_left_alone(tmp_path: Path) -> None:
    """Only files nobody holds are stale: a concurrent writer's is in use."""
    from annotator.core.files import atomic_writer, remove_stale_parts

    target = tmp_path / "report.html"
    dead = tmp_path / ".report.html.deadbeef.part"
    dead.write_bytes(b"half")
    other = tmp_path / ".other.html.deadbeef.part"
    other.write_bytes(b"not ours")
    with atomic_writer(target) as handle:
        handle.write(b"<p>mine</p>")
        (live,) = [p for p in tmp_path.glob(".report.html.*.part")]
        assert remove_stale_parts(target) == []  # my own, held while I write
    assert not dead.exists() and other.exists() and target.read_bytes() == b"<p>mine</p>"
    assert not live.exists()
