"""Chain of custody: re-hash every media file against its recorded SHA-256; relink moved files.

``verify`` checks the audit trail first, then re-hashes each file where the case says it
is (media roots of this machine applied) and records each outcome as a ``media.verify``
event as soon as it is known: Cancel keeps the outcomes recorded so far. The trail is
checked *before* this run writes anything, because a new event snapshots the record as it
is now: recording a verification on a media record that was altered behind the app's back
would make the altered row the "latest state" and hide the alteration from every later
check. Such records are reported and left unrecorded. The head hash in the report is read
after the run, so it covers this run's events: it is the head to publish.

``relink`` looks for missing files in a folder, by size first and then SHA-256; a file is
accepted only when its hash matches, and each candidate file is hashed at most once.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import stat
import threading
import time
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from annotator.core.audit_chain import AuditReport
from annotator.core.changes import Changes
from annotator.core.entities import Media
from annotator.core.errors import ValidationError
from annotator.core.locations import resolve_location, to_location
from annotator.core.progress import Cancelled, CancelToken, Progress
from annotator.core.settings import Settings
from annotator.db.engine import Database
from annotator.db.repositories.lookup import case_by_uid
from annotator.media.hashing import sha256_file
from annotator.media.scan import scan
from annotator.services.audit import AuditService
from annotator.services.base import Service
from annotator.services.media import MediaService

STATES = ("ok", "modified", "missing", "unreadable")


@dataclass(frozen=True, slots=True)
class MediaCheck:
    """One media file's outcome: ``state`` is ok/modified/missing/unreadable."""

    uid: str
    file_name: str
    path: str  # where it was looked for on this machine
    state: str
    reason: str = ""  # CLI.md reason code: hash_mismatch, not_found, permission_denied, ...
    message: str = ""
    recorded: bool = True  # False: its database record failed the audit check (see module doc)

    def as_record(self) -> dict[str, object]:
        return {
            "uid": self.uid,
            "path": self.path,
            "state": self.state,
            "file_name": self.file_name,
            "reason": self.reason or None,
            "message": self.message,
            "recorded": self.recorded,
        }


@dataclass(slots=True)
class VerifyReport:
    """The outcome of ``CustodyService.verify``; ``as_record`` is CLI.md's ``verify --json``."""

    case: str  # the case's name
    media: list[MediaCheck]
    audit: AuditReport  # the trail as found, checked before this run wrote its events
    events: int  # event count after the run (this run's media.verify events included)
    head_hash: str  # head after the run: what to publish
    unchecked: list[Media] = field(default_factory=list)  # not reached before Cancel
    cancelled: bool = False
    changes: Changes = field(default_factory=Changes)
    seconds: float = 0.0

    @property
    def media_ok(self) -> bool:
        return not self.cancelled and all(m.state == "ok" for m in self.media)

    @property
    def ok(self) -> bool:
        """Every media file checked and intact, and the audit trail intact."""
        return self.media_ok and self.audit.ok

    @property
    def problems(self) -> list[MediaCheck]:
        return [m for m in self.media if m.state != "ok"]

    def as_record(self) -> dict[str, object]:
        return {
            "case": self.case,
            "ok": self.ok,
            "cancelled": self.cancelled,
            "media": [m.as_record() for m in self.media],
            "unchecked": [
                {"uid": m.uid, "file_name": m.file_name, "location": m.location}
                for m in self.unchecked
            ],
            "audit": {
                "ok": self.audit.ok,
                "events": self.events,
                "head_hash": self.head_hash,
                "first_bad_seq": self.audit.first_bad_seq,
                "message": self.audit.message,
                "checked_events": self.audit.events,
            },
        }


@dataclass(frozen=True, slots=True)
class Relinked:
    uid: str
    file_name: str
    old_location: str
    new_location: str
    path: str

    def as_record(self) -> dict[str, object]:
        return {
            "uid": self.uid,
            "from": self.old_location,
            "to": self.new_location,
            "file_name": self.file_name,
            "path": self.path,
        }


@dataclass(frozen=True, slots=True)
class Rejected:
    """A file that looked like a missing one but was refused."""

    path: str
    reason: str  # hash_mismatch, permission_denied, unreadable
    message: str
    uid: str = ""  # the media item it was considered for

    def as_record(self) -> dict[str, object]:
        return {"path": self.path, "reason": self.reason, "message": self.message, "uid": self.uid}


