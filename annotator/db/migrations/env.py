"""Alembic environment: runs on the connection that ``annotator.db.migrate`` hands over."""

from __future__ import annotations

from alembic import context

from annotator.db.schema import Base
from annotator.db.search import is_search_table

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "Run migrations through annotator.db.migrate (the app does this when it opens a database)."
    )

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode rebuilds tables
    compare_type=True,
    # The search index is an FTS5 table made by hand in a migration, not an ORM model.
    include_name=lambda name, type_, parent: not (type_ == "table" and is_search_table(name)),
)
with context.begin_transaction():
    context.run_migrations()
