"""A realistic export document for the interchange exporters, built by the real builder.

Hand-made entities (a 30000/1001 fps video, an audio call and a photo; tags, claims, links)
go through ``build_document`` exactly as an export does. Uids start with digits on purpose:
ELAN's ANNOTATION_ID could not hold them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from annotator.core.entities import (
    Annotation,
    AnnotationKind,
    Case,
    Claim,
    ClaimLink,
    ClaimStatus,
    Media,
    MediaKind,
    Provenance,
    Relation,
    Tag,
)
from annotator.reports.document import CaseData, Selection, build_document

T0 = datetime(2024, 3, 5, 10, 15, 30, 250000, tzinfo=UTC)
EXPORTED_AT = datetime(2024, 4, 1, 8, 0, tzinfo=UTC)
AUTHOR = "Олена Коваль"

CASE_UID = "0c7d7a52-1f0e-4d58-9d7e-6a1b2c3d4e50"
VIDEO_UID = "1a2b3c4d-0000-4000-8000-000000000001"
AUDIO_UID = "1a2b3c4d-0000-4000-8000-000000000002"
IMAGE_UID = "1a2b3c4d-0000-4000-8000-000000000003"
VIDEO_SHA = "3" * 64
AUDIO_SHA = "4" * 64
IMAGE_SHA = "5" * 64
CLAIM_CHINESE = "9e1f0000-0000-4000-8000-00000000c001"
CLAIM_PLACE = "9e1f0000-0000-4000-8000-00000000c002"

# Annotation uids, by what they are.
SEGMENT = "2f000000-0000-4000-8000-0000000000a1"  # two tags, ru transcript + en translation
MOMENT = "2f000000-0000-4000-8000-0000000000a2"  # title only, no note
RECT = "2f000000-0000-4000-8000-0000000000a3"  # region on a frame, zh transcript
POLYGON = "2f000000-0000-4000-8000-0000000000a4"  # region over a span
UNTAGGED = "2f000000-0000-4000-8000-0000000000a5"  # transcript without a language
AUDIO = "2f000000-0000-4000-8000-0000000000a6"  # audio, uk transcript
PHOTO = "2f000000-0000-4000-8000-0000000000a7"  # region on the photo (no time)

HOSTILE_NOTE = 'Tom & "Jerry" say <b>5 > 3</b> --> run\'s end'
RUSSIAN = "Где вы находитесь? Мы из Хунани."
CHINESE = "你们是中国人吗？"
UKRAINIAN = "Алло, ти мене чуєш?"
# A blank line, markup-like text and a cue arrow: all must survive as text.
SHOUTED = 'Стоп! <Не> стреляйте & --> ложись!\n\n  Второй голос: "Нет"'
RECT_REGION: dict[str, object] = {"shape": "rect", "x": 0.25, "y": 0.5, "w": 0.1, "h": 0.2}
POLYGON_REGION: dict[str, object] = {
    "shape": "polygon",
    "points": [[0.1, 0.1], [0.5, 0.125], [0.3, 0.6]],
}


def _media() -> list[Media]:
    common = {"case_uid": CASE_UID, "imported_at": T0, "imported_by": AUTHOR}
    video = Media(
        id=1,
        uid=VIDEO_UID,
        sha256=VIDEO_SHA,
        size_bytes=12_345_678,
        kind=MediaKind.VIDEO,
        mime="video/mp4",
        original_path="/evidence/Телеграм/captive clip.mp4",
        location="/evidence/Телеграм/captive clip.mp4",
        file_name="captive clip.mp4",
        container="mov,mp4,m4a,3gp,3g2,mj2",
        video_codec="h264",
        audio_codec="aac",
        width=1280,
        height=720,
        duration_ms=60_060,
        frame_count=1800,
        avg_fps="30000/1001",
        provenance=Provenance(source_url="https://t.me/example/123", platform="Telegram"),
        **common,  # type: ignore[arg-type]
    )
    audio = Media(
        id=2,
        uid=AUDIO_UID,
        sha256=AUDIO_SHA,
        size_bytes=480_000,
        kind=MediaKind.AUDIO,
        mime="audio/mpeg",
        original_path="/evidence/call.mp3",
        location="/evidence/call.mp3",
        file_name="call.mp3",
        audio_codec="mp3",
        duration_ms=30_000,
        **common,  # type: ignore[arg-type]
    )
    photo = Media(
        id=3,
        uid=IMAGE_UID,
        sha256=IMAGE_SHA,
        size_bytes=2_000_000,
        kind=MediaKind.IMAGE,
        mime="image/jpeg",
        original_path="C:\\Evidence\\photo 1.jpg",
        location="C:\\Evidence\\photo 1.jpg",
        file_name="photo 1.jpg",
        width=4000,
        height=3000,
        **common,  # type: ignore[arg-type]
    )
    return [video, audio, photo]


def sample_data() -> CaseData:
    case = Case(
        id=1,
        uid=CASE_UID,
        name="Donetsk captives",
        description="Two men said to be Chinese nationals",
        created_at=T0,
        created_by=AUTHOR,
        version=1,
    )
    tag = {
        path: Tag(
            id=i,
            uid=f"7a000000-0000-4000-8000-00000000000{i}",
            case_uid=CASE_UID,
            path=path,
            colour="#e6194b",
        )
        for i, path in enumerate(("person/captive", "vehicle", "weapon/rifle"), start=1)
    }
    claims = [
        Claim(
            id=1,
            uid=CLAIM_CHINESE,
            case_uid=CASE_UID,
            statement="The two men are Chinese nationals",
            claimant="Telegram channel",
            status=ClaimStatus.SUPPORTED,
            created_at=T0,
            updated_at=T0,
        ),
        Claim(
            id=2,
            uid=CLAIM_PLACE,
            case_uid=CASE_UID,
            statement="Filmed near Donetsk",
            created_at=T0,
            updated_at=T0,
        ),
    ]
    later = T0 + timedelta(minutes=5)

    def make(uid: str, media_uid: str, kind: AnnotationKind, **fields: object) -> Annotation:
        tags = tuple(tag[p].uid for p in fields.pop("tags", ()))  # type: ignore[attr-defined]
        return Annotation(
            id=int(uid[-1], 16),
            uid=uid,
            case_uid=CASE_UID,
            media_uid=media_uid,
            kind=kind,
            tag_uids=tags,
            author=AUTHOR,
            created_at=T0,
            updated_at=later,
            **fields,  # type: ignore[arg-type]
        )

    # Times of frames at 30000/1001 fps, rounded up as the app stores them.
    annotations = [
        make(
            SEGMENT,
            VIDEO_UID,
            AnnotationKind.SEGMENT,
            start_ms=2002,
            end_ms=5005,
            start_frame=60,
            end_frame=149,
            title="Asked where they are",
            note=HOSTILE_NOTE,
            transcript=RUSSIAN,
            transcript_lang="ru",
            translation="Where are you? We are from Hunan.",
            translation_lang="en",
            tags=("vehicle", "person/captive"),
        ),
        make(
            MOMENT,
            VIDEO_UID,
            AnnotationKind.MOMENT,
            start_ms=14348,
            start_frame=430,
            title="Muzzle flash",
            tags=("weapon/rifle",),
        ),
        make(
            RECT,
            VIDEO_UID,
            AnnotationKind.REGION,
            start_ms=20020,
            start_frame=600,
            region=dict(RECT_REGION),
            note="Face of the second man",
            transcript=CHINESE,
            transcript_lang="zh",
            translation="Are you Chinese?",
            translation_lang="en",
            tags=("person/captive",),
        ),
        make(
            POLYGON,
            VIDEO_UID,
            AnnotationKind.REGION,
            start_ms=30030,
            end_ms=33033,
            start_frame=900,
            end_frame=989,
            region=dict(POLYGON_REGION),
            note="Rifle on the table",
            tags=("weapon/rifle",),
        ),
        make(
            UNTAGGED,
            VIDEO_UID,
            AnnotationKind.SEGMENT,
            start_ms=40040,
            end_ms=42042,
            start_frame=1200,
            end_frame=1259,
            note="Shouting off camera",
            transcript=SHOUTED,
        ),
        make(
            AUDIO,
            AUDIO_UID,
            AnnotationKind.SEGMENT,
            start_ms=1000,
            end_ms=3_601_500,  # past an hour: timestamps keep their hours
            note="Caller asks for the captive",
            transcript=UKRAINIAN,
            transcript_lang="uk",
            translation="Hello, can you hear me?",
            translation_lang="en",
            tags=("person/captive",),
        ),
        make(
            PHOTO,
            IMAGE_UID,
            AnnotationKind.REGION,
            region={"shape": "rect", "x": 0.1, "y": 0.2, "w": 0.30001, "h": 0.4},
            note="Licence plate",
            tags=("vehicle",),
        ),
    ]
    links = [
        ClaimLink(
            id=1,
            uid="3c000000-0000-4000-8000-0000000000b1",
            case_uid=CASE_UID,
            annotation_uid=RECT,
            claim_uid=CLAIM_CHINESE,
            relation=Relation.SUPPORTS,
            rationale="He answers in Mandarin",
            created_at=T0,
        ),
        ClaimLink(
            id=2,
            uid="3c000000-0000-4000-8000-0000000000b2",
            case_uid=CASE_UID,
            annotation_uid=SEGMENT,
            claim_uid=CLAIM_PLACE,
            relation=Relation.CONTEXT,
            created_at=T0,
        ),
    ]
    return CaseData(
        case=case,
        media=_media(),
        tags=list(tag.values()),
        claims=[(claims[0], {"supports": 1}), (claims[1], {"context": 1})],
        annotations=annotations,
        links=links,
        audit_events=17,
        audit_head="ab" * 32,
    )


def sample_document(selection: Selection | None = None) -> dict[str, object]:
    """The export document of the sample case, as ``export --format json`` would write it."""
    return build_document(sample_data(), selection or Selection(), EXPORTED_AT)


def annotation(document: dict[str, object], uid: str) -> dict[str, object]:
    found = [a for a in document["annotations"] if a["uid"] == uid]  # type: ignore[attr-defined]
    assert len(found) == 1, uid
    return found[0]  # type: ignore[no-any-return]
