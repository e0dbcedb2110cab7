"""Helpers shared by the hostile-media tests: outcomes by relative path, database dumps."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from annotator.core.paths import path_text
from annotator.core.progress import drain
from annotator.services.container import Services
from annotator.services.importing import FileOutcome, ImportReport
from tests.hostile_corpus import HostileCorpus

Dump = dict[str, dict[tuple[object, ...], tuple[object, ...]]]


def run_import(services: Services, case_uid: str, *paths: Path, **kw: object) -> ImportReport:
    return drain(services.importing.run(case_uid, list(paths), **kw))  # type: ignore[arg-type]


def relative(root: Path, path: str) -> str:
    """An outcome's path relative to the corpus root, as the corpus names it."""
    return str(Path(path).relative_to(path_text(root)))


def outcomes(corpus: HostileCorpus, files: Iterable[FileOutcome]) -> dict[str, tuple[str, str]]:
    return {relative(corpus.root, f.path): (f.outcome, f.reason) for f in files}


def expected_outcomes(corpus: HostileCorpus) -> dict[str, tuple[str, str]]:
    return {rel: (e.outcome, e.reason) for rel, e in corpus.expected.items()}


def dump(db_path: Path) -> Dump:
    """Every row of every table by primary key, read with plain sqlite3, read-only."""
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        tables = [
            name
            for (name,) in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%fts%' "
                "AND name != 'alembic_version'"
            )
        ]
        out: Dump = {}
        for table in tables:
            info = list(con.execute(f'PRAGMA table_info("{table}")'))
            keys = [i for i, col in enumerate(info) if col[5]] or list(range(len(info)))
            out[table] = {
                tuple(row[i] for i in keys): tuple(row)
                for row in con.execute(f'SELECT * FROM "{table}"')
            }
        return out
    finally:
        con.close()


def assert_kept(
    before: Dump, after: Dump, *, may_change: dict[str, set[int]] | None = None
) -> None:
    """Every row saved before is still there, unchanged (bar the listed column indexes).

    New rows are allowed (the import adds media, a verify adds audit events); a change
    to a row that existed, or its loss, fails with the table and row named.
    """
    may_change = may_change or {}
    for table, rows in before.items():
        skip = may_change.get(table, set())
        for key, row in rows.items():
            assert key in after[table], f"{table} row {key} was lost"
            now = after[table][key]
            changed = {
                i: (row[i], now[i]) for i in range(len(row)) if i not in skip and row[i] != now[i]
            }
            assert not changed, (
                f"{table} row {key} changed (column index: before, after): {changed}"
            )


def column(db_path: Path, table: str, name: str) -> int:
    """Index of ``name`` in the dumped rows of ``table`` (for assert_kept)."""
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        names = [row[1] for row in con.execute(f'PRAGMA table_info("{table}")')]
    finally:
        con.close()
    return names.index(name)


def fingerprint(folder: Path) -> dict[str, tuple[str, int, int]]:
    """Each file's content hash, mtime and size: what 'originals never change' means."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            st = path.stat()
            out[path_text(path)] = (
                hashlib.sha256(path.read_bytes()).hexdigest(),
                st.st_mtime_ns,
                st.st_size,
            )
    return out
