"""`annotator import` and `annotator media list` as CLI.md specifies them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.__main__ import main

MEDIA_FIELDS = {
    "uid",
    "sha256",
    "file_name",
    "original_path",
    "location",
    "kind",
    "mime",
    "size_bytes",
    "width",
    "height",
    "rotation",
    "duration_ms",
    "frame_count",
    "avg_fps",
    "is_vfr",
    "video_codec",
    "audio_codec",
    "captured_at",
    "imported_at",
    "provenance",
    "verify_state",
}
FILE_FIELDS = {"path", "outcome", "reason", "message", "sha256", "media_uid", "duplicate_of"}


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_json_report_and_exit_codes(
    capsys: pytest.CaptureFixture[str], db_path: Path, media_folder: Path, tmp_path: Path
) -> None:
    db = ["--db", str(db_path)]
    assert cli(capsys, *db, "case", "create", "Donetsk captives")[0] == 0
    code, out, err = cli(
        capsys, *db, "import", "--case", "Donetsk captives", str(media_folder), "--json"
    )
    assert code == 0 and err == ""
    doc = json.loads(out)
    assert doc["case"] == "Donetsk captives"
    assert doc["summary"] == {
        "imported": 4,
        "duplicate": 0,
        "unsupported": 0,
        "failed": 0,
        "skipped": 0,
    }
    assert all(set(f) >= FILE_FIELDS for f in doc["files"])

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.mov").write_bytes(b"")
    (bad / "readme.txt").write_text("hello")
    code, out, _ = cli(capsys, *db, "import", "--case", "Donetsk captives", str(bad), "--json")
    doc = json.loads(out)
    assert code == 1  # a file failed
    reasons = {Path(f["path"]).name: (f["outcome"], f["reason"]) for f in doc["files"]}
    assert reasons == {
        "empty.mov": ("failed", "zero_bytes"),
        "readme.txt": ("unsupported", "unsupported_format"),
    }

    (bad / "empty.mov").unlink()
    code, out, _ = cli(capsys, *db, "import", "--case", "Donetsk captives", str(bad))
    assert code == 0  # unsupported alone is not a failure
    assert "1 unsupported" in out and "readme.txt" in out


def test_media_list(
    capsys: pytest.CaptureFixture[str], db_path: Path, media_folder: Path, corpus: dict[str, Path]
) -> None:
    db = ["--db", str(db_path)]
    cli(capsys, *db, "case", "create", "C")
    code, out, _ = cli(capsys, *db, "media", "list", "--case", "C")
    assert code == 0 and "No media" in out
    shutil.copy(corpus["rotated"], media_folder / "portrait.mp4")
    cli(capsys, *db, "import", "--case", "C", str(media_folder))
    code, out, _ = cli(capsys, *db, "media", "list", "--case", "C", "--json")
    listed = {m["file_name"]: m for m in json.loads(out)}
    assert all(set(m) >= MEDIA_FIELDS for m in listed.values())
    portrait = listed["portrait.mp4"]
    assert (portrait["width"], portrait["height"], portrait["rotation"]) == (108, 192, 90)
    assert portrait["avg_fps"] == 24.0 and portrait["frame_count"] == 36
    assert listed["vfr.mp4"]["is_vfr"] is True
    assert listed["picture.jpg"]["duration_ms"] is None
    assert portrait["imported_at"].endswith("Z")
    code, out, _ = cli(capsys, *db, "media", "list", "--case", "C")
    assert "portrait.mp4" in out and "108x192" in out
    code, _, err = cli(capsys, *db, "media", "list", "--case", "nope")
    assert code == 2 and err.startswith("error: No case named 'nope'")


def test_progress_goes_to_stderr_only_when_asked(
    db_path: Path, media_folder: Path, tmp_path: Path
) -> None:
    env_args = [sys.executable, "-m", "annotator", "--db", str(db_path)]
    subprocess.run([*env_args, "case", "create", "C"], check=True, capture_output=True)
    quiet = subprocess.run(
        [*env_args, "import", "--case", "C", str(media_folder), "--json"],
        capture_output=True,
        text=True,
    )
    assert quiet.returncode == 0 and quiet.stderr == ""
    json.loads(quiet.stdout)
    loud = subprocess.run(
        [*env_args, "import", "--case", "C", str(media_folder), "--progress"],
        capture_output=True,
        text=True,
    )
    assert "files" in loud.stderr and "[" in loud.stderr
    assert "4 skipped" in loud.stdout  # all already imported: resumed, nothing twice
