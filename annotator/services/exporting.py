"""Exports of a case, or of a selection of it, in every format CLI.md names.

Each export reads the case once (one read transaction: the document is a consistent
picture), renders it with one of the writers under ``annotator.reports``, writes each file
to a temporary name and renames it, and records the export in the audit trail with the
SHA-256 of every file written: a report that leaves the team can be matched to the case
state it came from.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from annotator.core.errors import MediaError, ValidationError
from annotator.core.locations import resolve_location
from annotator.core.progress import CancelToken, Progress
from annotator.core.settings import Settings
from annotator.db import convert
from annotator.db.engine import Database
from annotator.db.repositories import annotations as annotation_repo
from annotator.db.repositories import audit as audit_repo
from annotator.db.repositories import claims as claim_repo
from annotator.db.repositories import media as media_repo
from annotator.db.repositories import redactions as redaction_repo
from annotator.db.repositories import tags as tag_repo
from annotator.db.repositories.lookup import case_by_uid
from annotator.media.hashing import sha256_file
from annotator.reports.document import CaseData, Selection, build_document
from annotator.services.base import Service

# Fields publication mode may leave out of every media record (``omit_fields``): the
# provenance fields plus where the file lies and who imported it.
OMITTABLE_FIELDS = (
    "source_url",
    "platform",
    "uploader",
    "posted_at",
    "obtained_at",
    "obtained_by",
    "method",
    "archive_url",
    "notes",
    "original_path",
    "location",
    "imported_by",
)
FORMATS = ("html", "pdf", "csv", "json", "eaf", "vtt", "w3c", "stills")
PER_MEDIA = frozenset({"eaf", "vtt", "stills"})  # these write one file per media into a folder
SUFFIX = {"html": ".html", "pdf": ".pdf", "csv": ".csv", "json": ".json", "w3c": ".jsonld"}


@dataclass(slots=True)
class ExportResult:
    format: str
    out: Path
    files: list[Path] = field(default_factory=list)
    annotations: int = 0
    problems: list[str] = field(default_factory=list)  # e.g. a still that could not be made
    # The same problems for scripts: media/annotation uids, file name, reason code, message.
    failures: list[dict[str, str]] = field(default_factory=list)
    sha256: dict[str, str] = field(default_factory=dict)  # file name -> digest
    redacted: bool = False  # publication mode: redactions burned into the stills
    omitted_fields: tuple[str, ...] = ()
    # False when the case is read-only: the files are written, the audit trail cannot say so.
    audit_recorded: bool = True

    def no_still(self, media: dict[str, object], annotation_uid: str, error: MediaError) -> None:
        """Record that an annotation of ``media`` has no picture, and why."""
        name = str(media["file_name"])
        self.problems.append(f"{name}: no still for {annotation_uid}: {error}")
        self.failures.append(
            {
                "media_uid": str(media["uid"]),
                "file_name": name,
                "annotation_uid": annotation_uid,
                "reason": error.reason,
                "message": error.message,
            }
        )

    def as_record(self) -> dict[str, object]:
        return {
            "format": self.format,
            "out": str(self.out),
            "files": [str(f) for f in self.files],
            "annotations": self.annotations,
            "problems": list(self.problems),
            "failures": [dict(f) for f in self.failures],
            "sha256": dict(self.sha256),
            "redacted": self.redacted,
            "omitted_fields": list(self.omitted_fields),
            "audit_recorded": self.audit_recorded,
        }


def safe_stem(name: str) -> str:
    """A file-name-safe stem for a media or case name (letters of any script kept)."""
    cleaned = re.sub(r"[^\w.-]+", "_", Path(name).stem, flags=re.UNICODE).strip("._")
    return cleaned[:80] or "media"


def media_stems(media: list[dict[str, object]]) -> dict[str, str]:
    """Media uid -> a stem unique within the export (same names get their hash's start)."""
    stems: dict[str, str] = {}
    taken: set[str] = set()
    for m in media:
        stem = safe_stem(str(m["file_name"]))
        if stem.casefold() in taken:
            stem = f"{stem}_{str(m['sha256'])[:12]}"
        taken.add(stem.casefold())
        stems[str(m["uid"])] = stem
    return stems


class ExportService(Service):
    def __init__(
        self, db: Database, actor: Callable[[], str], settings: Callable[[], Settings]
    ) -> None:
        super().__init__(db, actor)
        self._settings = settings

    def case_data(self, case_uid: str) -> CaseData:
        """Everything an export may need, read in one transaction."""
        with self.read() as session:
            case_row = case_by_uid(session, case_uid)
            events, head = audit_repo.head(session, case_row)
            return CaseData(
                case=convert.case(case_row),
                media=media_repo.list_for_case(session, case_row),
                tags=tag_repo.list_for_case(session, case_row),
                claims=claim_repo.list_for_case(session, case_row),
                annotations=annotation_repo.list_for_case(session, case_row),
                links=claim_repo.links_for(session, case_row),
                audit_events=events,
                audit_head=head,
                redactions=redaction_repo.list_for_case(session, case_row),
            )

    def document(self, case_uid: str, selection: Selection | None = None) -> dict[str, object]:
        return build_document(self.case_data(case_uid), selection or Selection(), datetime.now(UTC))

    def max_pixels(self) -> int:
        """The image size limit of the settings: what the import accepted, stills accept."""
        return self._settings().max_image_megapixels * 1_000_000

    def media_path(self, media: dict[str, object]) -> Path:
        """Where a media item of a document is on this machine (media roots applied)."""
        return resolve_location(str(media["location"]), self._settings().media_roots)

    def run(
        self,
        case_uid: str,
        fmt: str,
        out: Path,
        selection: Selection | None = None,
        cancel: CancelToken | None = None,
        pdf_renderer: PdfRenderer | None = None,
        *,
        redacted: bool = False,
        omit_fields: Iterable[str] = (),
    ) -> Generator[Progress, None, ExportResult]:
        """Export ``selection`` of the case as ``fmt`` to ``out`` (a folder for per-media ones).

        ``pdf_renderer`` turns the report's HTML into the PDF file; the GUI passes one that
        renders on its own thread (Qt WebEngine works only there) while this runs in a worker.

        Publication mode: ``redacted`` burns the case's redactions into every still (HTML,
        PDF, stills); ``omit_fields`` (names from OMITTABLE_FIELDS, e.g. "uploader") are
        left out of every media record. The report says so on its first page, and the
        document and the audit event record both.
        """
        if fmt not in FORMATS:
            raise ValidationError(
                f"Unknown export format '{fmt}'; use one of {', '.join(FORMATS)}."
            )
        omitted = check_omit_fields(omit_fields)
        cancel = cancel or CancelToken()
        out = Path(out)
        if fmt in PER_MEDIA:
            if out.exists() and not out.is_dir():
                raise ValidationError(f"{out} is a file; {fmt} export writes into a folder.")
        elif out.is_dir():
            raise ValidationError(f"{out} is a folder; give a file name ending in {SUFFIX[fmt]}.")
        yield Progress(0, None, message="Reading the case")
        document = self.document(case_uid, selection)
        if redacted or omitted:
            publish(document, redacted=redacted, omit_fields=omitted)
        annotations = document["annotations"]
        assert isinstance(annotations, list)
        result = ExportResult(
            fmt, out, annotations=len(annotations), redacted=redacted, omitted_fields=omitted
        )
        writer = _WRITERS[fmt]
        if fmt == "pdf" and pdf_renderer is not None:
            writer = functools.partial(_pdf, renderer=pdf_renderer)
        yield from writer(self, document, out, result, cancel)
        cancel.raise_if_cancelled()
        for path in result.files:
            result.sha256[path.name] = sha256_file(path)[0]
        if self.db.read_only:
            # A read-only case (read-only disk, no permission) can still be exported: the
            # file is what the investigator needs; only the audit event cannot be written.
            result.audit_recorded = False
        else:
            self._record(case_uid, document, result)
        yield Progress(1, 1, message="Done")
        return result

    def _record(self, case_uid: str, document: dict[str, object], result: ExportResult) -> None:
        with self.write() as unit:
            unit.journal.append(
                unit.case(case_uid),
                "export.write",
                "export",
                str(uuid.uuid4()),
                None,
                {
                    "format": result.format,
                    "files": [
                        {"name": name, "sha256": digest}
                        for name, digest in sorted(result.sha256.items())
                    ],
                    "annotations": result.annotations,
                    "selection": document["selection"],
                    "exported_at": document["exported_at"],
                    **_publication_record(document),
                },
            )

    # --- stills, shared by the HTML/PDF reports and the stills export ------------------------

    def stills(
        self,
        document: dict[str, object],
        result: ExportResult,
        cancel: CancelToken,
        *,
        max_width: int = 960,
    ) -> Generator[Progress, None, dict[str, bytes | str | None]]:
        """A JPEG of each annotation's frame with its region drawn, or why there is none.

        Each video is decoded once, front to back (``stills_in_order``).
        """
        from annotator.reports.document import annotations_by_media
        from annotator.reports.stills import encode_jpeg, stills_in_order

        grouped = annotations_by_media(document)
        hide = redactions_to_apply(document)
        total = sum(len(records) for records in grouped.values())
        stills: dict[str, bytes | str | None] = {}
        for item in _list(document, "media"):
            records = grouped.get(str(item["uid"]), [])
            if item["kind"] == "audio":
                stills.update({str(r["uid"]): None for r in records})
                continue
            pictures = stills_in_order(
                self.media_path(item),
                item,
                records,
                max_width=max_width,
                max_pixels=self.max_pixels(),
                redactions=hide.get(str(item["uid"])),
            )
            for record, picture in pictures:
                cancel.raise_if_cancelled()
                uid = str(record["uid"])
                if isinstance(picture, MediaError):
                    stills[uid] = picture.message  # the report says why there is no still
                    result.no_still(item, uid, picture)
                else:
                    stills[uid] = encode_jpeg(picture)
                yield Progress(len(stills), total, current=str(item["file_name"]), message="Stills")
        return stills


def check_omit_fields(names: Iterable[str]) -> tuple[str, ...]:
    """The field names to omit, checked against OMITTABLE_FIELDS, sorted, without repeats."""
    wanted = {n.strip() for n in names if n.strip()}
    unknown = wanted - set(OMITTABLE_FIELDS)
    if unknown:
        raise ValidationError(
            f"Cannot omit {', '.join(sorted(unknown))}: the fields that can be left out are "
            f"{', '.join(OMITTABLE_FIELDS)}."
        )
    return tuple(sorted(wanted))


def publish(
    document: dict[str, object], *, redacted: bool, omit_fields: Iterable[str] = ()
) -> dict[str, object]:
    """Turn an export document into its publication form, in place (and return it).

    Adds ``"publication": {"redacted", "redaction_methods", "redaction_shapes",
    "redactions", "omitted_fields"}`` and removes the omitted fields from every media
    record (from its provenance, or the record itself for paths and importer).
    """
    omitted = check_omit_fields(omit_fields)
    for item in _list(document, "media"):
        provenance = item.get("provenance")
        for name in omitted:
            item.pop(name, None)
            if isinstance(provenance, dict):
                provenance.pop(name, None)
    records = _list(document, "redactions")
    document["publication"] = {
        "redacted": redacted,
        "redactions": len(records) if redacted else 0,
        "redaction_methods": sorted({str(r["method"]) for r in records}) if redacted else [],
        "redaction_shapes": sorted({str(r["shape"]) for r in records}) if redacted else [],
        "omitted_fields": list(omitted),
    }
    return document


def redactions_to_apply(document: dict[str, object]) -> dict[str, list[dict[str, object]]]:
    """Media uid -> redaction records to burn into its stills; empty unless published redacted."""
    from annotator.reports.document import redactions_by_media

    publication = document.get("publication")
    if not isinstance(publication, dict) or not publication.get("redacted"):
        return {}
    return redactions_by_media(document)


def _publication_record(document: dict[str, object]) -> dict[str, object]:
    publication = document.get("publication")
    if not isinstance(publication, dict):
        return {}
    return {
        "redacted": bool(publication.get("redacted")),
        "redactions": publication.get("redactions", 0),
        "omitted_fields": list(publication.get("omitted_fields") or []),
    }


def _list(document: dict[str, object], key: str) -> list[dict[str, object]]:
    value = document.get(key)
    return value if isinstance(value, list) else []


PdfRenderer = Callable[[str, Path], Path]
Writer = Callable[
    [ExportService, dict[str, object], Path, ExportResult, CancelToken],
    Generator[Progress, None, None],
]


def _json(
    svc: ExportService, doc: dict[str, object], out: Path, result: ExportResult, c: CancelToken
) -> Generator[Progress, None, None]:
    from annotator.reports.tabular import write_json

    result.files.append(write_json(doc, out))
    yield from ()


def _csv(
    svc: ExportService, doc: dict[str, object], out: Path, result: ExportResult, c: CancelToken
) -> Generator[Progress, None, None]:
    from annotator.reports.tabular import write_csv

    result.files.append(write_csv(doc, out))
    yield from ()


def _w3c(
    svc: ExportService, doc: dict[str, object], out: Path, result: ExportResult, c: CancelToken
) -> Generator[Progress, None, None]:
    from annotator.reports.webannotation import write_w3c

    result.files.append(write_w3c(doc, out))
    yield from ()


def _html(
    svc: ExportService, doc: dict[str, object], out: Path, result: ExportResult, c: CancelToken
) -> Generator[Progress, None, None]:
    from annotator.reports.html import write_html

    stills = yield from svc.stills(doc, result, c)
    c.raise_if_cancelled()
    result.files.append(write_html(doc, stills, out))


def _pdf(
    svc: ExportService,
    doc: dict[str, object],
    out: Path,
    result: ExportResult,
    c: CancelToken,
    renderer: PdfRenderer | None = None,
) -> Generator[Progress, None, None]:
    from annotator.reports.html import render_html

    stills = yield from svc.stills(doc, result, c)
    c.raise_if_cancelled()
    yield Progress(0, None, message="Rendering the PDF")
    if renderer is None:
        from annotator.reports.pdf import html_to_pdf

        renderer = html_to_pdf
    result.files.append(renderer(render_html(doc, stills), out))


def _per_media(
    svc: ExportService, doc: dict[str, object], out: Path, result: ExportResult, c: CancelToken
) -> Generator[Progress, None, None]:
    from annotator.reports.document import annotations_by_media

    out.mkdir(parents=True, exist_ok=True)
    grouped = annotations_by_media(doc)
    media = [m for m in _list(doc, "media") if str(m["uid"]) in grouped]
    stems = media_stems(media)
    for i, item in enumerate(media):
        c.raise_if_cancelled()
        uid = str(item["uid"])
        yield Progress(i, len(media), current=str(item["file_name"]), message=result.format)
        if result.format == "eaf":
            from annotator.reports.eaf import write_eaf

            if item["kind"] == "image":  # ELAN opens video and sound, not pictures
                continue

            result.files.append(write_eaf(doc, uid, out / f"{stems[uid]}.eaf"))
        elif result.format == "vtt":
            from annotator.reports.webvtt import write_vtt

            result.files.extend(write_vtt(doc, uid, out, stems[uid]))
        else:
            result.files.extend(_stills_of(svc, doc, item, grouped[uid], out, stems[uid], result))


def _stills_of(
    svc: ExportService,
    doc: dict[str, object],
    item: dict[str, object],
    records: list[dict[str, object]],
    out: Path,
    stem: str,
    result: ExportResult,
) -> list[Path]:
    """Full-resolution PNGs, one per annotation with a picture (audio has none)."""
    from annotator.core.files import atomic_write_bytes
    from annotator.reports.stills import encode_png, stills_in_order

    if item["kind"] == "audio":
        return []
    written = []
    hide = redactions_to_apply(doc).get(str(item["uid"]))
    pictures = stills_in_order(
        svc.media_path(item),
        item,
        records,
        max_width=None,
        max_pixels=svc.max_pixels(),
        redactions=hide,
    )
    for record, picture in pictures:
        if isinstance(picture, MediaError):
            result.no_still(item, str(record["uid"]), picture)
            continue
        frame = record.get("start_frame")
        label = f"frame{int(frame):06d}" if isinstance(frame, int) else "image"
        target = out / f"{stem}_{label}_{str(record['uid'])[:8]}.png"
        atomic_write_bytes(target, encode_png(picture))
        written.append(target)
    return written


_WRITERS: dict[str, Writer] = {
    "json": _json,
    "csv": _csv,
    "w3c": _w3c,
    "html": _html,
    "pdf": _pdf,
    "eaf": _per_media,
    "vtt": _per_media,
    "stills": _per_media,
}
