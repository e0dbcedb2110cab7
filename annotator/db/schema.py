"""Tables (SQLAlchemy 2.0 typed mappings). Change them only together with a migration."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from annotator.db.types import UTCDateTime

# Named constraints, so SQLite batch migrations can find and change them later.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

UID = String(36)
SHORT = String(200)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class CaseRow(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(UID, unique=True)
    name: Mapped[str] = mapped_column(SHORT, unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(SHORT)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class _PlaceColumns:
    """Geolocation and chronolocation (Berkeley Protocol), on media and annotations."""

    place_name: Mapped[str] = mapped_column(Text, default="")
    latitude: Mapped[str] = mapped_column(String(32), default="")
    longitude: Mapped[str] = mapped_column(String(32), default="")
    geo_method: Mapped[str] = mapped_column(Text, default="")
    geo_confidence: Mapped[str] = mapped_column(String(20), default="")
    event_time: Mapped[str] = mapped_column(String(64), default="")
    chrono_method: Mapped[str] = mapped_column(Text, default="")
    chrono_confidence: Mapped[str] = mapped_column(String(20), default="")


class MediaRow(_PlaceColumns, Base):
    __tablename__ = "media_items"
    __table_args__ = (
        UniqueConstraint("case_id", "uid"),
        UniqueConstraint("case_id", "sha256"),
        CheckConstraint("kind IN ('video', 'image', 'audio')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(UID)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    # 64-bit: SQLite's INTEGER always is; PostgreSQL's needs BIGINT (0006) past 2 GiB.
    size_bytes: Mapped[int] = mapped_column(Integer().with_variant(BigInteger(), "postgresql"))
    kind: Mapped[str] = mapped_column(String(10))
    mime: Mapped[str] = mapped_column(String(100), default="")
    original_path: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(Text)
    file_name: Mapped[str] = mapped_column(Text)
    container: Mapped[str] = mapped_column(String(100), default="")
    video_codec: Mapped[str] = mapped_column(String(50), default="")
    audio_codec: Mapped[str] = mapped_column(String(50), default="")
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    rotation: Mapped[int] = mapped_column(Integer, default=0)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    frame_count: Mapped[int | None] = mapped_column(Integer)
    avg_fps: Mapped[str] = mapped_column(String(32), default="")
    is_vfr: Mapped[bool] = mapped_column(default=False)
    start_pts_ms: Mapped[int] = mapped_column(Integer, default=0)
    captured_at: Mapped[str] = mapped_column(String(64), default="")
    metadata_json: Mapped[str] = mapped_column(Text, default="{}")
    thumbnail: Mapped[bytes | None] = mapped_column(LargeBinary)
    phash: Mapped[str] = mapped_column(String(64), default="")
    # JSON [[ms, "hex"], ...] of a video's sampled frames; NULL when not computed (see 0003).
    frame_hashes: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str] = mapped_column(Text, default="")
    platform: Mapped[str] = mapped_column(SHORT, default="")
    uploader: Mapped[str] = mapped_column(Text, default="")
    posted_at: Mapped[str] = mapped_column(String(64), default="")
    obtained_at: Mapped[str] = mapped_column(String(64), default="")
    obtained_by: Mapped[str] = mapped_column(SHORT, default="")
    acquisition_method: Mapped[str] = mapped_column(Text, default="")
    archive_url: Mapped[str] = mapped_column(Text, default="")
    provenance_notes: Mapped[str] = mapped_column(Text, default="")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    imported_by: Mapped[str] = mapped_column(SHORT)
    last_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_verify_state: Mapped[str] = mapped_column(String(20), default="")
    # Distressing content (issue 8, part 5); added in 0004, see snapshots._LATER.
    graphic: Mapped[bool] = mapped_column(default=False, server_default=false())
    version: Mapped[int] = mapped_column(Integer, default=1)

    case: Mapped[CaseRow] = relationship()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class TagRow(Base):
    __tablename__ = "tags"
    __table_args__ = (
        UniqueConstraint("case_id", "uid"),
        UniqueConstraint("case_id", "path"),
        UniqueConstraint("case_id", "favourite_slot"),
        CheckConstraint("favourite_slot BETWEEN 1 AND 9", name="favourite_slot"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(UID)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    path: Mapped[str] = mapped_column(String(500))
    colour: Mapped[str] = mapped_column(String(9))
    description: Mapped[str] = mapped_column(Text, default="")
    favourite_slot: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    case: Mapped[CaseRow] = relationship()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ClaimRow(Base):
    __tablename__ = "claims"
    __table_args__ = (
        UniqueConstraint("case_id", "uid"),
        CheckConstraint(
            "status IN ('unverified', 'supported', 'disputed', 'refuted', 'inconclusive')",
            name="status",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(UID)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    statement: Mapped[str] = mapped_column(Text)
    claimant: Mapped[str] = mapped_column(Text, default="")
    source_url: Mapped[str] = mapped_column(Text, default="")
    claimed_at: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(20), default="unverified")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    case: Mapped[CaseRow] = relationship()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


annotation_tags = Table(
    "annotation_tags",
    Base.metadata,
    Column("annotation_id", ForeignKey("annotations.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class AnnotationRow(_PlaceColumns, Base):
    __tablename__ = "annotations"
    __table_args__ = (
        UniqueConstraint("case_id", "uid"),
        CheckConstraint("kind IN ('moment', 'segment', 'region')", name="kind"),
        Index("ix_annotations_media_start", "media_id", "start_ms"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(UID)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media_items.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(10))
    start_ms: Mapped[int | None] = mapped_column(Integer)
    end_ms: Mapped[int | None] = mapped_column(Integer)
    start_frame: Mapped[int | None] = mapped_column(Integer)
    end_frame: Mapped[int | None] = mapped_column(Integer)
    region_json: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    transcript: Mapped[str] = mapped_column(Text, default="")
    transcript_lang: Mapped[str] = mapped_column(String(35), default="")
    translation: Mapped[str] = mapped_column(Text, default="")
    translation_lang: Mapped[str] = mapped_column(String(35), default="")
    confidence: Mapped[str] = mapped_column(String(20), default="")
    graphic: Mapped[bool] = mapped_column(default=False, server_default=false())
    author: Mapped[str] = mapped_column(SHORT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    case: Mapped[CaseRow] = relationship()
    media: Mapped[MediaRow] = relationship()
    tags: Mapped[list[TagRow]] = relationship(secondary=annotation_tags)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ClaimLinkRow(Base):
    __tablename__ = "claim_links"
    __table_args__ = (
        UniqueConstraint("case_id", "uid"),
        UniqueConstraint("annotation_id", "claim_id"),
        CheckConstraint("relation IN ('supports', 'contradicts', 'context')", name="relation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(UID)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    annotation_id: Mapped[int] = mapped_column(ForeignKey("annotations.id", ondelete="CASCADE"))
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    relation: Mapped[str] = mapped_column(String(12))
    rationale: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    case: Mapped[CaseRow] = relationship()
    annotation: Mapped[AnnotationRow] = relationship()
    claim: Mapped[ClaimRow] = relationship()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class RedactionRow(Base):
    """An area to hide in published output; keyframes as canonical JSON text (0004)."""

    __tablename__ = "redactions"
    __table_args__ = (
        UniqueConstraint("case_id", "uid"),
        CheckConstraint("shape IN ('rect', 'ellipse')", name="shape"),
        CheckConstraint("method IN ('blur', 'pixelate', 'fill')", name="method"),
        Index("ix_redactions_media_start", "media_id", "start_frame"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(UID)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media_items.id", ondelete="RESTRICT"))
    shape: Mapped[str] = mapped_column(String(10))
    method: Mapped[str] = mapped_column(String(10))
    start_frame: Mapped[int | None] = mapped_column(Integer)
    end_frame: Mapped[int | None] = mapped_column(Integer)
    start_ms: Mapped[int | None] = mapped_column(Integer)
    end_ms: Mapped[int | None] = mapped_column(Integer)
    keyframes_json: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(SHORT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    case: Mapped[CaseRow] = relationship()
    media: Mapped[MediaRow] = relationship()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class AuditEventRow(Base):
    """Append-only: no code path updates or deletes these rows (triggers refuse it on SQLite)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        UniqueConstraint("case_id", "seq"),
        Index("ix_audit_events_entity", "case_id", "entity_type", "entity_uid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(SHORT)
    action: Mapped[str] = mapped_column(String(40))
    entity_type: Mapped[str] = mapped_column(String(20))
    entity_uid: Mapped[str] = mapped_column(UID)
    before_json: Mapped[str | None] = mapped_column(Text)
    after_json: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
