"""The audit trail's canonical form, hash chain and verification, independent of storage.

Canonical form (DESIGN.md): JSON with sorted keys, separators ``,`` and ``:``, UTF-8 with
``ensure_ascii=False``, no floats, ``at`` as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC. The
same bytes come out of SQLite and PostgreSQL, so a copied case still verifies.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from annotator.core.entities import AuditEvent

GENESIS_HASH = "0" * 64
# Events that record an act (a snapshot taken, a file exported), not a stored record:
# there is no row whose state they must match.
LOG_ONLY_TYPES = frozenset({"snapshot", "export", "import"})
Snapshot = dict[str, object]


def _reject_floats(value: object, path: str = "$") -> None:
    if isinstance(value, float):
        raise TypeError(
            f"audit records hold no floats ({path} = {value!r}); store text or integers"
        )
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"audit record keys must be text ({path})")
            _reject_floats(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _reject_floats(item, f"{path}[{index}]")
    elif not (value is None or isinstance(value, str | int)):
        raise TypeError(f"audit records hold text, integers, booleans and null ({path})")


def canonical_bytes(value: object) -> bytes:
    """Serialise ``value`` in the one canonical form that hashes and storage use."""
    _reject_floats(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def canonical_text(value: object) -> str:
    return canonical_bytes(value).decode("utf-8")


def format_at(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("audit times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(
    *,
    case_uid: str,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    entity_type: str,
    entity_uid: str,
    before: Snapshot | None,
    after: Snapshot | None,
    prev_hash: str,
) -> str:
    """SHA-256 over the canonical form of every field, the previous hash included."""
    record = {
        "case": case_uid,
        "seq": seq,
        "at": format_at(at),
        "actor": actor,
        "action": action,
        "entity_type": entity_type,
        "entity_uid": entity_uid,
        "before": before,
        "after": after,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical_bytes(record)).hexdigest()


def hash_of(case_uid: str, event: AuditEvent) -> str:
    return event_hash(
        case_uid=case_uid,
        seq=event.seq,
        at=event.at,
        actor=event.actor,
        action=event.action,
        entity_type=event.entity_type,
        entity_uid=event.entity_uid,
        before=event.before,
        after=event.after,
        prev_hash=event.prev_hash,
    )


@dataclass(frozen=True, slots=True)
class Problem:
    seq: int | None
    entity_type: str
    entity_uid: str
    message: str


@dataclass(frozen=True, slots=True)
class AuditReport:
    """Outcome of verifying one case's trail: the chain and the state of every record."""

    ok: bool
    events: int
    head_hash: str
    first_bad_seq: int | None
    message: str
    problems: tuple[Problem, ...] = field(default=())


def verify(
    case_uid: str,
    events: Iterable[AuditEvent],
    live_state: Mapping[tuple[str, str], Snapshot],
) -> AuditReport:
    """Check each hash and link of the chain, then that every record equals its last event.

    ``events`` in seq order. ``live_state`` maps (entity_type, uid) to each stored record's
    current snapshot. A record whose latest ``after`` differs, a record with no event at all,
    and a record the trail says was deleted but still exists are all reported.
    """
    problems: list[Problem] = []
    expected_prev = GENESIS_HASH
    latest: dict[tuple[str, str], AuditEvent] = {}
    count = 0
    head = GENESIS_HASH
    expected_seq = 1
    for event in events:
        count += 1
        key = (event.entity_type, event.entity_uid)
        if event.seq != expected_seq:
            problems.append(
                Problem(event.seq, *key, f"event {expected_seq} is missing (found {event.seq})")
            )
        elif event.prev_hash != expected_prev:
            problems.append(
                Problem(
                    event.seq, *key, f"event {event.seq} does not link to event {event.seq - 1}"
                )
            )
        elif hash_of(case_uid, event) != event.hash:
            problems.append(
                Problem(event.seq, *key, f"event {event.seq} was altered after it was written")
            )
        expected_seq = event.seq + 1  # report a gap once, not at every later event
        expected_prev = event.hash
        head = event.hash
        latest[key] = event

    state_problems: list[Problem] = []
    for key, event in latest.items():
        if key[0] in LOG_ONLY_TYPES:
            continue
        state = live_state.get(key)
        if event.after is None and state is not None:
            state_problems.append(
                Problem(
                    event.seq,
                    *key,
                    f"{key[0]} {key[1]} was deleted at event {event.seq} "
                    "but is back in the database",
                )
            )
        elif event.after is not None and state is None:
            state_problems.append(
                Problem(
                    event.seq,
                    *key,
                    f"{key[0]} {key[1]} is missing from the database "
                    f"(last recorded at event {event.seq})",
                )
            )
        elif event.after is not None and canonical_bytes(state) != canonical_bytes(event.after):
            state_problems.append(
                Problem(
                    event.seq,
                    *key,
                    f"{key[0]} {key[1]} was changed outside the app after event {event.seq}",
                )
            )
    for key in live_state.keys() - latest.keys():
        state_problems.append(
            Problem(None, *key, f"{key[0]} {key[1]} was added outside the app (no audit event)")
        )
    problems.extend(state_problems)

    # A broken chain is reported first: state checks against a broken chain mean little.
    chain_count = len(problems) - len(state_problems)
    ordered = problems[:chain_count] + sorted(
        problems[chain_count:], key=lambda p: (p.seq is None, p.seq or 0)
    )
    if not ordered:
        message = f"Audit trail intact: {count} events, every record matches its last event."
    else:
        message = ordered[0].message
        if len(ordered) > 1:
            message += f" ({len(ordered) - 1} more problem(s))"
    return AuditReport(
        ok=not ordered,
        events=count,
        head_hash=head,
        first_bad_seq=next((p.seq for p in ordered if p.seq is not None), None),
        message=message,
        problems=tuple(ordered),
    )
