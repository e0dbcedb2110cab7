"""``import-annotations``: restore an export document (ours, CLI.md) into a case.

Records keep their uids, authors and times, so exporting again gives the same records.
Media are matched by SHA-256; a media item not yet in the case is imported from the path
the export recorded, but only when the file there still has that SHA-256. Running the same
import twice changes nothing; a record whose uid exists with other content is a conflict,
reported and left alone unless ``overwrite``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from annotator.core.changes import Changes
from annotator.core.entities import ANNOTATION_FIELDS, PLACE_FIELDS, NewMedia
from annotator.core.errors import AnnotatorError, MediaError, NotFoundError, ValidationError
from annotator.core.locations import resolve_location, to_location
from annotator.core.settings import Settings
from annotator.db.engine import Database
from annotator.db.repositories import annotations as annotation_repo
from annotator.db.repositories import claims as claim_repo
from annotator.db.repositories import media as media_repo
from annotator.db.repositories import redactions as redaction_repo
from annotator.db.repositories import tags as tag_repo
from annotator.db.repositories.lookup import Origin, case_by_uid
from annotator.db.schema import CaseRow
from annotator.media.analyse import analyse_file
from annotator.media.hashing import sha256_file
from annotator.reports.document import SCHEMA, annotation_record, redaction_record
from annotator.services.base import Service, Unit

CLAIM_FIELDS = ("statement", "claimant", "source_url", "claimed_at", "status", "notes")
REDACTION_FIELDS = (
    "shape",
    "method",
    "start_frame",
    "end_frame",
    "start_ms",
    "end_ms",
    "keyframes",
    "label",
)


@dataclass(slots=True)
class RestoreReport:
    created: int = 0
    unchanged: int = 0
    overwritten: int = 0
    conflicts: list[dict[str, str]] = field(default_factory=list)
    missing_media: list[dict[str, object]] = field(default_factory=list)
    media_imported: list[dict[str, str]] = field(default_factory=list)
    changes: Changes = field(default_factory=Changes)  # for the views to refresh

    def as_record(self) -> dict[str, object]:
        return {
            "created": self.created,
            "unchanged": self.unchanged,
            "overwritten": self.overwritten,
            "conflicts": list(self.conflicts),
            "missing_media": list(self.missing_media),
            "media_imported": list(self.media_imported),
        }

    @property
    def complete(self) -> bool:
        return not self.missing_media


def _origin(record: dict[str, object], uid: str) -> Origin:
    """The identity a restored record keeps: its uid, author and times."""
    return Origin(
        uid,
        str(record.get("author") or ""),
        _time(record.get("created_at")),
        _time(record.get("updated_at")),
    )


def _time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationError(
            f"'{value}' is not an ISO 8601 time like 2024-05-01T12:00:00Z."
        ) from exc


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _source_case(value: object) -> dict[str, str] | None:
    """The exporting case as the audit record keeps it: its text fields, nothing else.

    The audit trail holds text and integers only; a damaged export's odd values stay out.
    """
    if not isinstance(value, dict):
        return None
    return {str(k): v for k, v in value.items() if isinstance(v, str)}


def _list(record: dict[str, object], key: str) -> list[object]:
    """A record's list field (absent or null is empty); anything else is not our export."""
    value = record.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationError(f"The record's '{key}' is not a list.")
    return value


@contextmanager
def _record_errors(kind: str, record: dict[str, object]) -> Iterator[None]:
    """Name the record when its contents do not fit (a damaged or hand-edited export).

    Our own errors pass through with the record's uid added; a field of the wrong type
    that trips the code (TypeError, ValueError, ...) becomes a ValidationError. Either way
    the write unit rolls back, so nothing of the document is kept.
    """
    uid = record.get("uid")
    try:
        yield
    except ValidationError as exc:
        raise ValidationError(f"The export's {kind} {uid!r} cannot be restored: {exc}") from exc
    except AnnotatorError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as exc:
        raise ValidationError(
            f"The export's {kind} {uid!r} has a field of the wrong kind ({exc})."
        ) from exc


def _records(document: dict[str, object], key: str) -> list[dict[str, object]]:
    value = document.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValidationError(f"The export's '{key}' is not a list of records.")
    return value


