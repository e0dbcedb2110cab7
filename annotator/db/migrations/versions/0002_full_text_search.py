"""Full-text search index (SQLite FTS5, trigram tokenizer), filled from existing records.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL gets tsvector + GIN in its own revision (team database issue)
    op.execute(
        "CREATE VIRTUAL TABLE search_index USING fts5("
        "entity_type UNINDEXED, entity_uid UNINDEXED, case_uid UNINDEXED, body, "
        "tokenize = 'trigram')"
    )
    op.execute(
        "INSERT INTO search_index (entity_type, entity_uid, case_uid, body) "
        "SELECT 'annotation', a.uid, c.uid, trim(a.title || char(10) || a.note || char(10) || "
        "a.transcript || char(10) || a.translation || char(10) || a.place_name) "
        "FROM annotations a JOIN cases c ON c.id = a.case_id WHERE a.deleted_at IS NULL"
    )
    op.execute(
        "INSERT INTO search_index (entity_type, entity_uid, case_uid, body) "
        "SELECT 'claim', k.uid, c.uid, trim(k.statement || char(10) || k.claimant || "
        "char(10) || k.notes) FROM claims k JOIN cases c ON c.id = k.case_id"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_index")
