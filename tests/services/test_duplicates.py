"""Near-duplicate groups in a case, the backfill of old videos, and the 0002 -> 0003 upgrade.

Acceptance (issue 7 part 5): the same generated clip re-encoded at another resolution and
bitrate, and a 3-second excerpt of it, are grouped with the original; unrelated clips with
similar colours are not.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from annotator.core.entities import Case
from annotator.core.progress import CancelToken, drain
from annotator.media import fingerprint as fp
from annotator.media.analyse import analyse_file
from annotator.media.hashing import perceptual_hash
from annotator.media.video import VideoSource
from annotator.services.container import Services, open_services
from annotator.services.duplicates import DuplicateService
from tests.raw_sql import schema_of


def duplicates(services: Services) -> DuplicateService:
    return DuplicateService(services._db, lambda: "tester", services.settings)


@pytest.fixture
def evidence(tmp_path: Path, scene_clips: dict[str, Path]) -> dict[str, Path]:
    """The scene clips copied into one folder (as downloaded), plus a screenshot."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    files = {
        name: Path(shutil.copy2(path, folder / path.name)) for name, path in scene_clips.items()
    }
    with VideoSource(files["original"], cache_bytes=0) as source:
        frame = source.read_at_ms(6250).rgb  # a sampled moment
    import cv2

    screenshot = folder / "screenshot.png"
    cv2.imwrite(str(screenshot), cv2.resize(frame, (960, 540))[:, :, ::-1])
    files["screenshot"] = screenshot
    return files


def test_reencode_and_excerpt_are_grouped_with_the_original(
    services: Services, case: Case, evidence: dict[str, Path]
) -> None:
    report = drain(services.importing.run(case.uid, list(evidence.values())))
    assert report.summary["imported"] == len(evidence)
    by_name = {m.file_name: m for m in services.media.for_case(case.uid)}
    uid = {name: by_name[path.name].uid for name, path in evidence.items()}

    groups = duplicates(services).find_near_duplicates(case.uid)

    assert len(groups) == 1
    group = groups[0]
    assert group.uids == {uid["original"], uid["reupload"], uid["excerpt"], uid["screenshot"]}
    # The reference is the longest video; of two equally long, the bigger picture.
    assert group.reference.uid == uid["original"]
    members = {m.media.uid: m for m in group.members}
    assert members[uid["original"]].relation == "reference"
    reupload = members[uid["reupload"]]
    assert reupload.relation == "same" and reupload.offset_ms == 0 and reupload.score >= 0.9
    excerpt = members[uid["excerpt"]]
    assert excerpt.relation == "excerpt" and excerpt.score >= 0.8
    assert excerpt.offset_ms is not None and abs(excerpt.offset_ms - 2000) <= 150
    shot = members[uid["screenshot"]]
    assert shot.relation == "frame" and shot.offset_ms is not None
    assert abs(shot.offset_ms - 6250) <= 50
    assert 0.8 <= group.score <= 1.0
    pair = next(p for p in group.pairs if uid["excerpt"] in (p.outer_uid, p.inner_uid))
    assert pair.inner_uid == uid["excerpt"] and pair.frames >= fp.MIN_PAIRS
    assert [m.media.uid for m in group.members][:2] == [uid["original"], uid["reupload"]]

    # Stricter thresholds only ever take members away.
    strict = duplicates(services).find_near_duplicates(case.uid, threshold=0.999)
    assert all(g.uids <= group.uids for g in strict)


def old_style_import(services: Services, case_uid: str, paths: list[Path]) -> list[str]:
    """Media recorded the way the app did before fingerprints (no frame hashes)."""
    uids = []
    for path in paths:
        new = replace(analyse_file(path, max_pixels=10**8).media, frame_hashes=None)
        uids.append(services.media.add(case_uid, new).value.uid)
    return uids


def test_backfill_fingerprints_old_videos_audited(
    services: Services, case: Case, evidence: dict[str, Path]
) -> None:
    original, excerpt = old_style_import(
        services, case.uid, [evidence["original"], evidence["excerpt"]]
    )
    service = duplicates(services)
    assert {m.uid for m in service.missing_fingerprints(case.uid)} == {original, excerpt}
    assert service.find_near_duplicates(case.uid) == []  # nothing to compare yet
    assert services.audit.verify(case.uid).ok

    steps = []
    report = drain(service.backfill(case.uid), steps.append)

    assert sorted(report.fingerprinted) == sorted([original, excerpt]) and not report.failed
    assert steps[-1].done == steps[-1].total == 2
    assert report.changes.media == {original, excerpt}
    assert service.missing_fingerprints(case.uid) == []
    assert len(service.frame_hashes(case.uid)[original] or []) == fp.SAMPLES
    events = services.audit.history(case.uid, original)
    assert [e.action for e in events] == ["media.import", "media.fingerprint"]
    last = events[-1]
    assert last.before is not None and last.after is not None
    assert "frame_hashes" not in last.before
    assert len(json.loads(str(last.after["frame_hashes"]))) == fp.SAMPLES
    assert services.audit.verify(case.uid).ok
    [group] = service.find_near_duplicates(case.uid)
    assert group.uids == {original, excerpt}

    again = drain(service.backfill(case.uid))
    assert again.fingerprinted == [] and again.failed == []
    assert len(services.audit.history(case.uid, original)) == 2


