"""Evidence packages: a case as a BagIt bag (RFC 8493) that proves itself without this app.

A package holds the original media (copied byte for byte), the JSON export, the HTML report
with its stills, the audit trail as JSON lines and a README saying how to check it all.
The bag's SHA-256 manifests cover every file; ``bag-info.txt`` names the investigator, the
case and the audit trail's head hash and event count, so the trail in the package can be
compared with a head hash published earlier.

How it is written, and why:

- The bag is written into a hidden sibling folder (``.NAME.xxxxxxxx.part``) and renamed
  into place at the end, in the same transaction that records the packaging in the case's
  audit trail: there is never a half-written package under the final name, and a package
  that exists is recorded. A leftover ``.part`` folder (the process was killed) is an
  unfinished package and can be deleted.
- Media files are streamed: each chunk read from the original is hashed and written in one
  pass, and the digest must equal the SHA-256 the case recorded at import. A missing,
  unreadable or changed file stops the packaging and nothing is written: an evidence package
  never contains a file that differs from what the case recorded. Every such file is named
  (after the first problem the remaining files are only hashed, not copied). Originals are
  opened read-only and never moved or modified.
- The manifests come from those streamed digests, not from a second pass over the copies:
  ``bagit.make_bag`` would re-read every file, ``os.chdir`` the whole process (unsafe while
  the GUI's other threads run) and write BagIt 0.97, not RFC 8493's 1.0. The ``bagit``
  library then checks the finished bag (structure, Payload-Oxum, completeness) before it is
  renamed, and ``verify_package`` uses it for completeness and fixity.
- ``data/audit.jsonl`` holds events 1..N of the case's trail (N = ``Audit-Event-Count``).
  The packaging is then recorded as event N+1 (``export.package``, with the package's head
  hash, file count and manifest hash): the file inside the bag ends just before the event
  that records the bag, since a file cannot contain its own hash. That event's
  ``prev_hash`` is the package's ``Audit-Head-Hash``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import stat
import unicodedata
import uuid
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path, PurePath
from typing import Any

from annotator import APP_NAME, __version__
from annotator.core.audit_chain import GENESIS_HASH, canonical_bytes, canonical_text, format_at
from annotator.core.errors import AnnotatorError, NotFoundError, ValidationError
from annotator.core.progress import CancelToken, Progress
from annotator.core.settings import Settings
from annotator.db.engine import Database
from annotator.db.repositories import audit as audit_repo
from annotator.db.repositories.lookup import case_by_uid
from annotator.services.base import Service
from annotator.services.exporting import ExportResult, ExportService, media_stems, safe_stem

BAGIT_VERSION = "1.0"
CHUNK = 4 * 1024 * 1024
PROBLEMS = (
    "missing",  # listed in a manifest, not on disk
    "altered",  # on disk, but its SHA-256 differs from the manifest's
    "unexpected",  # in data/ but in no manifest
    "invalid",  # not a readable bag (bagit.txt, manifests, bag-info.txt, Payload-Oxum)
    "audit_broken",  # a line of audit.jsonl fails its hash, link or sequence
    "audit_mismatch",  # the trail does not end where bag-info.txt (or case.json) says
    "media_mismatch",  # case.json and the packaged media disagree
)


# --- results ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MediaProblem:
    """A media file that cannot go into the package: ``reason`` is a CLI.md reason code."""

    uid: str
    file_name: str
    path: str
    reason: str  # not_found, hash_mismatch, permission_denied, unreadable
    message: str

    def as_record(self) -> dict[str, object]:
        return asdict(self)


class PackageMediaError(AnnotatorError):
    """Media files are missing or changed: no package was written (exit status 1)."""

    reason = "hash_mismatch"
    exit_code = 1

    def __init__(self, case_name: str, problems: list[MediaProblem]) -> None:
        self.problems = problems
        n = len(problems)
        listed = "; ".join(f"{p.file_name}: {p.message} ({p.path})" for p in problems)
        super().__init__(
            f"No package written for '{case_name}': {n} media file{'s' if n != 1 else ''} "
            f"{'are' if n != 1 else 'is'} not what the case recorded. {listed}. Put the "
            "original files back (or relink them), then package again.",
            reason=problems[0].reason if n == 1 else "media_problems",
        )


class PackageWriteError(AnnotatorError):
    """The package could not be written (disk full, no permission); nothing was left."""

    reason = "write_failed"
    exit_code = 1


@dataclass(slots=True)
class PackageReport:
    """A package written; ``files`` and ``bytes`` count the payload (Payload-Oxum)."""

    case: str
    case_uid: str
    out: Path
    files: int
    bytes: int
    audit_head_hash: str
    audit_events: int
    manifest_sha256: str
    tagmanifest_sha256: str
    media: list[dict[str, object]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # e.g. a still the report lacks

    def as_record(self) -> dict[str, object]:
        """CLI.md's ``package --json``: out, files, bytes, audit_head_hash, and more."""
        return {"ok": True, **asdict(self), "out": str(self.out)}


