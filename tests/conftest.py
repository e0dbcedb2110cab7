"""Shared fixtures: every test gets its own data, config and database under tmp_path."""

from __future__ import annotations

import os

# Before anything imports PySide6: no screen here, and none in CI.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.core.entities import Case, Media, MediaKind, NewMedia
from annotator.services.container import Services, open_services

INVESTIGATOR = "Test Investigator"
# The generated media corpus, and the throwaway PostgreSQL server, shared by every package.
pytest_plugins = ["tests.corpus", "tests.pg_server"]


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test touches the user's real data, settings or logs."""
    home = tmp_path / "user"
    monkeypatch.setenv("ANNOTATOR_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("ANNOTATOR_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("ANNOTATOR_LOG_DIR", str(home / "logs"))
    monkeypatch.setenv("ANNOTATOR_CACHE_DIR", str(home / "cache"))
    monkeypatch.delenv("ANNOTATOR_DB", raising=False)
    return home


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "cases.sqlite"


@pytest.fixture
def services(db_path: Path) -> Iterator[Services]:
    svc = open_services(db_path, lambda: INVESTIGATOR)
    yield svc
    svc.close()


@pytest.fixture
def case(services: Services) -> Case:
    return services.cases.create("Donetsk captives", "Two men said to be Chinese nationals").value


def new_media(
    name: str = "captive.mp4", kind: MediaKind = MediaKind.VIDEO, sha: str | None = None
) -> NewMedia:
    import hashlib

    digest = sha or hashlib.sha256(name.encode()).hexdigest()
    video = kind is MediaKind.VIDEO
    return NewMedia(
        sha256=digest,
        size_bytes=1234,
        kind=kind,
        original_path=f"/evidence/{name}",
        location=f"/evidence/{name}",
        file_name=name,
        width=1920 if kind is not MediaKind.AUDIO else None,
        height=1080 if kind is not MediaKind.AUDIO else None,
        duration_ms=60_000 if kind is not MediaKind.IMAGE else None,
        frame_count=1800 if video else None,
        avg_fps="30/1" if video else "",
    )


@pytest.fixture
def video(services: Services, case: Case) -> Media:
    return services.media.add(case.uid, new_media()).value


@pytest.fixture
def image(services: Services, case: Case) -> Media:
    return services.media.add(case.uid, new_media("id-card.jpg", MediaKind.IMAGE)).value
