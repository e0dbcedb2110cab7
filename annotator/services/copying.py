"""Copying a case, whole and with its audit trail, into another database; then proving it.

SQLite to PostgreSQL and back, in any combination. The copy is written in one transaction
of the target (on PostgreSQL under the write lock every writer takes), verified inside that
transaction, and committed only when it verifies: the target's audit trail checks out
(chain and the state of every record), its head (event count, hash) is the source's, and
every table holds as many rows of the case as the source does. Otherwise it is rolled
back and nothing of it stays.

No audit event is added, neither to the source nor to the copy: the copied trail stays
byte for byte the source's, so both databases show the same head hash, the one that
reports and packages published. The copy is the same case, not a new act on it.

Only the records are copied. The media files stay where they are; on another machine map
the media roots in the settings, or relink the files (which the trail then records).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from annotator.core.audit_chain import AuditReport
from annotator.core.errors import AlreadyExistsError, AnnotatorError, NotFoundError
from annotator.core.progress import CancelToken, Progress
from annotator.db import case_copy, migrate
from annotator.db.engine import Database, resolve_url
from annotator.db.repositories import audit as audit_repo
from annotator.db.repositories.lookup import case_by_uid
from annotator.db.uow import unit_of_work
from annotator.services.base import Service

#: Report keys for the tables (CLI.md's ``case copy --json`` "counts").
COUNT_NAMES = {
    "cases": "cases",
    "media_items": "media",
    "tags": "tags",
    "claims": "claims",
    "annotations": "annotations",
    "annotation_tags": "annotation_tags",
    "claim_links": "claim_links",
    "redactions": "redactions",
    "audit_events": "audit_events",
}


class SameDatabaseError(AnnotatorError):
    reason = "same_database"


class BrokenTrailError(AnnotatorError):
    """The source's own trail does not verify: a broken trail is not passed on."""

    reason = "audit_broken"
    exit_code = 1


class CopyVerificationError(AnnotatorError):
    """The copy did not verify in the target; it was rolled back."""

    reason = "verification_failed"
    exit_code = 1


@dataclass(frozen=True, slots=True)
class CopyReport:
    """What was copied where, and the proof: ``as_record`` is CLI.md's ``case copy --json``."""

    case: str
    case_uid: str
    source: str
    target: str
    counts: dict[str, int]
    audit_events: int
    audit_head_hash: str
    verified: bool
    message: str
    search_entries: int = 0
    problems: tuple[str, ...] = field(default=())

    def as_record(self) -> dict[str, object]:
        return {
            "case": self.case,
            "case_uid": self.case_uid,
            "from": self.source,
            "to": self.target,
            "media": self.counts.get("media", 0),
            "annotations": self.counts.get("annotations", 0),
            "audit_events": self.audit_events,
            "counts": dict(self.counts),
            "search_entries": self.search_entries,
            "audit_head": {"events": self.audit_events, "hash": self.audit_head_hash},
            "verified": self.verified,
            "message": self.message,
        }


def _named(counts: dict[str, int]) -> dict[str, int]:
    return {COUNT_NAMES[table]: n for table, n in counts.items()}


def _same_database(a: Database, target: str | Path) -> bool:
    b = resolve_url(target)
    if a.url.get_backend_name() != b.get_backend_name():
        return False
    if a.is_sqlite:
        path_a, path_b = a.sqlite_path, Path(b.database or "")
        if path_a is None:
            return False
        if path_a.exists() and path_b.exists():
            return path_a.samefile(path_b)
        return path_a.resolve() == path_b.resolve()
    return (
        (a.url.host or "localhost", a.url.port or 5432, a.url.database)
        == (b.host or "localhost", b.port or 5432, b.database)
    )  # fmt: skip


def _is_new_file(target: str | Path) -> bool:
    url = resolve_url(target)
    return url.get_backend_name() == "sqlite" and not Path(url.database or "").exists()


def _open(target: str | Path) -> Database:
    db = Database(target)
    try:
        migrate.upgrade(db)
    except BaseException:
        db.dispose()
        raise
    return db


def _check_free(db: Database, case_uid: str, name: str) -> None:
    with unit_of_work(db, write=False) as session:
        taken = case_copy.find_case(session, uid=case_uid, name=name)
    if taken is None:
        return
    if taken.uid == case_uid:
        raise AlreadyExistsError(
            f"{db.display_location} already holds this case (the same uid, named "
            f"'{taken.name}' there); nothing was copied. It is the same case: compare the "
            "head hashes that 'annotator verify' prints on both. To copy it anew, give a new "
            "or empty database with --to."
        )
    raise AlreadyExistsError(
        f"{db.display_location} already holds another case named '{name}'; nothing was "
        "copied. Rename one of the two cases in the app, then copy again, or give another "
        "database with --to."
    )


