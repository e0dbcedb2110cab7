"""Perceptual fingerprints of videos: pHashes of frames sampled evenly in time.

Revision ID: 0003
Revises: 0002

Existing rows keep NULL (not computed): filling them in here would change records behind
the audit trail's back. The duplicates service computes them later, one audited
"media.fingerprint" event per media item (DuplicateService.backfill).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # ADD COLUMN (nullable, no default): SQLite adds it in place, without copying the table.
    with op.batch_alter_table("media_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("frame_hashes", sa.Text(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # Native DROP COLUMN (SQLite 3.35+): a batch copy of the table would drop the old
        # one, which annotations still reference (foreign keys are on).
        op.execute("ALTER TABLE media_items DROP COLUMN frame_hashes")
        return
    op.drop_column("media_items", "frame_hashes")
