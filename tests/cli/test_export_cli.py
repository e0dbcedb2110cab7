"""`annotator export` and `annotator import-annotations` as CLI.md describes them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from annotator.__main__ import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_export_json_then_restore_into_another_case(
    capsys: pytest.CaptureFixture[str], db_path: Path, tmp_path: Path
) -> None:
    db = ["--db", str(db_path)]
    code, out, _ = run(capsys, *db, "demo", "--json")
    name = json.loads(out)["case"]
    target = tmp_path / "export" / "case.json"
    code, out, err = run(
        capsys, *db, "export", "--case", name, "--format", "json", "--out", str(target), "--json"
    )
    assert code == 0 and err == ""
    record = json.loads(out)
    assert record["format"] == "json" and record["annotations"] == 12
    assert record["files"] == [str(target)] and target.is_file()

    run(capsys, *db, "case", "create", "Copy")
    code, out, err = run(capsys, *db, "import-annotations", "--case", "Copy", str(target), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert set(report) >= {"created", "unchanged", "conflicts", "missing_media"}
    assert report["missing_media"] == [] and report["conflicts"] == []
    assert report["created"] > 12  # tags, claims and annotations
    code, out, _ = run(capsys, *db, "import-annotations", "--case", "Copy", str(target), "--json")
    again = json.loads(out)
    assert code == 0 and again["created"] == 0 and again["unchanged"] == report["created"]

    # A filtered CSV: only one media, by its SHA-256.
    document = json.loads(target.read_text(encoding="utf-8"))
    video = next(m for m in document["media"] if m["kind"] == "video")
    csv_out = tmp_path / "video.csv"
    code, out, _ = run(
        capsys, *db, "export", "--case", name, "--format", "csv", "--out", str(csv_out),
        "--media", video["sha256"], "--json",
    )  # fmt: skip
    expected = sum(1 for a in document["annotations"] if a["media_uid"] == video["uid"])
    assert code == 0 and json.loads(out)["annotations"] == expected


def test_missing_media_exit_1_and_a_message_that_says_what_to_do(
    capsys: pytest.CaptureFixture[str], db_path: Path, tmp_path: Path
) -> None:
    db = ["--db", str(db_path)]
    _, out, _ = run(capsys, *db, "demo", "--json")
    name = json.loads(out)["case"]
    target = tmp_path / "case.json"
    run(capsys, *db, "export", "--case", name, "--format", "json", "--out", str(target))
    document = json.loads(target.read_text(encoding="utf-8"))
    video = next(m for m in document["media"] if m["kind"] == "video")
    shutil.move(video["original_path"], tmp_path / "elsewhere.mp4")
    run(capsys, *db, "case", "create", "Copy")
    code, out, _ = run(capsys, *db, "import-annotations", "--case", "Copy", str(target))
    assert code == 1
    assert "missing media: " + video["file_name"] in out and "run this again" in out


def test_usage_errors(capsys: pytest.CaptureFixture[str], db_path: Path, tmp_path: Path) -> None:
    db = ["--db", str(db_path)]
    run(capsys, *db, "case", "create", "Empty")
    code, _, err = run(
        capsys, *db, "export", "--case", "Empty", "--format", "json", "--out", str(tmp_path)
    )
    assert code == 2 and err.startswith("error:") and "folder" in err
    code, _, err = run(
        capsys, *db, "export", "--case", "Nope", "--format", "json", "--out", str(tmp_path / "x")
    )
    assert code == 2 and err.startswith("error:")
    bad = tmp_path / "notes.eaf"
    bad.write_text("<ANNOTATION_DOCUMENT/>")
    code, _, err = run(capsys, *db, "import-annotations", "--case", "Empty", str(bad))
    assert code == 2 and "--media" in err


def test_ctrl_c_cancels_an_export_and_leaves_no_file(
    capsys: pytest.CaptureFixture[str],
    db_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import os
    import signal

    from annotator.core.progress import drain as real_drain

    db = ["--db", str(db_path)]
    _, out, _ = run(capsys, *db, "demo", "--json")
    name = json.loads(out)["case"]

    def interrupted_drain(work: object, bar: object = None) -> object:
        next(work)  # type: ignore[call-overload]  # the export has started
        os.kill(os.getpid(), signal.SIGINT)  # the investigator presses Ctrl-C
        return real_drain(work, bar)  # type: ignore[arg-type]

    monkeypatch.setattr("annotator.cli.export_cmds.drain", interrupted_drain)
    target = tmp_path / "report.html"
    code, _, err = run(
        capsys, *db, "export", "--case", name, "--format", "html", "--out", str(target)
    )
    assert code == 1 and "cancelled" in err and "Traceback" not in err
    assert not target.exists() and list(tmp_path.glob(".report.html.*")) == []
