"""One engine per database URL, with the SQLite settings evidence work needs."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from annotator.core.errors import (
    NO_WRITE_GRANT_MESSAGE,
    READ_ONLY_MESSAGE,
    DatabaseOpenError,
    ReadOnlyError,
)

BUSY_TIMEOUT_MS = 15_000
CONNECT_TIMEOUT_S = 10
WRITE_OPTION = "annotator_write"
#: PostgreSQL advisory lock that every write transaction takes before its first change and
#: holds until it ends: writes to a team database queue one after another, as they do on
#: SQLite (BEGIN IMMEDIATE). This keeps each case's audit chain linear with many writers
#: (an event's seq and prev_hash are read and written under it), and it cannot deadlock:
#: it is taken before the transaction's first row lock, so nobody holding it ever waits
#: for a writer that does not. Readers never take it (MVCC). Taken at the first change,
#: not at BEGIN, so the reading and checking a save does first runs in parallel.
WRITE_LOCK_KEY = 0x45_76_69_64  # "Evid"
#: Set on the connection that migrates: it may wait longer for the lock, as another app may
#: be migrating a big database at that moment (the wait ends when it is done).
MIGRATE_OPTION = "annotator_migrate"
MIGRATE_LOCK_TIMEOUT_MS = 600_000
#: The channel that tells other apps on a team database that a case changed (payload: the
#: case uid). NOTIFY is delivered at commit, so listeners never see a rolled-back change.
NOTIFY_CHANNEL = "annotator_changes"


def resolve_url(target: str | Path) -> URL:
    """A URL stays a URL; a plain path means a SQLite file (made absolute)."""
    text = str(target)
    if "://" in text:
        try:
            return make_url(text)
        except Exception as exc:  # SQLAlchemy raises ArgumentError for malformed URLs
            raise DatabaseOpenError(f"'{text}' is not a database URL or file path.") from exc
    path = Path(text).expanduser().resolve()
    return URL.create("sqlite+pysqlite", database=str(path))


def read_only_mode(path: Path) -> str | None:
    """How to open an existing SQLite file we may not change: None (we may), "ro" or "immutable".

    "ro" when the file is not writable but its folder is (SQLite can still make the WAL's
    -shm there); "immutable" when the folder is not writable either (a read-only disk, a
    write-protected folder): WAL needs -wal/-shm files it cannot create, so SQLite is told
    the file cannot change under it, which holds on such a medium.
    """
    if not path.is_file():
        return None
    file_ok = os.access(path, os.W_OK)
    dir_ok = os.access(path.parent, os.W_OK)
    if file_ok and dir_ok:
        return None
    return "ro" if dir_ok else "immutable"


def _sqlite_uri(path: Path, mode: str) -> str:
    query = "mode=ro&immutable=1" if mode == "immutable" else "mode=ro"
    return f"{path.as_uri()}?{query}"


def _configure_sqlite(engine: Engine, *, read_only: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if not read_only:  # both would write: the file stays as it is
            cursor.execute("PRAGMA journal_mode = WAL")
            # Evidence: a save we reported must survive a power cut.
            cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A writer takes the write lock up front, so two writers queue on busy_timeout
        # instead of failing when a read transaction tries to upgrade.
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _usable_read_only_mode(path: Path) -> str | None:
    """``read_only_mode``, stepping up to "immutable" when SQLite cannot read the WAL with "ro"."""
    mode = read_only_mode(path)
    if mode != "ro":
        return mode
    try:
        con = sqlite3.connect(_sqlite_uri(path, "ro"), uri=True)
        try:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return "immutable"
    return mode


def _has_wal(path: Path) -> bool:
    try:
        return Path(f"{path}-wal").stat().st_size > 0
    except OSError:
        return False


def _configure_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            # A writer waits this long for the write lock, then gives up with "busy".
            cursor.execute(f"SET lock_timeout = {BUSY_TIMEOUT_MS}")
            cursor.execute("SET TIME ZONE 'UTC'")
        dbapi_connection.commit()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Migrations lock before they read the schema revision (sessions: take_write_lock).
        if connection.get_execution_options().get(MIGRATE_OPTION, False):
            connection.exec_driver_sql(f"SET LOCAL lock_timeout = {MIGRATE_LOCK_TIMEOUT_MS}")
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")


_LOCK_PENDING = "annotator_write_lock_pending"


def take_write_lock(session: Session) -> None:
    """PostgreSQL: hold the write lock from now to the end of this write transaction.

    Called before the first change is flushed or executed (see ``_lock_before_changes``)
    and before the audit head is read (journal.py); once per transaction, a no-op on
    SQLite (BEGIN IMMEDIATE already holds its lock) and in read-only units.
    """
    if session.info.pop(_LOCK_PENDING, False):
        session.connection().exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")


def _lock_before_changes(sessions: sessionmaker[Session]) -> None:
    @event.listens_for(sessions, "before_flush")
    def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
        take_write_lock(session)

    @event.listens_for(sessions, "do_orm_execute")
    def _before_execute(state: Any) -> None:
        if not state.is_select:  # DML, or text that may be (SELECTs change nothing)
            take_write_lock(state.session)


class Database:
    """An open database: its engine and the factory for units of work (see ``uow``)."""

    def __init__(self, target: str | Path) -> None:
        self.url = resolve_url(target)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        #: Opened read-only (a read-only disk, no write permission): services refuse changes.
        self.read_only = False
        self.read_only_mode: str | None = None
        #: Why it is read-only, for the refusal and the window's banner.
        self.read_only_message = READ_ONLY_MESSAGE
        self._snapshot_dir: Path | None = None
        connect_args: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        if not self.is_sqlite:
            # A team server restarts or drops idle connections: test each pooled connection
            # as it is taken (one round trip) instead of failing the next action with it.
            extra["pool_pre_ping"] = True
            if "connect_timeout" not in self.url.query:
                # A host that silently drops packets (wrong address, VPN down) is reported
                # after this many seconds, not after the system's two-minute TCP timeout.
                connect_args = {"connect_timeout": CONNECT_TIMEOUT_S}
        if self.is_sqlite:
            path = self.sqlite_path
            if path is None:
                raise DatabaseOpenError("In-memory SQLite cannot hold a case; give a file path.")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseOpenError(
                    f"Cannot create the folder for the database {path}: {exc.strerror}. "
                    "Choose another location with --db."
                ) from exc
            connect_args = {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
            self.read_only_mode = _usable_read_only_mode(path)
            self.read_only = self.read_only_mode is not None
            if self.read_only_mode is not None:
                source = path
                if self.read_only_mode == "immutable" and _has_wal(path):
                    source = self._snapshot(path)
                uri = _sqlite_uri(source, self.read_only_mode)
                timeout = BUSY_TIMEOUT_MS / 1000

                def creator() -> sqlite3.Connection:
                    return sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=timeout)

                connect_args = {}
                extra = {"creator": creator}
        try:
            self.engine = create_engine(self.url, connect_args=connect_args, **extra)
        except ImportError as exc:
            raise DatabaseOpenError(
                f"The driver for {self.url.drivername} databases is not installed "
                f"({exc.name}). Install it with pip, or use a SQLite file."
            ) from exc
        except ArgumentError as exc:
            raise DatabaseOpenError(f"Cannot use the database URL: {exc}") from exc
        if self.is_sqlite:
            _configure_sqlite(self.engine, read_only=self.read_only)
        else:
            _configure_postgresql(self.engine)
        self._login: str | None = None
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, autoflush=True)
        if not self.is_sqlite:
            _lock_before_changes(self.sessions)

    def _snapshot(self, path: Path) -> Path:
        """A private copy of ``path`` with its WAL folded in, to read instead of ``path``.

        SQLite reads an "immutable" file without its -wal: the changes saved last (not yet
        checkpointed into the main file, as after a crash) would silently be missing. The
        copy, in a writable temporary folder, takes them in; it is removed on ``dispose``.
        """
        folder = Path(tempfile.mkdtemp(prefix="annotator-read-only-"))
        self._snapshot_dir = folder
        copy = folder / path.name
        try:
            shutil.copyfile(path, copy)
            shutil.copyfile(Path(f"{path}-wal"), Path(f"{copy}-wal"))
            con = sqlite3.connect(copy)
            try:
                con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                con.close()
        except (OSError, sqlite3.Error) as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise DatabaseOpenError(
                f"Cannot read the read-only case database {path} with its latest changes "
                f"(its -wal file): {exc}. Copy both files to a writable folder and open it there."
            ) from exc
        return copy

    @property
    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite or not self.url.database or self.url.database == ":memory:":
            return None
        return Path(self.url.database)

    @property
    def display_location(self) -> str:
        """Where the data lives, for the status bar and About box (password hidden)."""
        path = self.sqlite_path
        return str(path) if path else self.url.render_as_string(hide_password=True)

    @property
    def server_login(self) -> str | None:
        """The login the database server authenticated (None for a SQLite file).

        On a team server this, not a name typed into the settings, is the audit actor.
        """
        if self.is_sqlite:
            return None
        if self._login is None:
            try:
                with self.engine.connect() as conn:
                    self._login = str(conn.exec_driver_sql("SELECT session_user").scalar())
            except DBAPIError as exc:
                raise DatabaseOpenError(
                    f"Cannot reach the team database {self.display_location}: {exc.orig}. "
                    "Check the server address, your login and the network."
                ) from exc
        return self._login

    def check_write_grant(self) -> None:
        """On a team server, open read-only when this login may not change the case data.

        A reader's login (granted SELECT only, see README "Team database") sees everything
        and is told up front that it cannot change anything, instead of every save failing.
        """
        if self.is_sqlite:
            return
        with self.engine.connect() as conn:
            may_write = conn.exec_driver_sql(
                "SELECT has_table_privilege(current_user, 'audit_events', 'INSERT') "
                "AND has_table_privilege(current_user, 'annotations', 'UPDATE')"
            ).scalar()
        if not may_write:
            self.read_only = True
            self.read_only_mode = "no_write_grant"
            self.read_only_message = NO_WRITE_GRANT_MESSAGE

    def new_session(self, *, write: bool) -> Session:
        if write and self.read_only:
            raise ReadOnlyError(self.read_only_message)
        session = self.sessions()
        # Fix the connection's options before its transaction begins.
        session.connection(execution_options={WRITE_OPTION: write})
        if not self.is_sqlite:
            if write:
                session.info[_LOCK_PENDING] = True
            else:
                # One moment for the whole read, as SQLite's read transaction gives: with
                # PostgreSQL's default (read committed) a writer's commit could show between
                # two queries, and a sound case would look tampered with to verify.
                session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        return session

    def dispose(self) -> None:
        self.engine.dispose()
        if self._snapshot_dir is not None:
            shutil.rmtree(self._snapshot_dir, ignore_errors=True)