def read_document(path: Path) -> dict[str, object]:
    """Our JSON export from ``path``, checked to be one."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise NotFoundError(f"{path} does not exist.") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(f"{path.name} is not a JSON export of this app: {exc}") from exc
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        found = document.get("schema") if isinstance(document, dict) else None
        raise ValidationError(
            f"{path.name} is not an export this version reads (schema {found!r}; "
            f"expected {SCHEMA!r})."
        )
    return document


class RestoreService(Service):
    def __init__(
        self, db: Database, actor: Callable[[], str], settings: Callable[[], Settings]
    ) -> None:
        super().__init__(db, actor)
        self._settings = settings

    def restore(
        self, case_uid: str, document: dict[str, object], *, overwrite: bool = False
    ) -> RestoreReport:
        report = RestoreReport()
        media_records = _records(document, "media")
        annotations = _records(document, "annotations")
        in_case = self._media_by_sha(case_uid)
        # The files are read (hashed, probed) before the write unit, which then adds them
        # with the records: a document that fails half way keeps nothing, media included.
        found = [
            ready
            for record in media_records
            if str(record.get("sha256")) not in in_case
            and (ready := self._find_media(record)) is not None
        ]
        wanted = {str(r.get("uid")): str(r.get("sha256")) for r in media_records}
        with self.write() as unit:
            case = unit.case(case_uid)
            for record, new, path in found:
                with _record_errors("media", record):
                    self._add_media(unit, case, record, new, path, in_case, report)
            for tag in _records(document, "tags"):
                with _record_errors("tag", tag):
                    self._tag(unit, case, tag, report, overwrite)
            for claim in _records(document, "claims"):
                with _record_errors("claim", claim):
                    self._claim(unit, case, claim, report, overwrite)
            missing: dict[str, int] = {}
            for record in annotations:
                sha = str(record.get("media_sha256") or wanted.get(str(record.get("media_uid"))))
                if sha not in in_case:
                    missing[sha] = missing.get(sha, 0) + 1
                    continue
                with _record_errors("annotation", record):
                    self._annotation(unit, case, record, in_case[sha], report, overwrite)
            for record in _records(document, "redactions"):
                sha = str(record.get("media_sha256") or wanted.get(str(record.get("media_uid"))))
                if sha not in in_case:
                    missing[sha] = missing.get(sha, 0) + 1
                    continue
                with _record_errors("redaction", record):
                    self._redaction(unit, case, record, in_case[sha], sha, report, overwrite)
            unit.journal.append(
                case,
                "annotations.import",
                "import",
                str(uuid.uuid4()),
                None,
                {
                    "source_case": _source_case(document.get("case")),
                    "exported_at": _text_or_none(document.get("exported_at")),
                    "created": report.created,
                    "unchanged": report.unchanged,
                    "overwritten": report.overwritten,
                    "conflicts": len(report.conflicts),
                },
            )
            report.changes = report.changes | unit.journal.changes
        by_sha = {str(r.get("sha256")): r for r in media_records}
        for sha, count in sorted(missing.items()):
            item = by_sha.get(sha, {})
            report.missing_media.append(
                {
                    "sha256": sha,
                    "file_name": item.get("file_name"),
                    "original_path": item.get("original_path"),
                    "annotations": count,
                }
            )
        return report

    def restore_eaf(
        self, case_uid: str, media_sha256: str, path: Path, *, overwrite: bool = False
    ) -> RestoreReport:
        """Annotations from an ELAN file onto one media of the case (matched by SHA-256).

        On a video, ELAN's millisecond times are snapped to the frames on screen at those
        times, so the annotations carry frame numbers like every other one.
        """
        from annotator.reports.eaf import read_eaf

        with self.read() as session:
            media = media_repo.find_by_sha256(session, case_by_uid(session, case_uid), media_sha256)
        if media is None:
            raise NotFoundError(
                f"No media with SHA-256 {media_sha256} in this case; "
                "see `annotator media list` for the hashes."
            )
        try:
            records = read_eaf(path)
        except FileNotFoundError as exc:
            raise NotFoundError(f"{path} does not exist.") from exc
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        index = None
        if media.kind.value == "video":
            from annotator.media.video import VideoSource

            file = resolve_location(media.location, self._settings().media_roots)
            try:
                with VideoSource(file, cache_bytes=0) as source:
                    index = source.index
            except (OSError, ValueError) as exc:
                raise MediaError(
                    "not_found" if not file.exists() else "decode_error",
                    f"{media.file_name} is needed to place ELAN times on frames but cannot "
                    f"be read at {file}: {exc}. Relink the media first.",
                ) from exc
        annotations = []
        for record in records:
            start, end = int(str(record["start_ms"])), record.get("end_ms")
            item: dict[str, object] = {
                **record,
                "uid": record.get("uid") or str(uuid.uuid4()),
                "media_sha256": media_sha256,
                "kind": record.get("kind") or ("segment" if end is not None else "moment"),
            }
            if index is not None:
                first = index.frame_at_ms(start)
                item.update(start_frame=first, start_ms=index.ms(first))
                if item["kind"] == "segment" and isinstance(end, int):
                    last = max(first, index.frame_at_ms(max(0, end - 1)))
                    stop = index.ms(last + 1) if last + 1 < index.frame_count else index.duration_ms
                    item.update(end_frame=last, end_ms=stop)
                else:
                    item.update(end_ms=None, end_frame=None)
            annotations.append(item)
        document: dict[str, object] = {"schema": SCHEMA, "media": [], "annotations": annotations}
        return self.restore(case_uid, document, overwrite=overwrite)

    # --- media -------------------------------------------------------------------------------

    def _media_by_sha(self, case_uid: str) -> dict[str, str]:
        with self.read() as session:
            case = case_by_uid(session, case_uid)
            return {sha: uid for sha, (uid, _) in media_repo.sha_index(session, case).items()}

    def _find_media(
        self, record: dict[str, object]
    ) -> tuple[dict[str, object], NewMedia, Path] | None:
        """The media at its recorded path, analysed, if the file there still has its hash."""
        settings = self._settings()
        sha = str(record.get("sha256"))
        candidates = [
            resolve_location(str(record.get("location") or ""), settings.media_roots),
            Path(str(record.get("original_path") or "")),
        ]
        for path in candidates:
            if not str(path) or not path.is_file():
                continue
            try:
                if sha256_file(path)[0] != sha:
                    continue  # another file now lives there: never accept it
                analysis = analyse_file(path, max_pixels=settings.max_image_megapixels * 10**6)
            except (MediaError, OSError):
                continue
            if analysis.media.sha256 != sha:
                continue  # changed while being read
            new = replace(analysis.media, location=to_location(path, settings.media_roots))
            return record, new, path
        return None

    def _add_media(
        self,
        unit: Unit,
        case: CaseRow,
        record: dict[str, object],
        new: NewMedia,
        path: Path,
        in_case: dict[str, str],
        report: RestoreReport,
    ) -> None:
        if new.sha256 in in_case:
            return  # listed twice in the document
        uid = str(record.get("uid") or "") or None
        try:
            media = media_repo.add(unit.session, unit.journal, case, new, uid=uid)
        except ValidationError:
            media = media_repo.add(unit.session, unit.journal, case, new)
        if record.get("graphic") is True:
            media_repo.set_graphic(unit.session, unit.journal, case, media.uid, True)
        in_case[new.sha256] = media.uid
        report.media_imported.append({"uid": media.uid, "sha256": new.sha256, "path": str(path)})

    # --- records -----------------------------------------------------------------------------

    def _tag(
        self,
        unit: Unit,
        case: CaseRow,
        record: dict[str, object],
        report: RestoreReport,
        overwrite: bool,
    ) -> None:
        path, uid = str(record.get("path") or ""), str(record.get("uid") or "")
        existing = {t.uid: t for t in tag_repo.list_for_case(unit.session, case)}
        colour = str(record.get("colour") or "") or None
        description = str(record.get("description") or "")
        current = existing.get(uid)
        if current is None:
            by_path = {t.path.casefold(): t for t in existing.values()}
            if path.casefold() in by_path:  # the same tag under another uid: use it
                report.unchanged += 1
                return
            tag_repo.ensure(
                unit.session,
                unit.journal,
                case,
                path,
                colour=colour,
                description=description,
                uid=uid,
            )
            report.created += 1
            return
        same = (current.path, current.colour, current.description) == (
            path,
            colour or current.colour,
            description,
        )
        if same:
            report.unchanged += 1
        elif overwrite:
            tag_repo.update(
                unit.session,
                unit.journal,
                case,
                uid,
                colour=colour,
                description=description,
                expected_version=None,
            )
            report.overwritten += 1
        else:
            report.conflicts.append(
                {"type": "tag", "uid": uid, "message": f"The tag '{path}' differs in this case."}
            )

    def _claim(
        self,
        unit: Unit,
        case: CaseRow,
        record: dict[str, object],
        report: RestoreReport,
        overwrite: bool,
    ) -> None:
        uid = str(record.get("uid") or "")
        fields = {k: str(record.get(k) or "") for k in CLAIM_FIELDS}
        fields["status"] = fields["status"] or "unverified"
        current = {c.uid: c for c, _ in claim_repo.list_for_case(unit.session, case)}.get(uid)
        if current is None:
            claim_repo.create(
                unit.session,
                unit.journal,
                case,
                fields,
                origin=Origin(
                    uid, "", _time(record.get("created_at")), _time(record.get("updated_at"))
                ),
            )
            report.created += 1
            return
        now = {
            "statement": current.statement,
            "claimant": current.claimant,
            "source_url": current.source_url,
            "claimed_at": current.claimed_at,
            "status": current.status.value,
            "notes": current.notes,
        }
        if now == fields:
            report.unchanged += 1
        elif overwrite:
            claim_repo.update(unit.session, unit.journal, case, uid, fields, None)
            report.overwritten += 1
        else:
            report.conflicts.append(
                {
                    "type": "claim",
                    "uid": uid,
                    "message": f"The claim '{current.statement[:60]}' differs in this case.",
                }
            )

    def _annotation(
        self,
        unit: Unit,
        case: CaseRow,
        record: dict[str, object],
        media_uid: str,
        report: RestoreReport,
        overwrite: bool,
    ) -> None:
        uid = str(record.get("uid") or "")
        fields: dict[str, object] = {k: record.get(k) for k in ANNOTATION_FIELDS if k in record}
        place = record.get("location")
        if isinstance(place, dict):
            fields.update({k: place.get(k, "") for k in PLACE_FIELDS})
        tags = [str(t) for t in _list(record, "tags")]
        links = [link for link in _list(record, "claims") if isinstance(link, dict)]
        try:
            current = annotation_repo.get(unit.session, case, uid)
        except NotFoundError:
            current = None
        if current is None:
            origin = _origin(record, uid)
            annotation_repo.create(
                unit.session,
                unit.journal,
                case,
                media_uid,
                fields,
                tags,
                origin=origin,
                graphic=record.get("graphic") is True,
            )
            for link in links:
                claim_repo.link(
                    unit.session,
                    unit.journal,
                    case,
                    uid,
                    str(link.get("claim_uid")),
                    str(link.get("relation")),
                    str(link.get("rationale") or ""),
                    origin=Origin(str(link.get("uid") or uuid.uuid4())),
                )
            report.created += 1
            return
        mine = annotation_record(
            current,
            str(record.get("media_sha256") or ""),
            _tag_paths(unit, case, current.tag_uids),
            claim_repo.links_for(unit.session, case, annotation_uid=uid),
        )
        # Compare what the file carries (an ELAN file carries less than our JSON does).
        shared = [k for k in record if k in mine and k != "media_uid"]
        if all(mine[k] == record[k] for k in shared):
            report.unchanged += 1
            return
        if not overwrite:
            report.conflicts.append(
                {
                    "type": "annotation",
                    "uid": uid,
                    "message": "This annotation was changed in this case since the export; "
                    "run again with --overwrite to take the exported version.",
                }
            )
            return
        annotation_repo.update(unit.session, unit.journal, case, uid, fields, None)
        if isinstance(record.get("graphic"), bool):
            graphic = bool(record["graphic"])
            annotation_repo.set_graphic(unit.session, unit.journal, case, uid, graphic, None)
        if "tags" in record:
            annotation_repo.set_tags(unit.session, unit.journal, case, uid, tags, None)
        existing = {
            link.claim_uid: link
            for link in claim_repo.links_for(unit.session, case, annotation_uid=uid)
        }
        for link in links:
            claim_uid = str(link.get("claim_uid"))
            relation, rationale = str(link.get("relation")), str(link.get("rationale") or "")
            have = existing.get(claim_uid)
            if have is None:
                claim_repo.link(
                    unit.session, unit.journal, case, uid, claim_uid, relation, rationale
                )
            elif (have.relation.value, have.rationale) != (relation, rationale):
                claim_repo.update_link(
                    unit.session,
                    unit.journal,
                    case,
                    have.uid,
                    relation=relation,
                    rationale=rationale,
                    expected_version=None,
                )
        report.overwritten += 1

    def _redaction(
        self,
        unit: Unit,
        case: CaseRow,
        record: dict[str, object],
        media_uid: str,
        media_sha256: str,
        report: RestoreReport,
        overwrite: bool,
    ) -> None:
        uid = str(record.get("uid") or "")
        fields = {k: record.get(k) for k in REDACTION_FIELDS if k in record}
        fields["label"] = str(fields.get("label") or "")
        try:
            current = redaction_repo.get(unit.session, case, uid)
        except NotFoundError:
            current = None
        if current is None:
            origin = _origin(record, uid)
            redaction_repo.create(unit.session, unit.journal, case, media_uid, fields, origin)
            report.created += 1
            return
        mine = redaction_record(current, media_sha256)
        if all(mine.get(k) == record.get(k) for k in REDACTION_FIELDS if k in record):
            report.unchanged += 1
        elif overwrite:
            redaction_repo.update(unit.session, unit.journal, case, uid, fields, None)
            report.overwritten += 1
        else:
            report.conflicts.append(
                {
                    "type": "redaction",
                    "uid": uid,
                    "message": "This redaction was changed in this case since the export; "
                    "run again with --overwrite to take the exported version.",
                }
            )


def _tag_paths(unit: Unit, case: CaseRow, tag_uids: tuple[str, ...]) -> list[str]:
    paths = {t.uid: t.path for t in tag_repo.list_for_case(unit.session, case)}
    return [paths[uid] for uid in tag_uids if uid in paths]
