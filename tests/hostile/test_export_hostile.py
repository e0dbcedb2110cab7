"""Reports and stills over a case holding the hostile files that did import.

A still shows exactly the annotated frame or the report says, per annotation, which file
and why not (reason code); every other still is made, and nothing saved changes.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from annotator.__main__ import main
from annotator.core.entities import Case
from annotator.core.progress import drain
from annotator.media.video import VideoSource
from annotator.services.container import Services
from tests import media_factory as mf
from tests.hostile.support import assert_kept, dump, run_import
from tests.hostile.test_playback_hostile import play
from tests.hostile_corpus import HostileCorpus

# Regions in the bottom half, away from the index blocks a test reads back.
LOW_BOX = {"shape": "rect", "x": 0.1, "y": 0.6, "w": 0.5, "h": 0.3}
VIDEO_MOMENTS = {
    "damaged/corrupt-frames.mp4": [5, 30],
    "headers/claims-one-hour.mp4": [35],  # the last real frame of "an hour"
    "headers/claims-65535x65535.mp4": [10],
    "headers/claims-ten-times-the-frames.mp4": [20],
    "magic/mp4-named.jpg": [3],
}
IMAGES = [
    "magic/png-named.mp4",
    "names/line\nbreak.png",
    "names/🎥 съёмка 证据 💥.png",
    "names/invoice-\u202egnp.exe",
    "deep/" + "/".join(f"level-{n:02d}" for n in range(1, 61)) + "/bottom.png",
]


def annotate(
    services: Services, case: Case, hostile: HostileCorpus
) -> dict[str, tuple[str, int | None]]:
    """Annotation uid -> (file, frame) over the imported hostile files, plus doomed ones."""
    media = {m.original_path: m for m in services.media.for_case(case.uid)}
    made: dict[str, tuple[str, int | None]] = {}
    lost = sorted(
        set(range(36)) - {f.number for f in play(hostile.path("damaged/corrupt-frames.mp4"))}
    )
    moments = dict(VIDEO_MOMENTS)
    moments["damaged/corrupt-frames.mp4"] = [*moments["damaged/corrupt-frames.mp4"], lost[0]]
    moments["headers/claims-one-hour.webm"] = [20]  # its file is replaced below
    for rel, frames in moments.items():
        item = media[str(hostile.path(rel))]
        with VideoSource(hostile.path(rel), cache_bytes=0) as source:
            times = {n: source.index.ms(n) for n in frames}
        for n in frames:
            fields = {
                "kind": "moment",
                "start_frame": n,
                "start_ms": times[n],
                "title": f"{rel} {n}",
            }
            made[services.annotations.create(case.uid, item.uid, fields).value.uid] = (rel, n)
    for rel in [*IMAGES, "names/tab\tand  spaces .png"]:  # the last one is deleted below
        item = media[str(hostile.path(rel))]
        fields = {"kind": "region", "region": LOW_BOX, "title": rel}
        made[services.annotations.create(case.uid, item.uid, fields).value.uid] = (rel, None)
    return made


@pytest.fixture
def annotated(
    services: Services, earlier_work: Case, hostile: HostileCorpus
) -> dict[str, tuple[str, int | None]]:
    run_import(services, earlier_work.uid, hostile.root)
    made = annotate(services, earlier_work, hostile)
    hostile.path("names/tab\tand  spaces .png").unlink()  # moved away since the import
    hostile.path("headers/claims-one-hour.webm").write_text("overwritten by a sync tool")
    return made


def expected_failures(
    made: dict[str, tuple[str, int | None]], lost_frame: int
) -> dict[str, tuple[str, str]]:
    out = {}
    for uid, (rel, frame) in made.items():
        if rel == "damaged/corrupt-frames.mp4" and frame == lost_frame:
            out[uid] = ("corrupt-frames.mp4", "decode_error")
        elif rel == "names/tab\tand  spaces .png":
            out[uid] = ("tab\tand  spaces .png", "not_found")
        elif rel == "headers/claims-one-hour.webm":
            out[uid] = ("claims-one-hour.webm", "decode_error")
    return out


def lost_frame(made: dict[str, tuple[str, int | None]]) -> int:
    """The damaged video's frame that was annotated because it is lost."""
    intact = VIDEO_MOMENTS["damaged/corrupt-frames.mp4"]
    frames = [f for rel, f in made.values() if rel == "damaged/corrupt-frames.mp4"]
    return next(f for f in frames if f is not None and f not in intact)


def test_html_report_says_which_file_and_why_and_keeps_the_rest(
    services: Services,
    earlier_work: Case,
    annotated: dict[str, tuple[str, int | None]],
    db_path: Path,
    tmp_path: Path,
) -> None:
    before = dump(db_path)
    out = tmp_path / "report.html"
    result = drain(services.exporting.run(earlier_work.uid, "html", out))
    failures = {f["annotation_uid"]: (f["file_name"], f["reason"]) for f in result.failures}
    assert failures == expected_failures(annotated, lost_frame(annotated))
    html = out.read_text(encoding="utf-8")
    for f in result.failures:
        assert f["file_name"] in f["message"]
        if f["reason"] == "decode_error" and f["file_name"] == "corrupt-frames.mp4":
            assert (
                f"frame {lost_frame(annotated)} of corrupt-frames.mp4 cannot be decoded"
                in f["message"]
            )
    assert html.count("<img") == result.annotations - len(result.failures)
    after = dump(db_path)
    assert_kept(before, after)
    added = {t: len(after[t]) - len(before[t]) for t in after if len(after[t]) != len(before[t])}
    assert added == {"audit_events": 1}  # the export.write event, nothing else