@dataclass(frozen=True, slots=True)
class PackageProblem:
    path: str  # relative to the package, with "/" (empty: the package as a whole)
    problem: str  # one of PROBLEMS
    message: str

    def as_record(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class PackageCheck:
    """The outcome of ``verify_package``; ``as_record`` is CLI.md's ``verify-package --json``."""

    path: Path
    problems: tuple[PackageProblem, ...]
    files: int = 0
    bytes: int = 0
    case_uid: str | None = None
    audit_events: int | None = None
    audit_head_hash: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_record(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "problems": [p.as_record() for p in self.problems],
            "path": str(self.path),
            "files": self.files,
            "bytes": self.bytes,
            "case_uid": self.case_uid,
            "audit": {"events": self.audit_events, "head_hash": self.audit_head_hash},
        }


# --- writing ----------------------------------------------------------------------------


class PackageService(Service):
    def __init__(
        self,
        db: Database,
        actor: Callable[[], str],
        settings: Callable[[], Settings],
        exporting: ExportService,
    ) -> None:
        super().__init__(db, actor)
        self._settings = settings
        self._exporting = exporting

    def package(
        self, case_uid: str, out: Path, cancel: CancelToken | None = None
    ) -> Generator[Progress, None, PackageReport]:
        """Write the case as a BagIt bag at ``out`` (a new or empty folder); see the module doc.

        Raises ValidationError for an unusable ``out``, PackageMediaError when a media file
        is missing or changed, Cancelled on Cancel; in every case nothing is left behind.
        """
        cancel = cancel or CancelToken()
        out = Path(os.path.abspath(out))
        _check_target(out)
        yield Progress(0, None, message="Reading the case")
        document = self._exporting.document(case_uid)
        case = _mapping(document.get("case"))
        case_name = str(case.get("name", ""))
        audit = _mapping(document.get("audit"))
        events, head = int(str(audit.get("events", 0))), str(audit.get("head_hash", ""))
        media = _records(document, "media")
        names = _media_names(media)
        steps = len(media) + 4
        tmp = _make_sibling(out)
        try:
            bag = _BagWriter(tmp)
            copies: dict[str, Path] = {}
            problems: list[MediaProblem] = []
            sources = {str(m["uid"]): self._exporting.media_path(m) for m in media}
            sizes = sum(int(str(m.get("size_bytes") or 0)) for m in media)
            done_bytes = 0
            for i, item in enumerate(media):
                uid, source = str(item["uid"]), sources[str(item["uid"])]
                rel, size = f"media/{names[uid]}", int(str(item.get("size_bytes") or 0))
                base = Progress(i, steps, str(item["file_name"]), done_bytes, sizes, "Media")
                yield base
                # After a first problem nothing will be written: only hash, to name them all.
                target = None if problems else bag.data / rel
                outcome = yield from _stream(source, target, size, cancel, base)
                done_bytes += size
                problem = _media_problem(item, source, outcome)
                if problem is not None:
                    problems.append(problem)
                    if target is not None:
                        target.unlink(missing_ok=True)
                elif target is not None:
                    assert not isinstance(outcome, MediaProblem)
                    bag.add(rel, outcome[0], outcome[1])
                    copies[uid] = target
            if problems:
                raise PackageMediaError(case_name, problems)

            cancel.raise_if_cancelled()
            yield Progress(len(media), steps, "case.json", message="JSON export")
            from annotator.reports.tabular import json_bytes

            bag.write("case.json", json_bytes(document))

            result = ExportResult("html", bag.data / "report.html")
            # Stills from the verified copies: the report shows what the package holds.
            for_stills = {
                **document,
                "media": [{**m, "location": str(copies[str(m["uid"])])} for m in media],
            }
            stills = yield from self._exporting.stills(for_stills, result, cancel)
            cancel.raise_if_cancelled()
            yield Progress(len(media) + 1, steps, "report.html", message="HTML report")
            from annotator.reports.html import render_html

            bag.write("report.html", render_html(document, stills).encode("utf-8"))

            yield Progress(len(media) + 2, steps, "audit.jsonl", message="Audit trail")
            self._write_trail(bag, case_uid, events, head, cancel)
            actor = self._actor()
            bag.write("README.txt", _readme(document, names, actor, events).encode("utf-8"))

            cancel.raise_if_cancelled()
            yield Progress(len(media) + 3, steps, "manifests", message="Manifests")
            info = _bag_info(document, actor, events, head, bag.oxum)
            manifest_hash, tagmanifest_hash = bag.finish(info)
            # The library's own reading of the finished bag: structure, Oxum, completeness.
            _bagit().Bag(str(tmp)).validate(completeness_only=True)
            cancel.raise_if_cancelled()

            report = PackageReport(
                case=case_name,
                case_uid=case_uid,
                out=out,
                files=bag.oxum[1],
                bytes=bag.oxum[0],
                audit_head_hash=head,
                audit_events=events,
                manifest_sha256=manifest_hash,
                tagmanifest_sha256=tagmanifest_hash,
                media=[
                    {
                        "uid": str(m["uid"]),
                        "file_name": m["file_name"],
                        "sha256": m["sha256"],
                        "path": f"data/media/{names[str(m['uid'])]}",
                        "source": str(sources[str(m["uid"])]),
                    }
                    for m in media
                ],
                warnings=list(result.problems),
            )
            self._record_and_move(report, str(document["exported_at"]), tmp)
        except OSError as exc:  # reading errors are media problems: this is the writing
            shutil.rmtree(tmp, ignore_errors=True)
            where = f" ({exc.filename})" if exc.filename else ""
            raise PackageWriteError(
                f"Writing the package failed: {exc.strerror or exc}{where}. Nothing was left "
                "behind; free some space or choose another folder, then package again."
            ) from exc
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        yield Progress(steps, steps, message="Done")
        return report

    def _write_trail(
        self, bag: _BagWriter, case_uid: str, events: int, head: str, cancel: CancelToken
    ) -> None:
        """Events 1..``events`` as canonical JSON lines; refuses a trail that does not chain."""
        prev, seq = GENESIS_HASH, 0
        with bag.open("audit.jsonl") as handle, self.read() as session:
            case = case_by_uid(session, case_uid)
            for event in audit_repo.iter_events(session, case):
                if event.seq > events:
                    break  # written after the export document was read
                if event.seq % 1000 == 0:
                    cancel.raise_if_cancelled()
                record: dict[str, object] = {
                    "case": case_uid,
                    "seq": event.seq,
                    "at": format_at(event.at),
                    "actor": event.actor,
                    "action": event.action,
                    "entity_type": event.entity_type,
                    "entity_uid": event.entity_uid,
                    "before": event.before,
                    "after": event.after,
                    "prev_hash": event.prev_hash,
                }
                seq += 1
                digest = hashlib.sha256(canonical_bytes(record)).hexdigest()
                if event.seq != seq or event.prev_hash != prev or digest != event.hash:
                    raise ValidationError(
                        f"The audit trail of this case is broken at event {event.seq}, so a "
                        "package of it could not be verified. Check it (Case > Check audit "
                        "trail, or 'annotator verify') and keep the database as it is. No "
                        "package was written."
                    )
                record["hash"] = event.hash
                handle.write((canonical_text(record) + "\n").encode("utf-8"))
                prev = event.hash
        if seq != events or prev != head:
            raise ValidationError(
                f"The audit trail ended at event {seq}, but the export read {events} events. "
                "No package was written; try again."
            )

    def _record_and_move(self, report: PackageReport, packaged_at: str, tmp: Path) -> None:
        """Record the package and rename it into place: both happen, or neither does."""
        moved = False
        try:
            with self.write() as unit:
                unit.journal.append(
                    unit.case(report.case_uid),
                    "export.package",
                    "export",
                    str(uuid.uuid4()),
                    None,
                    {
                        "format": "bagit",
                        "out": str(report.out),
                        "files": report.files,
                        "bytes": report.bytes,
                        "audit_head_hash": report.audit_head_hash,
                        "audit_events": report.audit_events,
                        "manifest_sha256": report.manifest_sha256,
                        "tagmanifest_sha256": report.tagmanifest_sha256,
                        "packaged_at": packaged_at,
                    },
                )
                _move_into_place(tmp, report.out)
                moved = True
        except BaseException:
            if moved:  # the commit failed after the rename: take the package back
                with contextlib.suppress(OSError):
                    report.out.rename(tmp)
            raise
        _fsync_dir(report.out.parent)


def _check_target(out: Path) -> None:
    if out.is_dir():
        if any(out.iterdir()):
            raise ValidationError(
                f"{out} already exists and is not empty. An evidence package is written into "
                "a new or empty folder: choose another name."
            )
    elif out.exists() or out.is_symlink():
        raise ValidationError(f"{out} is a file; give the name of a new folder for the package.")


def _make_sibling(out: Path) -> Path:
    """A new hidden folder beside ``out``, with the permissions any new folder gets."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(100):
            tmp = out.parent / f".{out.name}.{uuid.uuid4().hex[:8]}.part"
            try:
                tmp.mkdir()
            except FileExistsError:
                continue
            return tmp
    except OSError as exc:
        raise ValidationError(
            f"Cannot create the package in {out.parent} ({exc.strerror or exc}). Choose a "
            "folder you can write to."
        ) from exc
    raise ValidationError(f"Cannot create a temporary folder in {out.parent}.")


def _move_into_place(tmp: Path, out: Path) -> None:
    try:
        tmp.rename(out)  # atomic; on POSIX it also replaces an empty folder
    except OSError as exc:
        if not (out.is_dir() and not any(out.iterdir())):
            raise ValidationError(
                f"Cannot put the package at {out} ({exc.strerror or exc}): something else "
                "was written there meanwhile. Nothing was written; choose another folder."
            ) from exc
        out.rmdir()  # Windows does not rename over an empty folder
        tmp.rename(out)


def _fsync_dir(path: Path) -> None:
    """Make a rename survive power loss (POSIX; other systems do without)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _media_names(media: list[dict[str, object]]) -> dict[str, str]:
    """Media uid -> a file-name-safe name unique in the package, keeping the extension."""
    normalised = [
        {**m, "file_name": unicodedata.normalize("NFC", str(m["file_name"]))} for m in media
    ]
    stems = media_stems(normalised)
    names = {}
    for m in normalised:
        suffix = PurePath(str(m["file_name"])).suffix
        safe = "." + safe_stem(suffix[1:]) if re.fullmatch(r"\.[\w-]{1,16}", suffix) else ""
        names[str(m["uid"])] = stems[str(m["uid"])] + safe.lower()
    return names


Outcome = tuple[str, int] | MediaProblem


def _stream(
    source: Path, target: Path | None, size: int, cancel: CancelToken, base: Progress
) -> Generator[Progress, None, Outcome]:
    """Hash ``source`` and copy it to ``target`` in one pass: (sha256, bytes), or why not.

    The source is only read; a file of another size than ``size`` (the recorded one) is
    not read at all. The copy gets the source's modification time and is flushed to disk.
    """
    try:
        info = source.stat()
        if not stat.S_ISREG(info.st_mode):
            return _problem("not_found", "a folder or device is at its location, not the file")
        if info.st_size != size:
            return _problem(
                "hash_mismatch",
                f"changed since import: {info.st_size:,} bytes, the case recorded {size:,}",
            )
        reader = source.open("rb", buffering=0)
    except (FileNotFoundError, NotADirectoryError):
        return _problem("not_found", "not found at its recorded location (moved or deleted?)")
    except PermissionError:
        return _problem("permission_denied", "no permission to read it")
    except OSError as exc:
        return _problem("unreadable", f"cannot be read ({exc.strerror or exc})")
    digest = hashlib.sha256()
    done = 0
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    with reader, target.open("xb") if target is not None else _nowhere() as writer:
        while True:
            cancel.raise_if_cancelled()
            try:
                n = reader.readinto(buffer)
            except OSError as exc:
                return _problem("unreadable", f"cannot be read ({exc.strerror or exc})")
            if not n:
                break
            digest.update(view[:n])
            if writer is not None:
                writer.write(view[:n])
            done += n
            yield replace(base, bytes_done=base.bytes_done + done)
        if writer is not None:
            writer.flush()
            os.fsync(writer.fileno())
    if target is not None:
        os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
    return digest.hexdigest(), done


def _problem(reason: str, message: str) -> MediaProblem:
    return MediaProblem("", "", "", reason, message)  # _media_problem fills in the file


@contextlib.contextmanager
def _nowhere() -> Iterator[None]:
    yield None


def _media_problem(
    item: Mapping[str, object], source: Path, outcome: Outcome
) -> MediaProblem | None:
    uid, name = str(item["uid"]), str(item["file_name"])
    if isinstance(outcome, MediaProblem):
        return MediaProblem(uid, name, str(source), outcome.reason, outcome.message)
    digest = outcome[0]
    if digest == item["sha256"]:
        return None
    return MediaProblem(
        uid,
        name,
        str(source),
        "hash_mismatch",
        f"changed since import: SHA-256 {digest}, the case recorded {item['sha256']}",
    )


class _BagWriter:
    """Payload files with their digests, then the manifests and tag files (RFC 8493)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        (self.data / "media").mkdir(parents=True)
        self.entries: dict[str, str] = {}  # "data/..." -> sha256
        self.oxum = (0, 0)  # (bytes, files)

    def add(self, rel: str, digest: str, size: int) -> None:
        self.entries[f"data/{rel}"] = digest
        self.oxum = (self.oxum[0] + size, self.oxum[1] + 1)

    def write(self, rel: str, content: bytes) -> None:
        with self.open(rel) as handle:
            handle.write(content)

    @contextlib.contextmanager
    def open(self, rel: str) -> Iterator[_HashingWriter]:
        """A new payload file, hashed as it is written."""
        hashing = _HashingWriter(self.data / rel)
        try:
            yield hashing
        finally:
            hashing.close()
        self.add(rel, hashing.digest.hexdigest(), hashing.size)

    def finish(self, info: list[tuple[str, str]]) -> tuple[str, str]:
        """Write bagit.txt, the manifest, bag-info.txt, the tag manifest; their two hashes."""
        _fsync_dir(self.data / "media")
        _fsync_dir(self.data)
        tags: dict[str, bytes] = {
            "bagit.txt": (
                f"BagIt-Version: {BAGIT_VERSION}\nTag-File-Character-Encoding: UTF-8\n"
            ).encode(),
            "manifest-sha256.txt": "".join(
                f"{digest}  {path}\n" for path, digest in sorted(self.entries.items())
            ).encode("utf-8"),
            "bag-info.txt": "".join(f"{k}: {v}\n" for k, v in info).encode("utf-8"),
        }
        digests = {name: hashlib.sha256(content).hexdigest() for name, content in tags.items()}
        tags["tagmanifest-sha256.txt"] = "".join(
            f"{digests[name]}  {name}\n" for name in sorted(digests)
        ).encode("utf-8")
        for name, content in tags.items():
            with (self.root / name).open("xb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
        _fsync_dir(self.root)
        tagmanifest = hashlib.sha256(tags["tagmanifest-sha256.txt"]).hexdigest()
        return digests["manifest-sha256.txt"], tagmanifest


class _HashingWriter:
    """Just enough of a binary file: writes go to disk and into a SHA-256."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("xb")
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self._file.write(data)

    def close(self) -> None:
        if not self._file.closed:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()


def _fold(value: str) -> str:
    """A bag-info value on one logical line: control characters out, lines folded (RFC 8493)."""
    lines = [re.sub(r"[\x00-\x1f\x7f]", " ", line).strip() for line in value.splitlines()]
    return "\n  ".join(line for line in lines if line) or "-"


def _bag_info(
    document: Mapping[str, object], actor: str, events: int, head: str, oxum: tuple[int, int]
) -> list[tuple[str, str]]:
    case = _mapping(document.get("case"))
    packaged_at = str(document["exported_at"])
    description = f"Evidence package of the case '{case.get('name')}'."
    if case.get("description"):
        description += f"\n{case['description']}"
    return [
        ("Source-Organization", _fold(actor)),
        ("Contact-Name", _fold(actor)),
        ("External-Description", _fold(description)),
        ("Bagging-Date", packaged_at[:10]),
        ("Bag-Software-Agent", f"{APP_NAME} {__version__}"),
        ("Payload-Oxum", f"{oxum[0]}.{oxum[1]}"),
        ("Case-UID", str(case.get("uid"))),
        ("Case-Name", _fold(str(case.get("name")))),
        ("Audit-Event-Count", str(events)),
        ("Audit-Head-Hash", head),
        ("Packaged-At", packaged_at),
        ("Tool-Version", __version__),
    ]


README = """\
EVIDENCE PACKAGE: {name}

Packaged by {actor} with {app} {version} on {date} (UTC). This folder is a BagIt
bag (RFC 8493): manifest-sha256.txt lists the SHA-256 of every file under data/, and
tagmanifest-sha256.txt that of bagit.txt, bag-info.txt and the manifest.

data/case.json    the case as JSON (schema evidence-annotator/1): media, tags, claims,
                  annotations; each media item's "sha256" is that of its file below.
data/report.html  the report, one self-contained page with stills (no network needed).
data/audit.jsonl  the case's audit trail, events 1 to {events}, one per line.
data/media/       the original media, copied byte for byte:
{media}
CHECK THE PACKAGE
  annotator verify-package THIS_FOLDER      (checks files and the audit trail)
  bagit.py --validate THIS_FOLDER           (the Library of Congress's bagit-python)
A file changed, missing or added anywhere under data/ fails these checks.

CHECK THE AUDIT TRAIL WITHOUT THE APP
Each line of data/audit.jsonl is one event in canonical form: JSON with sorted keys,
separators "," and ":", UTF-8, no floats. An event's "hash" is the SHA-256 of its line
without the "hash" key, and "prev_hash" is the hash of the event before it ("0" x 64 for
event 1), so changing, removing or inserting any event breaks every later link. The last
hash must equal Audit-Head-Hash in bag-info.txt, and the event count Audit-Event-Count;
compare both with the head hash published with the case, if one was. With Python 3, run
in this folder:

# --- verify-audit ---
import hashlib, json
prev, seq = "0" * 64, 0
for line in open("data/audit.jsonl", encoding="utf-8"):
    event = json.loads(line)
    claimed = event.pop("hash")
    seq += 1
    assert event["seq"] == seq and event["prev_hash"] == prev, f"bad link at {{seq}}"
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashlib.sha256(canonical.encode("utf-8")).hexdigest() == claimed, f"bad {{seq}}"
    prev = claimed
print(seq, prev)
# --- end ---

It prints the event count and head hash. The packaging itself is recorded in the case's
trail as the next event (action "export.package", with this package's manifest hash):
that event's prev_hash is this file's last hash, so the trail in the case goes on one
event past the copy in this package.
"""


def _readme(
    document: Mapping[str, object], names: Mapping[str, str], actor: str, events: int
) -> str:
    case = _mapping(document.get("case"))
    rows = "".join(
        f"    media/{names[str(m['uid'])]}  {m['sha256']}  (was {m['file_name']})\n"
        for m in _records(document, "media")
    )
    return README.format(
        name=case.get("name"),
        app=APP_NAME,
        version=__version__,
        date=str(document["exported_at"])[:10],
        actor=actor,
        events=events,
        media=rows or "    (none)\n",
    )


def _mapping(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def _records(document: Mapping[str, object], key: str) -> list[dict[str, object]]:
    value = document.get(key)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


# --- checking ---------------------------------------------------------------------------


def verify_package(
    path: Path,
    *,
    cancel: CancelToken | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> PackageCheck:
    """Check a package without any database: its files, then its audit trail.

    The ``bagit`` library reads the bag and checks its structure, Payload-Oxum and
    completeness (files missing from the disk or from the manifests) and hashes each file
    for fixity; every file is checked, so each one missing, altered or added is named. Then
    ``data/audit.jsonl`` is re-verified link by link and must end at ``bag-info.txt``'s
    Audit-Head-Hash after Audit-Event-Count events, and ``data/case.json`` must agree with
    it and with the packaged media. Raises NotFoundError when ``path`` is not a folder.
    """
    root = Path(path)
    if not root.is_dir():
        raise NotFoundError(f"No package folder at {root}.")
    cancel = cancel or CancelToken()
    bagit = _bagit()
    try:
        bag = bagit.Bag(str(root))
    except bagit.BagError as exc:
        if not (root / "bagit.txt").is_file():
            problem = PackageProblem("bagit.txt", "missing", "Not a BagIt package: no bagit.txt.")
        else:
            problem = PackageProblem("", "invalid", f"Not a readable BagIt package: {exc}")
        return PackageCheck(root, (problem,))
    case_uid = _tag(bag.info, "Case-UID")
    events, head = _tag(bag.info, "Audit-Event-Count"), _tag(bag.info, "Audit-Head-Hash")
    files = size = 0
    if not list(bag.manifest_files()):
        problems = [PackageProblem("manifest-sha256.txt", "missing", "No file can be checked.")]
        problems += _check_trail(root, case_uid, events, head)
    else:
        problems, files, size = _check_files(bag, cancel, on_progress)
        problems += _check_trail(root, case_uid, events, head)
        problems += _check_document(root, bag, case_uid, events, head, problems)
    return PackageCheck(
        root,
        tuple(problems),
        files=files,
        bytes=size,
        case_uid=case_uid,
        audit_events=int(events) if events is not None and events.isdigit() else None,
        audit_head_hash=head,
    )


def _bagit() -> Any:
    """The bagit library, imported when first used: start-up stays quick."""
    import bagit  # type: ignore[import-untyped]

    return bagit


def _posix(rel: str) -> str:
    return PurePath(rel).as_posix()


def _tag(info: Mapping[str, object], name: str) -> str | None:
    value = info.get(name)
    return value if isinstance(value, str) else None  # absent, or given twice


def _check_files(
    bag: Any, cancel: CancelToken, on_progress: Callable[[Progress], None] | None
) -> tuple[list[PackageProblem], int, int]:
    """Completeness and fixity of every file the manifests list, by the bagit library."""
    bagit = _bagit()
    problems: list[PackageProblem] = []
    whole: list[PackageProblem] = []
    try:
        bag.validate(fast=True)  # structure, bagit.txt, Payload-Oxum; reads no contents
    except bagit.BagError as exc:
        where = "bag-info.txt" if "Oxum" in str(exc) else ""
        whole.append(PackageProblem(where, "invalid", f"BagIt check failed: {exc}"))
    for name in ("manifest-sha256.txt", "tagmanifest-sha256.txt"):
        if not (Path(bag.path) / name).is_file():
            problems.append(PackageProblem(name, "missing", f"{name} is missing."))
    missing, unexpected = bag.compare_manifests_with_fs()
    for rel in missing:
        problems.append(PackageProblem(_posix(rel), "missing", "Listed in a manifest, not found."))
    for rel in unexpected:
        problems.append(
            PackageProblem(_posix(rel), "unexpected", "Not listed in the manifest: added later.")
        )
    gone = set(missing)
    present = [(rel, hashes) for rel, hashes in sorted(bag.entries.items()) if rel not in gone]
    disk = {
        rel: Path(bag.path, bag.normalized_filesystem_names.get(bagit.normalize_unicode(rel), rel))
        for rel, _ in present
    }
    sizes = {rel: p.stat().st_size for rel, p in disk.items() if p.is_file()}
    files = sum(1 for rel in bag.entries if _posix(rel).startswith("data/"))
    payload = sum(s for rel, s in sizes.items() if _posix(rel).startswith("data/"))
    done = 0
    for i, (rel, hashes) in enumerate(present):
        cancel.raise_if_cancelled()
        if on_progress is not None:
            on_progress(Progress(i, len(present), _posix(rel), done, sum(sizes.values())))
        if rel not in sizes:
            problems.append(PackageProblem(_posix(rel), "missing", "Listed, not found."))
            continue
        try:
            computed = bagit.generate_manifest_lines(str(disk[rel]), sorted(hashes))
        except OSError as exc:
            problems.append(
                PackageProblem(_posix(rel), "altered", f"Cannot be read: {exc.strerror or exc}.")
            )
            continue
        done += sizes[rel]
        for algorithm, digest, _, _ in computed:
            if digest != str(hashes[algorithm]).lower():
                problems.append(
                    PackageProblem(
                        _posix(rel),
                        "altered",
                        f"{algorithm.upper()} is {digest}; the manifest says {hashes[algorithm]}.",
                    )
                )
    if on_progress is not None:
        on_progress(Progress(len(present), len(present), "", done, sum(sizes.values())))
    # One problem per file and kind (a manifest can be both listed missing and absent).
    unique = {(p.path, p.problem): p for p in reversed(problems)}
    problems = sorted(unique.values(), key=lambda p: (p.path, p.problem))
    # A wrong Payload-Oxum only repeats a file missing, added or changed in size.
    if problems:
        whole = [p for p in whole if p.path != "bag-info.txt"]
    return whole + problems, files, payload


MAX_BROKEN = 20


def _check_trail(
    root: Path, case_uid: str | None, events: str | None, head: str | None
) -> list[PackageProblem]:
    """Re-verify data/audit.jsonl link by link against the head in bag-info.txt."""
    where = "data/audit.jsonl"
    problems: list[PackageProblem] = []
    if case_uid is None or events is None or head is None or not events.isdigit():
        problems.append(
            PackageProblem(
                "bag-info.txt",
                "audit_mismatch",
                "bag-info.txt must give Case-UID, Audit-Event-Count and Audit-Head-Hash once "
                "each: the trail cannot be checked against them.",
            )
        )
    trail = root / where
    if not trail.is_file():
        return problems  # reported as missing by the file check
    broken: list[str] = []
    seq, prev = 0, GENESIS_HASH
    with trail.open(encoding="utf-8", errors="replace") as lines:
        for n, line in enumerate(lines, 1):
            seq += 1
            try:
                event = json.loads(line)
                claimed = str(event.pop("hash"))
                digest = hashlib.sha256(canonical_bytes(event)).hexdigest()
                number, link, owner = event["seq"], event["prev_hash"], event["case"]
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                broken.append(f"line {n} is not an audit event ({exc})")
                prev = ""
                continue
            if number != seq:
                broken.append(f"line {n} holds event {number} where event {seq} belongs")
            elif link != prev:
                broken.append(f"line {n}: event {seq} does not link to event {seq - 1}")
            elif digest != claimed:
                broken.append(f"line {n}: event {seq} was altered (its hash does not match)")
            elif case_uid is not None and owner != case_uid:
                broken.append(f"line {n}: event {seq} is of another case ({owner})")
            seq = number if isinstance(number, int) else seq
            prev = claimed
    for message in broken[:MAX_BROKEN]:
        problems.append(PackageProblem(where, "audit_broken", message[:1].upper() + message[1:]))
    if len(broken) > MAX_BROKEN:
        more = len(broken) - MAX_BROKEN
        problems.append(PackageProblem(where, "audit_broken", f"... and {more} more."))
    if events is not None and head is not None and (str(seq) != events or prev != head):
        problems.append(
            PackageProblem(
                where,
                "audit_mismatch",
                f"The trail ends at event {seq} with hash {prev}; bag-info.txt says "
                f"{events} events ending with {head}.",
            )
        )
    return problems


def _check_document(
    root: Path,
    bag: Any,
    case_uid: str | None,
    events: str | None,
    head: str | None,
    found: list[PackageProblem],
) -> list[PackageProblem]:
    """case.json against bag-info.txt, and its media against the packaged files."""
    where = "data/case.json"
    try:
        document = json.loads((root / where).read_text(encoding="utf-8"))
        case, audit, media = document["case"], document["audit"], document["media"]
        shas = {str(m["sha256"]): str(m["file_name"]) for m in media}
    except FileNotFoundError:
        return []  # reported as missing by the file check
    except (OSError, ValueError, KeyError, TypeError) as exc:
        if any(p.path == where for p in found):
            return []  # already reported as altered
        return [PackageProblem(where, "invalid", f"Not a readable case export ({exc}).")]
    problems = []
    if case_uid is not None and case.get("uid") != case_uid:
        problems.append(
            PackageProblem(where, "invalid", f"Of case {case.get('uid')}, not {case_uid}.")
        )
    if (
        events is not None
        and head is not None
        and audit
        != {
            "events": int(events) if events.isdigit() else events,
            "head_hash": head,
        }
    ):
        problems.append(
            PackageProblem(
                where,
                "audit_mismatch",
                f"Says the trail has {audit.get('events')} events ending with "
                f"{audit.get('head_hash')}; bag-info.txt says {events} ending with {head}.",
            )
        )
    packaged = {
        _posix(rel): str(hashes.get("sha256", ""))
        for rel, hashes in bag.entries.items()
        if _posix(rel).startswith("data/media/")
    }
    for sha, name in sorted(shas.items()):
        if sha not in packaged.values():
            problems.append(
                PackageProblem(
                    where, "media_mismatch", f"{name} (SHA-256 {sha}) has no file in data/media."
                )
            )
    for rel, sha in sorted(packaged.items()):
        if sha not in shas:
            problems.append(
                PackageProblem(rel, "media_mismatch", "Not a media file of the case.json.")
            )
    return problems
