"""The hostile corpus (built once per session) and a case with earlier work to protect."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from annotator.core.entities import Case
from annotator.services.container import Services
from tests.hostile.support import run_import
from tests.hostile_corpus import HostileCorpus, build


@pytest.fixture(scope="session")
def hostile_corpus(tmp_path_factory: pytest.TempPathFactory) -> HostileCorpus:
    return build(tmp_path_factory.mktemp("hostile-corpus"))


@pytest.fixture
def hostile(tmp_path: Path, hostile_corpus: HostileCorpus) -> HostileCorpus:
    """A private copy of the corpus: tests may delete, change or lock its files."""
    return hostile_corpus.copy_to(tmp_path / "evidence")


@pytest.fixture
def earlier_work(services: Services, case: Case, corpus: dict[str, Path], tmp_path: Path) -> Case:
    """A case with imported media, tags, a claim and annotations: what must not change."""
    folder = tmp_path / "earlier"
    folder.mkdir()
    for name in ("h264-bframes", "image.jpg"):
        shutil.copy(corpus[name], folder / corpus[name].name)
    run_import(services, case.uid, folder)
    media = {m.file_name: m for m in services.media.for_case(case.uid)}
    video, photo = media["h264-bframes.mp4"], media["picture.jpg"]
    claim = services.claims.create(case.uid, "Filmed near the checkpoint").value
    moment = services.annotations.create(
        case.uid,
        video.uid,
        {"kind": "moment", "start_frame": 7, "start_ms": 292, "title": "Vehicle enters"},
        tags=["vehicle/truck"],
    ).value
    services.annotations.create(
        case.uid,
        photo.uid,
        {
            "kind": "region",
            "region": {"shape": "rect", "x": 0.25, "y": 0.25, "w": 0.5, "h": 0.5},
            "title": "Face",
        },
        tags=["person"],
    )
    services.claims.link(case.uid, moment.uid, claim.uid, "supports", "Same truck")
    return case
