"""PostgreSQL: the audit trail's append-only guard and the full-text index (tsvector + GIN).

Revision ID: 0005
Revises: 0004

SQLite got both in 0001 (triggers) and 0002 (FTS5); on SQLite this revision does nothing.
On PostgreSQL the search table keeps the same columns as the FTS5 one, plus a generated
``tsv`` column ('simple' configuration: no stemming, no stop words, as evidence text is in
many languages) with a GIN index. Where the pg_trgm extension may be created (it is
"trusted" since PostgreSQL 13: a database owner may), a trigram GIN index also serves the
substring matches that unspaced Chinese text needs, as SQLite's trigram tokenizer does.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE FUNCTION annotator_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$"
    )
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION annotator_audit_append_only()"
        )
    op.execute(
        "CREATE TABLE search_index ("
        "id bigserial PRIMARY KEY, entity_type varchar(20) NOT NULL, "
        "entity_uid varchar(36) NOT NULL, case_uid varchar(36) NOT NULL, body text NOT NULL, "
        "tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED)"
    )
    op.execute("CREATE INDEX search_index_tsv ON search_index USING gin (tsv)")
    op.execute("CREATE INDEX search_index_entity ON search_index (entity_uid)")
    op.execute("CREATE INDEX search_index_case ON search_index (case_uid)")
    op.execute(
        "DO $$ BEGIN "
        "CREATE EXTENSION IF NOT EXISTS pg_trgm; "
        "CREATE INDEX search_index_trgm ON search_index USING gin (body gin_trgm_ops); "
        "EXCEPTION WHEN OTHERS THEN RAISE NOTICE 'pg_trgm unavailable: substring search scans'; "
        "END $$"
    )
    nl = "chr(10)"
    op.execute(
        "INSERT INTO search_index (entity_type, entity_uid, case_uid, body) "
        f"SELECT 'annotation', a.uid, c.uid, trim(a.title || {nl} || a.note || {nl} || "
        f"a.transcript || {nl} || a.translation || {nl} || a.place_name) "
        "FROM annotations a JOIN cases c ON c.id = a.case_id WHERE a.deleted_at IS NULL"
    )
    op.execute(
        "INSERT INTO search_index (entity_type, entity_uid, case_uid, body) "
        f"SELECT 'claim', k.uid, c.uid, trim(k.statement || {nl} || k.claimant || {nl} || "
        "k.notes) FROM claims k JOIN cases c ON c.id = k.case_id"
    )
    op.execute("DELETE FROM search_index WHERE body = ''")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE IF EXISTS search_index")
    op.execute("DROP TRIGGER IF EXISTS audit_events_no_update ON audit_events")
    op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete ON audit_events")
    op.execute("DROP FUNCTION IF EXISTS annotator_audit_append_only()")
