"""Full-text search kept in sync by the service layer, in any script."""

from __future__ import annotations

import pytest

from annotator.core.entities import Case, Media
from annotator.services.container import Services, open_services


def uids(services: Services, case: Case, text: str) -> set[str]:
    return {hit.entity_uid for hit in services.search.query(case.uid, text)}


@pytest.fixture
def annotated(services: Services, case: Case, video: Media) -> dict[str, str]:
    a = services.annotations.create(
        case.uid,
        video.uid,
        {
            "kind": "segment",
            "start_ms": 1000,
            "end_ms": 3000,
            "start_frame": 30,
            "end_frame": 89,
            "transcript": "我是中国人，我来自湖南",
            "transcript_lang": "zh",
            "translation": "I am Chinese, I come from Hunan",
            "translation_lang": "en",
        },
    ).value
    b = services.annotations.create(
        case.uid,
        video.uid,
        {
            "kind": "moment",
            "start_ms": 5000,
            "start_frame": 150,
            "note": "Посвідчення особи видно в кадрі; bank card visible",
        },
    ).value
    claim = services.claims.create(
        case.uid, "The captured men carried Chinese identity documents and bank cards"
    ).value
    return {"a": a.uid, "b": b.uid, "claim": claim.uid}


def test_search_every_script_and_claims(
    services: Services, case: Case, annotated: dict[str, str]
) -> None:
    assert uids(services, case, "中国人") == {annotated["a"]}  # inside an unspaced sentence
    assert uids(services, case, "湖南") == {annotated["a"]}  # two characters: substring scan
    assert uids(services, case, "посвідчення") == {annotated["b"]}  # any case
    assert uids(services, case, "bank card") == {annotated["b"], annotated["claim"]}
    assert uids(services, case, "hunan chinese") == {annotated["a"]}  # every word must match
    assert uids(services, case, "nothing like this") == set()
    hit = services.search.query(case.uid, "Hunan")[0]
    assert hit.entity_type == "annotation" and "[Hunan]" in hit.snippet


@pytest.mark.parametrize("query", ['"', 'bank" OR "x', "*", "AND", "NEAR(", "%_", "\\"])
def test_query_syntax_is_just_text(
    services: Services, case: Case, annotated: dict[str, str], query: str
) -> None:
    services.search.query(case.uid, query)  # never an SQL or FTS syntax error


def test_index_follows_edits_deletes_and_restores(
    services: Services, case: Case, annotated: dict[str, str]
) -> None:
    services.annotations.update(case.uid, annotated["b"], {"note": "handcuffs on the table"})
    assert uids(services, case, "посвідчення") == set()
    assert uids(services, case, "handcuffs") == {annotated["b"]}
    services.annotations.delete(case.uid, annotated["b"])
    assert uids(services, case, "handcuffs") == set()
    services.annotations.restore(case.uid, annotated["b"])
    assert uids(services, case, "handcuffs") == {annotated["b"]}
    services.claims.delete(case.uid, annotated["claim"])
    assert uids(services, case, "identity documents") == set()


def test_other_cases_are_not_searched(
    services: Services, case: Case, annotated: dict[str, str]
) -> None:
    other = services.cases.create("Other").value
    assert services.search.query(other.uid, "Hunan") == []


def test_upgrade_from_before_search_indexes_existing_records(
    services: Services, case: Case, annotated: dict[str, str], db_target: str, backend: str
) -> None:
    from alembic import command

    from annotator.db import migrate
    from annotator.db.engine import Database

    services.close()
    db = Database(db_target)
    config = migrate._config()
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0001")  # a database from the first release
    result = migrate.upgrade(db)
    db.dispose()
    assert result is not None and result.from_revision == "0001"
    if backend == "sqlite":
        assert result.backup is not None
        assert result.backup.is_file()  # the file was copied aside before the upgrade
    else:
        assert result.backup is None  # a server's backups are its administrator's (pg_dump)
    reopened = open_services(db_target, lambda: "x")
    assert {h.entity_uid for h in reopened.search.query(case.uid, "湖南")} == {annotated["a"]}
    assert reopened.audit.verify(case.uid).ok
    reopened.close()
