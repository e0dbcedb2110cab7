"""Behaviour of cases, tags, claims and annotations through the services."""

from __future__ import annotations

import pytest

from annotator.core.entities import AnnotationKind, Case, ClaimStatus, Media, MediaKind
from annotator.core.errors import AlreadyExistsError, ConflictError, NotFoundError, ValidationError
from annotator.services.container import Services
from tests.conftest import new_media


def moment(ms: int = 1000, frame: int = 30, **extra: object) -> dict[str, object]:
    return {"kind": "moment", "start_ms": ms, "start_frame": frame, **extra}


def test_case_names_are_unique_and_cases_are_listed(services: Services, case: Case) -> None:
    with pytest.raises(AlreadyExistsError, match="already exists"):
        services.cases.create("Donetsk captives")
    other = services.cases.create("Kherson drone footage").value
    assert [s.case.name for s in services.cases.summaries()] == [
        "Donetsk captives",
        "Kherson drone footage",
    ]
    with pytest.raises(AlreadyExistsError):
        services.cases.rename(other.uid, "Donetsk captives")
    renamed = services.cases.rename(other.uid, "Херсон").value
    assert renamed.name == "Херсон" and renamed.version == 2
    assert services.cases.get_by_name("Херсон").uid == other.uid
    with pytest.raises(NotFoundError, match="case list"):
        services.cases.get_by_name("nope")


def test_case_counts(services: Services, case: Case, video: Media) -> None:
    a = services.annotations.create(case.uid, video.uid, moment()).value
    services.annotations.create(case.uid, video.uid, moment(2000, 60))
    services.annotations.delete(case.uid, a.uid)
    (summary,) = services.cases.summaries()
    assert (summary.media_count, summary.annotation_count) == (1, 1)


def test_stale_version_is_a_conflict(services: Services, case: Case, video: Media) -> None:
    ann = services.annotations.create(case.uid, video.uid, moment()).value
    services.annotations.update(case.uid, ann.uid, {"note": "mine"}, expected_version=ann.version)
    with pytest.raises(ConflictError, match="changed elsewhere"):
        services.annotations.update(
            case.uid, ann.uid, {"note": "theirs"}, expected_version=ann.version
        )
    assert services.annotations.get(case.uid, ann.uid).note == "mine"
    with pytest.raises(ConflictError):
        services.cases.update(case.uid, description="x", expected_version=case.version + 5)


def test_tags_are_hierarchical(services: Services, case: Case, video: Media) -> None:
    services.tags.create(case.uid, "person/captive", colour="#FF0000")
    paths = {t.path: t for t in services.tags.for_case(case.uid)}
    assert list(paths) == ["person", "person/captive"]
    assert paths["person/captive"].colour == "#ff0000"
    assert paths["person/captive"].parent_path == "person"
    with pytest.raises(AlreadyExistsError):
        services.tags.create(case.uid, "Person/Captive")  # same tag, other capitals

    ann = services.annotations.create(
        case.uid, video.uid, moment(), tags=["PERSON/captive", "object/handcuffs"]
    ).value
    assert set(ann.tag_uids) == {
        paths["person/captive"].uid,
        next(t.uid for t in services.tags.for_case(case.uid) if t.path == "object/handcuffs"),
    }

    # Renaming a parent renames its subtree; annotations keep their tags (by uid).
    renamed = services.tags.rename(case.uid, paths["person"].uid, "people/detained").value
    assert [t.path for t in renamed] == ["people/detained", "people/detained/captive"]
    all_paths = [t.path for t in services.tags.for_case(case.uid)]
    assert "people" in all_paths and "person" not in all_paths
    assert paths["person/captive"].uid in services.annotations.get(case.uid, ann.uid).tag_uids

    with pytest.raises(ValidationError, match="inside itself"):
        services.tags.rename(case.uid, paths["person"].uid, "people/detained/captive/x")
    with pytest.raises(AlreadyExistsError):
        services.tags.rename(case.uid, paths["person/captive"].uid, "object/handcuffs")


def test_case_only_rename(services: Services, case: Case) -> None:
    tag = services.tags.create(case.uid, "language/mandarin").value
    renamed = services.tags.rename(case.uid, tag.uid, "language/Mandarin").value
    assert [t.path for t in renamed] == ["language/Mandarin"]


