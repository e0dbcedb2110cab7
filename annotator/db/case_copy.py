"""Copying one case's rows from one database to another, in batches (``annotate case copy``).

Every row keeps its uid and its column values; integer keys are given anew by the target
and foreign keys are mapped through the uids. Audit events are copied verbatim: their
hashes cover the case uid, seq and uid-based snapshots (db/snapshots.py), never integer
keys, so the copied trail verifies as it is. Nothing here writes an audit event.

Rows are read and written ``batch`` at a time, so a case of 100,000 annotations never sits
in memory whole; only the old-key -> new-key maps of the referenced tables do.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import RowMapping, Table, func, insert, or_, select, text
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from annotator.core.errors import AlreadyExistsError, AnnotatorError
from annotator.db import search
from annotator.db.engine import NOTIFY_CHANNEL
from annotator.db.schema import (
    AnnotationRow,
    AuditEventRow,
    CaseRow,
    ClaimLinkRow,
    ClaimRow,
    MediaRow,
    RedactionRow,
    TagRow,
    annotation_tags,
)

CASES: Table = CaseRow.__table__  # type: ignore[assignment]
#: The tables of a case that carry ``case_id``, parents before children (their foreign
#: keys point only to tables earlier in the list).
CASE_TABLES: tuple[Table, ...] = tuple(
    row.__table__  # type: ignore[misc]
    for row in (
        MediaRow,
        TagRow,
        ClaimRow,
        AnnotationRow,
        ClaimLinkRow,
        RedactionRow,
        AuditEventRow,
    )
)
#: Link tables without ``case_id``, copied with each batch of the table they hang from.
LINK_TABLES: dict[str, tuple[Table, str]] = {"annotations": (annotation_tags, "annotation_id")}
#: Every table a case's rows live in (a test checks that schema.py has no other).
ALL_TABLES: tuple[Table, ...] = (CASES, *CASE_TABLES, *(t for t, _ in LINK_TABLES.values()))
#: Search index entries are made for these tables' rows (entity type of db/search.py).
_INDEXED = {"annotations": "annotation", "claims": "claim"}
#: Media rows carry thumbnails (tens of kilobytes each): fewer of them per batch.
_SMALLER_BATCH = {"media_items": 10}
#: Tables whose integer keys other rows refer to: their old -> new key maps are kept.
_REFERENCED = {fk.column.table.name for table in ALL_TABLES for fk in table.foreign_keys}


class TargetRefusedError(AnnotatorError):
    """The target database would not take a row as it is (a value its column cannot hold)."""

    reason = "target_refused"
    exit_code = 1


def _insert(
    target: Session, table: Table, values: list[dict[str, Any]], *, keys: bool = False
) -> dict[str, int]:
    """Insert the rows; with ``keys``, return their new integer keys by uid."""
    try:
        if not keys:
            target.execute(insert(table), values)
            return {}
        # RETURNING, in the same statement: a look-up by uid afterwards was planned as a
        # full scan on PostgreSQL (no statistics yet for the rows just written), so the
        # copy slowed with every batch.
        returned = target.execute(insert(table).returning(table.c.uid, table.c.id), values)
        return {str(uid): int(key) for uid, key in returned.all()}
    except (DataError, IntegrityError) as exc:
        detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise TargetRefusedError(
            f"The target database refused the case's {table.name.replace('_', ' ')}: "
            f"{detail}. Nothing was copied."
        ) from exc


def find_case(session: Session, *, uid: str | None = None, name: str | None = None) -> Any:
    """The id, uid and name of a case with this uid or this name, or None."""
    conditions = []
    if uid is not None:
        conditions.append(CASES.c.uid == uid)
    if name is not None:
        conditions.append(CASES.c.name == name)
    return session.execute(
        select(CASES.c.id, CASES.c.uid, CASES.c.name).where(or_(*conditions)).limit(1)
    ).first()


def row_counts(session: Session, case_id: int) -> dict[str, int]:
    """Rows of each table that belong to the case (one for ``cases``)."""
    counts = {"cases": int(session.scalar(select(func.count()).where(CASES.c.id == case_id)) or 0)}
    for table in CASE_TABLES:
        query = select(func.count()).select_from(table).where(table.c.case_id == case_id)
        counts[table.name] = int(session.scalar(query) or 0)
    parents = {t.name: t for t in CASE_TABLES}
    for parent_name, (link, column) in LINK_TABLES.items():
        parent = parents[parent_name]
        counts[link.name] = int(
            session.scalar(
                select(func.count())
                .select_from(link.join(parent, link.c[column] == parent.c.id))
                .where(parent.c.case_id == case_id)
            )
            or 0
        )
    return counts


def search_entries(session: Session, case_uid: str) -> int:
    return int(
        session.scalar(
            text(f"SELECT count(*) FROM {search.TABLE} WHERE case_uid = :case"),
            {"case": case_uid},
        )
        or 0
    )


class _Mapper:
    """Old integer keys -> new ones, per referenced table."""

    def __init__(self) -> None:
        self.keys: dict[str, dict[int, int]] = {}

    def values(self, table: Table, row: RowMapping) -> dict[str, Any]:
        """The row to insert: no primary key of its own, foreign keys mapped."""
        out = dict(row)
        if "id" in table.c:
            del out["id"]
        for fk in table.foreign_keys:
            name = fk.parent.key
            if out[name] is not None:
                out[name] = self.keys[fk.column.table.name][out[name]]
        return out


def copy_case_rows(
    source: Session, target: Session, case_id: int, *, batch: int = 1000
) -> Iterator[tuple[str, int]]:
    """Copy the case with key ``case_id`` in ``source`` into ``target``.

    Yields (table name, rows copied) after each batch. ``target`` is a write session whose
    transaction the caller commits or rolls back; a case with the same uid or name there is
    refused (``AlreadyExistsError``). The search index is filled for the copied records.
    """
    mapper = _Mapper()
    case = source.execute(select(CASES).where(CASES.c.id == case_id)).mappings().one()
    taken = find_case(target, uid=case["uid"], name=case["name"])
    if taken is not None:  # made meanwhile by someone else: the caller checked before
        raise AlreadyExistsError(
            f"A case with the uid {taken.uid} or the name '{taken.name}' is already in the "
            "target database; nothing was copied."
        )
    new_case_id = _insert(target, CASES, [mapper.values(CASES, case)], keys=True)[case["uid"]]
    mapper.keys["cases"] = {case_id: new_case_id}
    case_uid = str(case["uid"])
    if target.get_bind().dialect.name == "postgresql":
        # As the journal does for any change: other apps on a team database learn of it.
        target.execute(
            text("SELECT pg_notify(:channel, :case)"), {"channel": NOTIFY_CHANNEL, "case": case_uid}
        )
    yield "cases", 1
    for table in CASE_TABLES:
        size = min(batch, _SMALLER_BATCH.get(table.name, batch))
        last = 0
        while True:
            rows = (
                source.execute(
                    select(table)
                    .where(table.c.case_id == case_id, table.c.id > last)
                    .order_by(table.c.id)
                    .limit(size)
                )
                .mappings()
                .all()
            )
            if not rows:
                break
            values = [mapper.values(table, row) for row in rows]
            new = _insert(target, table, values, keys=table.name in _REFERENCED)
            if new:
                keys = mapper.keys.setdefault(table.name, {})
                for row in rows:
                    keys[row["id"]] = new[row["uid"]]
            links = _copy_links(source, target, table.name, rows, mapper)
            entity_type = _INDEXED.get(table.name)
            if entity_type is not None:
                search.index_new(target, case_uid, entity_type, values)
            last = rows[-1]["id"]
            yield table.name, len(rows)
            if links:
                yield links


def _copy_links(
    source: Session, target: Session, parent: str, rows: Sequence[RowMapping], mapper: _Mapper
) -> tuple[str, int] | None:
    """The link rows of this batch of ``parent`` rows; (link table, rows copied) or None."""
    if parent not in LINK_TABLES:
        return None
    link, column = LINK_TABLES[parent]
    links = (
        source.execute(
            select(link)
            .where(link.c[column].in_([row["id"] for row in rows]))
            .order_by(*link.primary_key.columns)
        )
        .mappings()
        .all()
    )
    if not links:
        return None
    _insert(target, link, [mapper.values(link, row) for row in links])
    return link.name, len(links)
