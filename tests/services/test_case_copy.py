"""Copying a case with its audit trail: SQLite -> PostgreSQL -> SQLite, on real databases.

The source is the demo case (media with thumbnails and frame hashes, tags, claims,
annotations, links) plus a redaction, a soft-deleted annotation and a renamed tag; it is
built once per module and each test copies the file, so a test may tamper with its own.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from annotator.core.paths import AppPaths
from annotator.core.progress import Cancelled, CancelToken, Progress, drain
from annotator.db import case_copy
from annotator.db.engine import Database
from annotator.db.schema import Base
from annotator.services.container import Services, open_services
from annotator.services.copying import (
    BrokenTrailError,
    CopyReport,
    CopyVerificationError,
    SameDatabaseError,
)
from annotator.services.demo import build_or_reuse_demo
from tests.conftest import INVESTIGATOR
from tests.pg_server import PgServer
from tests.raw_sql import drop_audit_guard, raw_sql

SEARCH_TERMS = ["Donetsk", "captive", "identity", "国", "bank card"]


def _paths(root: Path) -> AppPaths:
    return AppPaths(root / "data", root / "config", root / "logs", root / "cache")


@pytest.fixture(scope="module")
def rich_source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """(SQLite file, case uid, case name) of a case with a record of every kind."""
    root = tmp_path_factory.mktemp("copy-source")
    path = root / "source.sqlite"
    services = open_services(path, lambda: INVESTIGATOR, paths=_paths(root))
    try:
        demo = build_or_reuse_demo(services, root / "demo-media")
        uid = demo.uid
        media = services.media.for_case(uid)
        video = next(m for m in media if m.kind.value == "video")
        services.redactions.create(
            uid,
            video.uid,
            {
                "keyframes": [{"frame": 3, "ms": 120, "x": 0.1, "y": 0.2, "w": 0.3, "h": 0.25}],
                "start_frame": 3,
                "end_frame": 9,
                "start_ms": 120,
                "end_ms": 400,
                "label": "face of the captive",
            },
        )
        annotations = services.annotations.for_case(uid)
        services.annotations.delete(uid, annotations[0].uid)
        tag = next(t for t in services.tags.for_case(uid) if t.path == "person/captive")
        services.tags.rename(uid, tag.uid, "person/detainee")
        assert services.audit.verify(uid).ok
    finally:
        services.close()
    return path, uid, demo.name


@pytest.fixture
def source(rich_source: tuple[Path, str, str], tmp_path: Path) -> Iterator[Services]:
    path = tmp_path / "source.sqlite"
    shutil.copyfile(rich_source[0], path)
    svc = open_services(path, lambda: INVESTIGATOR)
    yield svc
    svc.close()


@pytest.fixture
def case_uid(rich_source: tuple[Path, str, str]) -> str:
    return rich_source[1]


@pytest.fixture
def case_name(rich_source: tuple[Path, str, str]) -> str:
    return rich_source[2]


@pytest.fixture
def new_pg(pg_server: PgServer) -> Iterator[str]:
    """A brand-new, empty PostgreSQL database (not migrated: the copy migrates it)."""
    name = pg_server.new_database(template=None)
    yield pg_server.url(name, "Test Investigator")
    pg_server.drop_database(name)


def copy(
    services: Services, name: str, target: str | Path, **options: Any
) -> tuple[CopyReport, list[Progress]]:
    seen: list[Progress] = []
    report = drain(services.copying.copy_case(name, target, **options), seen.append)
    return report, seen


def dump(target: str | Path, case_uid: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of the case, table by table, integer keys left out, foreign keys as uids."""
    db = Database(target)
    try:
        with db.engine.connect() as con:
            cases = Base.metadata.tables["cases"]
            case_id = con.execute(select(cases.c.id).where(cases.c.uid == case_uid)).scalar_one()
            uid_of: dict[str, dict[int, str]] = {"cases": {case_id: case_uid}}
            for table in case_copy.CASE_TABLES:
                if "uid" in table.c:
                    uid_of[table.name] = dict(
                        con.execute(
                            select(table.c.id, table.c.uid).where(table.c.case_id == case_id)
                        ).all()
                    )
            out: dict[str, list[dict[str, Any]]] = {}
            for table in case_copy.ALL_TABLES:
                rows = [dict(r) for r in con.execute(select(table)).mappings()]
                kept = []
                for row in rows:
                    for fk in table.foreign_keys:
                        ref = uid_of[fk.column.table.name]
                        if row[fk.parent.key] not in ref:
                            break  # a row of another case
                        row[fk.parent.key] = ref[row[fk.parent.key]]
                    else:
                        if table.name == "cases" and row["uid"] != case_uid:
                            continue
                        row.pop("id", None)
                        kept.append(row)
                out[table.name] = sorted(kept, key=repr)
            return out
    finally:
        db.dispose()


