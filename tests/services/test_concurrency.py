"""Two app processes on one SQLite case: nothing lost, nothing silently overwritten."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.core.entities import Case, Media
from annotator.core.errors import ConflictError
from annotator.services.container import Services, open_services
from tests.raw_sql import raw_sql

ROOT = Path(__file__).resolve().parents[2]


def other_process(db: str, *args: str) -> subprocess.Popen[str]:
    """Another app process (its own interpreter, engine and connections) on the same file."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.services.concurrent_writer", str(db), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str], timeout: float = 120) -> dict[str, object]:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def moment(frame: int) -> dict[str, object]:
    return {"kind": "moment", "start_ms": frame * 10, "start_frame": frame}


@pytest.fixture
def second(db_target: str, services: Services) -> Iterator[Services]:
    """A second engine on the same database, as a second window or program would have."""
    other = open_services(db_target, lambda: "Second Investigator")
    yield other
    other.close()


def test_two_processes_adding_at_once_lose_nothing(
    services: Services, case: Case, video: Media, db_target: str, backend: str
) -> None:
    per_process = 250
    procs = [
        other_process(db_target, "add", case.uid, video.uid, str(per_process), str(first))
        for first in (0, 900)
    ]
    # This process writes at the same time too: three writers on one file.
    mine = [
        services.annotations.create(case.uid, video.uid, moment(1700 + i)).value for i in range(50)
    ]
    written = [uid for proc in procs for uid in finish(proc)["uids"]]  # type: ignore[attr-defined]
    written += [a.uid for a in mine]
    stored = services.annotations.for_case(case.uid)
    assert len(written) == 2 * per_process + 50
    assert {a.uid for a in stored} == set(written)
    if backend == "sqlite":
        assert raw_sql(db_target, "PRAGMA integrity_check") == [("ok",)]
    seqs = [s for (s,) in raw_sql(db_target, "SELECT seq FROM audit_events ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1))  # one unbroken chain, no seq taken twice
    report = services.audit.verify(case.uid)
    assert report.ok, report.message
    actors = {e.actor for e in services.audit.history(case.uid) if e.action == "annotation.create"}
    # On a team server the actor is the login the server authenticated, whatever name the
    # other program was configured with.
    mine_only = {"Test Investigator"}
    expected = {"process-add", *mine_only} if backend == "sqlite" else mine_only
    assert actors == expected


def test_edit_after_another_process_edited_is_a_conflict(
    services: Services, case: Case, video: Media, db_target: str
) -> None:
    loaded = services.annotations.create(case.uid, video.uid, moment(3)).value  # A shows it
    finish(other_process(db_target, "edit", case.uid, loaded.uid, "theirs"))  # B edits it
    with pytest.raises(ConflictError) as caught:
        services.annotations.update(
            case.uid, loaded.uid, {"note": "mine"}, expected_version=loaded.version
        )
    assert caught.value.reason == "conflict"
    kept = services.annotations.get(case.uid, loaded.uid)
    assert (kept.note, kept.version) == ("theirs", loaded.version + 1)
    # Tags and the soft delete are refused the same way.
    with pytest.raises(ConflictError):
        services.annotations.set_tags(case.uid, loaded.uid, ["x"], expected_version=loaded.version)
    with pytest.raises(ConflictError):
        services.annotations.delete(case.uid, loaded.uid, expected_version=loaded.version)
    assert services.annotations.get(case.uid, loaded.uid).deleted_at is None
    # With the version now on screen, the same edit goes through, on top of theirs.
    done = services.annotations.update(
        case.uid, loaded.uid, {"title": "mine"}, expected_version=kept.version
    ).value
    assert (done.note, done.title) == ("theirs", "mine")
    assert services.audit.verify(case.uid).ok


def test_delete_and_edit_conflict_both_ways(
    services: Services, case: Case, video: Media, db_target: str
) -> None:
    first = services.annotations.create(case.uid, video.uid, moment(1)).value
    second = services.annotations.create(case.uid, video.uid, moment(2)).value
    finish(other_process(db_target, "delete", case.uid, first.uid))  # B deletes what A shows
    with pytest.raises(ConflictError, match="changed elsewhere"):
        services.annotations.update(case.uid, first.uid, {"note": "x"}, expected_version=1)
    assert services.annotations.get(case.uid, first.uid).deleted_at is not None

    finish(other_process(db_target, "edit", case.uid, second.uid, "theirs"))  # B edits
    with pytest.raises(ConflictError):
        services.annotations.delete(case.uid, second.uid, expected_version=second.version)
    kept = services.annotations.get(case.uid, second.uid)
    assert kept.deleted_at is None and kept.note == "theirs"
    assert services.audit.verify(case.uid).ok


def test_tags_and_claims_conflict_across_engines(
    services: Services, second: Services, case: Case
) -> None:
    tag = services.tags.create(case.uid, "person").value
    second.tags.update(case.uid, tag.uid, colour="#00ff00")
    with pytest.raises(ConflictError):
        services.tags.update(case.uid, tag.uid, colour="#ff0000", expected_version=tag.version)
    with pytest.raises(ConflictError):
        services.tags.rename(case.uid, tag.uid, "people", expected_version=tag.version)
    with pytest.raises(ConflictError):
        services.tags.delete(case.uid, tag.uid, expected_version=tag.version)
    (kept,) = services.tags.for_case(case.uid)
    assert (kept.path, kept.colour) == ("person", "#00ff00")

    claim = services.claims.create(case.uid, "The captive speaks Mandarin").value
    second.claims.update(case.uid, claim.uid, {"status": "disputed"})
    with pytest.raises(ConflictError):
        services.claims.update(
            case.uid, claim.uid, {"status": "supported"}, expected_version=claim.version
        )
    with pytest.raises(ConflictError):
        services.claims.delete(case.uid, claim.uid, expected_version=claim.version)
    (listed,) = services.claims.for_case(case.uid)
    assert listed.claim.status.value == "disputed"
    assert services.audit.verify(case.uid).ok


def test_a_read_sees_one_moment_while_another_app_writes(
    services: Services, second: Services, case: Case, video: Media
) -> None:
    """Verify reads the trail, then the records: a commit in between must not show in one."""
    from sqlalchemy import func, select

    from annotator.db.schema import AnnotationRow, AuditEventRow
    from annotator.db.uow import unit_of_work

    services.annotations.create(case.uid, video.uid, moment(1))
    with unit_of_work(services._db, write=False) as session:
        events = session.scalar(select(func.count()).select_from(AuditEventRow))
        second.annotations.create(case.uid, video.uid, moment(2))  # commits meanwhile
        rows = session.scalar(select(func.count()).select_from(AnnotationRow))
        events_again = session.scalar(select(func.count()).select_from(AuditEventRow))
    assert (rows, events_again) == (1, events)
    assert services.audit.verify(case.uid).ok
    assert len(services.annotations.for_case(case.uid)) == 2
