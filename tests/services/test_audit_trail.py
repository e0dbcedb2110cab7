"""Every service call writes exactly its events, atomically, and tampering is caught."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from annotator.core import audit_chain
from annotator.core.entities import AuditEvent, Case, Media, MediaKind
from annotator.core.errors import ValidationError
from annotator.db.journal import Journal
from annotator.services.container import Services
from tests.conftest import INVESTIGATOR, new_media
from tests.raw_sql import dialect, drop_audit_guard, raw_sql


def events(services: Services, case: Case) -> list[AuditEvent]:
    return services.audit.history(case.uid)


def test_case_creation_is_event_one(services: Services, case: Case) -> None:
    (first,) = events(services, case)
    assert (first.seq, first.action, first.entity_type, first.entity_uid) == (
        1,
        "case.create",
        "case",
        case.uid,
    )
    assert first.actor == INVESTIGATOR and first.before is None
    assert first.after is not None and first.after["name"] == case.name
    assert first.prev_hash == audit_chain.GENESIS_HASH


# Each call: a setup returning a function that performs exactly one record change.
def _calls(services: Services, case: Case, video: Media) -> dict[str, Callable[[], object]]:
    tag = services.tags.create(case.uid, "object").value
    claim = services.claims.create(case.uid, "The men carried Chinese ID").value
    ann = services.annotations.create(
        case.uid, video.uid, {"kind": "moment", "start_ms": 1000, "start_frame": 30}
    ).value
    link = services.claims.link(case.uid, ann.uid, claim.uid, "supports").value
    return {
        "case.update": lambda: services.cases.update(case.uid, description="new"),
        "media.import": lambda: services.media.add(case.uid, new_media("b.mp4")),
        "tag.create": lambda: services.tags.create(case.uid, "language"),
        "tag.update": lambda: services.tags.update(case.uid, tag.uid, colour="#123456"),
        "tag.favourite": lambda: services.tags.set_favourite(case.uid, tag.uid, 3),
        "tag.rename": lambda: services.tags.rename(case.uid, tag.uid, "objects"),
        "tag.delete": lambda: services.tags.delete(case.uid, tag.uid),
        "claim.create": lambda: services.claims.create(case.uid, "Filmed in Donetsk"),
        "claim.update": lambda: services.claims.update(case.uid, claim.uid, {"status": "disputed"}),
        "claim.relink": lambda: services.claims.update_link(case.uid, link.uid, relation="context"),
        "claim.unlink": lambda: services.claims.unlink(case.uid, link.uid),
        "annotation.create": lambda: services.annotations.create(
            case.uid,
            video.uid,
            {"kind": "segment", "start_ms": 0, "end_ms": 500, "start_frame": 0, "end_frame": 14},
        ),
        "annotation.update": lambda: services.annotations.update(case.uid, ann.uid, {"note": "ID"}),
        "annotation.tag": lambda: services.annotations.set_tags(case.uid, ann.uid, ["object"]),
        "annotation.delete": lambda: services.annotations.delete(case.uid, ann.uid),
    }


@pytest.mark.parametrize(
    "action",
    [
        "case.update",
        "media.import",
        "tag.create",
        "tag.update",
        "tag.favourite",
        "tag.rename",
        "tag.delete",
        "claim.create",
        "claim.update",
        "claim.relink",
        "claim.unlink",
        "annotation.create",
        "annotation.update",
        "annotation.tag",
        "annotation.delete",
    ],
)
def test_each_call_writes_exactly_one_event(
    services: Services, case: Case, video: Media, action: str
) -> None:
    call = _calls(services, case, video)[action]
    before = len(events(services, case))
    result = call()
    after = events(services, case)
    assert len(after) == before + 1
    assert after[-1].action == action
    assert result.changes.audit  # type: ignore[attr-defined]
    assert services.audit.verify(case.uid).ok


def test_unchanged_save_writes_no_event(services: Services, case: Case, video: Media) -> None:
    ann = services.annotations.create(
        case.uid, video.uid, {"kind": "moment", "start_ms": 10, "start_frame": 0, "note": "x"}
    ).value
    count = len(events(services, case))
    result = services.annotations.update(case.uid, ann.uid, {"note": "x"})
    assert len(events(services, case)) == count
    assert not result.changes.any


def test_one_event_per_record_changed(services: Services, case: Case, video: Media) -> None:
    """Tagging with a new nested tag writes the parents, the tag and the annotation."""
    count = len(events(services, case))
    services.annotations.create(
        case.uid,
        video.uid,
        {"kind": "moment", "start_ms": 10, "start_frame": 0},
        tags=["person/captive/first"],
    )
    new = events(services, case)[count:]
    assert [e.action for e in new] == ["tag.create"] * 3 + ["annotation.create"]


def test_failure_rolls_back_change_and_event(
    services: Services, case: Case, video: Media, monkeypatch: pytest.MonkeyPatch
) -> None:
    count = len(events(services, case))
    real_append = Journal.append

    def fail_after_first(self: Journal, *args: object, **kwargs: object) -> None:
        real_append(self, *args, **kwargs)  # type: ignore[arg-type]
        raise OSError("disk full")

    monkeypatch.setattr(Journal, "append", fail_after_first)
    with pytest.raises(OSError):
        services.annotations.create(
            case.uid, video.uid, {"kind": "moment", "start_ms": 5, "start_frame": 0}, tags=["new"]
        )
    monkeypatch.undo()
    assert services.annotations.for_case(case.uid) == []
    assert services.tags.for_case(case.uid) == []
    assert len(events(services, case)) == count
    assert services.audit.verify(case.uid).ok


def test_rejected_input_leaves_nothing(services: Services, case: Case, video: Media) -> None:
    count = len(events(services, case))
    with pytest.raises(ValidationError):
        services.annotations.create(
            case.uid,
            video.uid,
            {"kind": "segment", "start_ms": 500, "end_ms": 100, "start_frame": 15},
            tags=["person/captive"],
        )
    assert services.tags.for_case(case.uid) == []
    assert len(events(services, case)) == count


@pytest.fixture
def busy_case(services: Services, case: Case, video: Media) -> Case:
    """A case with one of every kind of record, some changed several times."""
    image = services.media.add(case.uid, new_media("id.jpg", MediaKind.IMAGE)).value
    claim = services.claims.create(case.uid, "Two Chinese nationals captured").value
    ann = services.annotations.create(
        case.uid,
        video.uid,
        {
            "kind": "segment",
            "start_ms": 1000,
            "end_ms": 2034,
            "start_frame": 30,
            "end_frame": 60,
            "transcript": "我是中国人",
            "transcript_lang": "zh",
            "translation": "I am Chinese",
            "translation_lang": "en",
        },
        tags=["person/captive", "language/mandarin"],
    ).value
    region = services.annotations.create(
        case.uid,
        image.uid,
        {"kind": "region", "region": {"shape": "rect", "x": 0.1, "y": 0.1, "w": 0.5, "h": 0.3}},
        tags=["document/id-card"],
    ).value
    services.claims.link(case.uid, ann.uid, claim.uid, "supports", "He says it himself")
    services.claims.link(case.uid, region.uid, claim.uid, "supports")
    services.annotations.update(case.uid, ann.uid, {"note": "Handcuffed, speaking Mandarin"})
    services.claims.update(case.uid, claim.uid, {"status": "supported"})
    return case


# (table, column, new value) -> the entity type whose last event must be flagged.
TAMPERS = [
    ("cases", "description", "'forged'", "case"),
    ("media_items", "sha256", "'" + "0" * 64 + "'", "media"),
    ("media_items", "original_path", "'/elsewhere.mp4'", "media"),
    ("media_items", "thumbnail", "<one zero byte>", "media"),
    ("tags", "path", "'person/volunteer'", "tag"),
    ("tags", "colour", "'#000000'", "tag"),
    ("claims", "status", "'refuted'", "claim"),
    ("annotations", "start_ms", "start_ms + 40", "annotation"),
    ("annotations", "start_frame", "start_frame + 1", "annotation"),
    ("annotations", "transcript", "'edited'", "annotation"),
    ("annotations", "author", "'someone else'", "annotation"),
    ("claim_links", "relation", "'contradicts'", "claim_link"),
]


@pytest.mark.parametrize(("table", "column", "value", "entity"), TAMPERS)
def test_row_altered_in_sql_is_caught_at_its_last_event(
    services: Services,
    busy_case: Case,
    db_target: str,
    table: str,
    column: str,
    value: str,
    entity: str,
) -> None:
    assert services.audit.verify(busy_case.uid).ok
    [(uid,)] = raw_sql(db_target, f"SELECT uid FROM {table} ORDER BY id LIMIT 1")
    if value == "<one zero byte>":
        value = "x'00'" if dialect(db_target) == "sqlite" else "'\\x00'::bytea"
    raw_sql(db_target, (f"UPDATE {table} SET {column} = {value} WHERE uid = :uid", {"uid": uid}))
    report = services.audit.verify(busy_case.uid)
    last = max(e.seq for e in events(services, busy_case) if e.entity_uid == uid)
    assert not report.ok
    assert report.first_bad_seq == last
    assert report.problems[0].entity_type == entity and report.problems[0].entity_uid == uid


def test_tag_link_removed_in_sql_is_caught(services: Services, busy_case: Case, db_target: str):
    raw_sql(
        db_target,
        "DELETE FROM annotation_tags WHERE annotation_id = (SELECT min(annotation_id) "
        "FROM annotation_tags)",
    )
    report = services.audit.verify(busy_case.uid)
    assert not report.ok and report.problems[0].entity_type == "annotation"


def test_row_inserted_in_sql_has_no_event(services: Services, busy_case: Case, db_target: str):
    raw_sql(
        db_target,
        "INSERT INTO tags (uid, case_id, path, colour, description, created_at, version) "
        "VALUES ('smuggled', 1, 'fake', '#ffffff', '', '2026-01-01 00:00:00', 1)",
    )
    report = services.audit.verify(busy_case.uid)
    assert not report.ok and "no audit event" in report.message


@pytest.mark.parametrize("column", ["actor", "after_json", "before_json", "at", "action"])
@pytest.mark.parametrize("which", ["first", "middle", "last"])
def test_event_altered_in_sql_is_caught_at_that_event(
    services: Services, busy_case: Case, db_target: str, column: str, which: str
) -> None:
    all_events = events(services, busy_case)
    candidates = [e.seq for e in all_events if column != "before_json" or e.before is not None]
    seq = {
        "first": candidates[0],
        "middle": candidates[len(candidates) // 2],
        "last": candidates[-1],
    }[which]
    new = {
        "actor": "'Mallory'",
        "after_json": "replace(after_json, '\"version\":', '\"versions\":')",
        "before_json": "replace(before_json, '\"version\":', '\"versions\":')",
        "at": "'2020-01-01 00:00:00.000000'",
        "action": "'forged.action'",
    }[column]
    raw_sql(
        db_target,
        drop_audit_guard(db_target, "UPDATE"),  # what someone rewriting history does
        (f"UPDATE audit_events SET {column} = {new} WHERE seq = :seq", {"seq": seq}),
    )
    report = services.audit.verify(busy_case.uid)
    assert not report.ok
    assert report.first_bad_seq == seq


def test_deleting_the_last_event_is_caught(services: Services, busy_case: Case, db_target: str):
    last = events(services, busy_case)[-1]
    raw_sql(
        db_target,
        drop_audit_guard(db_target, "DELETE"),
        ("DELETE FROM audit_events WHERE seq = :seq", {"seq": last.seq}),
    )
    report = services.audit.verify(busy_case.uid)
    assert not report.ok  # the claim no longer matches its (now) latest event
    assert report.problems[0].entity_uid == last.entity_uid


def test_chain_survives_round_trip_through_canonical_form(services: Services, busy_case: Case):
    """Serialise every event and record to canonical text and back: same verdict, same head."""
    original = services.audit.verify(busy_case.uid)
    from annotator.db.repositories import audit as audit_repo
    from annotator.db.repositories.lookup import case_by_uid
    from annotator.db.uow import unit_of_work

    with unit_of_work(services.audit.db, write=False) as session:
        state = audit_repo.live_state(session, case_by_uid(session, busy_case.uid))
    dumped = [
        audit_chain.canonical_text(
            {
                "seq": e.seq,
                "at": audit_chain.format_at(e.at),
                "actor": e.actor,
                "action": e.action,
                "entity_type": e.entity_type,
                "entity_uid": e.entity_uid,
                "before": e.before,
                "after": e.after,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
        )
        for e in events(services, busy_case)
    ]
    state_text = {f"{k[0]}|{k[1]}": audit_chain.canonical_text(v) for k, v in state.items()}

    from datetime import datetime

    reloaded = []
    for line in dumped:
        d = json.loads(line)
        d["at"] = datetime.fromisoformat(d["at"].replace("Z", "+00:00"))
        reloaded.append(AuditEvent(**d))
    reloaded_state = {tuple(k.split("|", 1)): json.loads(v) for k, v in state_text.items()}
    again = audit_chain.verify(busy_case.uid, reloaded, reloaded_state)  # type: ignore[arg-type]
    assert again == original and again.ok
    assert again.head_hash == services.audit.head(busy_case.uid)[1]


def test_head_counts_events(services: Services, busy_case: Case) -> None:
    count, head = services.audit.head(busy_case.uid)
    history = events(services, busy_case)
    assert count == len(history) and head == history[-1].hash


def test_history_of_one_record(services: Services, busy_case: Case) -> None:
    ann = services.annotations.for_case(busy_case.uid)[0]
    history = services.audit.history(busy_case.uid, ann.uid)
    assert history[0].action == "annotation.create"
    assert all(e.entity_uid == ann.uid for e in history)
    assert history[-1].after is not None and history[-1].after["version"] == ann.version
