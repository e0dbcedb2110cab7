"""`annotator import` / `verify` over hostile media: CLI.md's JSON, exit codes, and real
permission errors (the process runs without root's power to read any file)."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from annotator.__main__ import main
from annotator.core.paths import path_text
from tests import media_factory as mf
from tests.hostile.support import expected_outcomes, relative
from tests.hostile.test_playback_hostile import play
from tests.hostile_corpus import HostileCorpus

WORKTREE = Path(__file__).resolve().parents[2]
# Root without CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH obeys file modes like anyone else.
# (DESIGN.md suggests `runuser -u nobody`; here the interpreter lives under /root, which
# nobody may enter, so the capabilities are dropped instead: the same refusal, for real.)
UNPRIVILEGED = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@functools.cache
def can_drop_privileges(probe_dir: str) -> bool:
    if shutil.which("setpriv") is None:
        return False
    locked = Path(probe_dir) / "probe-locked"
    locked.write_bytes(b"x")
    locked.chmod(0)
    result = subprocess.run(
        [*UNPRIVILEGED, sys.executable, "-c", f"open({str(locked)!r}).read()"],
        capture_output=True,
        text=True,
    )
    locked.chmod(0o600)
    return result.returncode != 0 and "PermissionError" in result.stderr


def unprivileged(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*UNPRIVILEGED, sys.executable, "-m", "annotator", "--db", str(db), *args],
        capture_output=True,
        text=True,
        cwd=WORKTREE,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        timeout=120,
    )


def test_import_json_over_the_hostile_corpus(
    capsys: pytest.CaptureFixture[str], db_path: Path, hostile: HostileCorpus
) -> None:
    db = ["--db", str(db_path)]
    assert cli(capsys, *db, "case", "create", "Hostile")[0] == 0
    code, out, err = cli(capsys, *db, "import", "--case", "Hostile", str(hostile.root), "--json")
    assert code == 1 and err == ""  # some files failed: exit 1, JSON only on stdout
    doc = json.loads(out)
    got = {relative(hostile.root, f["path"]): (f["outcome"], f["reason"]) for f in doc["files"]}
    assert got == expected_outcomes(hostile)
    for f in doc["files"]:
        if f["outcome"] != "imported":
            assert path_text(Path(f["path"]).name) in f["message"]
    assert doc["summary"]["imported"] == len(hostile.imported())


def test_human_output_keeps_one_line_per_file(
    capsys: pytest.CaptureFixture[str], db_path: Path, tmp_path: Path
) -> None:
    """A newline or a right-to-left override in a name must not forge report lines."""
    db = ["--db", str(db_path)]
    cli(capsys, *db, "case", "create", "Names")
    folder = tmp_path / "names"
    folder.mkdir()
    (folder / "second\nline.mp4").write_text("not a video")
    (folder / "report-\u202efdp.jpg").write_bytes(b"")  # shows as "report-gpj.pdf"
    with open(os.fsencode(folder) + b"/caf\xe9.png", "wb") as handle:
        handle.write(b"\x89PNG")
    mf.make_image(folder / "line\nbreak \u200f.png", size=(96, 64), index=5)
    code, out, _ = cli(capsys, *db, "import", "--case", "Names", str(folder))
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("Import into 'Names': 1 imported, 1 unsupported, 2 failed")
    assert sorted(lines[1:]) == sorted(
        [
            f"  unsupported: {folder}/second\\nline.mp4: second\\nline.mp4 is not a picture, "
            "video or audio file that this app can read.",
            f"  failed: {folder}/report-\\u202efdp.jpg: report-\\u202efdp.jpg is empty "
            "(0 bytes). Copy it again.",
            f"  failed: {folder}/caf\\xe9.png: caf\\xe9.png: its name is not valid UTF-8 text "
            "(it was made on a system with another encoding), so the case could not record "
            "where it is. Copy it under a new name and import the copy; the original stays "
            "as it is.",
        ]
    )


def test_real_permission_denied_as_an_unprivileged_process(
    capsys: pytest.CaptureFixture[str], db_path: Path, tmp_path: Path
) -> None:
    if not can_drop_privileges(str(tmp_path)):
        pytest.skip("cannot drop root's file capabilities here (setpriv)")
    folder = tmp_path / "evidence"
    (folder / "private").mkdir(parents=True)
    mf.make_image(folder / "open.png", size=(96, 64), index=1)
    mf.make_image(folder / "locked.png", size=(96, 64), index=2)
    mf.make_image(folder / "private" / "inside.png", size=(96, 64), index=3)
    db = ["--db", str(db_path)]
    cli(capsys, *db, "case", "create", "Locked")
    (folder / "locked.png").chmod(0)
    (folder / "private").chmod(0)
    try:
        run = unprivileged(db_path, "import", "--case", "Locked", str(folder), "--json")
    finally:
        (folder / "private").chmod(0o755)
        (folder / "locked.png").chmod(0o644)
    assert run.returncode == 1, run.stderr
    doc = json.loads(run.stdout)
    got = {Path(f["path"]).name: (f["outcome"], f["reason"], f["message"]) for f in doc["files"]}
    assert got == {
        "open.png": ("imported", "", ""),
        "locked.png": (
            "failed",
            "permission_denied",
            f"No permission to read {folder / 'locked.png'}.",
        ),
        "private": ("failed", "permission_denied", f"No permission to read {folder / 'private'}."),
    }

    # The imported file becomes unreadable: verify says so, by name, and goes on.
    mf.make_image(folder / "second.png", size=(96, 64), index=4)
    cli(capsys, *db, "import", "--case", "Locked", str(folder / "second.png"))
    (folder / "open.png").chmod(0)
    try:
        run = unprivileged(db_path, "verify", "--case", "Locked", "--json")
    finally:
        (folder / "open.png").chmod(0o644)
    assert run.returncode == 1, run.stderr
    doc = json.loads(run.stdout)
    states = {Path(m["path"]).name: (m["state"], m["reason"]) for m in doc["media"]}
    assert states == {
        "open.png": ("unreadable", "permission_denied"),
        "second.png": ("ok", None),
    }
    assert doc["audit"]["ok"] is True


def test_tables_for_people_keep_one_row_per_file(
    capsys: pytest.CaptureFixture[str], db_path: Path, hostile: HostileCorpus
) -> None:
    """`media list` and `verify` print a row per file even for names with line breaks."""
    db = ["--db", str(db_path)]
    cli(capsys, *db, "case", "create", "Names")
    cli(capsys, *db, "import", "--case", "Names", str(hostile.root / "names"))
    imported = [rel for rel in hostile.imported() if rel.startswith("names/")]
    code, out, _ = cli(capsys, *db, "media", "list", "--case", "Names")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 2 + len(imported)  # header, rule, one row per file
    assert any(line.startswith("line\\nbreak.png ") for line in lines)
    assert any(line.startswith("invoice-\\u202egnp.exe ") for line in lines)
    hostile.path("names/line\nbreak.png").unlink()
    code, out, _ = cli(capsys, *db, "verify", "--case", "Names")
    assert code == 1
    rows = [
        line
        for line in out.splitlines()
        if line.startswith(("line", "tab", "🎥", "inv", "شاهد", "-st"))
    ]
    assert len(rows) == len(imported)
    assert any(r.startswith("line\\nbreak.png") and "MISSING" in r for r in rows)


def test_frame_command_gives_the_exact_frame_or_says_it_is_lost(
    capsys: pytest.CaptureFixture[str], hostile_corpus: HostileCorpus, tmp_path: Path
) -> None:
    path = hostile_corpus.path("damaged/corrupt-frames.mp4")
    lost = sorted(set(range(36)) - {f.number for f in play(path)})[0]
    frames = tmp_path / "frames"
    frames.mkdir()
    out = frames / "lost.png"
    code, stdout, err = cli(capsys, "frame", str(path), "--frame", str(lost), "--out", str(out))
    assert code == 1 and stdout == ""
    assert err.startswith(f"error: frame {lost} of corrupt-frames.mp4 cannot be decoded")
    assert not list(frames.iterdir())  # nothing half-written, no sidecar
    good = frames / "good.png"
    code, stdout, _ = cli(capsys, "frame", str(path), "--frame", "30", "--out", str(good), "--json")
    assert code == 0 and json.loads(stdout)["frame"] == 30
    assert mf.decode_index(np.asarray(Image.open(good).convert("RGB"))) == 30
