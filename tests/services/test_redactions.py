"""Redaction records: audited, version-checked, validated, exported; the 0003 -> 0004 upgrade."""

from __future__ import annotations

import pytest

from annotator.core.entities import Case, Media, MediaKind, RedactionMethod, RedactionShape
from annotator.core.errors import ConflictError, NotFoundError, ValidationError
from annotator.services.container import Services, open_services
from annotator.services.redactions import RedactionService
from tests.conftest import INVESTIGATOR, new_media
from tests.raw_sql import raw_sql, schema_of


@pytest.fixture
def redactions(services: Services) -> RedactionService:
    """As the container will build it: over the same database, acting as the investigator."""
    existing = getattr(services, "redactions", None)
    if isinstance(existing, RedactionService):
        return existing
    return RedactionService(services._db, lambda: INVESTIGATOR)


def box(frame: int | None, x: float = 0.1, y: float = 0.1, w: float = 0.2, h: float = 0.2):
    ms = None if frame is None else frame * 1000 // 30 + (1 if frame % 3 else 0)
    return {"frame": frame, "ms": ms, "x": x, "y": y, "w": w, "h": h}


def span(first: int, last: int) -> dict[str, object]:
    return {
        "start_frame": first,
        "end_frame": last,
        "start_ms": first * 100,
        "end_ms": (last + 1) * 100,
    }


def test_create_on_video_is_audited_and_verifies(
    services: Services, redactions: RedactionService, case: Case, video: Media
) -> None:
    result = redactions.create(
        case.uid,
        video.uid,
        {
            "shape": "ellipse",
            "method": "pixelate",
            "label": "face of the second man",
            "keyframes": [box(40, 0.5), box(10)],
            **span(10, 70),
        },
    )
    made = result.value
    assert result.changes.redactions == frozenset({made.uid}) and result.changes.audit
    assert made.shape is RedactionShape.ELLIPSE and made.method is RedactionMethod.PIXELATE
    assert [k.frame for k in made.keyframes] == [10, 40]  # sorted by frame
    assert made.author == INVESTIGATOR and made.version == 1
    [event] = services.audit.history(case.uid, made.uid)
    assert event.action == "redaction.create" and event.entity_type == "redaction"
    assert event.after is not None and event.after["media_uid"] == video.uid
    assert services.audit.verify(case.uid).ok
    assert redactions.for_case(case.uid, media_uid=video.uid) == [made]


def test_edits_keyframes_and_delete_are_audited(
    services: Services, redactions: RedactionService, case: Case, video: Media
) -> None:
    made = redactions.create(case.uid, video.uid, {"keyframes": [box(10)], **span(10, 70)}).value
    moved = redactions.set_keyframe(case.uid, made.uid, box(40, x=0.6), made.version).value
    assert [(k.frame, k.x) for k in moved.keyframes] == [(10, 0.1), (40, 0.6)]
    again = redactions.set_keyframe(case.uid, made.uid, box(40, x=0.7), moved.version).value
    assert [(k.frame, k.x) for k in again.keyframes] == [(10, 0.1), (40, 0.7)]  # replaced
    fewer = redactions.remove_keyframe(case.uid, made.uid, 10, again.version).value
    assert [k.frame for k in fewer.keyframes] == [40]
    with pytest.raises(ValidationError, match="only keyframe"):
        redactions.remove_keyframe(case.uid, made.uid, 40)
    changed = redactions.update(
        case.uid, made.uid, {"method": "fill", "label": "ID card", **span(20, 50)}, fewer.version
    ).value
    assert changed.method is RedactionMethod.FILL and changed.start_frame == 20
    nothing = redactions.update(case.uid, made.uid, {"method": "fill"})
    assert not nothing.changes.any  # no change, no event
    redactions.delete(case.uid, made.uid, changed.version)
    with pytest.raises(NotFoundError):
        redactions.get(case.uid, made.uid)
    actions = [e.action for e in services.audit.history(case.uid, made.uid)]
    assert actions == [
        "redaction.create",
        "redaction.keyframe",
        "redaction.keyframe",
        "redaction.keyframe",
        "redaction.update",
        "redaction.delete",
    ]
    assert services.audit.verify(case.uid).ok


