"""Changing a case database behind the app's back, as someone with SQL access could."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from annotator.db.engine import resolve_url


def raw_sql(target: str | Path, *statements: str | tuple[str, Mapping[str, Any]]) -> list[Any]:
    """Run SQL on the database at ``target`` in one transaction; the last statement's rows.

    A plain engine of its own, outside the app's (no write lock, no journal). On PostgreSQL
    the audit trail's append-only triggers are disabled by ``disable_audit_guard`` first.
    """
    engine = create_engine(resolve_url(target))
    rows: list[Any] = []
    try:
        with engine.begin() as con:
            for statement in statements:
                sql, params = (statement, {}) if isinstance(statement, str) else statement
                result = con.execute(text(sql), dict(params))
                rows = list(result) if result.returns_rows else []
    finally:
        engine.dispose()
    return rows


def dialect(target: str | Path) -> str:
    return resolve_url(target).get_backend_name()


def drop_audit_guard(target: str | Path, verb: str) -> str:
    """The statement that lifts the append-only guard on audit events for ``verb``."""
    if dialect(target) == "sqlite":
        return f"DROP TRIGGER audit_events_no_{verb.lower()}"
    return f"DROP TRIGGER audit_events_no_{verb.lower()} ON audit_events"


def schema_of(target: str | Path) -> tuple[set[str], set[str]]:
    """(table names, media_items' column names) of the database at ``target``."""
    from sqlalchemy import inspect

    engine = create_engine(resolve_url(target))
    try:
        found = inspect(engine)
        return set(found.get_table_names()), {c["name"] for c in found.get_columns("media_items")}
    finally:
        engine.dispose()
