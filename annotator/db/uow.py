"""Units of work: one transaction per user action, committed whole or not at all."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from annotator.core.errors import (
    NO_WRITE_GRANT_MESSAGE,
    ConflictError,
    DatabaseOpenError,
    DiskFullError,
    ReadOnlyError,
    is_disk_full,
    sqlstate,
)
from annotator.db.engine import Database


@contextlib.contextmanager
def unit_of_work(db: Database, *, write: bool = True) -> Iterator[Session]:
    """Yield a session; commit on success (writes only), roll back on any error.

    Repositories never commit: the change, its audit events and its search entries are
    written by one ``with unit_of_work(db)`` block and land together.
    """
    session = db.new_session(write=write)
    try:
        yield session
        if write:
            session.commit()
        else:
            session.rollback()
    except StaleDataError as exc:
        session.rollback()
        raise ConflictError(
            "Someone else changed this record after you opened it. Reload it and try again."
        ) from exc
    except OperationalError as exc:
        session.rollback()
        if is_disk_full(exc):
            raise DiskFullError(
                f"The disk holding the case database ({db.display_location}) is full: this "
                "change was not saved; everything saved before is kept. Free some space and "
                "try again."
            ) from exc
        if "locked" in str(exc.orig) or sqlstate(exc) == "55P03":  # PostgreSQL lock timeout
            raise DatabaseOpenError(
                "The case database is busy in another program. Wait a moment and try again."
            ) from exc
        if "readonly database" in str(exc.orig):  # e.g. the disk went read-only meanwhile
            raise ReadOnlyError() from exc
        if not db.is_sqlite and sqlstate(exc)[:2] in ("", "08"):  # no answer from the server
            raise DatabaseOpenError(
                f"Lost the connection to the team database {db.display_location}: this change "
                "was not saved. Check the network and try again."
            ) from exc
        raise
    except DBAPIError as exc:
        session.rollback()
        if sqlstate(exc) == "42501":  # insufficient_privilege: a reader's login
            raise ReadOnlyError(NO_WRITE_GRANT_MESSAGE) from exc
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
