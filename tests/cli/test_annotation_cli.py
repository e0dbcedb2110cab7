"""`annotator annotation show|update|delete`: a script's write over a newer change is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.__main__ import main
from annotator.core.entities import Case, Media
from annotator.services.container import Services, open_services


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_conflicting_write_exits_1_with_reason_conflict(
    capsys: pytest.CaptureFixture[str], services: Services, case: Case, video: Media, db_path: Path
) -> None:
    db = ["--db", str(db_path)]
    ann = services.annotations.create(
        case.uid, video.uid, {"kind": "moment", "start_ms": 0, "start_frame": 0}
    ).value
    code, out, _ = cli(capsys, *db, "annotation", "show", "--case", case.name, ann.uid, "--json")
    seen = json.loads(out)
    assert code == 0 and seen["version"] == ann.version and seen["uid"] == ann.uid

    other = open_services(db_path, lambda: "Second Investigator")  # edits meanwhile
    other.annotations.update(case.uid, ann.uid, {"note": "theirs"})
    other.close()

    version = str(seen["version"])
    code, out, err = cli(
        capsys, *db, "annotation", "update", "--case", case.name, ann.uid,
        "--set", "note=mine", "--if-version", version, "--json",
    )  # fmt: skip
    assert code == 1
    refused = json.loads(out)
    assert set(refused) == {"uid", "reason", "message"}
    assert (refused["uid"], refused["reason"]) == (ann.uid, "conflict")
    assert err.startswith("error: ") and "changed elsewhere" in err
    code, out, err = cli(
        capsys, *db, "annotation", "delete", "--case", case.name, ann.uid, "--if-version", version
    )
    assert code == 1 and out == "" and "changed elsewhere" in err
    kept = services.annotations.get(case.uid, ann.uid)
    assert kept.note == "theirs" and kept.deleted_at is None

    # With the version now saved, the write goes through (audited under this investigator).
    code, out, _ = cli(
        capsys, *db, "annotation", "update", "--case", case.name, ann.uid,
        "--set", "note=mine", "--set", "start_frame=3", "--set", "start_ms=100",
        "--if-version", str(kept.version), "--json",
    )  # fmt: skip
    done = json.loads(out)
    assert code == 0 and (done["note"], done["start_frame"], done["version"]) == (
        "mine",
        3,
        kept.version + 1,
    )
    code, _, err = cli(
        capsys, *db, "annotation", "update", "--case", case.name, ann.uid, "--set", "oops"
    )
    assert code == 2 and "FIELD=VALUE" in err
    assert services.audit.verify(case.uid).ok
