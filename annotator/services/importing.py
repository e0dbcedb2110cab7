"""Batch import: every file ends in exactly one outcome, and each record commits whole.

Work splits the way DESIGN.md asks: a pool hashes and probes files in parallel; this
generator is the single writer that records them, one transaction per file, so a kill
or a Cancel keeps every file already recorded and the next run imports only the rest.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from annotator.core.entities import NewMedia
from annotator.core.errors import AlreadyExistsError, MediaError, ReadOnlyError
from annotator.core.locations import to_location
from annotator.core.paths import path_text
from annotator.core.progress import Cancelled, CancelToken, Progress
from annotator.core.settings import Settings
from annotator.media.analyse import Analysis, analyse_file
from annotator.media.scan import Found, scan
from annotator.services.media import MediaService

OUTCOMES = ("imported", "duplicate", "unsupported", "failed", "skipped")


@dataclass(frozen=True, slots=True)
class FileOutcome:
    path: str
    outcome: str  # one of OUTCOMES
    reason: str = ""
    message: str = ""
    sha256: str = ""
    media_uid: str = ""
    duplicate_of: str = ""


@dataclass
class ImportReport:
    files: list[FileOutcome] = field(default_factory=list)
    cancelled: bool = False
    seconds: float = 0.0

    @property
    def summary(self) -> dict[str, int]:
        counts = Counter(f.outcome for f in self.files)
        return {name: counts.get(name, 0) for name in OUTCOMES}

    @property
    def not_imported(self) -> list[FileOutcome]:
        return [f for f in self.files if f.outcome != "imported"]


class _ByteCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def add(self, n: int) -> None:
        with self._lock:
            self.value += n


def default_workers() -> int:
    return max(1, min(8, os.cpu_count() or 1))


class ImportService:
    def __init__(
        self,
        media: MediaService,
        settings: Callable[[], Settings],
        frame_index_dir: Path | None,
    ) -> None:
        self._media = media
        self._settings = settings
        self._frame_index_dir = frame_index_dir

    def run(
        self,
        case_uid: str,
        paths: Iterable[Path],
        cancel: CancelToken | None = None,
        workers: int | None = None,
    ) -> Generator[Progress, None, ImportReport]:
        """Import files and folders into the case, yielding Progress; returns the report."""
        cancel = cancel or CancelToken()
        started = time.monotonic()
        report = ImportReport()
        settings = self._settings()
        max_pixels = settings.max_image_megapixels * 1_000_000
        self._media.get_case(case_uid)  # fail now, with a clear message, if the case is gone
        if self._media.db.read_only:  # before hashing a single file
            raise ReadOnlyError()

        candidates: list[Found] = []
        try:
            for found in scan(paths, cancel):
                if found.error is not None:
                    report.files.append(_failure(found.path, found.error))
                else:
                    candidates.append(found)
        except Cancelled:  # while still walking folders: what was found gets its outcome
            report.cancelled = True
            report.files += [_cancelled(found) for found in candidates]
            report.seconds = time.monotonic() - started
            return report
        total = len(candidates) + len(report.files)
        total_bytes = sum(f.size for f in candidates)
        counter = _ByteCounter()
        books = _Books(self._media.sha_index(case_uid))
        done = len(report.files)
        yield Progress(done, total, "", 0, total_bytes, "Starting")
        _warm_up()

        pool = cf.ThreadPoolExecutor(
            max_workers=workers or default_workers(), thread_name_prefix="import"
        )
        pending: dict[cf.Future[Analysis], Found] = {}
        queue = list(reversed(candidates))
        limit = 2 * (workers or default_workers())  # bounded: big images stay few in memory
        current = ""
        try:
            while queue or pending:
                while queue and len(pending) < limit and not cancel.cancelled:
                    found = queue.pop()
                    future = pool.submit(
                        analyse_file,
                        found.path,
                        max_pixels=max_pixels,
                        cancel=cancel,
                        on_bytes=counter.add,
                    )
                    pending[future] = found
                if cancel.cancelled and not pending:
                    break
                finished, _ = cf.wait(pending, timeout=0.1, return_when=cf.FIRST_COMPLETED)
                to_record: list[tuple[Found, Analysis]] = []
                for future in finished:
                    found = pending.pop(future)
                    current = str(found.path)
                    outcome = self._classify(found, future, books)
                    if outcome is None:  # cancelled mid-file: nothing recorded
                        queue.append(found)
                    elif isinstance(outcome, FileOutcome):
                        report.files.append(outcome)
                        done += 1
                    else:
                        to_record.append((found, outcome))
                if to_record:
                    report.files += self._record(case_uid, to_record, books, settings)
                    done += len(to_record)
                yield Progress(
                    done,
                    total,
                    current,
                    counter.value,
                    total_bytes,
                    "Cancelling" if cancel.cancelled else "Importing",
                )
        finally:
            for future in pending:
                future.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
        if cancel.cancelled:
            report.cancelled = True
            report.files += [_cancelled(found) for found in reversed(queue)]
        report.seconds = time.monotonic() - started
        return report

    def _classify(
        self, found: Found, future: cf.Future[Analysis], books: _Books
    ) -> FileOutcome | Analysis | None:
        """Decide a finished file's fate before anything is written.

        Returns a final outcome (failed, duplicate, already there), the analysis to
        record, or None when Cancel interrupted the file.
        """
        path = str(found.path)
        try:
            analysis = future.result()
        except Cancelled:
            return None
        except MediaError as exc:
            return _failure(found.path, exc)
        except Exception as exc:  # a decoder bug must not end the batch
            return FileOutcome(
                path, "failed", "decode_error", f"{found.path.name} could not be read: {exc!r}"
            )
        sha = analysis.media.sha256
        if sha in books.in_case:
            uid, original = books.in_case[sha]
            if original == path:
                return FileOutcome(
                    path,
                    "skipped",
                    "already_imported",
                    "Already in the case from this path.",
                    sha,
                    uid,
                )
            return FileOutcome(
                path,
                "duplicate",
                "duplicate",
                f"Same content as {original}, already in the case.",
                sha,
                uid,
                original,
            )
        if sha in books.this_import:
            first = books.this_import[sha]
            return FileOutcome(
                path,
                "duplicate",
                "duplicate",
                f"Same content as {first} in this import.",
                sha,
                "",
                first,
            )
        books.this_import[sha] = path
        return analysis

    def _record(
        self,
        case_uid: str,
        batch: list[tuple[Found, Analysis]],
        books: _Books,
        settings: Settings,
    ) -> list[FileOutcome]:
        """Record what finished together in one transaction: each record stays whole."""
        for _, analysis in batch:
            if analysis.frame_index is not None and self._frame_index_dir is not None:
                # Only a cache: the player rebuilds it from the file when it is missing.
                with contextlib.suppress(OSError):
                    analysis.frame_index.save(
                        self._frame_index_dir / f"{analysis.media.sha256}.npz"
                    )
        located = [
            replace(a.media, location=to_location(found.path, settings.media_roots))
            for found, a in batch
        ]
        try:
            added = self._media.add_many(case_uid, located).value
        except AlreadyExistsError:
            # Another window or process imported one of them meanwhile: go one by one.
            return [self._record_one(case_uid, media, books) for media in located]
        for media in added:
            books.in_case[media.sha256] = (media.uid, media.original_path)
        return [FileOutcome(m.original_path, "imported", "", "", m.sha256, m.uid) for m in added]

    def _record_one(self, case_uid: str, media: NewMedia, books: _Books) -> FileOutcome:
        try:
            added = self._media.add(case_uid, media).value
        except AlreadyExistsError:
            other = self._media.find_by_sha256(case_uid, media.sha256)
            return FileOutcome(
                media.original_path,
                "duplicate",
                "duplicate",
                "Imported meanwhile elsewhere.",
                media.sha256,
                other.uid if other else "",
                other.original_path if other else "",
            )
        books.in_case[added.sha256] = (added.uid, added.original_path)
        return FileOutcome(added.original_path, "imported", "", "", added.sha256, added.uid)


class _Books:
    """What the importer knows about contents: in the case already, or seen in this run."""

    def __init__(self, in_case: dict[str, tuple[str, str]]) -> None:
        self.in_case = in_case  # sha256 -> (media uid, original path)
        self.this_import: dict[str, str] = {}  # sha256 -> first path with it in this run


def _warm_up() -> None:
    """Import the decoders' modules once, here, before the pool threads need them.

    A first import inside a pool thread holds the interpreter lock for tens of
    milliseconds: long enough for the window to stutter.
    """
    import av  # noqa: F401
    import cv2  # noqa: F401
    from PIL import Image, ImageOps  # noqa: F401

    Image.init()  # every format plugin, loaded now rather than on first use


def _cancelled(found: Found) -> FileOutcome:
    return FileOutcome(
        path_text(found.path), "skipped", "cancelled", "Import was cancelled before this file."
    )


def _failure(path: Path, error: MediaError) -> FileOutcome:
    outcome = "unsupported" if error.reason == "unsupported_format" else "failed"
    return FileOutcome(path_text(path), outcome, error.reason, error.message)
