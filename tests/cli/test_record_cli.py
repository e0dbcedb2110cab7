"""`annotator tag list` and `annotator claim list` (CLI.md shapes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.__main__ import main
from annotator.core.entities import Case, Media
from annotator.services.container import Services


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_tag_and_claim_lists(
    capsys: pytest.CaptureFixture[str], services: Services, case: Case, video: Media, db_path: Path
) -> None:
    db = ["--db", str(db_path)]
    code, out, _ = cli(capsys, *db, "tag", "list", "--case", case.name)
    assert code == 0 and "No tags" in out
    ann = services.annotations.create(
        case.uid,
        video.uid,
        {"kind": "moment", "start_ms": 0, "start_frame": 0},
        tags=["person/captive", "language/mandarin"],
    ).value
    claim = services.claims.create(
        case.uid, "The captive speaks Mandarin", claimant="Head of state"
    ).value
    services.claims.link(case.uid, ann.uid, claim.uid, "supports")
    services.claims.update(case.uid, claim.uid, {"status": "supported"})

    code, out, _ = cli(capsys, *db, "tag", "list", "--case", case.name, "--json")
    tags = json.loads(out)
    assert [t["path"] for t in tags] == [
        "language",
        "language/mandarin",
        "person",
        "person/captive",
    ]
    assert all(set(t) >= {"uid", "path", "colour"} and t["colour"].startswith("#") for t in tags)

    code, out, _ = cli(capsys, *db, "claim", "list", "--case", case.name, "--json")
    (listed,) = json.loads(out)
    assert listed["uid"] == claim.uid and listed["status"] == "supported"
    assert listed["claimant"] == "Head of state"
    assert listed["evidence"] == {"supports": 1, "contradicts": 0, "context": 0}

    code, out, _ = cli(capsys, *db, "claim", "list", "--case", case.name)
    assert "supported" in out and "The captive speaks Mandarin" in out
    code, _, err = cli(capsys, *db, "claim", "list", "--case", "nope")
    assert code == 2 and err.startswith("error: No case named")
