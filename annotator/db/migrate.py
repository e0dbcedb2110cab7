"""Bring a database's schema up to date on open: back up the file, then upgrade to head."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError, OperationalError

from annotator.core.errors import DatabaseOpenError, ReadOnlyError, SchemaTooNewError, sqlstate
from annotator.db.engine import MIGRATE_OPTION, WRITE_OPTION, Database

if TYPE_CHECKING:
    from alembic.config import Config

SCRIPT_LOCATION = "annotator.db:migrations"
# The newest revision in migrations/versions. Opening an up-to-date database compares
# against this without importing Alembic (half a second of start-up); a test checks that
# it matches what Alembic finds.
HEAD_REVISION = "0006"
LOCK_RETRIES = 20


@dataclass(frozen=True, slots=True)
class MigrationResult:
    from_revision: str | None
    to_revision: str
    backup: Path | None


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(db: Database) -> str | None:
    """The schema revision stored in the database (None for a new or foreign file)."""
    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None  # a new (or foreign) database
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    return rows[0][0] if len(rows) == 1 else None


def _backup(db: Database, revision: str) -> Path | None:
    """Copy the SQLite file aside (consistently, WAL included) before changing its schema."""
    path = db.sqlite_path
    if path is None or not path.exists():
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    backup = path.with_name(f"{path.name}.before-{revision}-{stamp}.bak")
    source = sqlite3.connect(path)
    try:
        target = sqlite3.connect(backup)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()
    return backup


def upgrade(db: Database) -> MigrationResult | None:
    """Migrate to head; ``None`` when already there. Refuses foreign and newer schemas."""
    for attempt in range(LOCK_RETRIES):
        try:
            return _upgrade(db)
        except OperationalError as exc:
            # Several apps creating the same new file: SQLite refuses the switch to WAL
            # with "locked" without waiting. Try again shortly; the others finish first.
            if "locked" not in str(exc.orig) or attempt == LOCK_RETRIES - 1:
                raise _open_error(db, exc) from exc
            time.sleep(0.05 * (attempt + 1))
        except DBAPIError as exc:
            raise _open_error(db, exc) from exc
    raise AssertionError("unreachable")


def _open_error(db: Database, exc: DBAPIError) -> DatabaseOpenError:
    if sqlstate(exc) == "42501":  # insufficient_privilege: a login that may not change tables
        return DatabaseOpenError(
            f"The team database {db.display_location} must be upgraded to this version of "
            f"Evidence Annotator (schema {HEAD_REVISION}), and only its owner's login may "
            "change the schema. Ask the database administrator to connect once with the "
            "owner's login (see README, Team database), or keep using the previous version."
        )
    if not db.is_sqlite and sqlstate(exc)[:2] in ("", "08", "28", "3D"):
        # No answer, refused login, or no such database: the same three things to check.
        detail = str(exc.orig).strip().splitlines()[0].rstrip(".")
        return DatabaseOpenError(
            f"Cannot connect to the team database {db.display_location}: {detail}. Check "
            "the server's address and port, your login and password, the database name, and "
            "that the server accepts connections from this computer."
        )
    return DatabaseOpenError(
        f"Cannot open the case database {db.display_location}: {exc.orig}. "
        "Check that the file is an Evidence Annotator database and that you may write to it."
    )


def _upgrade(db: Database) -> MigrationResult | None:
    if current_revision(db) == HEAD_REVISION:
        return None  # the usual case: decided without Alembic and without the write lock
    if db.read_only:
        raise ReadOnlyError(
            f"The case database {db.display_location} is read-only (on a read-only disk or "
            "without write permission) and is not an up-to-date Evidence Annotator database: "
            "copy it to a writable folder and open it there."
        )
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_config())
    head = script.get_current_head()
    assert head is not None
    config = _config()
    # Decide and migrate inside one write transaction: a second app opening the same
    # file waits here, then finds the schema current (or just created) and does nothing.
    # On PostgreSQL the write transaction holds the advisory write lock (engine.py) and DDL
    # is transactional: two clients connecting at once migrate once, and a failed
    # migration leaves nothing half-done.
    with (
        db.engine.connect() as plain,
        plain.execution_options(**{WRITE_OPTION: True, MIGRATE_OPTION: True}) as conn,
        conn.begin(),
    ):
        current = MigrationContext.configure(conn).get_current_revision()
        if current == head:
            return None
        if current is None:
            tables = set(inspect(conn).get_table_names()) - {"alembic_version"}
            if tables:
                raise DatabaseOpenError(
                    f"{db.display_location} holds other data, not an Evidence Annotator case "
                    "database. Choose another file with --db."
                )
        elif current not in {rev.revision for rev in script.walk_revisions()}:
            raise SchemaTooNewError(
                f"{db.display_location} was written by a newer version of Evidence Annotator "
                f"(schema {current}). Install the newer version to open it."
            )
        backup = _backup(db, current) if current is not None else None
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    return MigrationResult(current, head, backup)
