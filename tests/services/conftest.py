"""The service layer runs on both databases: every test that opens ``services`` runs twice.

``db_target`` is what the app would be given with ``--db``: a SQLite file or a PostgreSQL
URL (a fresh database on the session's throwaway server, see tests/pg_server.py). Tests of
SQLite file behaviour itself (WAL, disk full, read-only disks) ask for ``db_path`` and run on
SQLite only.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.services.container import Services, open_services
from tests.conftest import INVESTIGATOR

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_target(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return str(tmp_path / "cases.sqlite")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def db_path(backend: str, db_target: str) -> Path:
    """The SQLite file, for tests of SQLite itself; on PostgreSQL they do not apply."""
    if backend != "sqlite":
        pytest.skip("tests a SQLite file")
    return Path(db_target)


@pytest.fixture
def services(db_target: str) -> Iterator[Services]:
    svc = open_services(db_target, lambda: INVESTIGATOR)
    yield svc
    svc.close()
