"""Chain of custody: re-hashing media against the case, relinking moved files, tampering."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from annotator.core.entities import Case, Media
from annotator.core.errors import ValidationError
from annotator.core.progress import CancelToken, Progress, drain
from annotator.core.settings import Settings
from annotator.services import custody as custody_module
from annotator.services.container import Services, open_services
from annotator.services.custody import CustodyService, RelinkReport, VerifyReport
from tests.raw_sql import drop_audit_guard, raw_sql

ACTOR = "tester"


@pytest.fixture
def custody(services: Services) -> CustodyService:
    return CustodyService(services._db, lambda: ACTOR, services.settings)


@pytest.fixture
def imported(services: Services, case: Case, media_folder: Path) -> dict[str, Media]:
    """Four real files (two videos, an image, an audio file) imported into the case."""
    report = drain(services.importing.run(case.uid, [media_folder]))
    assert report.summary["imported"] == 4, report.not_imported
    return {m.file_name: m for m in services.media.for_case(case.uid)}


def states(services: Services, case: Case) -> dict[str, str]:
    return {m.file_name: m.last_verify_state for m in services.media.for_case(case.uid)}


def flip_one_byte(path: Path, offset: int = 100) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def run_verify(custody: CustodyService, case: Case) -> tuple[VerifyReport, list[Progress]]:
    updates: list[Progress] = []
    return drain(custody.verify(case.uid), updates.append), updates


def test_intact_case_verifies_records_each_state_and_reports_the_new_head(
    services: Services, custody: CustodyService, case: Case, imported: dict[str, Media]
) -> None:
    before = len(services.audit.history(case.uid))
    report, updates = run_verify(custody, case)
    assert report.ok and report.audit.ok and not report.cancelled
    assert {m.state for m in report.media} == {"ok"} and len(report.media) == 4
    assert set(states(services, case).values()) == {"ok"}
    assert all(m.last_verified_at is not None for m in services.media.for_case(case.uid))
    new = services.audit.history(case.uid)[before:]
    assert [e.action for e in new] == ["media.verify"] * 4
    assert all(e.actor == ACTOR for e in new)
    # The trail was checked before this run's events; the head printed is the one after.
    assert report.audit.events == before
    assert (report.events, report.head_hash) == services.audit.head(case.uid)
    assert services.audit.verify(case.uid).ok
    assert report.changes.media == {m.uid for m in imported.values()} and report.changes.audit
    # Progress counts files and bytes, ending with every byte accounted for.
    total = sum(m.size_bytes for m in imported.values())
    assert updates[-1].bytes_total == total and updates[-1].bytes_done == total
    assert updates[-1].done == updates[-1].total == 4


def test_verify_json_shape_is_the_cli_contract(
    custody: CustodyService, case: Case, imported: dict[str, Media]
) -> None:
    record = drain(custody.verify(case.uid)).as_record()
    assert set(record) >= {"ok", "media", "audit"}
    assert record["ok"] is True
    for item in record["media"]:  # type: ignore[attr-defined]
        assert set(item) >= {"uid", "path", "state", "file_name", "message"}
        assert Path(item["path"]).is_absolute()
    audit = record["audit"]
    assert set(audit) >= {"ok", "events", "head_hash", "first_bad_seq", "message"}  # type: ignore[arg-type]
    assert audit["first_bad_seq"] is None and len(audit["head_hash"]) == 64  # type: ignore[index]
    json.dumps(record)  # plain JSON, nothing exotic


def test_modified_deleted_and_moved_files_are_reported_then_the_moved_one_relinked(
    services: Services,
    custody: CustodyService,
    case: Case,
    imported: dict[str, Media],
    media_folder: Path,
    tmp_path: Path,
) -> None:
    """The acceptance test of issue 7: exactly the three changed files, each in its state."""
    video, vfr, image, audio = (
        imported["h264-bframes.mp4"],
        imported["vfr.mp4"],
        imported["picture.jpg"],
        imported["tone-aac.m4a"],
    )
    flip_one_byte(media_folder / video.file_name)  # same size: only the hash can tell
    deleted = (media_folder / image.file_name).read_bytes()
    (media_folder / image.file_name).unlink()
    elsewhere = tmp_path / "usb-stick"
    (elsewhere / "sorted" / "2025").mkdir(parents=True)
    shutil.move(media_folder / audio.file_name, elsewhere / "sorted" / "2025" / audio.file_name)

    report, _ = run_verify(custody, case)
    assert not report.ok and report.audit.ok
    by_name = {m.file_name: m for m in report.media}
    assert {n: m.state for n, m in by_name.items()} == {
        video.file_name: "modified",
        vfr.file_name: "ok",
        image.file_name: "missing",
        audio.file_name: "missing",
    }
    assert by_name[video.file_name].reason == "hash_mismatch"
    assert "content changed" in by_name[video.file_name].message
    assert by_name[image.file_name].reason == "not_found"
    assert {m.file_name for m in report.problems} == {
        video.file_name,
        image.file_name,
        audio.file_name,
    }
    assert states(services, case) == {n: m.state for n, m in by_name.items()}

    # A same-named file with other content (same size, one byte differs) waits for the
    # deleted picture; the relink must refuse it.
    impostor = elsewhere / image.file_name
    impostor.write_bytes(deleted[:-1] + bytes([deleted[-1] ^ 0xFF]))
    relink = drain(custody.relink(case.uid, elsewhere))
    assert [(r.uid, r.old_location, r.new_location) for r in relink.relinked] == [
        (
            audio.uid,
            audio.location,
            str(elsewhere / "sorted" / "2025" / audio.file_name),
        )
    ]
    assert [m.uid for m in relink.still_missing] == [image.uid]
    assert [(r.path, r.reason, r.uid) for r in relink.rejected] == [
        (str(impostor), "hash_mismatch", image.uid)
    ]
    assert relink.present == 2 and not relink.cancelled and not relink.complete
    assert relink.changes.media == {audio.uid}
    moved = services.media.get(case.uid, audio.uid)
    assert moved.location == str(elsewhere / "sorted" / "2025" / audio.file_name)
    assert moved.original_path == audio.original_path  # where it came from never changes
    assert moved.last_verify_state == "ok"  # it was hashed just now
    assert services.media.get(case.uid, image.uid).location == image.location
    actions = [e.action for e in services.audit.history(case.uid)]
    assert actions[-2:] == ["media.relink", "media.verify"]
    assert services.audit.verify(case.uid).ok

    again, _ = run_verify(custody, case)
    assert {m.file_name: m.state for m in again.media} == {
        video.file_name: "modified",
        vfr.file_name: "ok",
        image.file_name: "missing",
        audio.file_name: "ok",
    }


def test_relink_json_shape_is_the_cli_contract(
    custody: CustodyService, case: Case, imported: dict[str, Media], media_folder: Path
) -> None:
    audio = imported["tone-aac.m4a"]
    target = media_folder.parent / "moved"
    target.mkdir()
    shutil.move(media_folder / audio.file_name, target / audio.file_name)
    record = drain(custody.relink(case.uid, target)).as_record()
    assert set(record) >= {"relinked", "still_missing", "rejected"}
    assert record["relinked"] == [
        {
            "uid": audio.uid,
            "from": audio.location,
            "to": str(target / audio.file_name),
            "file_name": audio.file_name,
            "path": str(target / audio.file_name),
        }
    ]
    assert record["still_missing"] == [] and record["rejected"] == []


def test_each_candidate_is_hashed_once_and_only_files_of_the_right_size(
    custody: CustodyService,
    case: Case,
    imported: dict[str, Media],
    media_folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    video, image = imported["h264-bframes.mp4"], imported["picture.jpg"]
    search = tmp_path / "search"
    (search / "a").mkdir(parents=True)
    (search / "b").mkdir()
    shutil.move(media_folder / video.file_name, search / "a" / "renamed.mp4")
    shutil.copy2(search / "a" / "renamed.mp4", search / "b" / video.file_name)  # a copy
    (search / "b" / "noise.bin").write_bytes(b"x" * (video.size_bytes + 1))
    (search / "same-size.bin").write_bytes(b"y" * video.size_bytes)
    (media_folder / image.file_name).unlink()
    hashed: Counter[Path] = Counter()
    real = custody_module.sha256_file

    def counting(path: Path, *args: object, **kwargs: object) -> tuple[str, int]:
        hashed[path] += 1
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(custody_module, "sha256_file", counting)
    report = drain(custody.relink(case.uid, search))
    assert set(hashed) == {
        search / "a" / "renamed.mp4",
        search / "b" / video.file_name,
        search / "same-size.bin",
    }
    assert max(hashed.values()) == 1
    # Of two identical copies, the one with the recorded name is chosen.
    assert [r.path for r in report.relinked] == [str(search / "b" / video.file_name)]
    assert [m.uid for m in report.still_missing] == [image.uid]
    assert report.rejected == []


def test_audit_event_altered_in_the_table_is_reported_at_that_event(
    services: Services,
    custody: CustodyService,
    case: Case,
    imported: dict[str, Media],
    db_target: str,
) -> None:
    history = services.audit.history(case.uid)
    video = imported["h264-bframes.mp4"]
    seq = next(e.seq for e in history if e.entity_uid == video.uid)  # its import event
    raw_sql(
        db_target,
        drop_audit_guard(db_target, "UPDATE"),  # what someone rewriting history does
        ("UPDATE audit_events SET actor = 'Mallory' WHERE seq = :seq", {"seq": seq}),
    )
    report, _ = run_verify(custody, case)
    assert not report.ok and not report.audit.ok
    assert report.audit.first_bad_seq == seq
    assert str(seq) in report.audit.message
    assert {m.state for m in report.media} == {"ok"}  # the files themselves are intact
    record = report.as_record()["audit"]
    assert record["ok"] is False and record["first_bad_seq"] == seq  # type: ignore[index]
    # Media with an audit problem get no new event (it would rest on the altered one);
    # the others are recorded: appending to the trail hides nothing of the break.
    assert {n: s for n, s in states(services, case).items() if not s} == {video.file_name: ""}
    assert services.audit.verify(case.uid).first_bad_seq == seq


def test_media_record_altered_in_the_table_is_not_laundered_by_recording(
    services: Services,
    custody: CustodyService,
    case: Case,
    imported: dict[str, Media],
    db_target: str,
) -> None:
    """A new media.verify event would snapshot the altered row: it is left unrecorded."""
    video = imported["h264-bframes.mp4"]
    last = max(e.seq for e in services.audit.history(case.uid) if e.entity_uid == video.uid)
    raw_sql(  # a different date of capture, typed behind the app's back
        db_target,
        ("UPDATE media_items SET captured_at = '2020-01-01' WHERE uid = :uid", {"uid": video.uid}),
    )
    report, _ = run_verify(custody, case)
    assert not report.ok and report.audit.first_bad_seq == last
    check = next(m for m in report.media if m.uid == video.uid)
    assert check.state == "ok" and not check.recorded and "Not recorded" in check.message
    assert states(services, case)[video.file_name] == ""  # never recorded
    assert all(m.recorded for m in report.media if m.uid != video.uid)
    # The alteration is still caught afterwards, at the same event.
    after = services.audit.verify(case.uid)
    assert not after.ok and after.first_bad_seq == last


def _as_unprivileged(args: list[str]) -> list[str]:
    """A command whose file reads obey permissions even here, where tests run as root.

    ``runuser -u nobody`` cannot start this interpreter when it lives under /root, so
    root keeps its uid and loses the capabilities that bypass file permissions.
    """
    if os.geteuid() != 0:
        return args
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("setpriv (util-linux) is needed to drop root's file-permission override")
    caps = "-dac_override,-dac_read_search"
    return [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}", *args]


VERIFY_SCRIPT = """
import json, sys
from annotator.core.progress import drain
from annotator.services.container import open_services
from annotator.services.custody import CustodyService
services = open_services(sys.argv[1], lambda: "tester")
custody = CustodyService(services._db, lambda: "tester", services.settings)
print(json.dumps(drain(custody.verify(sys.argv[2])).as_record()))
services.close()
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_unreadable_file_for_real(
    services: Services,
    case: Case,
    imported: dict[str, Media],
    media_folder: Path,
    db_target: str,
) -> None:
    image = imported["picture.jpg"]
    locked = media_folder / image.file_name
    locked.chmod(0)
    try:
        done = subprocess.run(
            _as_unprivileged([sys.executable, "-c", VERIFY_SCRIPT, db_target, case.uid]),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        locked.chmod(0o644)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    by_uid = {m["uid"]: m for m in record["media"]}
    assert by_uid[image.uid]["state"] == "unreadable"
    assert by_uid[image.uid]["reason"] == "permission_denied"
    assert by_uid[image.uid]["path"] == str(locked)
    assert "No permission" in by_uid[image.uid]["message"]
    assert {m["state"] for uid, m in by_uid.items() if uid != image.uid} == {"ok"}
    assert record["ok"] is False and record["audit"]["ok"] is True
    assert states(services, case)[image.file_name] == "unreadable"


def test_other_read_errors_are_unreadable(
    custody: CustodyService,
    case: Case,
    imported: dict[str, Media],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An I/O error (a failing disk) cannot be made for real here: it is injected."""
    real = custody_module.sha256_file

    def failing(path: Path, *args: object, **kwargs: object) -> tuple[str, int]:
        if path.name == "vfr.mp4":
            raise OSError(5, "Input/output error")
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(custody_module, "sha256_file", failing)
    report, _ = run_verify(custody, case)
    check = next(m for m in report.media if m.file_name == "vfr.mp4")
    assert (check.state, check.reason) == ("unreadable", "unreadable")
    assert "Input/output error" in check.message


@pytest.fixture
def rooted(
    db_target: str, tmp_path: Path, media_folder: Path
) -> Iterator[tuple[Services, Callable[[dict[str, str]], None], Path]]:
    """Services whose settings map the media root ``evidence`` to a changeable folder."""
    root = tmp_path / "share"
    root.mkdir()
    shutil.move(media_folder, root / "case-42")
    current = [Settings(media_roots={"evidence": str(root)})]

    def remap(roots: dict[str, str]) -> None:
        current[0] = Settings(media_roots=roots)

    services = open_services(db_target, lambda: ACTOR, lambda: current[0])
    yield services, remap, root
    services.close()


def test_media_roots_are_honoured(
    rooted: tuple[Services, Callable[[dict[str, str]], None], Path], tmp_path: Path
) -> None:
    services, remap, root = rooted
    case = services.cases.create("Rooted").value
    drain(services.importing.run(case.uid, [root / "case-42"]))
    media = services.media.for_case(case.uid)
    assert all(m.location.startswith("evidence:case-42/") for m in media)
    custody = CustodyService(services._db, lambda: ACTOR, services.settings)

    # Another laptop: the shared folder is mounted elsewhere; only the mapping differs.
    laptop = tmp_path / "mnt" / "team-share"
    laptop.parent.mkdir()
    shutil.move(root, laptop)
    assert not drain(custody.verify(case.uid)).media_ok
    remap({"evidence": str(laptop)})
    report = drain(custody.verify(case.uid))
    assert report.ok
    assert {m.path for m in report.media} == {str(laptop / "case-42" / m.file_name) for m in media}

    # A relinked file under the root is stored relative to it again.
    audio = next(m for m in media if m.file_name == "tone-aac.m4a")
    (laptop / "archive").mkdir()
    shutil.move(laptop / "case-42" / audio.file_name, laptop / "archive" / audio.file_name)
    relink = drain(custody.relink(case.uid, laptop / "archive"))
    assert [r.new_location for r in relink.relinked] == [f"evidence:archive/{audio.file_name}"]
    assert services.media.get(case.uid, audio.uid).location == "evidence:archive/tone-aac.m4a"
    assert drain(custody.verify(case.uid)).ok


def test_cancel_keeps_the_states_found_so_far(
    services: Services,
    custody: CustodyService,
    case: Case,
    imported: dict[str, Media],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = CancelToken()
    real = custody_module.sha256_file

    def cancel_after_first(path: Path, *args: object, **kwargs: object) -> tuple[str, int]:
        result = real(path, *args, **kwargs)  # type: ignore[arg-type]
        token.cancel()  # the investigator presses Cancel while the first file finishes
        return result

    monkeypatch.setattr(custody_module, "sha256_file", cancel_after_first)
    report = drain(custody.verify(case.uid, token, workers=1))
    assert report.cancelled and not report.ok
    assert len(report.media) == 1 and report.media[0].state == "ok"
    assert len(report.unchecked) == 3
    recorded = {n: s for n, s in states(services, case).items() if s}
    assert recorded == {report.media[0].file_name: "ok"}
    assert len(report.as_record()["unchecked"]) == 3  # type: ignore[arg-type]
    assert (report.events, report.head_hash) == services.audit.head(case.uid)


def test_cancel_before_any_file_records_nothing(
    services: Services, custody: CustodyService, case: Case, imported: dict[str, Media]
) -> None:
    token = CancelToken()
    work = custody.verify(case.uid, token)
    events = len(services.audit.history(case.uid))
    report = drain(work, lambda p: token.cancel() if p.message == "Verifying" else None)
    assert report.cancelled and report.media == [] and len(report.unchecked) == 4
    assert len(services.audit.history(case.uid)) == events


def test_relink_cancelled_while_searching_changes_nothing(
    services: Services,
    custody: CustodyService,
    case: Case,
    imported: dict[str, Media],
    media_folder: Path,
) -> None:
    (media_folder / "picture.jpg").unlink()
    token = CancelToken()
    token.cancel()
    report: RelinkReport = drain(custody.relink(case.uid, media_folder.parent, token))
    assert report.cancelled and report.relinked == []
    assert [m.file_name for m in report.still_missing] == ["picture.jpg"]


def test_relink_needs_a_folder_and_skips_present_files(
    custody: CustodyService, case: Case, imported: dict[str, Media], tmp_path: Path
) -> None:
    with pytest.raises(ValidationError):
        drain(custody.relink(case.uid, tmp_path / "nowhere"))
    report = drain(custody.relink(case.uid, tmp_path))
    assert report.present == 4 and report.relinked == [] and report.complete
