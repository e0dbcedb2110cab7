"""`annotator case copy NAME --from URL --to URL` (CLI.md): JSON, progress, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.core.entities import Case, Media
from annotator.services.container import Services, open_services
from tests.cli.test_cli import run
from tests.conftest import INVESTIGATOR
from tests.pg_server import PgServer
from tests.raw_sql import raw_sql


@pytest.fixture
def filled(services: Services, case: Case, video: Media) -> Case:
    tag = services.tags.create(case.uid, "person/captive").value
    ann = services.annotations.create(
        case.uid,
        video.uid,
        {"kind": "moment", "start_ms": 1000, "start_frame": 30, "note": "嫌疑人 handcuffs"},
        tags=[tag.path],
    ).value
    claim = services.claims.create(case.uid, "He was captured near Donetsk").value
    services.claims.link(case.uid, ann.uid, claim.uid, "supports")
    return case


def test_copy_to_postgresql_and_back(
    capsys: pytest.CaptureFixture[str],
    filled: Case,
    db_path: Path,
    pg_server: PgServer,
    tmp_path: Path,
    services: Services,
) -> None:
    database = pg_server.new_database()
    try:
        url = pg_server.url(database, INVESTIGATOR).replace("@", ":s3cret-pw@", 1)
        code, out, err = run(
            capsys, "case", "copy", filled.name, "--from", str(db_path), "--to", url,
            "--json", "--progress",
        )  # fmt: skip
        assert code == 0, err
        doc = json.loads(out)
        assert set(doc) >= {"case", "media", "annotations", "audit_events", "verified"}
        assert doc["case"] == filled.name and doc["case_uid"] == filled.uid
        assert doc["verified"] is True
        assert (doc["media"], doc["annotations"]) == (1, 1)
        head = services.audit.head(filled.uid)
        assert doc["audit_events"] == head[0]
        assert doc["audit_head"] == {"events": head[0], "hash": head[1]}
        assert doc["counts"]["claim_links"] == doc["counts"]["annotation_tags"] == 1
        assert doc["from"] == str(db_path) and "***" in doc["to"]
        assert "s3cret-pw" not in out + err
        assert "rows" in err and "Verifying the copy" in err

        back = tmp_path / "elsewhere" / "copy.sqlite"
        code, out, err = run(capsys, "case", "copy", filled.name, "--from", url, "--to", str(back))
        assert code == 0 and err == ""
        assert f"Copied case '{filled.name}'" in out and str(back) in out
        assert f"head hash {head[1]} ({head[0]} events) as in the source" in out
        assert "s3cret-pw" not in out
        copied = open_services(back, lambda: INVESTIGATOR)
        try:
            assert copied.audit.verify(filled.uid).ok
            assert [h.entity_type for h in copied.search.query(filled.uid, "嫌疑人")] == [
                "annotation"
            ]
        finally:
            copied.close()
    finally:
        pg_server.drop_database(database)


def test_refusals_say_why_and_change_nothing(
    capsys: pytest.CaptureFixture[str], filled: Case, db_path: Path, tmp_path: Path
) -> None:
    target = tmp_path / "target.sqlite"
    code, out, err = run(
        capsys, "case", "copy", "Nope", "--from", str(db_path), "--to", str(target), "--json"
    )
    assert code == 2 and json.loads(out)["reason"] == "not_found"
    assert err.startswith("error: No case named 'Nope'") and err.count("\n") == 1
    assert not target.exists()

    missing = tmp_path / "no-such.sqlite"
    code, out, err = run(capsys, "case", "copy", filled.name, "--from", str(missing), "--to", "x")
    assert code == 2 and err.startswith(f"error: There is no case database at {missing}")
    assert not missing.exists()

    code, out, err = run(
        capsys, "case", "copy", filled.name, "--from", str(db_path), "--to", str(db_path)
    )
    assert code == 2 and "same database" in err

    assert (
        run(capsys, "case", "copy", filled.name, "--from", str(db_path), "--to", str(target))[0]
        == 0
    )
    before = raw_sql(target, "SELECT count(*), max(hash) FROM audit_events")
    code, out, err = run(
        capsys, "case", "copy", filled.name, "--from", str(db_path), "--to", str(target), "--json"
    )
    assert code == 2 and json.loads(out)["reason"] == "already_exists"
    assert "already holds this case" in err
    assert raw_sql(target, "SELECT count(*), max(hash) FROM audit_events") == before


def test_a_broken_source_trail_is_not_copied(
    capsys: pytest.CaptureFixture[str], filled: Case, db_path: Path, tmp_path: Path
) -> None:
    raw_sql(db_path, "UPDATE claims SET statement = 'something else'")
    target = tmp_path / "target.sqlite"
    code, out, err = run(
        capsys, "case", "copy", filled.name, "--from", str(db_path), "--to", str(target), "--json"
    )
    assert code == 1 and json.loads(out)["reason"] == "audit_broken"
    assert "does not verify" in err and "changed outside the app" in err
    assert not target.exists()
