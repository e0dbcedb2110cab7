"""Full-text search over notes, transcripts, translations and claim statements.

SQLite: an FTS5 table with the trigram tokenizer, so words inside Chinese or Cyrillic text
are found as substrings (unicode61 would treat an unspaced Chinese sentence as one word).
Queries shorter than three characters fall back to a substring scan of the same table.

PostgreSQL (revision 0005): a table with the same columns plus a generated tsvector
('simple' configuration) under a GIN index, and a trigram GIN index where pg_trgm exists.
A record matches when every word is in it as a word (tsvector) or, as on SQLite, as a
substring; best first by ts_rank. Same call, same answers on both databases.

The index follows the audit journal: every event that records an annotation or a claim
rewrites that record's entry in the same transaction (db/journal.py), so search can never
disagree with what was saved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

TABLE = "search_index"
INDEXED_TYPES = {
    "annotation": ("title", "note", "transcript", "translation", "place_name"),
    "claim": ("statement", "claimant", "notes"),
}


def is_search_table(name: str | None) -> bool:
    """The FTS table and its shadow tables, which the ORM models do not describe."""
    return bool(name) and (name == TABLE or str(name).startswith(TABLE + "_"))


def body_of(entity_type: str, snapshot: Mapping[str, object]) -> str:
    fields = INDEXED_TYPES[entity_type]
    return "\n".join(str(snapshot.get(f) or "") for f in fields).strip()


def reindex(
    session: Session,
    case_uid: str,
    entity_type: str,
    uid: str,
    after: Mapping[str, object] | None,
    *,
    is_new: bool = False,
) -> None:
    """Replace the entry for one record (removed when deleted or soft-deleted).

    ``is_new``: the record was just created, so there is no old entry to delete (the
    delete scans the index: tens of milliseconds in a case of 100,000 annotations).
    """
    if entity_type not in INDEXED_TYPES:
        return
    if not is_new:
        # By case too: a uid is unique per case only (a JSON import into another case of
        # the same database keeps it), and the other case's entry must stay.
        session.execute(
            text(f"DELETE FROM {TABLE} WHERE entity_uid = :uid AND case_uid = :case"),
            {"uid": uid, "case": case_uid},
        )
    if after is None or after.get("deleted_at"):
        return
    body = body_of(entity_type, after)
    if body:
        session.execute(
            text(
                f"INSERT INTO {TABLE} (entity_type, entity_uid, case_uid, body) "
                "VALUES (:type, :uid, :case, :body)"
            ),
            {"type": entity_type, "uid": uid, "case": case_uid, "body": body},
        )


def index_new(
    session: Session, case_uid: str, entity_type: str, records: Sequence[Mapping[str, object]]
) -> None:
    """Entries for many records just created (a copied case), in one statement.

    ``records`` hold ``uid`` and the indexed fields, as snapshots do; the same entries
    come out as ``reindex`` makes one by one.
    """
    rows = [
        {"type": entity_type, "uid": record["uid"], "case": case_uid, "body": body}
        for record in records
        if not record.get("deleted_at") and (body := body_of(entity_type, record))
    ]
    if rows:
        session.execute(
            text(
                f"INSERT INTO {TABLE} (entity_type, entity_uid, case_uid, body) "
                "VALUES (:type, :uid, :case, :body)"
            ),
            rows,
        )


@dataclass(frozen=True, slots=True)
class Hit:
    entity_type: str
    entity_uid: str
    snippet: str


def search(session: Session, case_uid: str, query: str, limit: int = 200) -> list[Hit]:
    """Records of the case whose text contains ``query`` (case-insensitive), best first."""
    words = [w for w in query.split() if w]
    if not words:
        return []
    params: dict[str, object] = {"case": case_uid, "limit": limit}
    for i, word in enumerate(words):
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params[f"w{i}"] = f"%{escaped}%"
    rows: Sequence[Any]
    if session.get_bind().dialect.name == "postgresql":
        rows = _search_postgresql(session, words, params)
    elif all(len(w) >= 3 for w in words):
        # Each word as a quoted FTS5 string: user text is data, never query syntax.
        params["match"] = " AND ".join('"' + w.replace('"', '""') + '"' for w in words)
        rows = session.execute(
            text(
                f"SELECT entity_type, entity_uid, snippet({TABLE}, 3, '[', ']', '...', 12) "
                f"FROM {TABLE} WHERE {TABLE} MATCH :match AND case_uid = :case "
                "ORDER BY rank LIMIT :limit"
            ),
            params,
        ).all()
    else:
        rows = session.execute(
            text(
                f"SELECT entity_type, entity_uid, substr(body, 1, 80) FROM {TABLE} "
                f"WHERE case_uid = :case AND {_like_all(words, 'LIKE')} LIMIT :limit"
            ),
            params,
        ).all()
    return [Hit(str(r[0]), str(r[1]), str(r[2])) for r in rows]


def _like_all(words: list[str], operator: str) -> str:
    return " AND ".join(f"body {operator} :w{i} ESCAPE '\\'" for i in range(len(words)))


def _search_postgresql(
    session: Session, words: list[str], params: dict[str, object]
) -> Sequence[Any]:
    # plainto_tsquery takes user text as plain words, never as tsquery syntax.
    params["query"] = " ".join(words)
    sql = (
        "SELECT entity_type, entity_uid, ts_headline('simple', body, q, "
        "'StartSel=[, StopSel=], MaxWords=12, MinWords=4, ShortWord=0') "
        f"FROM {TABLE}, plainto_tsquery('simple', :query) AS q "
        f"WHERE case_uid = :case AND (tsv @@ q OR ({_like_all(words, 'ILIKE')})) "
        "ORDER BY ts_rank(tsv, q) DESC, id LIMIT :limit"
    )
    return session.execute(text(sql), params).all()
