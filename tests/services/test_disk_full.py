"""A full disk during an export or an import: a clear `disk_full`, and the case consistent.

For real where the machine allows it (a tiny tmpfs; SQLite's own max_page_count, which
fails exactly as a full disk does), and by injecting ENOSPC at the write layer, which
every machine can do.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event

from annotator.__main__ import main
from annotator.core.errors import DiskFullError
from annotator.core.progress import drain
from annotator.services.container import Services
from tests import media_factory as mf


@contextlib.contextmanager
def tiny_disk(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` at ``where`` (root only; skipped where mounting is not allowed)."""
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.fixture
def backend() -> str:
    """SQLite's own behaviour on a full disk (a team server's disk is the server's)."""
    return "sqlite"


def integrity(services: Services) -> str:
    path = services._db.sqlite_path
    assert path is not None
    con = sqlite3.connect(path)
    try:
        return str(con.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        con.close()


@pytest.fixture
def filled(services: Services, tmp_path: Path) -> str:
    """A case with three pictures and an annotation on each."""
    folder = tmp_path / "evidence"
    folder.mkdir()
    for i in range(3):
        mf.make_image(folder / f"card-{i}.png", size=(320, 240), index=i)
    case = services.cases.create("Full disk").value
    drain(services.importing.run(case.uid, [folder]))
    for media in services.media.for_case(case.uid):
        region = {"shape": "rect", "x": 0.1, "y": 0.1, "w": 0.3, "h": 0.3}
        services.annotations.create(case.uid, media.uid, {"kind": "region", "region": region})
    return case.uid


def assert_unchanged(services: Services, case_uid: str, head: tuple[int, str]) -> None:
    assert integrity(services) == "ok"
    assert services.audit.head(case_uid) == head  # nothing recorded as written
    assert services.audit.verify(case_uid).ok


def test_export_onto_a_full_disk_for_real(
    services: Services, filled: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = services.audit.head(filled)
    with tiny_disk(tmp_path / "usb", "16k") as usb:
        out = usb / "report.html"
        with pytest.raises(DiskFullError) as caught:
            drain(services.exporting.run(filled, "html", out))
        assert caught.value.reason == "disk_full" and str(out) in caught.value.message
        assert list(usb.iterdir()) == []  # no report, no temporary file
        assert_unchanged(services, filled, head)

        db = services._db.sqlite_path
        code = main(["--db", str(db), "export", "--case", "Full disk", "--format", "html",
                     "--out", str(out)])  # fmt: skip
        err = capsys.readouterr().err
        assert code == 1 and err.startswith("error: The disk is full: ") and str(out) in err
        assert list(usb.iterdir()) == []


def test_export_with_enospc_injected_keeps_the_earlier_file(
    services: Services, filled: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out" / "case.json"
    drain(services.exporting.run(filled, "json", out))
    earlier = out.read_bytes()

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("annotator.core.files.os.fsync", no_space)
    services.annotations.create(
        filled,
        services.media.for_case(filled)[0].uid,
        {"kind": "region", "region": {"shape": "rect", "x": 0, "y": 0, "w": 1, "h": 1}},
    )
    head = services.audit.head(filled)
    for fmt, name in (("json", "case.json"), ("csv", "case.csv"), ("html", "report.html")):
        with pytest.raises(DiskFullError, match="The disk is full"):
            drain(services.exporting.run(filled, fmt, out.with_name(name)))
    assert out.read_bytes() == earlier  # the earlier export is still whole
    assert sorted(p.name for p in out.parent.iterdir()) == ["case.json"]
    assert_unchanged(services, filled, head)


def test_the_database_filling_up_during_an_import(services: Services, tmp_path: Path) -> None:
    """SQLite's max_page_count fails a write with SQLITE_FULL, as a full disk does."""
    folder = tmp_path / "evidence"
    folder.mkdir()
    for i in range(30):
        mf.make_image(folder / f"photo-{i:02}.jpg", size=(320, 240), index=i)
    case = services.cases.create("Import on a full disk").value
    engine = services._db.engine
    pages = {"limit": 0}

    def limit(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        if pages["limit"]:
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages['limit']}")

    event.listen(engine, "connect", limit)
    with engine.connect() as connection:
        used = connection.exec_driver_sql("PRAGMA page_count").scalar()
    assert isinstance(used, int)
    pages["limit"] = used + 12  # room for a few photos' records and thumbnails, not 30
    engine.dispose()  # new connections get the limit

    with pytest.raises(DiskFullError) as caught:
        drain(services.importing.run(case.uid, [folder], workers=1))
    assert caught.value.reason == "disk_full"
    assert "was not saved; everything saved before is kept" in caught.value.message
    kept = services.media.for_case(case.uid)
    assert 0 < len(kept) < 30
    assert integrity(services) == "ok" and services.audit.verify(case.uid).ok

    pages["limit"] = 0  # space freed: the same import brings in the rest
    event.remove(engine, "connect", limit)
    engine.dispose()
    again = drain(services.importing.run(case.uid, [folder]))
    assert again.summary["imported"] == 30 - len(kept)
    assert again.summary["skipped"] == len(kept)
    assert services.audit.verify(case.uid).ok