def test_backfill_leaves_missing_and_changed_files_alone(
    services: Services, case: Case, evidence: dict[str, Path]
) -> None:
    gone, changed, fine = old_style_import(
        services, case.uid, [evidence["unrelated"], evidence["excerpt"], evidence["original"]]
    )
    evidence["unrelated"].unlink()
    with evidence["excerpt"].open("ab") as handle:
        handle.write(b"\0")  # same name, other bytes: not the evidence any more

    report = drain(duplicates(services).backfill(case.uid))

    assert report.fingerprinted == [fine]
    reasons = {uid: reason for uid, reason, _ in report.failed}
    assert reasons == {gone: "not_found", changed: "modified"}
    assert all("try again" in message for _, _, message in report.failed)
    missing = {m.uid for m in duplicates(services).missing_fingerprints(case.uid)}
    assert missing == {gone, changed}
    assert services.audit.verify(case.uid).ok


def test_backfill_cancel_keeps_what_is_done(
    services: Services, case: Case, evidence: dict[str, Path]
) -> None:
    old_style_import(services, case.uid, [evidence["original"], evidence["excerpt"]])
    token = CancelToken()
    work = duplicates(services).backfill(case.uid, token)
    next(work)  # started
    next(work)  # first video done and committed
    token.cancel()
    report = drain(work)
    assert report.cancelled and len(report.fingerprinted) == 1
    assert len(duplicates(services).missing_fingerprints(case.uid)) == 1
    assert services.audit.verify(case.uid).ok


def test_upgrade_from_0002_keeps_old_cases_verifying_then_backfills(
    services: Services, case: Case, evidence: dict[str, Path], db_target: str, backend: str
) -> None:
    from alembic import command

    from annotator.db import migrate
    from annotator.db.engine import Database

    [video, _picture] = old_style_import(
        services, case.uid, [evidence["original"], evidence["screenshot"]]
    )
    services.annotations.create(
        case.uid, video, {"kind": "moment", "start_ms": 1000, "start_frame": 24, "note": "x"}
    )
    services.close()
    db = Database(db_target)
    config = migrate._config()
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0002")  # a database from before fingerprints
    db.dispose()
    _tables, columns = schema_of(db_target)
    assert "frame_hashes" not in columns

    db = Database(db_target)
    result = migrate.upgrade(db)
    db.dispose()
    assert result is not None and result.from_revision == "0002"
    assert result.to_revision == migrate.HEAD_REVISION
    if backend == "sqlite":  # the file copied aside first; a server's backups are pg_dump's
        assert result.backup is not None and result.backup.is_file()

    reopened = open_services(db_target, lambda: "x")
    try:
        assert reopened.audit.verify(case.uid).ok  # the new column changed no snapshot
        service = duplicates(reopened)
        assert [m.uid for m in service.missing_fingerprints(case.uid)] == [video]
        report = drain(service.backfill(case.uid))
        assert report.fingerprinted == [video]
        assert reopened.audit.verify(case.uid).ok
        actions = [e.action for e in reopened.audit.history(case.uid, video)]
        assert actions == ["media.import", "media.fingerprint"]
        [group] = service.find_near_duplicates(case.uid)  # the screenshot and its video
        assert group.reference.uid == video
    finally:
        reopened.close()


def test_new_imports_carry_frame_hashes_in_their_import_event(
    services: Services, case: Case, evidence: dict[str, Path]
) -> None:
    drain(services.importing.run(case.uid, [evidence["excerpt"], evidence["screenshot"]]))
    media = {m.kind.value: m for m in services.media.for_case(case.uid)}
    video_event = services.audit.history(case.uid, media["video"].uid)[0]
    assert video_event.after is not None
    assert len(fp.loads(str(video_event.after["frame_hashes"]))) == fp.SAMPLES
    picture_event = services.audit.history(case.uid, media["image"].uid)[0]
    assert picture_event.after is not None and "frame_hashes" not in picture_event.after
    assert duplicates(services).missing_fingerprints(case.uid) == []
    assert services.audit.verify(case.uid).ok


def test_flat_pictures_do_not_group(services: Services, case: Case, tmp_path: Path) -> None:
    import cv2
    import numpy as np

    for name in ("white-1.png", "white-2.png"):
        cv2.imwrite(str(tmp_path / name), np.full((120, 160, 3), 250, np.uint8))
    drain(services.importing.run(case.uid, [tmp_path / "white-1.png", tmp_path / "white-2.png"]))
    assert perceptual_hash(np.full((120, 160, 3), 250, np.uint8)) == "0" * 16
    assert duplicates(services).find_near_duplicates(case.uid) == []