def test_deleting_a_tag_removes_subtree_and_links(
    services: Services, case: Case, video: Media
) -> None:
    ann = services.annotations.create(
        case.uid, video.uid, moment(), tags=["person/captive", "language/mandarin"]
    ).value
    person = next(t for t in services.tags.for_case(case.uid) if t.path == "person")
    result = services.tags.delete(case.uid, person.uid)
    assert len(result.value) == 2 and ann.uid in result.changes.annotations
    assert [t.path for t in services.tags.for_case(case.uid)] == ["language", "language/mandarin"]
    assert len(services.annotations.get(case.uid, ann.uid).tag_uids) == 1
    assert services.audit.verify(case.uid).ok


def test_favourite_slots_move(services: Services, case: Case) -> None:
    a = services.tags.create(case.uid, "a").value
    b = services.tags.create(case.uid, "b").value
    services.tags.set_favourite(case.uid, a.uid, 1)
    services.tags.set_favourite(case.uid, b.uid, 1)
    slots = {t.path: t.favourite_slot for t in services.tags.for_case(case.uid)}
    assert slots == {"a": None, "b": 1}
    with pytest.raises(ValidationError):
        services.tags.set_favourite(case.uid, a.uid, 10)


def test_claims_and_evidence(services: Services, case: Case, video: Media, image: Media) -> None:
    claim = services.claims.create(
        case.uid,
        "Two Chinese nationals were captured fighting for Russia",
        claimant="Head of state",
        source_url="https://example.org/post",
        claimed_at="2025-04-08",
    ).value
    assert claim.status is ClaimStatus.UNVERIFIED
    a = services.annotations.create(case.uid, video.uid, moment()).value
    b = services.annotations.create(
        case.uid,
        image.uid,
        {"kind": "region", "region": {"shape": "rect", "x": 0, "y": 0, "w": 0.5, "h": 0.5}},
    ).value
    services.claims.link(case.uid, a.uid, claim.uid, "supports", "he says so")
    link_b = services.claims.link(case.uid, b.uid, claim.uid, "contradicts").value
    with pytest.raises(AlreadyExistsError):
        services.claims.link(case.uid, a.uid, claim.uid, "context")
    with pytest.raises(ValidationError, match="supports, contradicts, context"):
        services.claims.link(case.uid, b.uid, claim.uid, "proves")
    (listed,) = services.claims.for_case(case.uid)
    assert listed.evidence == {"supports": 1, "contradicts": 1, "context": 0}

    services.claims.update_link(case.uid, link_b.uid, relation="context")
    services.annotations.delete(case.uid, a.uid)  # deleted evidence no longer counts
    assert services.claims.for_case(case.uid)[0].evidence == {
        "supports": 0,
        "contradicts": 0,
        "context": 1,
    }
    assert len(services.claims.links(case.uid, claim_uid=claim.uid)) == 2

    updated = services.claims.update(case.uid, claim.uid, {"status": "disputed", "notes": "n"})
    assert updated.value.status is ClaimStatus.DISPUTED and updated.value.version == 2
    with pytest.raises(ValidationError, match="status"):
        services.claims.update(case.uid, claim.uid, {"status": "true"})
    with pytest.raises(ValidationError, match="statement"):
        services.claims.update(case.uid, claim.uid, {"statement": "  "})

    removed = services.claims.delete(case.uid, claim.uid)
    assert len(removed.value) == 2 and services.claims.for_case(case.uid) == []
    assert services.audit.verify(case.uid).ok