class CopyService(Service):
    """Copies cases out of this service's database into another one."""

    def copy_case(
        self,
        name: str,
        target: str | Path,
        cancel: CancelToken | None = None,
        *,
        batch: int = 1000,
    ) -> Generator[Progress, None, CopyReport]:
        """Copy the case ``name`` into the database ``target`` (a file path or URL).

        Yields progress in rows; returns the report of a copy that verified. Raises
        ``NotFoundError``, ``SameDatabaseError``, ``AlreadyExistsError`` or
        ``BrokenTrailError`` before writing anything; ``CopyVerificationError`` or
        ``TargetRefusedError`` (a value the target cannot hold) after rolling the copy
        back, and ``Cancelled`` (rolled back too) when ``cancel`` is set.
        """
        if _same_database(self.db, target):
            raise SameDatabaseError(
                f"The source and the target are the same database ({self.db.display_location})."
                " Give another database with --to: a new SQLite file or a team database URL."
            )
        target_db: Database | None = None
        try:
            with unit_of_work(self.db, write=False) as source:
                # A read unit sees one moment of the source throughout (engine.py).
                found = case_copy.find_case(source, name=name)
                if found is None:
                    raise NotFoundError(
                        f"No case named '{name}' in {self.db.display_location}. Run "
                        "'annotator --db SOURCE case list' to see its cases."
                    )
                case_uid = str(found.uid)
                if not _is_new_file(target):  # refuse a taken name before the long check
                    target_db = _open(target)
                    _check_free(target_db, case_uid, name)
                counts = case_copy.row_counts(source, found.id)
                total = sum(counts.values())
                yield Progress(0, total, message=f"Checking the audit trail of '{name}'")
                case_row = case_by_uid(source, case_uid)
                own = audit_repo.verify(source, case_row)
                if not own.ok:
                    raise BrokenTrailError(
                        f"The audit trail of '{name}' in {self.db.display_location} does not "
                        f"verify: {own.message.rstrip('.')}. A broken trail is not copied; "
                        "run 'annotator verify' on the source and look into it first."
                    )
                head = audit_repo.head(source, case_row)
                source.expunge_all()  # the verification's rows are not needed any more
                if cancel is not None:
                    cancel.raise_if_cancelled()
                if target_db is None:
                    target_db = _open(target)
                    _check_free(target_db, case_uid, name)
                report = yield from self._write_copy(
                    source, target_db, found.id, case_uid, name, counts, head, cancel, batch
                )
        finally:
            if target_db is not None:
                target_db.dispose()
        return report

    def _write_copy(
        self,
        source_session: Session,
        target_db: Database,
        case_id: int,
        case_uid: str,
        name: str,
        counts: dict[str, int],
        head: tuple[int, str],
        cancel: CancelToken | None,
        batch: int,
    ) -> Generator[Progress, None, CopyReport]:
        total = sum(counts.values())
        done = 0
        with unit_of_work(target_db, write=True) as target:
            for table, n in case_copy.copy_case_rows(source_session, target, case_id, batch=batch):
                done += n
                yield Progress(done, total, current=COUNT_NAMES.get(table, table))
                if cancel is not None:
                    cancel.raise_if_cancelled()
            yield Progress(done, total, message="Verifying the copy")
            target.flush()
            copied = case_by_uid(target, case_uid)
            check = audit_repo.verify(target, copied)
            copied_head = audit_repo.head(target, copied)
            copied_counts = case_copy.row_counts(target, copied.id)
            problems = _compare(check, head, copied_head, counts, copied_counts)
            if problems:
                more = f" ({len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
                raise CopyVerificationError(
                    f"The copy of '{name}' in {target_db.display_location} did not verify: "
                    f"{problems[0]}{more}. It was rolled back: the target is as it was. "
                    "Please report this."
                )
            entries = case_copy.search_entries(target, case_uid)
            target.expunge_all()
        return CopyReport(
            case=name,
            case_uid=case_uid,
            source=self.db.display_location,
            target=target_db.display_location,
            counts=_named(copied_counts),
            audit_events=copied_head[0],
            audit_head_hash=copied_head[1],
            verified=True,
            message=(
                f"Copied and verified: {check.message} The head ({copied_head[0]} events, "
                f"{copied_head[1]}) is the source's."
            ),
            search_entries=entries,
        )


def _compare(
    check: AuditReport,
    head: tuple[int, str],
    copied_head: tuple[int, str],
    counts: dict[str, int],
    copied_counts: dict[str, int],
) -> list[str]:
    problems: list[str] = []
    if not check.ok:
        problems.append(f"its audit trail does not verify: {check.message.rstrip('.')}")
    if copied_head != head:
        problems.append(
            f"its audit head ({copied_head[0]} events, {copied_head[1]}) differs from the "
            f"source's ({head[0]} events, {head[1]})"
        )
    for table, n in counts.items():
        if copied_counts.get(table) != n:
            problems.append(
                f"it has {copied_counts.get(table)} rows in {table} where the source has {n}"
            )
    return problems