def hits(services: Services, case_uid: str) -> dict[str, list[tuple[str, str]]]:
    return {
        term: sorted((h.entity_type, h.entity_uid) for h in services.search.query(case_uid, term))
        for term in SEARCH_TERMS
    }


def test_every_table_of_a_case_is_copied() -> None:
    """A table added to schema.py must be added to the copy (or this test says why not)."""
    assert {t.name for t in case_copy.ALL_TABLES} == set(Base.metadata.tables)


def test_sqlite_to_postgresql_to_sqlite_keeps_every_row_and_the_trail(
    source: Services, case_uid: str, case_name: str, new_pg: str, tmp_path: Path
) -> None:
    original = dump(source.location, case_uid)
    assert all(original[t.name] for t in case_copy.ALL_TABLES), "the source has every kind"
    assert any(r["deleted_at"] for r in original["annotations"])
    assert any(r["thumbnail"] for r in original["media_items"])
    assert any(r["frame_hashes"] for r in original["media_items"])
    head = source.audit.head(case_uid)
    found = hits(source, case_uid)
    assert all(found.values())

    report, progress = copy(source, case_name, new_pg, batch=3)
    assert report.verified and report.case_uid == case_uid
    assert (report.audit_events, report.audit_head_hash) == head
    assert report.counts["annotations"] == len(original["annotations"])
    assert report.counts["audit_events"] == head[0]
    assert progress[-1].done == progress[-1].total == sum(report.counts.values())
    in_pg = open_services(new_pg, lambda: INVESTIGATOR)
    try:
        assert dump(new_pg, case_uid) == original
        assert in_pg.audit.verify(case_uid).ok
        assert in_pg.audit.head(case_uid) == head
        assert in_pg.audit.history(case_uid) == source.audit.history(case_uid)
        assert hits(in_pg, case_uid) == found

        back = tmp_path / "back" / "copy.sqlite"  # a new file in a new folder
        report2, _ = copy(in_pg, case_name, back, batch=1000)
        assert report2.verified and report2.counts == report.counts
    finally:
        in_pg.close()
    in_file = open_services(back, lambda: INVESTIGATOR)
    try:
        assert dump(back, case_uid) == original
        assert in_file.audit.verify(case_uid).ok
        assert in_file.audit.head(case_uid) == head
        assert hits(in_file, case_uid) == found
    finally:
        in_file.close()
    assert source.audit.head(case_uid) == head  # nothing was added to the source


@pytest.mark.parametrize("where", ["postgresql", "sqlite"])
def test_a_copied_case_opens_and_takes_new_work(
    source: Services, case_uid: str, case_name: str, where: str, tmp_path: Path, request: Any
) -> None:
    target = request.getfixturevalue("pg_url") if where == "postgresql" else tmp_path / "c.db"
    copy(source, case_name, target)
    copied = open_services(target, lambda: INVESTIGATOR)
    try:
        head = copied.audit.head(case_uid)
        media = copied.media.for_case(case_uid)[0]
        made = copied.annotations.create(
            case_uid,
            media.uid,
            {"kind": "region", "region": {"x": "0.1", "y": "0.1", "w": "0.2", "h": "0.2"}}
            if media.kind.value == "image"
            else {"kind": "moment", "start_ms": 0, "start_frame": 0, "note": "seen in the copy"},
            tags=["person/detainee"],
        ).value
        assert copied.audit.head(case_uid)[0] == head[0] + 1
        event = copied.audit.history(case_uid, made.uid)[0]
        assert event.seq == head[0] + 1 and event.prev_hash == head[1]
        assert copied.audit.verify(case_uid).ok
        tags = {t.path: t.uid for t in copied.tags.for_case(case_uid)}
        assert made.tag_uids == (tags["person/detainee"],)
    finally:
        copied.close()


