"""Immutable records that services hand to the UI, the CLI and the exporters.

No ORM object leaves ``annotator.db``: repositories convert rows into these. Times are
timezone-aware UTC datetimes; media times are integer milliseconds, frames 0-based.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields
from datetime import datetime


class MediaKind(enum.StrEnum):
    VIDEO = "video"
    IMAGE = "image"
    AUDIO = "audio"


class AnnotationKind(enum.StrEnum):
    MOMENT = "moment"
    SEGMENT = "segment"
    REGION = "region"


class ClaimStatus(enum.StrEnum):
    UNVERIFIED = "unverified"
    SUPPORTED = "supported"
    DISPUTED = "disputed"
    REFUTED = "refuted"
    INCONCLUSIVE = "inconclusive"


class Relation(enum.StrEnum):
    SUPPORTS = "supports"
    CONTRADICTS = "contradicts"
    CONTEXT = "context"


class Confidence(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class RedactionShape(enum.StrEnum):
    RECT = "rect"
    ELLIPSE = "ellipse"


class RedactionMethod(enum.StrEnum):
    BLUR = "blur"
    PIXELATE = "pixelate"
    FILL = "fill"


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    id: int
    uid: str
    name: str
    description: str
    created_at: datetime
    created_by: str
    version: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseSummary:
    case: Case
    media_count: int
    annotation_count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Provenance:
    """Where a media item came from (Berkeley Protocol): all fields typed by the investigator."""

    source_url: str = ""
    platform: str = ""
    uploader: str = ""
    posted_at: str = ""
    obtained_at: str = ""
    obtained_by: str = ""
    method: str = ""
    archive_url: str = ""
    notes: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Place:
    """Geolocation and chronolocation with how they were established and how sure we are.

    Latitude and longitude are decimal strings exactly as entered (no float rounding).
    """

    place_name: str = ""
    latitude: str = ""
    longitude: str = ""
    geo_method: str = ""
    geo_confidence: str = ""
    event_time: str = ""
    chrono_method: str = ""
    chrono_confidence: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Media:
    id: int
    uid: str
    case_uid: str
    sha256: str
    size_bytes: int
    kind: MediaKind
    mime: str
    original_path: str
    location: str
    file_name: str
    container: str = ""
    video_codec: str = ""
    audio_codec: str = ""
    width: int | None = None
    height: int | None = None
    rotation: int = 0
    duration_ms: int | None = None
    frame_count: int | None = None
    avg_fps: str = ""  # exact rational, e.g. "30000/1001"; empty when unknown
    is_vfr: bool = False
    start_pts_ms: int = 0
    captured_at: str = ""
    metadata_json: str = "{}"
    phash: str = ""
    provenance: Provenance = field(default_factory=Provenance)
    place: Place = field(default_factory=Place)
    imported_at: datetime
    imported_by: str
    last_verified_at: datetime | None = None
    last_verify_state: str = ""
    graphic: bool = False  # distressing content: shown blurred until revealed
    version: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Tag:
    id: int
    uid: str
    case_uid: str
    path: str
    colour: str
    description: str = ""
    favourite_slot: int | None = None
    version: int = 1

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def parent_path(self) -> str | None:
        return self.path.rsplit("/", 1)[0] if "/" in self.path else None


@dataclass(frozen=True, slots=True, kw_only=True)
class Claim:
    id: int
    uid: str
    case_uid: str
    statement: str
    claimant: str = ""
    source_url: str = ""
    claimed_at: str = ""
    status: ClaimStatus = ClaimStatus.UNVERIFIED
    notes: str = ""
    created_at: datetime
    updated_at: datetime
    version: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Annotation:
    id: int
    uid: str
    case_uid: str
    media_uid: str
    kind: AnnotationKind
    start_ms: int | None = None
    end_ms: int | None = None
    start_frame: int | None = None
    end_frame: int | None = None
    region: dict[str, object] | None = None
    title: str = ""
    note: str = ""
    transcript: str = ""
    transcript_lang: str = ""
    translation: str = ""
    translation_lang: str = ""
    confidence: str = ""
    place: Place = field(default_factory=Place)
    tag_uids: tuple[str, ...] = ()
    graphic: bool = False  # the moment or segment shows distressing content
    author: str
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None
    version: int = 1


@dataclass(frozen=True, slots=True)
class Keyframe:
    """Where a redaction is on one frame: normalised 0..1 box of the displayed frame.

    ``frame``/``ms`` are None on an image (one keyframe, the whole picture's only state).
    """

    frame: int | None
    ms: int | None
    x: float
    y: float
    w: float
    h: float

    def as_record(self) -> dict[str, object]:
        return {
            "frame": self.frame,
            "ms": self.ms,
            "x": self.x,
            "y": self.y,
            "w": self.w,
            "h": self.h,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Redaction:
    """An area hidden in published output: a moving box over frames start..end (inclusive).

    Between keyframes the box is interpolated linearly (``annotator.media.redaction``).
    Images have no span (all four span fields None) and one keyframe.
    """

    id: int
    uid: str
    case_uid: str
    media_uid: str
    shape: RedactionShape
    method: RedactionMethod
    start_frame: int | None = None
    end_frame: int | None = None
    start_ms: int | None = None
    end_ms: int | None = None
    keyframes: tuple[Keyframe, ...] = ()
    label: str = ""
    author: str
    created_at: datetime
    updated_at: datetime
    version: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimLink:
    id: int
    uid: str
    case_uid: str
    annotation_uid: str
    claim_uid: str
    relation: Relation
    rationale: str = ""
    created_at: datetime
    version: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEvent:
    seq: int
    at: datetime
    actor: str
    action: str
    entity_type: str
    entity_uid: str
    before: dict[str, object] | None
    after: dict[str, object] | None
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True, kw_only=True)
class NewMedia:
    """What ingest learned about a file, before it becomes a case's media item."""

    sha256: str
    size_bytes: int
    kind: MediaKind
    original_path: str
    location: str
    file_name: str
    mime: str = ""
    container: str = ""
    video_codec: str = ""
    audio_codec: str = ""
    width: int | None = None
    height: int | None = None
    rotation: int = 0
    duration_ms: int | None = None
    frame_count: int | None = None
    avg_fps: str = ""
    is_vfr: bool = False
    start_pts_ms: int = 0
    captured_at: str = ""
    metadata_json: str = "{}"
    thumbnail: bytes | None = None
    phash: str = ""
    # Videos: compact JSON [[ms, "pHash hex"], ...] of frames sampled evenly in time.
    # None: not computed (pictures, sound, and videos imported before fingerprints existed).
    frame_hashes: str | None = None


# The place and time fields of an annotation or a media item, in their order on the form.
PLACE_FIELDS = tuple(f.name for f in fields(Place))
# The fields of an annotation that an edit may change (besides its tags and place).
ANNOTATION_TIME_FIELDS = ("start_ms", "end_ms", "start_frame", "end_frame")
ANNOTATION_TEXT_FIELDS = (
    "title",
    "note",
    "transcript",
    "transcript_lang",
    "translation",
    "translation_lang",
)
ANNOTATION_FIELDS = (
    "kind",
    "region",
    "confidence",
    *ANNOTATION_TIME_FIELDS,
    *ANNOTATION_TEXT_FIELDS,
)
