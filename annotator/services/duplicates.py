"""Near-duplicate media in a case: re-uploads, re-encodes and excerpts of the same footage.

Platforms re-encode what they are given, so copies of one video differ in SHA-256. This
service compares what media look like (annotator.media.fingerprint) and groups the likely
copies, each with a similarity score and, for an excerpt, where it starts in the longer
video. Videos imported before fingerprints existed get theirs from ``backfill``, each an
audited "media.fingerprint" update.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path

from annotator.core.changes import Changes
from annotator.core.entities import Media, MediaKind
from annotator.core.errors import MediaError
from annotator.core.locations import resolve_location
from annotator.core.progress import Cancelled, CancelToken, Progress
from annotator.core.settings import Settings
from annotator.db.engine import Database
from annotator.db.repositories import media as repo
from annotator.db.repositories.lookup import case_by_uid
from annotator.media import fingerprint as fp
from annotator.media.hashing import sha256_file
from annotator.services.base import Service

DEFAULT_THRESHOLD = 0.6  # mean frame similarity: about 12 of 63 bits apart, or closer
REFERENCE = "reference"  # the relation of a group's reference to itself


@dataclass(frozen=True, slots=True)
class DuplicateMember:
    """One media item of a group, placed relative to the group's reference."""

    media: Media
    score: float  # 0..1: the weakest match on its best chain of matches to the reference
    relation: str  # "reference", or how it matched: same / excerpt / frame / image
    offset_ms: int | None  # where it starts in the reference (excerpts, frames); else None


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    """A direct match: ``inner`` is (a part of) ``outer``, from ``offset_ms`` of it."""

    outer_uid: str
    inner_uid: str
    score: float
    relation: fp.Relation
    offset_ms: int | None
    frames: int  # frame pairs compared


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    """Media that are likely copies of the same footage; the reference comes first.

    The reference is the longest video (the likeliest original of excerpts), else the
    largest picture.
    """

    members: tuple[DuplicateMember, ...]
    pairs: tuple[DuplicatePair, ...]

    @property
    def reference(self) -> Media:
        return self.members[0].media

    @property
    def score(self) -> float:
        """How sure the weakest member is."""
        return min(m.score for m in self.members[1:])

    @property
    def uids(self) -> frozenset[str]:
        return frozenset(m.media.uid for m in self.members)


@dataclass
class BackfillReport:
    fingerprinted: list[str] = field(default_factory=list)  # media uids
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (uid, reason, message)
    cancelled: bool = False
    changes: Changes = field(default_factory=Changes)
    seconds: float = 0.0


class DuplicateService(Service):
    def __init__(
        self, db: Database, actor: Callable[[], str], settings: Callable[[], Settings]
    ) -> None:
        super().__init__(db, actor)
        self._settings = settings

    def missing_fingerprints(self, case_uid: str) -> list[Media]:
        """Videos not compared yet: imported before fingerprints existed (see ``backfill``)."""
        with self.read() as session:
            return repo.without_frame_hashes(session, case_by_uid(session, case_uid))

    def frame_hashes(self, case_uid: str) -> dict[str, fp.FrameHashes | None]:
        """Media uid -> its video frame hashes (None: not computed; pictures and sound)."""
        with self.read() as session:
            rows = repo.with_frame_hashes(session, case_by_uid(session, case_uid))
        return {m.uid: None if text is None else fp.loads(text) for m, text in rows}

    def find_near_duplicates(
        self,
        case_uid: str,
        threshold: float = DEFAULT_THRESHOLD,
        cancel: CancelToken | None = None,
    ) -> list[DuplicateGroup]:
        """Groups of likely copies of the same footage, biggest groups first.

        ``threshold`` (0..1) is the least similarity a match needs. Videos without a
        fingerprint (see ``missing_fingerprints``) and sound are not compared.
        """
        with self.read() as session:
            rows = repo.with_frame_hashes(session, case_by_uid(session, case_uid))
        media = [m for m, _ in rows]
        prints = [_fingerprint(m, text) for m, text in rows]
        edges: dict[tuple[int, int], fp.Match] = {}
        for count, (i, j) in enumerate(fp.candidate_pairs(prints)):
            if cancel is not None and count % 64 == 0:
                cancel.raise_if_cancelled()
            a, b = prints[i], prints[j]
            assert a is not None and b is not None
            found = fp.compare(a, b)
            if found is not None and found.score >= threshold:
                edges[(i, j)] = found
        groups = [
            _group(media, members, edges) for members in fp.components(len(media), list(edges))
        ]
        groups.sort(key=lambda g: (-len(g.members), g.reference.file_name.casefold()))
        return groups

    def backfill(
        self, case_uid: str, cancel: CancelToken | None = None
    ) -> Generator[Progress, None, BackfillReport]:
        """Fingerprint the videos imported before fingerprints existed, yielding Progress.

        Each file is checked against its recorded SHA-256 first (the fingerprint must
        describe the evidence, not whatever now lies at its location), then sampled; each
        result commits on its own with a "media.fingerprint" audit event, so Cancel keeps
        what is done. Missing, changed or unreadable files are reported and left as they
        are, to be fingerprinted by a later run.
        """
        cancel = cancel or CancelToken()
        started = time.monotonic()
        report = BackfillReport()
        todo = self.missing_fingerprints(case_uid)
        roots = self._settings().media_roots
        total_bytes = sum(m.size_bytes for m in todo)
        done_bytes = 0
        yield Progress(0, len(todo), "", 0, total_bytes, "Fingerprinting videos")
        for number, media in enumerate(todo):
            path = resolve_location(media.location, roots)
            if cancel.cancelled:
                report.cancelled = True
                break
            try:
                text = _fingerprint_file(path, media, cancel)
            except Cancelled:
                report.cancelled = True
                break
            except MediaError as exc:
                report.failed.append((media.uid, exc.reason, exc.message))
            else:
                with self.write() as unit:
                    stored = repo.set_frame_hashes(
                        unit.session, unit.journal, unit.case(case_uid), media.uid, text
                    )
                    changes = unit.journal.changes
                if stored is not None:
                    report.fingerprinted.append(media.uid)
                    report.changes = report.changes | changes
            done_bytes += media.size_bytes
            yield Progress(
                number + 1, len(todo), str(path), done_bytes, total_bytes, "Fingerprinting videos"
            )
        report.seconds = time.monotonic() - started
        return report


