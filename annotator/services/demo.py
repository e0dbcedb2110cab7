"""The demo case: a working example in one click, modelled on a real verification task.

A head of state posts a video of a handcuffed captive said to be a Chinese national
fighting for Russia in Donetsk. The media are generated here (annotator.media.synth);
the case is imported, tagged, annotated and linked to claims through the same services
an investigator uses, so every record is in the audit trail like any other.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from annotator.core.entities import Claim, Media
from annotator.core.errors import NotFoundError
from annotator.core.locations import resolve_location
from annotator.core.progress import drain
from annotator.media import synth
from annotator.media.video import FrameIndex, VideoSource
from annotator.services.container import Services

DEMO_NAME = "Demo: captive video from Donetsk"
CLIP = "captive-video.mp4"
ID_CARD = "photo-id-card.jpg"
BANK_CARD = "photo-bank-card.jpg"


@dataclass(frozen=True, slots=True)
class DemoCase:
    name: str
    uid: str
    created: bool


def _make_media(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    clip, id_card, bank = folder / CLIP, folder / ID_CARD, folder / BANK_CARD
    if not clip.exists():
        synth.make_clip(clip)
    if not id_card.exists():
        synth.make_card(
            id_card,
            "PEOPLE'S REPUBLIC OF CHINA - RESIDENT IDENTITY CARD",
            [
                "Name: (obscured)",
                "Sex: M   Ethnicity: Han",
                "Born: 1991-03-12",
                "Address: Changsha, Hunan",
                "ID No: 4301**********1234",
            ],
            (214, 226, 236),
        )
    if not bank.exists():
        synth.make_card(
            bank,
            "BANK CARD  -  UnionPay",
            ["6222 **** **** 4821", "VALID THRU 08/28", "Name: (obscured)"],
            (196, 60, 60),
        )
    return [clip, id_card, bank]


def _intact(services: Services, case_uid: str) -> bool:
    media = services.media.for_case(case_uid)
    if len(media) < 3 or len(services.annotations.for_case(case_uid)) < 12:
        return False
    roots = services.settings().media_roots
    for item in media:
        path = resolve_location(item.location, roots)
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != item.sha256:
            return False
    return services.audit.verify(case_uid).ok


def build_or_reuse_demo(services: Services, folder: Path) -> DemoCase:
    """Reuse the demo case when it is intact; otherwise (re)build it."""
    try:
        existing = services.cases.get_by_name(DEMO_NAME)
    except NotFoundError:
        existing = None
    if existing is not None:
        _make_media(folder)  # files deleted? the same bytes come back
        if _intact(services, existing.uid):
            return DemoCase(existing.name, existing.uid, created=False)
    name = DEMO_NAME
    if existing is not None:  # damaged beyond repair: keep it for inspection, start anew
        name = f"{DEMO_NAME} (rebuilt {datetime.now(UTC):%Y-%m-%d %H:%M:%S})"
    case = services.cases.create(
        name,
        "Example case. A head of state posted a video of a handcuffed captive said to be a "
        "Chinese national fighting for Russia in Donetsk region. Verify what the video and "
        "the photos of his documents show. All media here were generated on this computer.",
    ).value
    report = drain(services.importing.run(case.uid, _make_media(folder)))
    if report.summary["imported"] + report.summary["skipped"] < 3:
        problems = "; ".join(f.message for f in report.not_imported)
        raise RuntimeError(f"The demo media could not be imported: {problems}")
    _annotate(services, case.uid, folder)
    return DemoCase(case.name, case.uid, created=True)


def _annotate(services: Services, case_uid: str, folder: Path) -> None:
    media = {m.file_name: m for m in services.media.for_case(case_uid)}
    clip, id_card, bank = media[CLIP], media[ID_CARD], media[BANK_CARD]
    index = FrameIndex.load(services.paths.frame_index_dir / f"{clip.sha256}.npz")
    if index is None:
        with VideoSource(folder / CLIP, cache_bytes=0) as source:
            index = source.index

    def moment(frame: int, **fields: object) -> dict[str, object]:
        return {"kind": "moment", "start_frame": frame, "start_ms": index.ms(frame), **fields}

    def segment(first: int, last: int, **fields: object) -> dict[str, object]:
        end = index.ms(last + 1) if last + 1 < index.frame_count else index.duration_ms
        return {
            "kind": "segment",
            "start_frame": first,
            "end_frame": last,
            "start_ms": index.ms(first),
            "end_ms": end,
            **fields,
        }

    claims = services.claims
    captured = claims.create(
        case_uid,
        "Two Chinese nationals were captured fighting for Russia in Donetsk region",
        claimant="Head of state, video post",
        source_url="https://example.org/post/12345",
        claimed_at="2025-04-08",
    ).value
    documents = claims.create(
        case_uid,
        "The captured men carried Chinese identity documents and bank cards",
        claimant="Head of state, video post",
        claimed_at="2025-04-08",
    ).value
    mandarin = claims.create(
        case_uid, "The captive in the video speaks Mandarin", claimant="Inferred from the video"
    ).value
    for slot, path in enumerate(
        (
            "person/captive",
            "language/mandarin",
            "document/id-card",
            "document/bank-card",
            "object/handcuffs",
        ),
        start=1,
    ):
        tag = services.tags.create(case_uid, path).value
        services.tags.set_favourite(case_uid, tag.uid, slot)

    rect = {"shape": "rect"}
    plan: list[tuple[Media, dict[str, object], list[str], list[tuple[Claim, str, str]]]] = [
        (
            clip,
            moment(
                0,
                title="Handcuffed man seated facing the camera",
                note="Hands cuffed in front; the room is bare.",
            ),
            ["person/captive", "object/handcuffs"],
            [(captured, "context", "")],
        ),
        (
            clip,
            segment(
                50,
                149,
                title="He speaks to the camera",
                transcript="我是中国人。我是在顿涅茨克被抓的。",
                transcript_lang="zh",
                translation="I am Chinese. I was captured in Donetsk.",
                translation_lang="en",
                confidence="medium",
            ),
            ["language/mandarin", "person/captive"],
            [
                (mandarin, "supports", "Standard Mandarin, transcribed by the investigator"),
                (captured, "supports", "His own statement; may be under duress"),
            ],
        ),
        (
            clip,
            moment(
                90,
                note="Accent sounds southern; ask a native speaker to confirm.",
                confidence="low",
            ),
            ["language/mandarin"],
            [(mandarin, "context", "")],
        ),
        (
            clip,
            segment(100, 180, title="A card is held up to the camera"),
            ["document/id-card"],
            [(documents, "supports", "Shown, but too small to read")],
        ),
        (
            clip,
            moment(
                140,
                kind="region",
                region={**rect, "x": 0.62, "y": 0.41, "w": 0.21, "h": 0.23},
                title="The card, enlarged",
                note="Layout resembles a PRC resident card.",
            ),
            ["document/id-card"],
            [(documents, "supports", "")],
        ),
        (
            clip,
            moment(
                175,
                title="Window: daylight, no landmarks",
                note="Nothing places the room in Donetsk region.",
                place_name="unknown interior",
                geo_method="visual inspection",
                geo_confidence="low",
            ),
            [],
            [(captured, "context", "")],
        ),
        (
            clip,
            moment(
                200,
                title="No unit insignia on the jacket",
                note="No Russian unit patch is visible where one is usually worn.",
            ),
            ["person/captive"],
            [(captured, "contradicts", "Weak: patches are often removed")],
        ),
        (
            clip,
            moment(
                245,
                note="The clock in the corner counts clip time, not a camera "
                "clock: the recording time is unknown.",
            ),
            [],
            [(captured, "context", "")],
        ),
        (
            id_card,
            {
                "kind": "region",
                "title": "Photo box",
                "region": {**rect, "x": 0.11, "y": 0.26, "w": 0.25, "h": 0.5},
            },
            ["document/id-card"],
            [(documents, "supports", "")],
        ),
        (
            id_card,
            {
                "kind": "region",
                "title": "Title line",
                "note": "Reads PEOPLE'S REPUBLIC OF CHINA - RESIDENT IDENTITY CARD.",
                "region": {**rect, "x": 0.1, "y": 0.13, "w": 0.6, "h": 0.06},
            },
            ["document/id-card"],
            [(documents, "supports", "Text legible in the photo")],
        ),
        (
            id_card,
            {
                "kind": "region",
                "title": "Address: Changsha, Hunan",
                "place_name": "Changsha, Hunan, China",
                "latitude": "28.2282",
                "longitude": "112.9388",
                "geo_method": "document text",
                "geo_confidence": "medium",
                "region": {**rect, "x": 0.4, "y": 0.45, "w": 0.45, "h": 0.07},
            },
            ["document/id-card"],
            [(documents, "context", "")],
        ),
        (
            bank,
            {
                "kind": "region",
                "title": "UnionPay bank card",
                "note": "Card number partly masked; UnionPay is issued by Chinese banks.",
                "region": {**rect, "x": 0.07, "y": 0.1, "w": 0.86, "h": 0.8},
            },
            ["document/bank-card"],
            [(documents, "supports", "")],
        ),
    ]
    for media_item, fields, tags, links in plan:
        ann = services.annotations.create(case_uid, media_item.uid, fields, tags=tags).value
        for claim, relation, rationale in links:
            services.claims.link(case_uid, ann.uid, claim.uid, relation, rationale)
