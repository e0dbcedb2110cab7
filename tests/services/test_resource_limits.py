"""Issue 9 item 5: a full disk and a read-only case database, handled, never a crash.

Disk full: an ``OSError(ENOSPC)`` injected where the bytes are written (the atomic writer
for exports, the database commit for imports), and for real on a 1 MiB tmpfs when this
machine lets us mount one. Each expects reason ``disk_full`` naming the file, the case
consistent (integrity, audit trail, earlier records unchanged) and no partial export.

Read-only: the database on a read-only bind mount (root cannot write through it), and
under ``setpriv`` without the capabilities that let root ignore file modes (0444 file in a
0555 folder, and a 0444 file alone). Reads work; every change is refused with ``read_only``;
an export is written but, as the output says, not recorded in the audit trail.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from annotator.__main__ import main
from annotator.core import files
from annotator.core.errors import READ_ONLY_MESSAGE, DiskFullError, ReadOnlyError
from annotator.core.progress import drain
from annotator.services.container import Services, open_services
from tests.media_factory import make_image

ROOT = Path(__file__).resolve().parents[2]
REGION = {"shape": "rect", "x": 0.1, "y": 0.1, "w": 0.2, "h": 0.2}


def populated(db: Path, media_dir: Path, count: int = 3) -> Services:
    svc = open_services(db, lambda: "investigator")
    case = svc.cases.create("Limits").value
    media_dir.mkdir(exist_ok=True)
    pictures = [make_image(media_dir / f"p{i}.png", index=i) for i in range(count)]
    drain(svc.importing.run(case.uid, pictures))
    for media in svc.media.for_case(case.uid):
        svc.annotations.create(case.uid, media.uid, {"kind": "region", "region": REGION})
    return svc


def intact(db: Path) -> None:
    con = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        con.close()


def snapshot(svc: Services, case_uid: str) -> list[tuple[object, ...]]:
    return sorted(
        (m.uid, m.sha256, m.original_path, m.version) for m in svc.media.for_case(case_uid)
    )


# --- disk full, injected --------------------------------------------------------------------


class _FullDisk:
    """A file whose disk fills after ``room`` bytes."""

    def __init__(self, handle: Any, room: int) -> None:
        self._handle = handle
        self._room = room

    def write(self, data: bytes) -> int:
        if len(data) > self._room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._room -= len(data)
        return int(self._handle.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)

    def __enter__(self) -> _FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()


@pytest.mark.parametrize("fmt", ["html", "json", "csv"])
def test_disk_full_during_export_names_the_file_and_leaves_no_partial_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    db = tmp_path / "case.sqlite"
    svc = populated(db, tmp_path / "media")
    case = svc.cases.get_by_name("Limits")
    out = tmp_path / "out" / f"report.{fmt}"
    events = svc.audit.verify(case.uid).events
    fdopen = os.fdopen
    monkeypatch.setattr(files.os, "fdopen", lambda *a, **k: _FullDisk(fdopen(*a, **k), 100))
    with pytest.raises(DiskFullError) as caught:
        drain(svc.exporting.run(case.uid, fmt, out))
    assert caught.value.reason == "disk_full"
    assert str(out) in caught.value.message
    assert list(out.parent.iterdir()) == []  # neither the report nor its temporary file
    monkeypatch.undo()
    intact(db)
    report = svc.audit.verify(case.uid)
    assert report.ok and report.events == events  # no export recorded
    svc.close()


def test_disk_full_on_an_import_commit_keeps_earlier_records_and_the_rerun_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "case.sqlite"
    svc = populated(db, tmp_path / "media", count=2)
    case = svc.cases.get_by_name("Limits")
    before = snapshot(svc, case.uid)
    folder = tmp_path / "more"
    folder.mkdir()
    for i in range(6):
        make_image(folder / f"m{i}.png", index=10 + i)
    commits = {"n": 0}
    commit = Session.commit

    def filling_commit(self: Session) -> None:
        commits["n"] += 1
        if commits["n"] >= 3:  # the disk fills on the third record's commit
            full = sqlite3.OperationalError("database or disk is full")
            raise OperationalError("COMMIT", {}, full)
        commit(self)

    monkeypatch.setattr(Session, "commit", filling_commit)
    with pytest.raises(DiskFullError) as caught:
        drain(svc.importing.run(case.uid, [folder], workers=1))
    monkeypatch.undo()
    assert caught.value.reason == "disk_full" and str(db) in caught.value.message
    intact(db)
    assert svc.audit.verify(case.uid).ok
    now = snapshot(svc, case.uid)
    assert set(before) <= set(now)  # earlier records unchanged
    kept = len(now)
    rerun = drain(svc.importing.run(case.uid, [folder]))
    assert rerun.summary["imported"] == 2 + 6 - kept
    assert len(svc.media.for_case(case.uid)) == 8
    assert svc.audit.verify(case.uid).ok
    svc.close()


def test_cli_reports_disk_full_with_exit_1_and_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "case.sqlite"
    populated(db, tmp_path / "media", count=1).close()
    out = tmp_path / "out" / "report.json"
    fdopen = os.fdopen
    monkeypatch.setattr(files.os, "fdopen", lambda *a, **k: _FullDisk(fdopen(*a, **k), 10))
    args = ["--db", str(db), "export", "--case", "Limits", "--format", "json", "--out", str(out)]
    code = main([*args, "--json"])
    stdout, stderr = capsys.readouterr()
    assert code == 1
    assert json.loads(stdout)["reason"] == "disk_full"
    assert str(out) in stderr and "disk is full" in stderr
    assert not out.exists()


# --- disk full, for real on a small tmpfs ---------------------------------------------------


@contextlib.contextmanager
def small_tmpfs(where: Path) -> Iterator[Path]:
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root/CAP_SYS_ADMIN): {mounted.stderr}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


def fill(folder: Path, leave: int = 0) -> None:
    """Fill the file system of ``folder``, leaving about ``leave`` bytes."""
    with open(folder / "filler", "wb", buffering=0) as handle, contextlib.suppress(OSError):
        while True:
            handle.write(b"\0" * 4096)
    if leave:
        size = (folder / "filler").stat().st_size
        os.truncate(folder / "filler", max(0, size - leave))


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_real_full_tmpfs_during_export(tmp_path: Path) -> None:
    db = tmp_path / "case.sqlite"
    svc = populated(db, tmp_path / "media")
    case = svc.cases.get_by_name("Limits")
    events = svc.audit.verify(case.uid).events
    with small_tmpfs(tmp_path / "small") as small:
        fill(small, leave=2048)  # the HTML report, with its stills, needs more than this
        out = small / "report.html"
        with pytest.raises(DiskFullError) as caught:
            drain(svc.exporting.run(case.uid, "html", out))
        assert caught.value.reason == "disk_full" and str(out) in caught.value.message
        assert sorted(p.name for p in small.iterdir()) == ["filler"]  # nothing partial
    intact(db)
    assert svc.audit.verify(case.uid).events == events
    svc.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_real_full_tmpfs_under_the_database_during_import(tmp_path: Path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    pictures = [make_image(media / f"big{i}.png", size=(640, 480), index=i) for i in range(40)]
    with small_tmpfs(tmp_path / "small") as small:
        db = small / "case.sqlite"
        svc = populated(db, tmp_path / "first", count=1)
        case = svc.cases.get_by_name("Limits")
        before = snapshot(svc, case.uid)
        fill(small)
        failure: DiskFullError | None = None
        try:
            for picture in pictures:  # one by one, until the database cannot grow
                drain(svc.importing.run(case.uid, [picture]))
        except DiskFullError as exc:
            failure = exc
        assert failure is not None, "the full disk was never noticed"
        assert failure.reason == "disk_full" and str(db) in failure.message
        kept = snapshot(svc, case.uid)
        svc.close()
        (small / "filler").unlink()  # room again: the case must be whole and readable
        intact(db)
        svc = open_services(db, lambda: "investigator")
        assert svc.audit.verify(case.uid).ok
        assert set(before) <= set(snapshot(svc, case.uid)) and snapshot(svc, case.uid) == kept
        svc.close()


# --- read-only database ---------------------------------------------------------------------


@contextlib.contextmanager
def read_only_mount(folder: Path) -> Iterator[Path]:
    """``folder`` bind-mounted onto itself read-only: not even root writes through it."""
    bind = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
    if bind.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {bind.stderr.decode().strip()}")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def check_read_only(svc: Services, tmp_path: Path) -> None:
    assert svc.read_only
    case = svc.cases.get_by_name("Limits")
    media = svc.media.for_case(case.uid)
    assert len(media) == 3 and len(svc.annotations.for_case(case.uid)) == 3
    assert svc.audit.verify(case.uid).ok
    with pytest.raises(ReadOnlyError) as caught:
        svc.annotations.create(case.uid, media[0].uid, {"kind": "region", "region": REGION})
    assert caught.value.reason == "read_only" and caught.value.message == READ_ONLY_MESSAGE
    with pytest.raises(ReadOnlyError):
        svc.cases.create("Another")
    with pytest.raises(ReadOnlyError):
        drain(svc.importing.run(case.uid, [make_image(tmp_path / "new.png", index=9)]))
    out = tmp_path / "export" / "report.json"
    result = drain(svc.exporting.run(case.uid, "json", out))
    assert out.is_file() and result.audit_recorded is False
    assert svc.audit.verify(case.uid).events == 1 + 3 + 3


@pytest.mark.skipif(os.geteuid() != 0, reason="bind mounts need root")
def test_database_on_a_read_only_mount_opens_read_only(tmp_path: Path) -> None:
    folder = tmp_path / "disk"
    folder.mkdir()
    db = folder / "case.sqlite"
    populated(db, tmp_path / "media").close()
    with read_only_mount(folder):
        svc = open_services(db, lambda: "investigator")
        assert svc.read_only_mode == "immutable"
        check_read_only(svc, tmp_path)
        svc.close()
        assert sorted(p.name for p in folder.iterdir()) == ["case.sqlite"]


@pytest.mark.skipif(os.geteuid() != 0, reason="bind mounts need root")
def test_read_only_mount_still_shows_changes_left_in_the_wal(tmp_path: Path) -> None:
    """A crash left the latest saves in -wal; "immutable" alone would silently drop them."""
    folder = tmp_path / "disk"
    folder.mkdir()
    db = folder / "case.sqlite"
    populated(db, tmp_path / "media").close()
    # A writer that died before checkpointing: its last commit is only in case.sqlite-wal.
    script = textwrap.dedent("""
        import os, sys
        from annotator.services.container import open_services
        svc = open_services(sys.argv[1], lambda: "investigator")
        case = svc.cases.get_by_name("Limits")
        media = svc.media.for_case(case.uid)[0]
        region = {"shape": "rect", "x": 0.5, "y": 0.5, "w": 0.1, "h": 0.1}
        svc.annotations.create(case.uid, media.uid, {"kind": "region", "region": region,
                                                     "note": "saved just before the crash"})
        os._exit(0)  # no close: no checkpoint, the commit stays in the -wal file
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", script, str(db)], cwd=ROOT, env=env, check=True)
    assert Path(f"{db}-wal").stat().st_size > 0
    (folder / "case.sqlite-shm").unlink(missing_ok=True)
    with read_only_mount(folder):
        svc = open_services(db, lambda: "investigator")
        case = svc.cases.get_by_name("Limits")
        notes = [a.note for a in svc.annotations.for_case(case.uid)]
        assert "saved just before the crash" in notes
        assert svc.audit.verify(case.uid).ok
        svc.close()


