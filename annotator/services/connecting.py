"""Team database addresses: built from a form's fields, shown without the password."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_PORT = 5432
DRIVER = "postgresql+psycopg"


@dataclass(frozen=True, slots=True)
class TeamAddress:
    host: str
    port: int
    database: str
    user: str


def team_url(address: TeamAddress, password: str = "") -> str:
    """The SQLAlchemy URL for ``address``; user and password quoted as URLs need.

    An empty password is left out: the server may accept the login without one (peer or
    ``.pgpass`` authentication).
    """
    url = URL.create(
        DRIVER,
        username=address.user or None,
        password=password or None,
        host=address.host or None,
        port=address.port or None,
        database=address.database or None,
    )
    return url.render_as_string(hide_password=False)


def without_password(url: str) -> str:
    """``url`` with any password removed (not masked): safe to store and show."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return ""  # unreadable: keep nothing rather than risk keeping a password
    # Not ``parsed.set(password=None)``: ``set`` takes None to mean "leave as it is".
    bare = URL.create(
        parsed.drivername,
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    return bare.render_as_string(hide_password=False)


def address_of(url: str) -> TeamAddress | None:
    """The form's fields for a stored URL (None when it is not a PostgreSQL URL)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "postgresql":
        return None
    return TeamAddress(
        parsed.host or "", parsed.port or DEFAULT_PORT, parsed.database or "", parsed.username or ""
    )


def short_location(location: str) -> str:
    """Where a server URL points ("cases on db.example.org:5432"); a file path stays."""
    address = address_of(location) if "://" in location else None
    if address is None:
        return location
    where = f"{address.host or 'local server'}:{address.port}"
    return f"{address.database} on {where}"
