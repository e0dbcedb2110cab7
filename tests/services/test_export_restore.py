"""JSON and CSV exports of the demo case, and restoring a JSON export into another case."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from annotator.core.errors import ValidationError
from annotator.core.progress import drain
from annotator.reports.document import Selection
from annotator.services.container import Services
from annotator.services.demo import build_or_reuse_demo
from annotator.services.restoring import read_document

# Fields that belong to the case an export came from, not to the records it carries.
CASE_OWN = {"exported_at", "case", "audit", "selection"}
MEDIA_OWN = {"imported_at", "imported_by", "verify_state", "last_verified_at"}


def comparable(document: dict[str, object]) -> dict[str, object]:
    out = {k: v for k, v in document.items() if k not in CASE_OWN}
    out["media"] = [
        {k: v for k, v in m.items() if k not in MEDIA_OWN}
        for m in document["media"]  # type: ignore[attr-defined]
    ]
    return out


@pytest.fixture
def demo(services: Services, tmp_path: Path) -> str:
    return build_or_reuse_demo(services, tmp_path / "demo").uid


def test_json_export_is_complete_and_audited(services: Services, demo: str, tmp_path: Path) -> None:
    out = tmp_path / "out" / "case.json"
    events_before, head_before = services.audit.head(demo)
    result = drain(services.exporting.run(demo, "json", out))
    assert result.files == [out] and result.annotations == 12
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["schema"] == "evidence-annotator/1"
    assert document["exported_at"].endswith("Z")
    assert len(document["media"]) == 3 and len(document["claims"]) == 3
    annotations = document["annotations"]
    assert all(a["media_sha256"] in {m["sha256"] for m in document["media"]} for a in annotations)
    spoken = next(a for a in annotations if a["transcript"])
    assert spoken["transcript_lang"] == "zh" and spoken["translation"]
    linked = [a for a in annotations if a["claims"]]
    assert linked and {c["relation"] for a in linked for c in a["claims"]} >= {
        "supports",
        "contradicts",
    }
    assert document["audit"] == {"events": events_before, "head_hash": head_before}
    # The export itself is in the audit trail with the file's hash, and the chain verifies.
    last = services.audit.history(demo)[-1]
    assert last.action == "export.write"
    assert last.after["files"][0]["sha256"] == result.sha256["case.json"]  # type: ignore[index]
    assert services.audit.verify(demo).ok


def test_selection_by_tag_and_claim(services: Services, demo: str) -> None:
    whole = services.exporting.document(demo)
    by_tag = services.exporting.document(demo, Selection(tag_path="person"))
    assert 0 < len(by_tag["annotations"]) < len(whole["annotations"])  # type: ignore[arg-type]
    assert all(
        any(t == "person" or t.startswith("person/") for t in a["tags"])
        for a in by_tag["annotations"]  # type: ignore[union-attr]
    )
    claim = whole["claims"][0]["uid"]  # type: ignore[index]
    by_claim = services.exporting.document(demo, Selection(claim_uid=claim))
    assert by_claim["annotations"] and all(
        any(c["claim_uid"] == claim for c in a["claims"])
        for a in by_claim["annotations"]  # type: ignore[union-attr]
    )
    assert [c["uid"] for c in by_claim["claims"]] == [claim]  # type: ignore[union-attr]


def test_csv_has_a_bom_one_row_per_annotation_and_no_live_formulas(
    services: Services, demo: str, tmp_path: Path
) -> None:
    first = services.annotations.for_case(demo)[0]
    services.annotations.update(demo, first.uid, {"note": '=HYPERLINK("http://x","y")'})
    out = tmp_path / "a.csv"
    drain(services.exporting.run(demo, "csv", out))
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 12
    chinese = next(r for r in rows if r["transcript_lang"] == "zh")
    assert chinese["transcript"] and chinese["start_timecode"].count(":") == 2
    row = next(r for r in rows if r["uid"] == first.uid)
    assert row["note"] == '\'=HYPERLINK("http://x","y")'
    assert any("; " in r["tags"] for r in rows)


def test_restore_round_trip_is_lossless_and_idempotent(
    services: Services, demo: str, tmp_path: Path
) -> None:
    out = tmp_path / "case.json"
    drain(services.exporting.run(demo, "json", out))
    document = read_document(out)
    target = services.cases.create("Copy for the newsroom").value.uid
    report = services.restoring.restore(target, document)
    assert report.complete and not report.conflicts
    assert len(report.media_imported) == 3  # imported from their recorded paths
    again = services.exporting.document(target)
    assert comparable(again) == comparable(document)
    assert services.audit.verify(target).ok

    second = services.restoring.restore(target, document)
    assert second.created == 0 and not second.conflicts and not second.media_imported
    assert comparable(services.exporting.document(target)) == comparable(document)


def test_conflicts_are_reported_and_overwrite_takes_the_export(
    services: Services, demo: str, tmp_path: Path
) -> None:
    document = services.exporting.document(demo)
    target = services.cases.create("Second opinion").value.uid
    services.restoring.restore(target, document)
    changed = document["annotations"][0]["uid"]  # type: ignore[index]
    services.annotations.update(target, changed, {"note": "Edited in the copy"})
    report = services.restoring.restore(target, document)
    assert [c["uid"] for c in report.conflicts] == [changed]
    assert services.annotations.get(target, changed).note == "Edited in the copy"
    report = services.restoring.restore(target, document, overwrite=True)
    assert report.overwritten == 1 and not report.conflicts
    exported = document["annotations"][0]["note"]  # type: ignore[index]
    assert services.annotations.get(target, changed).note == exported


def test_missing_media_are_listed_with_their_annotation_counts(
    services: Services, demo: str, tmp_path: Path
) -> None:
    document = services.exporting.document(demo)
    video = next(m for m in document["media"] if m["kind"] == "video")  # type: ignore[union-attr]
    moved = tmp_path / "moved"
    moved.mkdir()
    path = Path(str(video["original_path"]))
    shutil.move(path, moved / path.name)  # the file is no longer where the export says
    path.write_bytes(b"another file now")  # and a different file sits at its path
    target = services.cases.create("Partial").value.uid
    report = services.restoring.restore(target, document)
    expected = sum(1 for a in document["annotations"] if a["media_uid"] == video["uid"])  # type: ignore[union-attr]
    assert report.missing_media == [
        {
            "sha256": video["sha256"],
            "file_name": video["file_name"],
            "original_path": video["original_path"],
            "annotations": expected,
        }
    ]
    assert all(m.sha256 != video["sha256"] for m in services.media.for_case(target))


def test_a_file_that_is_not_our_export_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "other.json"
    bad.write_text(json.dumps({"schema": "something-else/3"}))
    with pytest.raises(ValidationError, match=r"other\.json"):
        read_document(bad)
    bad.write_text("{not json")
    with pytest.raises(ValidationError, match="not a JSON export"):
        read_document(bad)


def test_restore_keeps_redactions_and_graphic_flags(
    services: Services, demo: str, tmp_path: Path
) -> None:
    """Publication work survives a JSON round trip: redactions, and what is marked graphic."""
    video = next(m for m in services.media.for_case(demo) if m.kind.value == "video")
    image = next(m for m in services.media.for_case(demo) if m.kind.value == "image")
    keyframes = [
        {"frame": 2, "ms": 80, "x": 0.1, "y": 0.1, "w": 0.2, "h": 0.3},
        {"frame": 10, "ms": 400, "x": 0.5, "y": 0.2, "w": 0.25, "h": 0.3},
    ]
    face = services.redactions.create(
        demo,
        video.uid,
        {
            "shape": "ellipse",
            "method": "pixelate",
            "start_frame": 2,
            "end_frame": 12,
            "start_ms": 80,
            "end_ms": 520,
            "keyframes": keyframes,
            "label": "captive's face",
        },
    ).value
    card = services.redactions.create(
        demo,
        image.uid,
        {
            "method": "fill",
            "keyframes": [{"x": 0.3, "y": 0.4, "w": 0.2, "h": 0.1}],
            "label": "card number",
        },
    ).value
    segment = next(a for a in services.annotations.for_case(demo) if a.media_uid == video.uid)
    services.annotations.set_graphic(demo, segment.uid, True)
    services.media.set_graphic(demo, video.uid, True)
    document = read_document(_export(services, demo, tmp_path / "case.json"))
    assert {r["uid"] for r in document["redactions"]} == {face.uid, card.uid}  # type: ignore[union-attr]

    target = services.cases.create("Publication copy").value.uid
    report = services.restoring.restore(target, document)
    assert report.complete and not report.conflicts
    assert comparable(services.exporting.document(target)) == comparable(document)
    restored = services.redactions.get(target, face.uid)
    assert restored.keyframes == face.keyframes and restored.author == face.author
    assert services.annotations.get(target, segment.uid).graphic
    assert next(m for m in services.media.for_case(target) if m.uid == video.uid).graphic
    again = services.restoring.restore(target, document)
    assert again.created == 0 and not again.conflicts

    # A redaction changed here since the export: a conflict, unless overwritten.
    services.redactions.update(target, face.uid, {"method": "blur"})
    clash = services.restoring.restore(target, document)
    assert [(c["type"], c["uid"]) for c in clash.conflicts] == [("redaction", face.uid)]
    assert services.redactions.get(target, face.uid).method.value == "blur"
    taken = services.restoring.restore(target, document, overwrite=True)
    assert taken.overwritten == 1
    assert services.redactions.get(target, face.uid).method.value == "pixelate"
    assert services.audit.verify(target).ok


def _export(services: Services, case_uid: str, out: Path) -> Path:
    drain(services.exporting.run(case_uid, "json", out))
    return out


def test_an_annotation_copied_under_a_new_uid_keeps_its_links_with_fresh_uids(
    services: Services, demo: str
) -> None:
    """Found by fuzzing (i9-fuzz): the copy's link uids clashed and the restore crashed."""
    document = services.exporting.document(demo)
    linked = next(a for a in document["annotations"] if a["claims"])  # type: ignore[union-attr]
    copy = {**linked, "uid": "6f1f4a8e-3c1b-4f7e-9d7e-0a5b2c9d1e23"}
    report = services.restoring.restore(demo, {**document, "annotations": [copy]})
    assert report.created == 1 and not report.conflicts
    old = {link.uid for link in services.claims.links(demo, annotation_uid=linked["uid"])}
    new = services.claims.links(demo, annotation_uid=copy["uid"])
    assert len(new) == len(linked["claims"]) and not old & {link.uid for link in new}
    assert services.audit.verify(demo).ok


def test_editing_a_restored_copy_leaves_the_originals_search_entry(
    services: Services, demo: str, tmp_path: Path
) -> None:
    """The copy keeps the uids; its search entries are its own, and so are the original's."""
    out = tmp_path / "case.json"
    drain(services.exporting.run(demo, "json", out))
    target = services.cases.create("Copy for the newsroom").value.uid
    services.restoring.restore(target, read_document(out))
    found = {h.entity_uid for h in services.search.query(demo, "handcuff")}
    assert found
    uid = sorted(found)[0]
    mine = services.annotations.get(target, uid)
    services.annotations.update(
        target, uid, {"note": "redacted for the newsroom", "title": ""}, mine.version
    )
    assert {h.entity_uid for h in services.search.query(demo, "handcuff")} == found
    assert uid not in {h.entity_uid for h in services.search.query(target, "handcuff")}
