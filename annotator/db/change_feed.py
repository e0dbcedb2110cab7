"""Listening for changes other apps commit to a team database (PostgreSQL LISTEN/NOTIFY).

Every write transaction that appends an audit event sends ``pg_notify(NOTIFY_CHANNEL,
<case uid>)`` (see ``journal.py``); PostgreSQL delivers it at commit. A listener holds its
own autocommit connection, outside the engine's pool: a pooled connection would be
returned, and LISTEN forgotten, after each use.
"""

from __future__ import annotations

import contextlib
from typing import Any

from annotator.core.errors import DatabaseOpenError
from annotator.db.engine import NOTIFY_CHANNEL, Database

#: Seconds to wait for the server when (re)connecting the listener.
CONNECT_TIMEOUT_S = 5


class ListenerLost(Exception):
    """The listening connection failed or closed: fall back to polling, retry later."""


class ChangeListener:
    """A dedicated connection doing ``LISTEN annotator_changes``; ``wait`` yields case uids."""

    def __init__(self, db: Database) -> None:
        if db.is_sqlite:
            raise DatabaseOpenError("A SQLite file has no change notifications; poll it.")
        import psycopg

        # The parameters SQLAlchemy would pass (a URL string would need libpq's quoting).
        params: dict[str, Any] = {
            **db.url.translate_connect_args(username="user", database="dbname"),
            **dict(db.url.query),
        }
        try:
            self._conn: Any = psycopg.connect(
                **params,
                autocommit=True,
                connect_timeout=CONNECT_TIMEOUT_S,
                keepalives=1,
                keepalives_idle=10,
                keepalives_interval=5,
                keepalives_count=3,
            )
            # TCP keepalives (above): a server that vanished without closing the socket
            # (cable, VPN) is noticed within about half a minute instead of never.
            self._conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
        except psycopg.Error as exc:
            raise ListenerLost(str(exc)) from exc

    def wait(self, timeout: float) -> set[str]:
        """Case uids notified within ``timeout`` seconds (empty when none came)."""
        import psycopg

        try:
            uids = {n.payload for n in self._conn.notifies(timeout=timeout, stop_after=1)}
            if uids:  # a burst (an import of many files): take the rest without waiting
                uids |= {n.payload for n in self._conn.notifies(timeout=0.0)}
        except psycopg.Error as exc:
            raise ListenerLost(str(exc)) from exc
        if self._conn.closed:
            raise ListenerLost("the connection to the server closed")
        return uids

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing a broken connection: nothing to save
            self._conn.close()
