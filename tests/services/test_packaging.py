"""Evidence packages: a BagIt bag the bagit library accepts, checked down to each file.

One package of the demo case is written per module (the tests that alter files work on a
copy of it); the tests that need changed originals or a tampered database build their own.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import bagit  # type: ignore[import-untyped]
import pytest

from annotator import __version__
from annotator.core.audit_chain import canonical_text
from annotator.core.errors import NotFoundError, ValidationError
from annotator.core.paths import AppPaths
from annotator.core.progress import Cancelled, CancelToken, drain
from annotator.services.container import Services, open_services
from annotator.services.demo import build_or_reuse_demo
from annotator.services.packaging import (
    PackageMediaError,
    PackageReport,
    PackageService,
    verify_package,
)
from tests.raw_sql import drop_audit_guard, raw_sql

VIDEO, ID_CARD, BANK_CARD = "captive-video.mp4", "photo-id-card.jpg", "photo-bank-card.jpg"


def packaging_of(services: Services) -> PackageService:
    return PackageService(services._db, lambda: "tester", services.settings, services.exporting)


def file_state(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and modification time (ns), by name."""
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".part")]


@dataclass
class Packaged:
    services: Services
    case_uid: str
    media_folder: Path
    out: Path
    report: PackageReport
    events_before: int
    head_before: str
    originals_before: dict[str, tuple[bytes, int]]


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Packaged]:
    root = tmp_path_factory.mktemp("package")
    paths = AppPaths(root / "data", root / "config", root / "logs", root / "cache")
    services = open_services(root / "cases.sqlite", lambda: "Demo Investigator", paths=paths)
    try:
        demo = build_or_reuse_demo(services, root / "demo")
        events, head = services.audit.head(demo.uid)
        before = file_state(root / "demo")
        out = root / "out" / "Demo package"
        report = drain(packaging_of(services).package(demo.uid, out))
        yield Packaged(services, demo.uid, root / "demo", out, report, events, head, before)
    finally:
        services.close()