def test_stills_show_exactly_the_annotated_frame(
    services: Services,
    earlier_work: Case,
    annotated: dict[str, tuple[str, int | None]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    db_path: Path,
) -> None:
    out = tmp_path / "stills"
    code = main(
        [
            "--db",
            str(db_path),
            "export",
            "--case",
            earlier_work.name,
            "--format",
            "stills",
            "--out",
            str(out),
            "--json",
        ]
    )
    doc = json.loads(capsys.readouterr().out)
    assert code == 1  # some stills could not be made
    failures = {f["annotation_uid"]: (f["file_name"], f["reason"]) for f in doc["failures"]}
    assert failures == expected_failures(annotated, lost_frame(annotated))
    written = {Path(p).name: Path(p) for p in doc["files"]}
    hostile_stills = 0
    for uid, (rel, frame) in annotated.items():
        if uid in failures:
            assert not any(uid[:8] in name for name in written)
            continue
        (path,) = [p for name, p in written.items() if uid[:8] in name]
        rgb = np.asarray(Image.open(path).convert("RGB"))
        if frame is not None:
            assert f"frame{frame:06d}" in path.name
            assert mf.decode_index(rgb) == frame, rel  # that frame, not a neighbour
        hostile_stills += 1
    assert hostile_stills == len(annotated) - len(failures)


def test_clips_across_the_damage_fail_whole_and_after_it_are_exact(
    services: Services, case: Case, hostile: HostileCorpus, tmp_path: Path, db_path: Path
) -> None:
    """A clip is every frame of its segment or nothing: a lost frame is never skipped."""
    import av

    from annotator.core.errors import MediaError
    from tests.hostile_corpus import NEXT_KEYFRAME

    path = hostile.path("damaged/corrupt-frames.mp4")
    run_import(services, case.uid, path)
    (media,) = services.media.for_case(case.uid)
    lost = sorted(set(range(36)) - {f.number for f in play(path)})

    def segment(first: int, last: int) -> str:
        with VideoSource(path, cache_bytes=0) as video:
            index = video.index
            end_ms = index.ms(last + 1) if last + 1 < index.frame_count else index.duration_ms
            fields = {
                "kind": "segment",
                "start_frame": first,
                "end_frame": last,
                "start_ms": index.ms(first),
                "end_ms": end_ms,
            }
        return services.annotations.create(case.uid, media.uid, fields).value.uid

    across, after = segment(10, 20), segment(NEXT_KEYFRAME, 35)
    before = dump(db_path)
    broken = tmp_path / "across.mp4"
    with pytest.raises(MediaError) as err:
        drain(services.clips.export_clip(case.uid, across, broken))
    assert err.value.reason == "decode_error"
    assert f"frame {lost[0]} of corrupt-frames.mp4 cannot be decoded" in err.value.message
    assert not broken.exists() and not list(tmp_path.glob("across*"))
    assert dump(db_path) == before  # a failed clip records nothing

    good = tmp_path / "after.mp4"
    result = drain(services.clips.export_clip(case.uid, after, good))
    assert (result.start_frame, result.end_frame, result.frame_count) == (NEXT_KEYFRAME, 35, 12)
    with av.open(str(good)) as clip:
        shown = [mf.decode_index(f.to_ndarray(format="rgb24")) for f in clip.decode(video=0)]
    assert shown == list(range(NEXT_KEYFRAME, 36))


def test_stills_follow_the_pixel_limit_setting_like_the_import(
    db_path: Path, hostile: HostileCorpus, tmp_path: Path
) -> None:
    """Raised to let a 300 MP scan in, the limit lets its still out; lowered, it says so."""
    from annotator.core.settings import Settings
    from annotator.services.container import open_services
    from tests.conftest import INVESTIGATOR

    limit = [400]
    services = open_services(
        db_path, lambda: INVESTIGATOR, lambda: Settings(max_image_megapixels=limit[0])
    )
    try:
        case = services.cases.create("Scans").value
        bomb = hostile.path("huge/bomb-20000x15000.png")
        report = run_import(services, case.uid, bomb)
        assert [(f.outcome, f.reason) for f in report.files] == [("imported", "")]
        (media,) = services.media.for_case(case.uid)
        fields = {"kind": "region", "region": LOW_BOX}
        note = services.annotations.create(case.uid, media.uid, fields).value
        result = drain(services.exporting.run(case.uid, "html", tmp_path / "in.html"))
        assert result.failures == []
        limit[0] = 100
        result = drain(services.exporting.run(case.uid, "html", tmp_path / "out.html"))
        (failure,) = result.failures
        assert (failure["annotation_uid"], failure["reason"]) == (note.uid, "too_large")
        assert failure["message"].startswith("bomb-20000x15000.png ")
        assert "100-megapixel limit" in failure["message"]
    finally:
        services.close()