def test_annotation_fields_round_trip(services: Services, case: Case, video: Media) -> None:
    ann = services.annotations.create(
        case.uid,
        video.uid,
        {
            "kind": "segment",
            "start_ms": 14_367,
            "end_ms": 16_000,
            "start_frame": 431,
            "end_frame": 479,
            "title": "ID card shown",
            "transcript": "我叫王伟",
            "transcript_lang": "zh",
            "translation": "My name is Wang Wei",
            "translation_lang": "en",
            "confidence": "high",
            "place_name": "Донецьк",
            "latitude": "48.0159",
            "longitude": "37.8028",
            "region": {"shape": "rect", "x": 0.25, "y": 0.5, "w": 0.25, "h": 0.25},
        },
    ).value
    again = services.annotations.get(case.uid, ann.uid)
    assert again == ann
    assert (again.kind, again.start_frame, again.end_ms) == (AnnotationKind.SEGMENT, 431, 16_000)
    assert again.place.latitude == "48.0159" and again.transcript == "我叫王伟"
    assert again.region == {"shape": "rect", "x": 0.25, "y": 0.5, "w": 0.25, "h": 0.25}
    assert again.author == "Test Investigator"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "moment"}, "start time"),
        ({"kind": "moment", "start_ms": 10}, "frame number"),
        ({"kind": "segment", "start_ms": 10, "start_frame": 0}, "needs an end"),
        ({"kind": "segment", "start_ms": 10, "end_ms": 10, "start_frame": 0}, "after its start"),
        (
            {"kind": "segment", "start_ms": 10, "end_ms": 20, "start_frame": 5, "end_frame": 4},
            "before its first",
        ),
        ({"kind": "moment", "start_ms": 10, "start_frame": 1800}, "past the end"),
        ({"kind": "moment", "start_ms": -1, "start_frame": 0}, "negative"),
        ({"kind": "moment", "start_ms": 1.5, "start_frame": 0}, "whole number"),
        ({"kind": "region", "start_ms": 10, "start_frame": 0}, "rectangle or polygon"),
        ({"kind": "blob", "start_ms": 10, "start_frame": 0}, "moment, segment or region"),
        ({"kind": "moment", "start_ms": 1, "start_frame": 0, "colour": "red"}, "no field"),
        ({"kind": "moment", "start_ms": 1, "start_frame": 0, "confidence": "sure"}, "low, medium"),
    ],
)
def test_video_annotation_rules(
    services: Services, case: Case, video: Media, fields: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        services.annotations.create(case.uid, video.uid, fields)


def test_image_and_audio_rules(services: Services, case: Case, image: Media) -> None:
    with pytest.raises(ValidationError, match="no time"):
        services.annotations.create(case.uid, image.uid, moment())
    audio = services.media.add(case.uid, new_media("call.m4a", MediaKind.AUDIO)).value
    with pytest.raises(ValidationError, match="no frames"):
        services.annotations.create(case.uid, audio.uid, moment())
    ok = services.annotations.create(
        case.uid, audio.uid, {"kind": "segment", "start_ms": 0, "end_ms": 1500}
    ).value
    assert ok.start_frame is None


def test_delete_and_restore(services: Services, case: Case, video: Media) -> None:
    ann = services.annotations.create(case.uid, video.uid, moment()).value
    deleted = services.annotations.delete(case.uid, ann.uid).value
    assert deleted.deleted_at is not None
    assert services.annotations.for_case(case.uid) == []
    assert [a.uid for a in services.annotations.for_case(case.uid, include_deleted=True)] == [
        ann.uid
    ]
    with pytest.raises(ValidationError, match="restore"):
        services.annotations.update(case.uid, ann.uid, {"note": "x"})
    restored = services.annotations.restore(case.uid, ann.uid).value
    assert restored.deleted_at is None
    history = [e.action for e in services.audit.history(case.uid, ann.uid)]
    assert history == ["annotation.create", "annotation.delete", "annotation.restore"]


def test_annotations_listed_in_time_order_per_media(
    services: Services, case: Case, video: Media
) -> None:
    for ms, frame in [(3000, 90), (1000, 30), (2000, 60)]:
        services.annotations.create(case.uid, video.uid, moment(ms, frame))
    listed = services.annotations.for_case(case.uid, media_uid=video.uid)
    assert [a.start_frame for a in listed] == [30, 60, 90]


def test_media_registration(services: Services, case: Case, video: Media) -> None:
    with pytest.raises(AlreadyExistsError, match="same SHA-256"):
        services.media.add(case.uid, new_media("copy.mp4", sha=video.sha256))
    with pytest.raises(ValidationError, match="SHA-256"):
        services.media.add(case.uid, new_media("x.mp4", sha="ABC"))
    assert services.media.find_by_sha256(case.uid, video.sha256) == video
    assert services.media.for_case(case.uid) == [video]
    other_case = services.cases.create("Other").value
    # The same file may be evidence in another case: uniqueness is per case.
    services.media.add(other_case.uid, new_media(sha=video.sha256))


def test_records_of_another_case_are_not_reachable(
    services: Services, case: Case, video: Media
) -> None:
    other = services.cases.create("Other").value
    with pytest.raises(NotFoundError):
        services.annotations.create(other.uid, video.uid, moment())
