"""The demo case: built from generated media through the real services, reused when intact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.__main__ import main
from annotator.services.container import Services
from annotator.services.demo import CLIP, DEMO_NAME, build_or_reuse_demo
from tests.raw_sql import raw_sql


def test_demo_builds_a_complete_case_then_reuses_it(services: Services, tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    first = build_or_reuse_demo(services, folder)
    assert first.created and first.name == DEMO_NAME
    media = services.media.for_case(first.uid)
    assert sorted(m.kind.value for m in media) == ["image", "image", "video"]
    annotations = services.annotations.for_case(first.uid)
    assert len(annotations) == 12
    spoken = [a for a in annotations if a.transcript]
    assert spoken and spoken[0].transcript_lang == "zh" and spoken[0].translation
    claims = services.claims.for_case(first.uid)
    assert len(claims) == 3 and all(sum(c.evidence.values()) > 0 for c in claims)
    assert any(c.evidence["contradicts"] for c in claims)  # every relation shown
    assert {t.path for t in services.tags.for_case(first.uid)} >= {
        "person/captive",
        "language/mandarin",
    }
    assert services.audit.verify(first.uid).ok
    assert services.search.query(first.uid, "Donetsk")

    again = build_or_reuse_demo(services, folder)
    assert not again.created and again.uid == first.uid

    (folder / CLIP).unlink()  # the media folder was cleaned up: regenerated, same bytes
    third = build_or_reuse_demo(services, folder)
    assert not third.created and third.uid == first.uid and (folder / CLIP).is_file()


def test_damaged_demo_is_rebuilt_beside_it(
    services: Services, tmp_path: Path, db_target: str
) -> None:
    first = build_or_reuse_demo(services, tmp_path / "demo")
    raw_sql(db_target, "UPDATE annotations SET note = 'tampered' WHERE id = 1")
    rebuilt = build_or_reuse_demo(services, tmp_path / "demo")
    assert rebuilt.created and rebuilt.uid != first.uid
    assert rebuilt.name.startswith(DEMO_NAME + " (rebuilt ")
    assert services.audit.verify(rebuilt.uid).ok


def test_demo_command(capsys: pytest.CaptureFixture[str], db_target: str) -> None:
    assert main(["--db", db_target, "demo", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["case"] == DEMO_NAME and doc["created"] is True
    assert main(["--db", db_target, "demo"]) == 0
    assert "Reused the demo case" in capsys.readouterr().out
