"""What only a team database (PostgreSQL) does: migration lock, logins, grants, full-text, NOTIFY.

Everything else the services do is tested on PostgreSQL too: tests/services/conftest.py
runs the whole service suite on both databases.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from annotator.core.errors import DatabaseOpenError, ReadOnlyError, SchemaTooNewError
from annotator.db import migrate
from annotator.services.container import Services, open_services
from tests.conftest import new_media
from tests.pg_server import PgServer
from tests.raw_sql import raw_sql

ROLES_SQL = Path(__file__).resolve().parents[2] / "scripts" / "team-roles.sql"


def database_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


def grant_roles(server: PgServer, url: str) -> str:
    """Run README's scripts/team-roles.sql in the database at ``url``; its name."""
    database = database_of(url)
    server.admin(ROLES_SQL.read_text(), database)
    return database


def login(server: PgServer, role: str) -> str:
    """A new investigator's login in ``role`` (roles are per server: a name of its own)."""
    name = f"inv_{uuid.uuid4().hex[:8]}"
    server.admin(f'CREATE ROLE "{name}" LOGIN IN ROLE {role}')
    return name


@pytest.fixture
def empty_db(pg_server: PgServer) -> str:
    """A new, empty database on the server (not yet migrated)."""
    return pg_server.new_database(template=None)