def copy_of(packaged: Packaged, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(packaged.out, target)
    return target


def problems(path: Path) -> list[tuple[str, str]]:
    return [(p.path, p.problem) for p in verify_package(path).problems]


# --- writing ------------------------------------------------------------------------------


def test_package_is_a_valid_bag_with_the_case_and_its_evidence(packaged: Packaged) -> None:
    out, report = packaged.out, packaged.report
    bag = bagit.Bag(str(out))
    assert bag.validate() is True  # the library's own completeness and fixity check
    assert bag.version_info == (1, 0) and bag.algorithms == ["sha256"]
    payload = {str(Path(p).as_posix()) for p in bag.payload_files()}
    assert payload == {
        "data/case.json",
        "data/report.html",
        "data/audit.jsonl",
        "data/README.txt",
        f"data/media/{VIDEO}",
        f"data/media/{ID_CARD}",
        f"data/media/{BANK_CARD}",
    }
    for name, (content, _) in packaged.originals_before.items():
        assert (out / "data" / "media" / name).read_bytes() == content  # byte for byte
    assert {(Path(m["path"]).name, m["sha256"]) for m in report.media} == {  # type: ignore[arg-type]
        (name, hashlib.sha256(content).hexdigest())
        for name, (content, _) in packaged.originals_before.items()
    }

    info = bag.info
    assert info["Source-Organization"] == info["Contact-Name"] == "tester"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", info["Bagging-Date"])
    assert "Demo: captive video from Donetsk" in info["External-Description"]
    assert info["Payload-Oxum"] == f"{report.bytes}.{report.files}" and report.files == 7
    assert info["Audit-Head-Hash"] == packaged.head_before == report.audit_head_hash
    assert info["Audit-Event-Count"] == str(packaged.events_before)
    assert info["Case-UID"] == packaged.case_uid
    assert info["Tool-Version"] == __version__

    document = json.loads((out / "data" / "case.json").read_text(encoding="utf-8"))
    assert document["schema"] == "evidence-annotator/1" and len(document["annotations"]) == 12
    assert document["audit"] == {
        "events": packaged.events_before,
        "head_hash": packaged.head_before,
    }
    html = (out / "data" / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/jpeg;base64,") >= 10 and not report.warnings
    assert leftovers(out.parent) == [] and sorted(p.name for p in out.parent.iterdir()) == [
        out.name
    ]


def test_originals_are_untouched_and_copies_keep_their_times(packaged: Packaged) -> None:
    assert file_state(packaged.media_folder) == packaged.originals_before
    for name, (_, mtime) in packaged.originals_before.items():
        assert (packaged.out / "data" / "media" / name).stat().st_mtime_ns == mtime


def test_the_audit_trail_verifies_from_the_file_alone(packaged: Packaged) -> None:
    out = packaged.out
    lines = (out / "data" / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == packaged.events_before
    first = json.loads(lines[0])
    assert set(first) == {
        "case", "seq", "at", "actor", "action", "entity_type", "entity_uid",
        "before", "after", "prev_hash", "hash",
    }  # fmt: skip
    assert all(line == canonical_text(json.loads(line)) for line in lines)  # canonical form

    # The README's recipe, run as it stands, with nothing but Python's standard library.
    readme = (out / "data" / "README.txt").read_text(encoding="utf-8")
    recipe = readme.split("# --- verify-audit ---\n")[1].split("# --- end ---")[0]
    run = subprocess.run(
        [sys.executable, "-I", "-c", recipe], cwd=out, capture_output=True, text=True, check=True
    )
    assert run.stdout.split() == [str(packaged.events_before), packaged.head_before]

    # The packaging is the next event of the case: it links to the package's head.
    services = packaged.services
    event = services.audit.history(packaged.case_uid)[packaged.events_before]
    assert event.seq == packaged.events_before + 1 and event.action == "export.package"
    assert event.entity_type == "export" and event.prev_hash == packaged.head_before
    manifest = hashlib.sha256((out / "manifest-sha256.txt").read_bytes()).hexdigest()
    assert event.after is not None
    assert event.after["manifest_sha256"] == manifest == packaged.report.manifest_sha256
    assert event.after["files"] == 7 and event.after["audit_head_hash"] == packaged.head_before
    assert services.audit.verify(packaged.case_uid).ok


def test_an_existing_folder_must_be_empty(packaged: Packaged, tmp_path: Path) -> None:
    services, work = packaged.services, packaging_of(packaged.services)
    head = services.audit.head(packaged.case_uid)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    with pytest.raises(ValidationError, match="not empty"):
        drain(work.package(packaged.case_uid, busy))
    assert [p.name for p in busy.iterdir()] == ["notes.txt"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValidationError, match="is a file"):
        drain(work.package(packaged.case_uid, tmp_path / "file"))
    assert services.audit.head(packaged.case_uid) == head and leftovers(tmp_path) == []

    empty = tmp_path / "empty"
    empty.mkdir()
    report = drain(work.package(packaged.case_uid, empty))
    assert report.out == empty and verify_package(empty).ok
    assert leftovers(tmp_path) == []


def test_cancel_leaves_nothing_behind(packaged: Packaged, tmp_path: Path) -> None:
    services = packaged.services
    head = services.audit.head(packaged.case_uid)
    token = CancelToken()
    work = packaging_of(services).package(packaged.case_uid, tmp_path / "pkg", token)
    next(work)
    next(work)  # the temporary folder exists by now
    assert leftovers(tmp_path)
    token.cancel()
    with pytest.raises(Cancelled):
        drain(work)
    assert list(tmp_path.iterdir()) == [] and services.audit.head(packaged.case_uid) == head


def test_changed_or_missing_media_stop_the_package_and_are_named(
    services: Services, tmp_path: Path
) -> None:
    demo = build_or_reuse_demo(services, tmp_path / "demo")
    head = services.audit.head(demo.uid)
    video = tmp_path / "demo" / VIDEO
    data = bytearray(video.read_bytes())
    data[len(data) // 2] ^= 0x01
    video.write_bytes(bytes(data))
    (tmp_path / "demo" / ID_CARD).unlink()
    out = tmp_path / "out" / "pkg"
    with pytest.raises(PackageMediaError) as caught:
        drain(packaging_of(services).package(demo.uid, out))
    error = caught.value
    assert {(p.file_name, p.reason) for p in error.problems} == {
        (VIDEO, "hash_mismatch"),
        (ID_CARD, "not_found"),
    }
    assert error.exit_code == 1 and VIDEO in error.message and ID_CARD in error.message
    assert str(video) in error.message and BANK_CARD not in error.message
    assert not out.exists() and leftovers(out.parent) == []
    assert services.audit.head(demo.uid) == head  # nothing recorded


def test_a_broken_trail_in_the_database_is_not_packaged(
    services: Services, db_target: str, tmp_path: Path
) -> None:
    demo = build_or_reuse_demo(services, tmp_path / "demo")
    raw_sql(
        db_target,
        drop_audit_guard(db_target, "UPDATE"),
        "UPDATE audit_events SET actor = 'Mallory' WHERE seq = 3",
    )
    with pytest.raises(ValidationError, match="broken at event 3"):
        drain(packaging_of(services).package(demo.uid, tmp_path / "out" / "pkg"))
    assert list((tmp_path / "out").iterdir()) == []


# --- checking -----------------------------------------------------------------------------


def test_an_intact_package_verifies(packaged: Packaged) -> None:
    check = verify_package(packaged.out)
    assert check.ok and check.problems == ()
    record = check.as_record()
    assert record["ok"] is True and record["problems"] == []
    assert record["audit"] == {"events": packaged.events_before, "head_hash": packaged.head_before}
    assert check.files == 7 and check.bytes == packaged.report.bytes


def test_one_flipped_byte_names_exactly_that_file(packaged: Packaged, tmp_path: Path) -> None:
    copy = copy_of(packaged, tmp_path)
    media = copy / "data" / "media" / VIDEO
    data = bytearray(media.read_bytes())
    data[1000] ^= 0x01
    media.write_bytes(bytes(data))
    assert problems(copy) == [(f"data/media/{VIDEO}", "altered")]
    assert not bagit.Bag(str(copy)).is_valid()


@pytest.mark.parametrize(
    "name",
    [
        f"data/media/{ID_CARD}",
        "data/report.html",
        "data/audit.jsonl",
        "data/case.json",
        "manifest-sha256.txt",
        "tagmanifest-sha256.txt",
    ],
)
def test_a_deleted_file_is_named_missing(packaged: Packaged, tmp_path: Path, name: str) -> None:
    copy = copy_of(packaged, tmp_path)
    (copy / name).unlink()
    assert problems(copy) == [(name, "missing")]


def test_an_added_file_is_unexpected(packaged: Packaged, tmp_path: Path) -> None:
    copy = copy_of(packaged, tmp_path)
    (copy / "data" / "media" / "extra.jpg").write_bytes(b"not evidence")
    assert problems(copy) == [("data/media/extra.jpg", "unexpected")]


def test_an_altered_tag_file_is_named(packaged: Packaged, tmp_path: Path) -> None:
    copy = copy_of(packaged, tmp_path)
    info = copy / "bag-info.txt"
    info.write_text(info.read_text(encoding="utf-8").replace("tester", "someone else"))
    assert problems(copy) == [("bag-info.txt", "altered")]


def test_an_altered_audit_line_is_an_audit_problem(packaged: Packaged, tmp_path: Path) -> None:
    copy = copy_of(packaged, tmp_path)
    trail = copy / "data" / "audit.jsonl"
    lines = trail.read_text(encoding="utf-8").splitlines(keepends=True)
    event = json.loads(lines[4])
    event["actor"] = "Mallory"
    lines[4] = canonical_text(event) + "\n"
    trail.write_text("".join(lines), encoding="utf-8")
    check = verify_package(copy)
    assert [(p.path, p.problem) for p in check.problems] == [
        ("data/audit.jsonl", "altered"),
        ("data/audit.jsonl", "audit_broken"),
    ]
    assert "event 5 was altered" in check.problems[1].message

    # A forger who also rewrites the manifests passes the bagit check, not the chain's.
    bag = bagit.Bag(str(copy))
    bag.save(manifests=True)
    assert bagit.Bag(str(copy)).is_valid()
    assert problems(copy) == [("data/audit.jsonl", "audit_broken")]


def test_a_rewritten_chain_does_not_match_the_head_in_bag_info(
    packaged: Packaged, tmp_path: Path
) -> None:
    copy = copy_of(packaged, tmp_path)
    trail = copy / "data" / "audit.jsonl"
    prev, out = "0" * 64, []
    for line in trail.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        event.pop("hash")
        if event["seq"] == 2:
            event["actor"] = "Mallory"
        event["prev_hash"] = prev
        prev = hashlib.sha256(canonical_text(event).encode()).hexdigest()
        out.append(canonical_text({**event, "hash": prev}) + "\n")
    trail.write_text("".join(out), encoding="utf-8")
    bagit.Bag(str(copy)).save(manifests=True)
    assert problems(copy) == [("data/audit.jsonl", "audit_mismatch")]


def test_a_folder_that_is_not_a_package(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    assert problems(tmp_path / "plain") == [("bagit.txt", "missing")]
    with pytest.raises(NotFoundError):
        verify_package(tmp_path / "nowhere")


def test_a_failed_write_leaves_nothing_and_says_so(
    packaged: Packaged, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from annotator.services import packaging as module

    def full(self: object, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device", "report.html")

    monkeypatch.setattr(module._HashingWriter, "write", full)
    head = packaged.services.audit.head(packaged.case_uid)
    with pytest.raises(module.PackageWriteError, match="No space left on device") as caught:
        drain(packaging_of(packaged.services).package(packaged.case_uid, tmp_path / "pkg"))
    assert caught.value.exit_code == 1 and "Nothing was left behind" in caught.value.message
    assert list(tmp_path.iterdir()) == []
    assert packaged.services.audit.head(packaged.case_uid) == head


def test_a_case_without_media_is_packaged(services: Services, tmp_path: Path) -> None:
    case = services.cases.create("Empty", "A description\nof two lines").value
    report = drain(packaging_of(services).package(case.uid, tmp_path / "pkg"))
    assert report.files == 4 and report.media == []
    assert bagit.Bag(str(tmp_path / "pkg")).validate() and verify_package(tmp_path / "pkg").ok
    info = bagit.Bag(str(tmp_path / "pkg")).info  # a folded value reads back
    assert re.fullmatch(
        r"Evidence package of the case 'Empty'\.\s+A description\s+of two lines",
        info["External-Description"],
    )


def test_media_names_are_safe_and_unique() -> None:
    from annotator.services.packaging import _media_names

    media = [
        {"uid": "a", "file_name": "clip.MP4", "sha256": "1" * 64},
        {"uid": "b", "file_name": "Clip.mp4", "sha256": "2" * 64},
        {"uid": "c", "file_name": "допрос 1.mov", "sha256": "3" * 64},
        {"uid": "d", "file_name": "../../etc/passwd", "sha256": "4" * 64},
        {"uid": "e", "file_name": "odd.suffix with space", "sha256": "5" * 64},
    ]
    assert _media_names(media) == {  # type: ignore[arg-type]
        "a": "clip.mp4",
        "b": f"Clip_{'2' * 12}.mp4",
        "c": "допрос_1.mov",
        "d": "passwd",
        "e": "odd",
    }
