"""A realistic export document built from real entities, for the report tests.

``sample_data()`` gives the case data a service would read (a video, an image and an audio
file; claims in three states; moments, a segment and regions; Ukrainian and Chinese text),
``sample_document()`` runs it through ``build_document`` exactly as an export does.
``texts`` overrides any user-typed string, so tests can inject hostile text everywhere.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

from annotator.core.entities import (
    Annotation,
    AnnotationKind,
    Case,
    Claim,
    ClaimLink,
    ClaimStatus,
    Media,
    MediaKind,
    Place,
    Provenance,
    Relation,
    Tag,
)
from annotator.reports.document import CaseData, Selection, build_document
from tests import media_factory as mf

T0 = datetime(2025, 4, 8, 14, 3, 22, tzinfo=UTC)
EXPORTED_AT = datetime(2025, 5, 1, 9, 30, tzinfo=UTC)
HEAD_HASH = "9f3a0c1d2e4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff"
AUDIT_EVENTS = 1234
INVESTIGATOR = "Olena Test"
CYRILLIC = "Посвідчення особи"
CHINESE = "我是中国人"

# Frames of the generated video (24 fps, so frame n starts at ceil(n * 1000 / 24) ms).
MOMENT_FRAME = 12
SEGMENT_FRAMES = (24, 35)
REGION_FRAME = 30
REGION_RECT = {"shape": "rect", "x": 0.25, "y": 0.6, "w": 0.5, "h": 0.3}
IMAGE_POLYGON = {"shape": "polygon", "points": [[0.1, 0.55], [0.9, 0.6], [0.5, 0.95]]}

DEFAULT_TEXTS = {
    "case_name": "Donetsk captives",
    "case_description": "Two men said to be Chinese nationals.\nVerify what the video shows.",
    "video_name": "captive.mp4",
    "image_name": "id-card.jpg",
    "audio_name": "call.m4a",
    "claim_statement": "Two Chinese nationals were captured fighting for Russia",
    "claim_source": "https://example.org/post/123",
    "claimant": "Telegram channel",
    "note": "He says he is Chinese.",
    "title": "He states his nationality",
    "tag": "person/captive",
    "transcript": CHINESE,
    "translation": "I am Chinese",
    "rationale": "His own statement; may be under duress",
    "place_name": "Changsha, Hunan, China",
    "provenance_url": "https://example.org/video/123",
}


def uid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"report-test/{name}"))


def frame_ms(frame: int, fps: int = 24) -> int:
    return -(-frame * 1000 // fps)  # rounded up, as the app stores a frame's time


def sample_data(
    texts: Mapping[str, str] | None = None,
    *,
    video: Path | None = None,
    image: Path | None = None,
) -> CaseData:
    """Case data as ExportService.case_data() would read it."""
    t = {**DEFAULT_TEXTS, **(texts or {})}
    case_uid = uid("case")
    case = Case(
        id=1,
        uid=case_uid,
        name=t["case_name"],
        description=t["case_description"],
        created_at=T0,
        created_by=INVESTIGATOR,
        version=1,
    )
    common = {"case_uid": case_uid, "imported_at": T0, "imported_by": INVESTIGATOR}
    clip = Media(
        id=1,
        uid=uid("video"),
        sha256="a" * 64,
        size_bytes=(video.stat().st_size if video else 48_213),
        kind=MediaKind.VIDEO,
        mime="video/mp4",
        original_path=f"/evidence/{t['video_name']}",
        location=str(video) if video else f"/evidence/{t['video_name']}",
        file_name=t["video_name"],
        container="mov,mp4,m4a,3gp,3g2,mj2",
        video_codec="h264",
        width=192,
        height=108,
        duration_ms=2000,
        frame_count=48,
        avg_fps="24/1",
        provenance=Provenance(
            source_url=t["provenance_url"],
            platform="Telegram",
            uploader="@channel",
            obtained_at="2025-04-08",
            obtained_by=INVESTIGATOR,
            method="yt-dlp download",
        ),
        **common,  # type: ignore[arg-type]
    )
    card = Media(
        id=2,
        uid=uid("image"),
        sha256="b" * 64,
        size_bytes=(image.stat().st_size if image else 9_876),
        kind=MediaKind.IMAGE,
        mime="image/jpeg",
        original_path=f"/evidence/{t['image_name']}",
        location=str(image) if image else f"/evidence/{t['image_name']}",
        file_name=t["image_name"],
        width=96,
        height=64,
        rotation=90,
        captured_at="2025:04:08 14:03:22",
        place=Place(place_name="Donetsk", latitude="48.015883", longitude="37.802850"),
        **common,  # type: ignore[arg-type]
    )
    call = Media(
        id=3,
        uid=uid("audio"),
        sha256="c" * 64,
        size_bytes=16_000,
        kind=MediaKind.AUDIO,
        mime="audio/mp4",
        original_path=f"/evidence/{t['audio_name']}",
        location=f"/evidence/{t['audio_name']}",
        file_name=t["audio_name"],
        audio_codec="aac",
        duration_ms=1000,
        **common,  # type: ignore[arg-type]
    )
    tags = [
        Tag(id=1, uid=uid("tag1"), case_uid=case_uid, path=t["tag"], colour="#e53935"),
        Tag(
            id=2,
            uid=uid("tag2"),
            case_uid=case_uid,
            path="language/mandarin",
            colour="#1e88e5",
            description="Standard Mandarin speech",
        ),
        Tag(id=3, uid=uid("tag3"), case_uid=case_uid, path="document/id-card", colour="#43a047"),
    ]
    claims = [
        Claim(
            id=1,
            uid=uid("claim1"),
            case_uid=case_uid,
            statement=t["claim_statement"],
            claimant=t["claimant"],
            source_url=t["claim_source"],
            claimed_at="2025-04-08",
            status=ClaimStatus.SUPPORTED,
            notes="Seen in three channels.",
            created_at=T0,
            updated_at=T0,
        ),
        Claim(
            id=2,
            uid=uid("claim2"),
            case_uid=case_uid,
            statement=f"The card reads «{CYRILLIC}»",
            status=ClaimStatus.DISPUTED,
            source_url="ftp://example.org/not-linked",
            created_at=T0,
            updated_at=T0,
        ),
        Claim(
            id=3,
            uid=uid("claim3"),
            case_uid=case_uid,
            statement="The recording was made in Donetsk region",
            created_at=T0,
            updated_at=T0,
        ),
    ]
    later = T0 + timedelta(hours=1)

    def annotation(name: str, media: Media, kind: AnnotationKind, **fields: object) -> Annotation:
        return Annotation(
            id=len(name),
            uid=uid(name),
            case_uid=case_uid,
            media_uid=media.uid,
            kind=kind,
            author=INVESTIGATOR,
            created_at=T0,
            updated_at=fields.pop("updated_at", T0),  # type: ignore[arg-type]
            **fields,  # type: ignore[arg-type]
        )

    annotations = [
        annotation(
            "moment",
            clip,
            AnnotationKind.MOMENT,
            start_ms=frame_ms(MOMENT_FRAME),
            start_frame=MOMENT_FRAME,
            title=t["title"],
            note=t["note"],
            transcript=t["transcript"],
            transcript_lang="zh",
            translation=t["translation"],
            translation_lang="en",
            confidence="high",
            tag_uids=(tags[0].uid, tags[1].uid),
            updated_at=later,
        ),
        annotation(
            "segment",
            clip,
            AnnotationKind.SEGMENT,
            start_ms=frame_ms(SEGMENT_FRAMES[0]),
            end_ms=frame_ms(SEGMENT_FRAMES[1] + 1),
            start_frame=SEGMENT_FRAMES[0],
            end_frame=SEGMENT_FRAMES[1],
            title="A card is held up to the camera",
            tag_uids=(tags[2].uid,),
        ),
        annotation(
            "region",
            clip,
            AnnotationKind.REGION,
            start_ms=frame_ms(REGION_FRAME),
            start_frame=REGION_FRAME,
            region=dict(REGION_RECT),
            note="No unit insignia on the jacket.",
            place=Place(event_time="2025-04-07", chrono_method="shadows", chrono_confidence="low"),
        ),
        annotation(
            "image-rect",
            card,
            AnnotationKind.REGION,
            region={"shape": "rect", "x": 0.1, "y": 0.55, "w": 0.6, "h": 0.3},
            title="Address line",
            note=f"Title reads «{CYRILLIC}».",
            place=Place(
                place_name=t["place_name"],
                latitude="28.2282",
                longitude="112.9388",
                geo_method="document text",
                geo_confidence="medium",
            ),
            tag_uids=(tags[2].uid,),
        ),
        annotation(
            "image-polygon",
            card,
            AnnotationKind.REGION,
            region=dict(IMAGE_POLYGON),
            tag_uids=(tags[2].uid,),
        ),
        annotation(
            "audio",
            call,
            AnnotationKind.MOMENT,
            start_ms=250,
            transcript="Алло?",
            transcript_lang="uk",
        ),
    ]
    link_plan = [
        ("moment", "claim1", Relation.SUPPORTS, t["rationale"]),
        ("segment", "claim1", Relation.CONTEXT, ""),
        ("region", "claim1", Relation.CONTRADICTS, "Weak: patches are often removed"),
        ("image-rect", "claim2", Relation.SUPPORTS, "Text legible in the photo"),
        ("region", "claim3", Relation.CONTEXT, ""),
    ]
    links = [
        ClaimLink(
            id=i,
            uid=uid(f"link{i}"),
            case_uid=case_uid,
            annotation_uid=uid(a),
            claim_uid=uid(c),
            relation=relation,
            rationale=rationale,
            created_at=T0,
        )
        for i, (a, c, relation, rationale) in enumerate(link_plan, 1)
    ]
    evidence: dict[str, dict[str, int]] = {}
    for _, c, relation, _ in link_plan:
        counts = evidence.setdefault(uid(c), {})
        counts[relation.value] = counts.get(relation.value, 0) + 1
    return CaseData(
        case=case,
        media=[clip, card, call],
        tags=tags,
        claims=[(c, evidence.get(c.uid, {})) for c in claims],
        annotations=annotations,
        links=links,
        audit_events=AUDIT_EVENTS,
        audit_head=HEAD_HASH,
    )


def sample_document(
    texts: Mapping[str, str] | None = None,
    *,
    selection: Selection | None = None,
    video: Path | None = None,
    image: Path | None = None,
) -> dict[str, object]:
    return build_document(
        sample_data(texts, video=video, image=image), selection or Selection(), EXPORTED_AT
    )


def make_sample_media(folder: Path) -> tuple[Path, Path]:
    """A 48-frame H.264 clip (GOP 12, B-frames) and a phone photo stored turned (EXIF 6)."""
    folder.mkdir(parents=True, exist_ok=True)
    video = mf.make_video(folder / "captive.mp4", frames=48, gop=12, bframes=2)
    image = mf.make_image(folder / "id-card.jpg", size=(96, 64), index=7, exif_orientation=6)
    return video, image