def _fingerprint(media: Media, text: str | None) -> fp.Fingerprint | None:
    if media.kind is MediaKind.VIDEO:
        return None if text is None else fp.Fingerprint.of_video(media.duration_ms, fp.loads(text))
    if media.kind is MediaKind.IMAGE:
        return fp.Fingerprint.of_image(media.phash)
    return None


def _reference(media: list[Media], members: list[int]) -> int:
    """The longest video, else the largest picture; the earliest imported on a tie."""

    def rank(i: int) -> tuple[int, int, int, float, str]:
        m = media[i]
        return (
            0 if m.kind is MediaKind.VIDEO else 1,
            -(m.duration_ms or 0),
            -((m.width or 0) * (m.height or 0)),
            m.imported_at.timestamp(),
            m.file_name.casefold(),
        )

    return min(members, key=rank)


def _group(
    media: list[Media], members: list[int], edges: dict[tuple[int, int], fp.Match]
) -> DuplicateGroup:
    reference = _reference(media, members)
    placed = fp.place(reference, edges, members)
    ordered = sorted(
        (i for i in members if i != reference),
        key=lambda i: (
            placed[i].offset_ms is None,
            placed[i].offset_ms or 0,
            media[i].file_name.casefold(),
        ),
    )
    chosen = [
        DuplicateMember(
            media[reference], 1.0, REFERENCE, 0 if _is_video(media[reference]) else None
        )
    ]
    for i in ordered:
        where = placed[i]
        relation = where.relation.value if where.relation is not None else REFERENCE
        chosen.append(DuplicateMember(media[i], where.score, relation, where.offset_ms))
    inside = set(members)
    pairs = []
    for (i, j), found in sorted(edges.items()):
        if i in inside and j in inside:
            outer, inner = (i, j) if found.outer == 0 else (j, i)
            pairs.append(
                DuplicatePair(
                    media[outer].uid,
                    media[inner].uid,
                    found.score,
                    found.relation,
                    found.offset_ms,
                    found.frames,
                )
            )
    return DuplicateGroup(tuple(chosen), tuple(pairs))


def _is_video(media: Media) -> bool:
    return media.kind is MediaKind.VIDEO


def _fingerprint_file(path: Path, media: Media, cancel: CancelToken) -> str:
    """The stored form of the video's fingerprint, from the file that has its SHA-256."""
    try:
        before = path.stat()
    except FileNotFoundError as exc:
        raise MediaError(
            "not_found", f"{media.file_name} is not at {path}; relink it, then try again."
        ) from exc
    except OSError as exc:
        raise MediaError("unreadable", f"{path} cannot be read: {exc.strerror or exc}.") from exc
    try:
        digest, _ = sha256_file(path, cancel)
    except OSError as exc:
        raise MediaError("unreadable", f"{path} cannot be read: {exc.strerror or exc}.") from exc
    if digest != media.sha256:
        raise MediaError(
            "modified",
            f"{path} is not the file imported as {media.file_name} (its SHA-256 differs); "
            "relink the original, then try again.",
        )
    hashes = fp.video_frame_hashes(path, cancel=cancel)
    after = path.stat()
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise MediaError(
            "changed_during_import",
            f"{path} changed while it was read; try again once it is complete.",
        )
    return fp.dumps(hashes)