def test_a_stale_version_is_refused(redactions: RedactionService, case: Case, video: Media) -> None:
    made = redactions.create(case.uid, video.uid, {"keyframes": [box(5)], **span(5, 9)}).value
    redactions.update(case.uid, made.uid, {"method": "fill"}, made.version)
    with pytest.raises(ConflictError, match="changed elsewhere"):
        redactions.update(case.uid, made.uid, {"method": "pixelate"}, made.version)
    with pytest.raises(ConflictError):
        redactions.set_keyframe(case.uid, made.uid, box(6), made.version)
    with pytest.raises(ConflictError):
        redactions.delete(case.uid, made.uid, made.version)


def test_images_have_one_box_and_no_span(
    services: Services, redactions: RedactionService, case: Case, image: Media
) -> None:
    made = redactions.create(case.uid, image.uid, {"keyframes": [box(None)]}).value
    assert made.start_frame is None and len(made.keyframes) == 1
    replaced = redactions.set_keyframe(case.uid, made.uid, box(None, x=0.5)).value
    assert [k.x for k in replaced.keyframes] == [0.5]
    with pytest.raises(ValidationError, match="no time"):
        redactions.update(case.uid, made.uid, span(0, 1))
    with pytest.raises(ValidationError, match="no frames"):
        redactions.create(case.uid, image.uid, {"keyframes": [box(3)]})
    with pytest.raises(ValidationError, match="exactly one"):
        redactions.create(case.uid, image.uid, {"keyframes": [box(None), box(None)]})
    assert services.audit.verify(case.uid).ok


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"keyframes": []}, "at least one keyframe"),
        ({"keyframes": [box(5, x=0.9, w=0.5)]}, "inside the frame"),
        ({"keyframes": [box(5), box(5, x=0.3)]}, "same frame"),
        ({"keyframes": [{"x": 0.1, "y": 0.1, "w": 0.1, "h": 0.1}]}, "frame number"),
        ({"keyframes": [box(5)], "method": "smudge"}, "blur, pixelate or fill"),
        ({"keyframes": [box(5)], "shape": "star"}, "rect or an ellipse"),
        ({"keyframes": [box(5)], "colour": "red"}, "no field"),
    ],
)
def test_bad_redactions_are_refused(
    redactions: RedactionService, case: Case, video: Media, fields: dict, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        redactions.create(case.uid, video.uid, {**span(5, 9), **fields})


def test_video_spans_are_checked(
    services: Services, redactions: RedactionService, case: Case, video: Media
) -> None:
    with pytest.raises(ValidationError, match="first and last frame"):
        redactions.create(case.uid, video.uid, {"keyframes": [box(5)]})
    with pytest.raises(ValidationError, match="before its first"):
        redactions.create(case.uid, video.uid, {"keyframes": [box(5)], **span(9, 5)})
    with pytest.raises(ValidationError, match="past the end"):
        redactions.create(case.uid, video.uid, {"keyframes": [box(5)], **span(5, 1800)})
    sound = services.media.add(case.uid, new_media("call.m4a", MediaKind.AUDIO)).value
    with pytest.raises(ValidationError, match="no picture"):
        redactions.create(case.uid, sound.uid, {"keyframes": [box(None)]})


def test_the_export_document_carries_the_redactions(
    services: Services, redactions: RedactionService, case: Case, video: Media, image: Media
) -> None:
    on_video = redactions.create(
        case.uid,
        video.uid,
        {"method": "fill", "label": "plate", "keyframes": [box(10), box(40, 0.5)], **span(10, 70)},
    ).value
    redactions.create(case.uid, image.uid, {"shape": "ellipse", "keyframes": [box(None)]})
    document = services.exporting.document(case.uid)
    records = document["redactions"]
    assert isinstance(records, list) and len(records) == 2
    [record] = [r for r in records if r["uid"] == on_video.uid]
    assert record == {
        "uid": on_video.uid,
        "media_uid": video.uid,
        "media_sha256": video.sha256,
        "shape": "rect",
        "method": "fill",
        "start_frame": 10,
        "end_frame": 70,
        "start_ms": 1000,
        "end_ms": 7100,
        "keyframes": [box(10), box(40, 0.5)],
        "label": "plate",
        "author": INVESTIGATOR,
        "created_at": record["created_at"],
        "updated_at": record["updated_at"],
    }
    assert str(record["created_at"]).endswith("Z")
    assert redactions.records(case.uid, video.uid) == [
        {**record, "created_at": record["created_at"], "updated_at": record["updated_at"]}
    ]
    # A selection without the video leaves its redactions out too.
    from annotator.reports.document import Selection

    only_image = services.exporting.document(case.uid, Selection((image.sha256,)))
    assert [r["media_uid"] for r in only_image["redactions"]] == [image.uid]  # type: ignore[index, union-attr]


def test_graphic_flags_are_audited_and_exported(
    services: Services, case: Case, video: Media
) -> None:
    ann = services.annotations.create(
        case.uid, video.uid, {"kind": "moment", "start_ms": 1000, "start_frame": 30}
    ).value
    assert not ann.graphic and not video.graphic
    assert services.media.set_graphic(case.uid, video.uid, True).value.graphic
    assert services.annotations.set_graphic(case.uid, ann.uid, True).value.graphic
    assert services.audit.verify(case.uid).ok
    document = services.exporting.document(case.uid)
    assert document["media"][0]["graphic"] is True  # type: ignore[index]
    assert document["annotations"][0]["graphic"] is True  # type: ignore[index]
    services.media.set_graphic(case.uid, video.uid, False)
    assert services.audit.verify(case.uid).ok


def test_upgrade_from_0003_keeps_old_cases_verifying(
    services: Services, case: Case, video: Media, db_target: str, backend: str
) -> None:
    from alembic import command

    from annotator.db import migrate
    from annotator.db.engine import Database

    services.annotations.create(
        case.uid, video.uid, {"kind": "moment", "start_ms": 1000, "start_frame": 30}
    )
    services.close()
    db = Database(db_target)
    config = migrate._config()
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0003")  # a database from before redactions
    db.dispose()
    tables, columns = schema_of(db_target)
    assert "redactions" not in tables and "graphic" not in columns

    db = Database(db_target)
    result = migrate.upgrade(db)
    db.dispose()
    assert result is not None and result.from_revision == "0003"
    assert result.to_revision == migrate.HEAD_REVISION
    if backend == "sqlite":  # the file copied aside first; a server's backups are pg_dump's
        assert result.backup is not None and result.backup.is_file()

    reopened = open_services(db_target, lambda: INVESTIGATOR)
    try:
        assert reopened.audit.verify(case.uid).ok  # the new columns changed no snapshot
        [media] = reopened.media.for_case(case.uid)
        assert media.graphic is False
        service = RedactionService(reopened._db, lambda: INVESTIGATOR)
        service.create(case.uid, media.uid, {"keyframes": [box(5)], **span(5, 9)})
        reopened.media.set_graphic(case.uid, media.uid, True)
        assert reopened.audit.verify(case.uid).ok
    finally:
        reopened.close()


def test_a_redaction_changed_behind_the_apps_back_is_caught(
    services: Services, redactions: RedactionService, case: Case, video: Media, db_target: str
) -> None:
    redactions.create(case.uid, video.uid, {"keyframes": [box(5)], **span(5, 9)})
    raw_sql(
        db_target,
        "UPDATE redactions SET method = 'blur', end_frame = 6",  # it was blur already
        "UPDATE redactions SET keyframes_json = '[]'",
    )
    assert not services.audit.verify(case.uid).ok