def test_clients_connecting_at_once_migrate_once(pg_server: PgServer, empty_db: str) -> None:
    url = pg_server.url(empty_db)
    start = threading.Barrier(4)
    opened: list[Services] = []
    errors: list[BaseException] = []

    def connect() -> None:
        start.wait()
        try:
            opened.append(open_services(url, lambda: "x"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=connect) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for services in opened:
        services.close()
    assert errors == [] and len(opened) == 4
    assert raw_sql(url, "SELECT version_num FROM alembic_version") == [(migrate.HEAD_REVISION,)]
    triggers = raw_sql(url, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'audit_events_no_%'")
    assert triggers == [(2,)]  # created once, not once per client


def test_an_older_app_refuses_a_newer_schema(pg_url: str) -> None:
    raw_sql(pg_url, "UPDATE alembic_version SET version_num = '0999'")
    with pytest.raises(SchemaTooNewError, match="newer version of Evidence Annotator"):
        open_services(pg_url, lambda: "x")
    assert raw_sql(pg_url, "SELECT version_num FROM alembic_version") == [("0999",)]


def test_the_audit_actor_is_the_login_the_server_authenticated(
    pg_server: PgServer, pg_url: str
) -> None:
    database = grant_roles(pg_server, pg_url)
    amira = login(pg_server, "annotator_writer")
    services = open_services(pg_server.url(database, amira), lambda: "Mallory")
    try:
        assert services.server_login == amira and not services.read_only
        case = services.cases.create("Donetsk captives").value
        media = services.media.add(case.uid, new_media()).value
        services.annotations.create(
            case.uid, media.uid, {"kind": "moment", "start_ms": 0, "start_frame": 0}
        )
        assert {e.actor for e in services.audit.history(case.uid)} == {amira}
        assert services.audit.verify(case.uid).ok
    finally:
        services.close()


def test_a_reader_login_sees_everything_and_changes_nothing(
    pg_server: PgServer, pg_url: str
) -> None:
    database = database_of(pg_url)
    writer = open_services(pg_url, lambda: "x")
    case = writer.cases.create("Donetsk captives").value
    media = writer.media.add(case.uid, new_media()).value
    writer.annotations.create(
        case.uid,
        media.uid,
        {"kind": "moment", "start_ms": 0, "start_frame": 0, "note": "handcuffed captive"},
    )
    writer.close()
    grant_roles(pg_server, pg_url)
    reviewer = login(pg_server, "annotator_reader")
    head = raw_sql(pg_url, "SELECT count(*) FROM audit_events")

    reader = open_services(pg_server.url(database, reviewer), lambda: "x")
    try:
        assert reader.read_only and reader.read_only_mode == "no_write_grant"
        assert [(s.case.uid, s.annotation_count) for s in reader.cases.summaries()] == [
            (case.uid, 1)
        ]
        assert len(reader.annotations.for_case(case.uid)) == 1
        assert [h.entity_type for h in reader.search.query(case.uid, "captive")] == ["annotation"]
        assert reader.audit.verify(case.uid).ok
        with pytest.raises(ReadOnlyError, match="grant you the writer role"):
            reader.annotations.create(
                case.uid, media.uid, {"kind": "moment", "start_ms": 0, "start_frame": 0}
            )
    finally:
        reader.close()
    assert raw_sql(pg_url, "SELECT count(*) FROM audit_events") == head


def test_writers_cannot_rewrite_the_audit_trail(pg_server: PgServer, pg_url: str) -> None:
    database = database_of(pg_url)
    services = open_services(pg_url, lambda: "x")
    services.cases.create("Donetsk captives")
    services.close()
    grant_roles(pg_server, pg_url)
    amira = pg_server.url(database, login(pg_server, "annotator_writer"))
    with pytest.raises(Exception, match="permission denied"):
        raw_sql(amira, "UPDATE audit_events SET actor = 'Mallory'")
    with pytest.raises(Exception, match="append-only"):  # not even the owner, by mistake
        raw_sql(pg_url, "DELETE FROM audit_events")


def test_a_new_version_needs_the_owner_to_upgrade_the_schema(
    pg_server: PgServer, pg_url: str
) -> None:
    database = grant_roles(pg_server, pg_url)
    amira = login(pg_server, "annotator_writer")
    raw_sql(  # a database of the version before: what 0005 adds is not there yet
        pg_url,
        "DROP TABLE search_index",
        "DROP FUNCTION annotator_audit_append_only() CASCADE",
        "UPDATE alembic_version SET version_num = '0004'",
    )
    with pytest.raises(DatabaseOpenError, match="only its owner's login may change the schema"):
        open_services(pg_server.url(database, amira), lambda: "x")
    open_services(pg_url, lambda: "x").close()  # the owner's login upgrades it
    assert raw_sql(pg_url, "SELECT version_num FROM alembic_version") == [(migrate.HEAD_REVISION,)]
    open_services(pg_server.url(database, amira), lambda: "x").close()


def test_full_text_search_uses_the_gin_index(services: Services, pg_url: str) -> None:
    case = services.cases.create("Donetsk captives").value
    media = services.media.add(case.uid, new_media()).value
    for i in range(40):
        services.annotations.create(
            case.uid,
            media.uid,
            {"kind": "moment", "start_ms": i, "start_frame": i, "note": f"frame {i} street"},
        )
    services.annotations.create(
        case.uid,
        media.uid,
        {"kind": "moment", "start_ms": 99, "start_frame": 99, "note": "Handcuffs on the captive"},
    )
    hits = services.search.query(case.uid, "handcuffs")
    assert len(hits) == 1 and "[Handcuffs]" in hits[0].snippet
    assert len(services.search.query(case.uid, "cuffs")) == 1  # inside a word, as on SQLite
    engine = create_engine(pg_url)
    try:
        with engine.connect() as con:
            con.execute(text("SET enable_seqscan = off"))
            plan = "\n".join(
                row[0]
                for row in con.execute(
                    text(
                        "EXPLAIN SELECT entity_uid FROM search_index "
                        "WHERE tsv @@ plainto_tsquery('simple', 'handcuffs')"
                    )
                )
            )
    finally:
        engine.dispose()
    assert "search_index_tsv" in plan


@pytest.fixture
def services(pg_url: str) -> Iterator[Services]:
    """This module is about PostgreSQL only (the conftest's fixture runs on both)."""
    svc = open_services(pg_url, lambda: "x")
    yield svc
    svc.close()


def test_other_apps_are_notified_at_commit_only(services: Services, pg_url: str) -> None:
    import psycopg

    from annotator.db.engine import NOTIFY_CHANNEL

    url = pg_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as listener:
        listener.execute(f"LISTEN {NOTIFY_CHANNEL}")  # type: ignore[arg-type]
        case = services.cases.create("Donetsk captives").value
        got = [n.payload for n in listener.notifies(timeout=5, stop_after=1)]
        assert got == [case.uid]
        with pytest.raises(ReadOnlyError), services.annotations.write() as unit:
            unit.journal.append(unit.case(case.uid), "x", "case", case.uid, None, None)
            raise ReadOnlyError("rolled back")  # any failure: the change and its NOTIFY go
        assert list(listener.notifies(timeout=1, stop_after=1)) == []


def test_a_server_that_never_answers_is_given_up_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """A silent host (wrong address, VPN down): an error after the connect timeout, no hang."""
    import socket
    import time

    from annotator.db import engine

    monkeypatch.setattr(engine, "CONNECT_TIMEOUT_S", 1)
    with socket.socket() as silent:  # the kernel accepts; nobody ever answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(DatabaseOpenError, match="Cannot connect to the team database"):
            open_services(f"postgresql+psycopg://someone@127.0.0.1:{port}/evidence", lambda: "x")
        assert time.monotonic() - started < 10
