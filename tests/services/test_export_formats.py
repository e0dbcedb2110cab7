"""ELAN, WebVTT and W3C exports of the demo case through the export service, and ELAN back in."""

from __future__ import annotations

import json
from pathlib import Path

import pympi
import pytest
import webvtt

from annotator.core.progress import drain
from annotator.services.container import Services
from annotator.services.demo import build_or_reuse_demo


@pytest.fixture
def demo(services: Services, tmp_path: Path) -> str:
    return build_or_reuse_demo(services, tmp_path / "demo").uid


def test_eaf_per_media_and_back_into_another_case(
    services: Services, demo: str, tmp_path: Path
) -> None:
    folder = tmp_path / "eaf"
    result = drain(services.exporting.run(demo, "eaf", folder))
    video = next(m for m in services.media.for_case(demo) if m.kind.value == "video")
    assert [p.name for p in result.files] == ["captive-video.eaf"]  # pictures have no ELAN file
    eaf = pympi.Elan.Eaf(str(result.files[0]))
    times = sorted(
        (start, end)
        for tier in eaf.get_tier_names()
        for start, end, *_ in eaf.get_annotation_data_for_tier(tier)
    )
    on_video = [a for a in services.annotations.for_case(demo) if a.media_uid == video.uid]
    assert times[0][0] == min(a.start_ms or 0 for a in on_video)

    # Read back onto the same file in another case: same frames, same texts, same uids.
    copy = services.cases.create("ELAN copy").value.uid
    drain(services.importing.run(copy, [Path(video.original_path)]))
    report = services.restoring.restore_eaf(copy, video.sha256, result.files[0])
    assert report.complete and not report.conflicts
    restored = {a.uid: a for a in services.annotations.for_case(copy)}
    assert set(restored) == {a.uid for a in on_video}
    for original in on_video:
        back = restored[original.uid]
        assert (back.kind, back.start_frame, back.start_ms) == (
            original.kind,
            original.start_frame,
            original.start_ms,
        )
        if original.kind.value == "segment":
            assert (back.end_frame, back.end_ms) == (original.end_frame, original.end_ms)
        assert (back.transcript, back.translation) == (original.transcript, original.translation)
    again = services.restoring.restore_eaf(copy, video.sha256, result.files[0])
    assert again.created == 0 and not again.conflicts


def test_webvtt_per_language_and_w3c(services: Services, demo: str, tmp_path: Path) -> None:
    result = drain(services.exporting.run(demo, "vtt", tmp_path / "vtt"))
    names = sorted(p.name for p in result.files)
    assert names == ["captive-video.en.vtt", "captive-video.zh.vtt"]
    chinese = webvtt.read(str(tmp_path / "vtt" / "captive-video.zh.vtt"))
    spoken = [
        a for a in services.annotations.for_case(demo) if a.transcript and a.kind.value == "segment"
    ]
    assert [c.text for c in chinese] == [a.transcript for a in spoken]
    out = tmp_path / "w3c.jsonld"
    drain(services.exporting.run(demo, "w3c", out))
    collection = json.loads(out.read_text(encoding="utf-8"))
    items = collection["first"]["items"]
    assert len(items) == 12 and collection["total"] == 12
    sources = {i["target"]["source"]["id"] for i in items}
    assert sources <= {f"urn:sha256:{m.sha256}" for m in services.media.for_case(demo)}