def test_cli_on_a_read_only_mount(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if os.geteuid() != 0:
        pytest.skip("bind mounts need root")
    folder = tmp_path / "disk"
    folder.mkdir()
    db = folder / "case.sqlite"
    populated(db, tmp_path / "media").close()
    args = ["--db", str(db)]
    out = tmp_path / "export" / "report.json"
    with read_only_mount(folder):
        assert main([*args, "case", "list"]) == 0
        assert "Limits" in capsys.readouterr().out
        assert main([*args, "media", "list", "--case", "Limits"]) == 0
        assert "p0.png" in capsys.readouterr().out
        code = main([*args, "export", "--case", "Limits", "--format", "json", "--out", str(out)])
        stdout, _ = capsys.readouterr()
        assert code == 0 and out.is_file()
        assert "read-only, so this export is not recorded in its audit trail" in stdout
        assert main([*args, "case", "create", "New", "--json"]) == 1
        stdout, stderr = capsys.readouterr()
        assert json.loads(stdout) == {"reason": "read_only", "message": READ_ONLY_MESSAGE}
        assert "read-only" in stderr
        code = main([*args, "import", "--case", "Limits", str(tmp_path / "media")])
        assert code == 1 and READ_ONLY_MESSAGE in capsys.readouterr().err


CHILD = textwrap.dedent("""
    import json, sys
    from annotator.core.errors import ReadOnlyError
    from annotator.services.container import open_services
    svc = open_services(sys.argv[1], lambda: "investigator")
    case = svc.cases.get_by_name("Limits")
    try:
        svc.cases.create("Another")
        refused = ""
    except ReadOnlyError as exc:
        refused = exc.reason
    print(json.dumps({"mode": svc.read_only_mode, "media": len(svc.media.for_case(case.uid)),
                      "ok": svc.audit.verify(case.uid).ok, "refused": refused}))
""")


@pytest.mark.parametrize("folder_mode", [0o555, 0o755], ids=["folder-0555", "folder-0755"])
def test_without_write_permission_even_for_root(tmp_path: Path, folder_mode: int) -> None:
    """As tests/services/test_custody.py does: root without the capabilities to bypass modes."""
    folder = tmp_path / "disk"
    folder.mkdir()
    db = folder / "case.sqlite"
    populated(db, tmp_path / "media").close()
    db.chmod(0o444)
    folder.chmod(folder_mode)
    prefix = []
    if os.geteuid() == 0:
        prefix = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]
    try:
        done = subprocess.run(
            [*prefix, sys.executable, "-c", CHILD, str(db)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        folder.chmod(0o755)
        db.chmod(0o644)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    expected_mode = "immutable" if folder_mode == 0o555 else "ro"
    assert seen == {"mode": expected_mode, "media": 3, "ok": True, "refused": "read_only"}
    intact(db)
