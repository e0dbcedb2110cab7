"""Noticing another program's changes: LISTEN on PostgreSQL, polling the audit head on SQLite."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from annotator.core.entities import Case
from annotator.core.progress import CancelToken
from annotator.services.connecting import TeamAddress, address_of, team_url, without_password
from annotator.services.container import Services, open_services
from annotator.services.watching import CaseChanged, WatchMode, WatchService


@pytest.fixture
def other(db_target: str, services: Services) -> Iterator[Services]:
    second = open_services(db_target, lambda: "Second Investigator")
    yield second
    second.close()


def test_watch_reports_another_programs_change_then_stops(
    services: Services, other: Services, case: Case, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(WatchService, "POLL_SECONDS", 0.1)
    stop = CancelToken()
    seen: list[object] = []
    ready = threading.Event()

    def run() -> None:
        for item in services.watching.watch(case.uid, stop):
            seen.append(item)
            ready.set()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert ready.wait(10)
        expected = WatchMode.POLLING if backend == "sqlite" else WatchMode.LISTENING
        assert seen == [expected]
        other.tags.create(case.uid, "vehicle")
        deadline = time.monotonic() + 10
        while not any(isinstance(i, CaseChanged) for i in seen) and time.monotonic() < deadline:
            time.sleep(0.05)
        change = next(i for i in seen if isinstance(i, CaseChanged))
        assert change == CaseChanged(case.uid, services.audit.head(case.uid))
    finally:
        stop.cancel()
        thread.join(5)
    assert not thread.is_alive()  # stop is noticed within a fraction of a second


def test_team_url_quotes_and_forgets_the_password() -> None:
    address = TeamAddress("db.example.org", 5433, "cases", "Wang Li")
    url = team_url(address, "p@ss:w/rd %")
    assert address_of(url) == address
    bare = without_password(url)
    assert "p@ss" not in bare and "w/rd" not in bare and address_of(bare) == address
    assert without_password("not a url at all") == ""
    assert team_url(address) == "postgresql+psycopg://Wang Li@db.example.org:5433/cases"