@dataclass(slots=True)
class RelinkReport:
    """The outcome of ``CustodyService.relink``; ``as_record`` is CLI.md's ``relink --json``."""

    case: str  # the case's name
    folder: Path
    relinked: list[Relinked] = field(default_factory=list)
    still_missing: list[Media] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    problems: list[Rejected] = field(default_factory=list)  # folders that could not be searched
    present: int = 0  # media already at their location: not looked for
    cancelled: bool = False
    changes: Changes = field(default_factory=Changes)
    seconds: float = 0.0

    @property
    def complete(self) -> bool:
        return not self.still_missing and not self.cancelled

    def as_record(self) -> dict[str, object]:
        return {
            "relinked": [r.as_record() for r in self.relinked],
            "still_missing": [
                {
                    "uid": m.uid,
                    "file_name": m.file_name,
                    "location": m.location,
                    "sha256": m.sha256,
                    "size_bytes": m.size_bytes,
                }
                for m in self.still_missing
            ],
            "rejected": [r.as_record() for r in self.rejected],
            "problems": [r.as_record() for r in self.problems],
            "present": self.present,
            "cancelled": self.cancelled,
            "case": self.case,
            "folder": str(self.folder),
        }


def check_file(
    path: Path,
    sha256: str,
    size: int,
    cancel: CancelToken | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> tuple[str, str, str]:
    """(state, reason, message) of the file at ``path`` against the recorded hash and size.

    Messages do not repeat the path (reports carry it next to them). A file of another
    size is modified without reading it. The file is opened read-only.
    """
    if cancel is not None:
        cancel.raise_if_cancelled()  # a file not reached before Cancel gets no state
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return "missing", "not_found", "No file at this location (moved, renamed or deleted?)."
    except PermissionError:
        return "unreadable", "permission_denied", "No permission to reach this location."
    except OSError as exc:
        return "unreadable", "unreadable", f"Cannot be read: {exc.strerror or exc}."
    if not stat.S_ISREG(info.st_mode):
        return "missing", "not_found", "A folder or device is at this location, not the file."
    if info.st_size != size:
        return (
            "modified",
            "hash_mismatch",
            f"{info.st_size:,} bytes; {size:,} were recorded at import: the content changed.",
        )
    try:
        digest, _ = sha256_file(path, cancel, on_bytes)
    except PermissionError:
        return "unreadable", "permission_denied", "No permission to read the file."
    except OSError as exc:
        return "unreadable", "unreadable", f"Cannot be read: {exc.strerror or exc}."
    if digest != sha256:
        return (
            "modified",
            "hash_mismatch",
            f"SHA-256 is now {digest}; {sha256} was recorded at import: the content changed.",
        )
    return "ok", "", "SHA-256 matches the one recorded at import."


def default_workers() -> int:
    """Files hashed at once: a few, since reading, not hashing, is usually the limit."""
    return max(1, min(4, os.cpu_count() or 1))


class _Bytes:
    """Bytes read so far, in total and per key (files hashed on several threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0
        self.by_key: dict[str, int] = {}

    def add(self, n: int) -> None:
        with self._lock:
            self.value += n

    def adder(self, key: str) -> Callable[[int], None]:
        def add(n: int) -> None:
            with self._lock:
                self.value += n
                self.by_key[key] = self.by_key.get(key, 0) + n

        return add


class CustodyService(Service):
    def __init__(
        self, db: Database, actor: Callable[[], str], settings: Callable[[], Settings]
    ) -> None:
        super().__init__(db, actor)
        self._settings = settings
        self._media = MediaService(db, actor)
        self._audit = AuditService(db, actor)

    def case_name(self, case_uid: str) -> str:
        """The case's name; NotFoundError when there is no such case."""
        with self.read() as session:
            return case_by_uid(session, case_uid).name

    def path_of(self, media: Media) -> Path:
        """Where a media file should be on this machine (media roots applied)."""
        return resolve_location(media.location, self._settings().media_roots)

    # --- verify -------------------------------------------------------------------------

    def verify(
        self, case_uid: str, cancel: CancelToken | None = None, workers: int | None = None
    ) -> Generator[Progress, None, VerifyReport]:
        """Check the audit trail, then re-hash every media file and record each state.

        Progress counts files and bytes. On Cancel the states already found stay recorded
        and the report lists the files not reached as ``unchecked``.
        """
        cancel = cancel or CancelToken()
        started = time.monotonic()
        case_name = self.case_name(case_uid)  # fails now, clearly, when the case is gone
        yield Progress(0, None, message="Checking the audit trail")
        audit = self._audit.verify(case_uid)
        # Records the check flagged keep their evidence: no new snapshot is written over them.
        flagged = {p.entity_uid for p in audit.problems if p.entity_type == "media"}
        media = self._media.for_case(case_uid)
        paths = {m.uid: self.path_of(m) for m in media}
        total_bytes = sum(m.size_bytes for m in media)
        counter = _Bytes()
        skipped_bytes = 0  # bytes of files decided without reading them all
        checks: dict[str, MediaCheck] = {}
        changes = Changes()
        yield Progress(0, len(media), "", 0, total_bytes, "Verifying")
        pool = cf.ThreadPoolExecutor(
            max_workers=workers or default_workers(), thread_name_prefix="verify"
        )
        pending: dict[cf.Future[tuple[str, str, str]], Media] = {
            pool.submit(
                check_file, paths[m.uid], m.sha256, m.size_bytes, cancel, counter.adder(m.uid)
            ): m
            for m in media
        }
        try:
            while pending:
                finished, _ = cf.wait(pending, timeout=0.1, return_when=cf.FIRST_COMPLETED)
                states: dict[str, str] = {}
                current = ""
                for future in finished:
                    item = pending.pop(future)
                    try:
                        state, reason, message = future.result()
                    except (Cancelled, cf.CancelledError):
                        continue
                    current = str(paths[item.uid])
                    recorded = item.uid not in flagged
                    if not recorded:
                        message += (
                            " Not recorded: this media record fails the audit check "
                            "(see the audit verdict)."
                        )
                    else:
                        states[item.uid] = state
                    checks[item.uid] = MediaCheck(
                        item.uid, item.file_name, current, state, reason, message, recorded
                    )
                    # A file decided without reading it all still counts as done.
                    skipped_bytes += max(0, item.size_bytes - counter.by_key.get(item.uid, 0))
                if states:
                    changes = changes | self._media.record_verification(case_uid, states).changes
                done_bytes = counter.value + skipped_bytes
                yield Progress(
                    len(checks),
                    len(media),
                    current,
                    min(done_bytes, total_bytes),
                    total_bytes,
                    "Cancelling" if cancel.cancelled else "Verifying",
                )
                if cancel.cancelled:
                    for future in pending:
                        future.cancel()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        events, head = self._audit.head(case_uid)
        return VerifyReport(
            case=case_name,
            media=[checks[m.uid] for m in media if m.uid in checks],
            audit=audit,
            events=events,
            head_hash=head,
            unchecked=[m for m in media if m.uid not in checks],
            cancelled=cancel.cancelled and len(checks) < len(media),
            changes=changes,
            seconds=time.monotonic() - started,
        )

    # --- relink -------------------------------------------------------------------------

    def relink(
        self,
        case_uid: str,
        folder: Path,
        cancel: CancelToken | None = None,
        workers: int | None = None,
    ) -> Generator[Progress, None, RelinkReport]:
        """Find each missing media file in ``folder`` (recursive) and record where it is now.

        Candidates are files of the recorded size; each is hashed once, and only a file
        whose SHA-256 matches is accepted. A file named like a missing one but with other
        content is listed as rejected (``hash_mismatch``). Each relink is its own audited
        change (``media.relink``, then ``media.verify`` ok, since the file was just hashed),
        so Cancel keeps the ones already made.
        """
        cancel = cancel or CancelToken()
        started = time.monotonic()
        folder = Path(os.path.abspath(folder))
        if not folder.is_dir():
            raise ValidationError(f"{folder} is not a folder; choose the folder to search in.")
        roots = self._settings().media_roots
        report = RelinkReport(self.case_name(case_uid), folder)
        missing: list[Media] = []
        for item in self._media.for_case(case_uid):
            if resolve_location(item.location, roots).is_file():
                report.present += 1
            else:
                missing.append(item)
        if not missing:
            report.seconds = time.monotonic() - started
            return report

        yield Progress(0, None, message=f"Looking in {folder}")
        sizes = {m.size_bytes for m in missing}
        names = {m.file_name.casefold() for m in missing}
        by_size: dict[int, list[Path]] = {}
        by_name: dict[str, list[tuple[Path, int]]] = {}
        size_of: dict[Path, int] = {}
        seen = 0
        try:
            for found in scan([folder], cancel):
                if found.error is not None:
                    if found.error.reason != "unsupported_format":  # a pipe or device: no
                        report.problems.append(
                            Rejected(str(found.path), found.error.reason, found.error.message)
                        )
                    continue
                seen += 1
                if found.size in sizes:
                    size_of[found.path] = found.size
                    by_size.setdefault(found.size, []).append(found.path)
                if found.path.name.casefold() in names:
                    by_name.setdefault(found.path.name.casefold(), []).append(
                        (found.path, found.size)
                    )
                if seen % 500 == 0:
                    yield Progress(seen, None, str(found.path), message="Looking for files")
        except Cancelled:
            report.cancelled = True
            report.still_missing = missing
            report.seconds = time.monotonic() - started
            return report

        # Each media waits for the hashes of the files of its size; shared files hashed once.
        waiting = {m.uid: set(by_size.get(m.size_bytes, [])) for m in missing}
        to_hash = sorted({p for paths in waiting.values() for p in paths})
        digests: dict[Path, str] = {}
        failures: dict[Path, Rejected] = {}
        used: set[Path] = set()
        decided: set[str] = set()
        total_bytes = sum(size_of[p] for p in to_hash)
        counter = _Bytes()

        def settle(ready: Iterable[Media]) -> None:
            for item in ready:
                decided.add(item.uid)
                match = self._pick(item, by_size.get(item.size_bytes, []), digests, used)
                if match is None:
                    report.still_missing.append(item)
                    continue
                used.add(match)
                new_location = to_location(match, roots)
                moved = self._media.relocate(case_uid, item.uid, new_location)
                verified = self._media.record_verification(case_uid, {item.uid: "ok"})
                report.changes = report.changes | moved.changes | verified.changes
                report.relinked.append(
                    Relinked(item.uid, item.file_name, item.location, new_location, str(match))
                )

        settle(m for m in missing if not waiting[m.uid])
        yield Progress(0, len(to_hash), "", 0, total_bytes, "Hashing candidates")
        pool = cf.ThreadPoolExecutor(
            max_workers=workers or default_workers(), thread_name_prefix="relink"
        )
        pending = {pool.submit(sha256_file, p, cancel, counter.add): p for p in to_hash}
        try:
            while pending:
                finished, _ = cf.wait(pending, timeout=0.1, return_when=cf.FIRST_COMPLETED)
                current = ""
                for future in finished:
                    path = pending.pop(future)
                    current = str(path)
                    try:
                        digests[path] = future.result()[0]
                    except (Cancelled, cf.CancelledError):
                        continue
                    except PermissionError:
                        failures[path] = Rejected(
                            str(path), "permission_denied", "No permission to read the file."
                        )
                    except OSError as exc:
                        failures[path] = Rejected(
                            str(path), "unreadable", f"Cannot be read: {exc.strerror or exc}."
                        )
                    for uid in waiting:
                        waiting[uid].discard(path)
                if not cancel.cancelled:
                    settle(m for m in missing if m.uid not in decided and not waiting[m.uid])
                yield Progress(
                    len(digests) + len(failures),
                    len(to_hash),
                    current,
                    min(counter.value, total_bytes),
                    total_bytes,
                    "Cancelling" if cancel.cancelled else "Hashing candidates",
                )
                if cancel.cancelled:
                    for future in pending:
                        future.cancel()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        undecided = [m for m in missing if m.uid not in decided]
        report.cancelled = bool(undecided)
        report.still_missing += undecided
        report.rejected = list(failures.values()) + self._impostors(
            [m for m in missing if m.uid in decided], by_name, digests, used
        )
        order = {m.uid: i for i, m in enumerate(missing)}
        report.still_missing.sort(key=lambda m: order[m.uid])
        report.seconds = time.monotonic() - started
        return report

    @staticmethod
    def _pick(
        item: Media, candidates: list[Path], digests: dict[Path, str], used: set[Path]
    ) -> Path | None:
        """The matching file; among copies, the one with the recorded name, then shortest path."""
        matches = [p for p in candidates if digests.get(p) == item.sha256 and p not in used]
        if not matches:
            return None
        name = item.file_name.casefold()
        return min(matches, key=lambda p: (p.name.casefold() != name, len(str(p)), str(p)))

    @staticmethod
    def _impostors(
        decided: list[Media],
        by_name: dict[str, list[tuple[Path, int]]],
        digests: dict[Path, str],
        used: set[Path],
    ) -> list[Rejected]:
        """Files named like a missing media item whose content is not that item's."""
        rejected: dict[Path, Rejected] = {}
        for item in decided:
            for path, size in by_name.get(item.file_name.casefold(), []):
                if path in used or path in rejected:
                    continue
                if size != item.size_bytes:
                    detail = f"it has {size:,} bytes, the recorded file {item.size_bytes:,}"
                elif path in digests and digests[path] != item.sha256:
                    detail = f"its SHA-256 is {digests[path]}, the recorded {item.sha256}"
                else:
                    continue  # unreadable (listed already) or not reached
                rejected[path] = Rejected(
                    str(path),
                    "hash_mismatch",
                    f"Named like {item.file_name} but not the same file: {detail}. Not linked.",
                    item.uid,
                )
        return sorted(rejected.values(), key=lambda r: r.path)