def test_a_case_already_in_the_target_is_refused(
    source: Services, case_uid: str, case_name: str, pg_url: str
) -> None:
    copy(source, case_name, pg_url)
    before = dump(pg_url, case_uid)
    with pytest.raises(Exception) as refused:
        copy(source, case_name, pg_url)
    assert getattr(refused.value, "reason", None) == "already_exists"
    assert "already holds this case (the same uid" in str(refused.value)
    assert dump(pg_url, case_uid) == before

    # Another case that took the name: refused by name.
    source.cases.rename(case_uid, "Renamed in the source")
    other = source.cases.create(case_name).value
    with pytest.raises(Exception) as by_name:
        copy(source, case_name, pg_url)
    assert getattr(by_name.value, "reason", None) == "already_exists"
    assert f"another case named '{case_name}'" in str(by_name.value)
    assert raw_sql(pg_url, "SELECT count(*) FROM cases")[0][0] == 1
    assert other.uid not in str(dump(pg_url, case_uid))


def test_a_missing_case_is_refused_and_nothing_is_made(source: Services, tmp_path: Path) -> None:
    target = tmp_path / "never.sqlite"
    with pytest.raises(Exception) as refused:
        copy(source, "No such case", target)
    assert getattr(refused.value, "reason", None) == "not_found"
    assert "No case named 'No such case'" in str(refused.value)
    assert not target.exists()


