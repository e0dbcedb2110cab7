from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from annotator.core.audit_chain import (
    GENESIS_HASH,
    canonical_bytes,
    event_hash,
    format_at,
    verify,
)
from annotator.core.entities import AuditEvent

CASE = "5f0e2b1c-0000-4000-8000-000000000001"


def make_chain(n: int) -> tuple[list[AuditEvent], dict[tuple[str, str], dict[str, object]]]:
    events: list[AuditEvent] = []
    state: dict[tuple[str, str], dict[str, object]] = {}
    prev = GENESIS_HASH
    t0 = datetime(2026, 4, 8, 12, 0, tzinfo=UTC)
    for seq in range(1, n + 1):
        uid = f"uid-{seq % 3}"
        before = state.get(("annotation", uid))
        after = {"note": f"note {seq}", "start_ms": seq * 40, "tags": ["b", "a"], "ok": True}
        fields = dict(
            seq=seq,
            at=t0 + timedelta(microseconds=seq),
            actor="Олена 调查员",
            action="edit",
            entity_type="annotation",
            entity_uid=uid,
            before=before,
            after=after,
            prev_hash=prev,
        )
        digest = event_hash(case_uid=CASE, **fields)  # type: ignore[arg-type]
        events.append(AuditEvent(hash=digest, **fields))  # type: ignore[arg-type]
        state[("annotation", uid)] = after
        prev = digest
    return events, state


def test_canonical_form_is_fixed_bytes() -> None:
    value = {"b": 1, "a": "Донецьк 顿涅茨克", "c": [None, True]}
    assert canonical_bytes(value) == '{"a":"Донецьк 顿涅茨克","b":1,"c":[null,true]}'.encode()


def test_canonical_form_refuses_floats_anywhere() -> None:
    with pytest.raises(TypeError, match="floats"):
        canonical_bytes({"a": [{"x": 0.5}]})


def test_times_are_utc_with_microseconds() -> None:
    kyiv = timezone(timedelta(hours=3))
    assert (
        format_at(datetime(2026, 4, 8, 15, 0, 0, 123, tzinfo=kyiv)) == "2026-04-08T12:00:00.000123Z"
    )
    with pytest.raises(ValueError):
        format_at(datetime(2026, 4, 8))  # naive


def test_intact_chain_verifies() -> None:
    events, state = make_chain(10)
    report = verify(CASE, events, state)
    assert report.ok and report.events == 10 and report.head_hash == events[-1].hash
    assert report.first_bad_seq is None


@pytest.mark.parametrize("seq", [1, 5, 10])
@pytest.mark.parametrize(
    "change",
    [
        {"actor": "someone else"},
        {"action": "create"},
        {"entity_uid": "other"},
        {"at": datetime(2020, 1, 1, tzinfo=UTC)},
        {"after": {"note": "forged"}},
        {"before": {"note": "forged"}},
    ],
)
def test_any_altered_field_is_caught_at_its_event(seq: int, change: dict[str, object]) -> None:
    events, state = make_chain(10)
    original = events[seq - 1]
    events[seq - 1] = replace(original, **change)  # type: ignore[arg-type]
    assert events[seq - 1] != original
    report = verify(CASE, events, state)
    assert not report.ok
    assert report.first_bad_seq == seq


def test_rehashing_one_event_breaks_the_next_link() -> None:
    events, state = make_chain(6)
    forged = replace(events[2], actor="forger")
    fields = {
        k: getattr(forged, k)
        for k in (
            "seq",
            "at",
            "actor",
            "action",
            "entity_type",
            "entity_uid",
            "before",
            "after",
            "prev_hash",
        )
    }
    events[2] = replace(forged, hash=event_hash(case_uid=CASE, **fields))  # type: ignore[arg-type]
    report = verify(CASE, events, state)
    assert report.first_bad_seq == 4
    assert "does not link" in report.message


def test_removed_event_and_chain_of_another_case() -> None:
    events, state = make_chain(5)
    assert verify(CASE, events[:2] + events[3:], state).first_bad_seq == 4
    assert verify("another-case", events, state).first_bad_seq == 1


def test_state_mismatch_is_reported_at_the_entitys_last_event() -> None:
    events, state = make_chain(9)
    state[("annotation", "uid-1")] = {"note": "edited in SQL"}
    report = verify(CASE, events, state)
    last_for_uid1 = max(e.seq for e in events if e.entity_uid == "uid-1")
    assert report.first_bad_seq == last_for_uid1
    assert "changed outside the app" in report.message


def test_rows_without_events_and_deleted_rows_coming_back() -> None:
    events, state = make_chain(3)
    state[("tag", "smuggled")] = {"path": "x"}
    report = verify(CASE, events, state)
    assert not report.ok and report.first_bad_seq is None
    assert "no audit event" in report.message
    del state[("tag", "smuggled")]
    del state[("annotation", "uid-2")]
    assert "missing" in verify(CASE, events, state).message
