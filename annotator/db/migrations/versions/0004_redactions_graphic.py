"""Redactions (areas hidden in published output) and "graphic" flags on media and annotations.

Revision ID: 0004
Revises: 0003

The graphic columns are NOT NULL with a server default of false, so existing rows read as
"not graphic". Their audit snapshots leave the column out while it is false (see
``annotator.db.snapshots``): records written before 0004 keep verifying.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import annotator.db.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "redactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("shape", sa.String(length=10), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("start_frame", sa.Integer(), nullable=True),
        sa.Column("end_frame", sa.Integer(), nullable=True),
        sa.Column("start_ms", sa.Integer(), nullable=True),
        sa.Column("end_ms", sa.Integer(), nullable=True),
        sa.Column("keyframes_json", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("created_at", annotator.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", annotator.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "method IN ('blur', 'pixelate', 'fill')", name=op.f("ck_redactions_method")
        ),
        sa.CheckConstraint("shape IN ('rect', 'ellipse')", name=op.f("ck_redactions_shape")),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_redactions_case_id_cases"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["media_id"],
            ["media_items.id"],
            name=op.f("fk_redactions_media_id_media_items"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redactions")),
        sa.UniqueConstraint("case_id", "uid", name=op.f("uq_redactions_case_id_uid")),
    )
    with op.batch_alter_table("redactions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_redactions_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            "ix_redactions_media_start", ["media_id", "start_frame"], unique=False
        )
    # Plain ADD COLUMN with a constant default: SQLite adds it in place. (A batch operation
    # would copy the table and drop the old one, which other tables reference: with foreign
    # keys on, that fails.)
    for table in ("annotations", "media_items"):
        op.add_column(
            table, sa.Column("graphic", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    for table in ("media_items", "annotations"):
        if op.get_bind().dialect.name == "sqlite":
            # Native DROP COLUMN (SQLite 3.35+): a batch copy would drop a referenced table.
            op.execute(f"ALTER TABLE {table} DROP COLUMN graphic")
        else:
            op.drop_column(table, "graphic")
    with op.batch_alter_table("redactions", schema=None) as batch_op:
        batch_op.drop_index("ix_redactions_media_start")
        batch_op.drop_index(batch_op.f("ix_redactions_case_id"))
    op.drop_table("redactions")
