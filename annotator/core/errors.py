"""User-facing exceptions: each message says what went wrong and what to do next."""

from __future__ import annotations

import errno


class AnnotatorError(Exception):
    """Base for errors shown to the investigator.

    ``reason`` is the machine-readable code of CLI.md (``not_found``, ``conflict``, ...).
    ``exit_code`` is what the command line returns: 2 when the work could not start.
    """

    reason = "error"
    exit_code = 2

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if reason is not None:
            self.reason = reason

    def __str__(self) -> str:
        return self.message


class NotFoundError(AnnotatorError):
    reason = "not_found"


class AlreadyExistsError(AnnotatorError):
    reason = "already_exists"


class ValidationError(AnnotatorError):
    reason = "invalid"


class ConflictError(AnnotatorError):
    """Someone else changed the record since it was read (version counter moved)."""

    reason = "conflict"


class DatabaseOpenError(AnnotatorError):
    reason = "database_unavailable"


class SchemaTooNewError(DatabaseOpenError):
    reason = "schema_too_new"


class DiskFullError(AnnotatorError, OSError):
    """No space left where we were writing.

    Also an OSError, so best-effort cache writes that ignore OSError go on ignoring it.
    """

    reason = "disk_full"
    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.errno = errno.ENOSPC


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (an OSError, or SQLite's "database or disk is full") means no space."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return True
    orig = getattr(exc, "orig", exc)
    if getattr(orig, "sqlstate", None) in ("53100", "53200"):  # PostgreSQL disk_full, out_of_memory
        return True
    return "database or disk is full" in str(orig).lower()


def sqlstate(exc: BaseException) -> str:
    """PostgreSQL's SQLSTATE code of a driver error ("" for SQLite and other errors)."""
    return str(getattr(getattr(exc, "orig", exc), "sqlstate", None) or "")


class MediaError(AnnotatorError):
    """A file that cannot be taken in as evidence; ``reason`` is a CLI.md reason code.

    Reasons: zero_bytes, truncated, unsupported_format, decode_error, permission_denied,
    not_found, too_large, changed_during_import, unreadable, invalid_name (a file name
    that is not UTF-8 text), path_too_long (beyond the system's path length limit).
    """

    exit_code = 1

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message, reason=reason)


READ_ONLY_MESSAGE = (
    "This case database is read-only (on a read-only disk or without write permission): "
    "copy it to a writable folder to change it."
)


NO_WRITE_GRANT_MESSAGE = (
    "Your login on the team database may read this case but not change it. Ask the "
    "database administrator to grant you the writer role (see README, Team database)."
)


class ReadOnlyError(AnnotatorError):
    """A change was asked of a case database opened read-only."""

    reason = "read_only"
    exit_code = 1

    def __init__(self, message: str = READ_ONLY_MESSAGE) -> None:
        super().__init__(message)
