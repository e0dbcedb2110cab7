"""Media file sizes in 64 bits on PostgreSQL: a video of 2 GiB or more fits.

Revision ID: 0006
Revises: 0005

SQLite's INTEGER is already 64-bit (the model says Integer there, BigInteger on
PostgreSQL), so this revision changes nothing on SQLite. Audit snapshots hold the size as
a number either way: records verify as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.alter_column("media_items", "size_bytes", type_=sa.BigInteger(), existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.alter_column("media_items", "size_bytes", type_=sa.Integer(), existing_nullable=False)
