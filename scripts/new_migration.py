"""Developer tool: write a new Alembic migration from the difference between models and head.

Usage: python scripts/new_migration.py "what changed"
It migrates a scratch SQLite file to head, autogenerates against it and prints the new file.
Read and edit the result before committing (SQLite triggers and data moves are not detected).
"""

import sys
import tempfile
from pathlib import Path

from alembic import command

from annotator.db import migrate
from annotator.db.engine import Database


def main() -> None:
    message = sys.argv[1] if len(sys.argv) > 1 else "schema change"
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "scratch.sqlite")
        config = migrate._config()
        has_head = True
        try:
            migrate.head_revision()
        except Exception:
            has_head = False
        if has_head:
            migrate.upgrade(db)
        with db.engine.begin() as conn:
            config.attributes["connection"] = conn
            script = command.revision(config, message=message, autogenerate=True)
        print(script.path if script and not isinstance(script, list) else script)
        db.dispose()


if __name__ == "__main__":
    main()
