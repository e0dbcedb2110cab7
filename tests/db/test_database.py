"""Opening, migrating and configuring the case database (real SQLite files)."""

import sqlite3
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from annotator.core.errors import DatabaseOpenError, SchemaTooNewError
from annotator.db import migrate
from annotator.db.engine import Database
from annotator.db.schema import Base
from annotator.db.search import is_search_table
from annotator.services.container import open_services


def test_migrations_from_empty_create_every_table(db_path: Path) -> None:
    db = Database(db_path)
    result = migrate.upgrade(db)
    assert result is not None and result.from_revision is None
    assert result.to_revision == migrate.head_revision() and result.backup is None
    tables = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert migrate.upgrade(db) is None  # second open: nothing to do
    db.dispose()


def test_models_and_migrations_agree(db_path: Path) -> None:
    db = Database(db_path)
    migrate.upgrade(db)
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_name": lambda name, type_, parent: (
                    not (type_ == "table" and is_search_table(name))
                ),
            },
        )
        diff = compare_metadata(context, Base.metadata)
    db.dispose()
    assert diff == [], f"schema.py and the migrations differ; write a migration: {diff}"


def test_downgrade_to_base_and_back(db_path: Path) -> None:
    from alembic import command

    db = Database(db_path)
    migrate.upgrade(db)
    config = migrate._config()
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    assert migrate.upgrade(db) is not None
    db.dispose()


def test_sqlite_runs_with_evidence_settings(db_path: Path) -> None:
    db = Database(db_path)
    migrate.upgrade(db)
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
    db.dispose()


def test_audit_events_are_append_only_in_sqlite(services, case, db_path: Path) -> None:
    con = sqlite3.connect(db_path)
    for statement in ("UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            con.execute(statement)
    con.close()


def test_backup_is_a_consistent_copy(services, case, db_path: Path) -> None:
    db = Database(db_path)
    backup = migrate._backup(db, "0001")
    db.dispose()
    assert backup is not None and backup.parent == db_path.parent
    copy = sqlite3.connect(backup)
    assert copy.execute("SELECT name FROM cases").fetchall() == [(case.name,)]
    copy.close()


def test_foreign_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE customers (id INTEGER)")
    con.commit()
    con.close()
    with pytest.raises(DatabaseOpenError, match="not an Evidence Annotator"):
        open_services(path, lambda: "x")


def test_not_a_database_at_all(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("these are my notes, not a database " * 100, encoding="utf-8")
    with pytest.raises(DatabaseOpenError, match=str(path)):
        open_services(path, lambda: "x")
    assert path.read_text(encoding="utf-8").startswith("these are my notes")


def test_newer_schema_is_refused_with_a_clear_message(services, db_path: Path) -> None:
    services.close()
    con = sqlite3.connect(db_path)
    con.execute("UPDATE alembic_version SET version_num = 'f00dfeed'")
    con.commit()
    con.close()
    with pytest.raises(SchemaTooNewError, match="newer version"):
        open_services(db_path, lambda: "x")


def test_in_memory_and_bad_urls(tmp_path: Path) -> None:
    with pytest.raises(DatabaseOpenError):
        Database("sqlite://")
    with pytest.raises(DatabaseOpenError, match="driver"):
        Database("nosuchdb+nodriver://host/db")


def test_two_processes_opening_a_new_file_at_once_migrate_once(db_path: Path) -> None:
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            open_services(db_path, lambda: "x").close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [
        (migrate.head_revision(),)
    ]
    con.close()


def test_the_head_constant_matches_the_migrations() -> None:
    """Opening skips Alembic when the stored revision equals HEAD_REVISION: keep it true."""
    assert migrate.head_revision() == migrate.HEAD_REVISION