def test_the_same_database_is_refused(
    source: Services, case_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = Path(source.location)
    monkeypatch.chdir(path.parent)
    for same in (path, path.name, f"sqlite+pysqlite:///{path}"):
        with pytest.raises(SameDatabaseError, match="same database"):
            copy(source, case_name, same)
    link = tmp_path / "link.sqlite"
    link.symlink_to(path)
    with pytest.raises(SameDatabaseError):
        copy(source, case_name, link)


def test_the_same_postgresql_database_is_refused(
    pg_server: PgServer, pg_url: str, case_name: str
) -> None:
    svc = open_services(pg_url, lambda: INVESTIGATOR)
    try:
        svc.cases.create(case_name)
        database = pg_url.rsplit("/", 1)[1]
        for same in (pg_url, pg_server.url(database, "postgres").replace("+psycopg", "")):
            with pytest.raises(SameDatabaseError, match="same database"):
                copy(svc, case_name, same)
    finally:
        svc.close()


@pytest.mark.parametrize("tamper", ["record", "event"])
def test_a_source_whose_trail_does_not_verify_is_not_copied(
    source: Services, case_uid: str, case_name: str, tamper: str, tmp_path: Path
) -> None:
    path = source.location
    if tamper == "record":
        raw_sql(path, "UPDATE annotations SET note = 'rewritten' WHERE id = 2")
    else:
        raw_sql(
            path,
            drop_audit_guard(path, "UPDATE"),
            "UPDATE audit_events SET actor = 'someone else' WHERE seq = 5",
        )
    assert not source.audit.verify(case_uid).ok
    target = tmp_path / "target.sqlite"
    with pytest.raises(BrokenTrailError, match="does not verify") as refused:
        copy(source, case_name, target)
    assert refused.value.reason == "audit_broken"
    assert not target.exists()


def test_a_copy_that_does_not_verify_is_rolled_back(
    source: Services, case_uid: str, case_name: str, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fault injected into the copy (a note changed on the way) is caught and undone."""
    values = case_copy._Mapper.values

    def altered(self: Any, table: Any, row: Any) -> dict[str, Any]:
        out = values(self, table, row)
        if table.name == "annotations" and out["note"]:
            out["note"] += " (altered)"
        return out

    monkeypatch.setattr(case_copy._Mapper, "values", altered)
    with pytest.raises(CopyVerificationError, match="was changed outside the app") as failed:
        copy(source, case_name, pg_url)
    assert failed.value.reason == "verification_failed" and "rolled back" in str(failed.value)
    assert raw_sql(pg_url, "SELECT count(*) FROM cases")[0][0] == 0
    assert raw_sql(pg_url, "SELECT count(*) FROM audit_events")[0][0] == 0
    assert raw_sql(pg_url, "SELECT count(*) FROM search_index")[0][0] == 0


def test_a_cancelled_copy_leaves_nothing(
    source: Services, case_uid: str, case_name: str, tmp_path: Path
) -> None:
    target = tmp_path / "target.sqlite"
    token = CancelToken()
    work = source.copying.copy_case(case_name, target, token, batch=2)
    with pytest.raises(Cancelled):
        for update in work:
            if update.done > 10:
                token.cancel()
    assert raw_sql(target, "SELECT count(*) FROM cases")[0][0] == 0
    assert raw_sql(target, "SELECT count(*) FROM annotations")[0][0] == 0


def test_a_video_of_3_gib_copies_to_postgresql(tmp_path: Path, pg_url: str) -> None:
    """Sizes past 2 GiB: SQLite's INTEGER is 64-bit, PostgreSQL's BIGINT since 0006."""
    import dataclasses

    from tests.conftest import new_media

    size = 3 * 2**30
    svc = open_services(tmp_path / "big.sqlite", lambda: INVESTIGATOR)
    try:
        case = svc.cases.create("Big files").value
        svc.media.add(case.uid, dataclasses.replace(new_media(), size_bytes=size))
        copy(svc, "Big files", pg_url)
    finally:
        svc.close()
    assert raw_sql(pg_url, "SELECT size_bytes FROM media_items") == [(size,)]


def test_a_row_the_target_cannot_hold_stops_the_copy_clearly(tmp_path: Path, pg_url: str) -> None:
    """A target whose column is narrower than the source's value (here made so by hand)."""
    import dataclasses

    from tests.conftest import new_media

    raw_sql(pg_url, "ALTER TABLE media_items ALTER COLUMN size_bytes TYPE integer")
    svc = open_services(tmp_path / "big.sqlite", lambda: INVESTIGATOR)
    try:
        case = svc.cases.create("Big files").value
        svc.media.add(case.uid, dataclasses.replace(new_media(), size_bytes=3 * 2**30))
        with pytest.raises(case_copy.TargetRefusedError, match="out of range") as refused:
            copy(svc, "Big files", pg_url)
    finally:
        svc.close()
    assert refused.value.reason == "target_refused"
    assert "Nothing was copied" in str(refused.value) and "\n" not in str(refused.value)
    assert raw_sql(pg_url, "SELECT count(*) FROM cases")[0][0] == 0


def test_a_case_made_in_the_target_meanwhile_is_not_overwritten(
    source: Services, case_uid: str, case_name: str, tmp_path: Path
) -> None:
    """The check inside the write transaction, for a case created after the first check."""
    from annotator.core.errors import AlreadyExistsError
    from annotator.db import migrate
    from annotator.db.uow import unit_of_work

    target = tmp_path / "target.sqlite"
    copy(source, case_name, target)
    src_db, dst_db = Database(source.location), Database(target)
    try:
        migrate.upgrade(dst_db)
        with (
            unit_of_work(src_db, write=False) as reading,
            pytest.raises(AlreadyExistsError, match="already in the target"),
            unit_of_work(dst_db, write=True) as writing,
        ):
            found = case_copy.find_case(reading, name=case_name)
            list(case_copy.copy_case_rows(reading, writing, found.id))
    finally:
        src_db.dispose()
        dst_db.dispose()
    assert raw_sql(target, "SELECT count(*) FROM cases")[0][0] == 1
