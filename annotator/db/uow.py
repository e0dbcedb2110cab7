"""Units of work: one transaction per user action, committed whole or not at all."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from annotator.core.errors import (
    ConflictError,
    DatabaseOpenError,
    DiskFullError,
    ReadOnlyError,
    is_disk_full,
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
        if "locked" in str(exc.orig):
            raise DatabaseOpenError(
                "The case database is busy in another program. Wait a moment and try again."
            ) from exc
        if "readonly database" in str(exc.orig):  # e.g. the disk went read-only meanwhile
            raise ReadOnlyError() from exc
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
