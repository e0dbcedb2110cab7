"""`annotator frame`: the exact frame, upright, full resolution, with its sidecar."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import cv2
import pytest

from annotator.__main__ import main
from tests import media_factory as mf


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def read_png(path: Path):  # type: ignore[no-untyped-def]
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


@pytest.mark.parametrize("name", ["h264-bframes", "hevc", "vp9", "mjpeg"])
def test_frame_by_number(
    capsys: pytest.CaptureFixture[str], corpus: dict[str, Path], tmp_path: Path, name: str
) -> None:
    out = tmp_path / "still.png"
    code, stdout, err = cli(
        capsys, "frame", str(corpus[name]), "--frame", "17", "--out", str(out), "--json"
    )
    assert code == 0 and err == ""
    doc = json.loads(stdout)
    # 17/24 s = 708.33 ms: shown rounded up (709), except that WebM stores whole ms (708).
    shown = 708 if name == "vp9" else 709
    assert doc["frame"] == 17 and doc["pts_ms"] == shown
    assert doc["timecode"] == f"00:00:00.{shown}"
    assert doc["sha256"] == hashlib.sha256(corpus[name].read_bytes()).hexdigest()
    assert doc["out"] == str(out)
    pixels = read_png(out)
    assert pixels.shape == (108, 192, 3) and mf.decode_index(pixels) == 17
    sidecar = json.loads((tmp_path / "still.png.json").read_text(encoding="utf-8"))
    assert (
        sidecar["frame"] == 17
        and sidecar["png_sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    )
    assert "case" not in sidecar  # headless: no case fields


def test_frame_at_time_on_vfr_and_rotated(
    capsys: pytest.CaptureFixture[str], corpus: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "vfr.png"
    # 00:00:00.250 is inside frame 6 (240 ms .. 260 ms) of the 20/20/80 ms pattern.
    code, stdout, _ = cli(
        capsys, "frame", str(corpus["vfr"]), "--at", "00:00:00.250", "--out", str(out), "--json"
    )
    assert code == 0 and json.loads(stdout)["frame"] == 6
    assert mf.decode_index(read_png(out)) == 6
    out = tmp_path / "portrait.png"
    cli(capsys, "frame", str(corpus["rotated"]), "--frame", "3", "--out", str(out))
    pixels = read_png(out)
    assert pixels.shape == (192, 108, 3) and mf.decode_index(pixels) == 3  # upright


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--frame", "999"], "frames 0 to 35"),
        (["--at", "01:00:00.000"], "past its end"),
        (["--at", "soon"], "not a time"),
        (["--frame", "1", "--at", "00:00:01"], "not allowed with"),
    ],
)
def test_bad_requests(
    capsys: pytest.CaptureFixture[str],
    corpus: dict[str, Path],
    tmp_path: Path,
    args: list[str],
    message: str,
) -> None:
    out = tmp_path / "x.png"
    try:
        code, _, err = cli(capsys, "frame", str(corpus["vp9"]), *args, "--out", str(out))
    except SystemExit as stop:  # argparse refuses the combination itself
        code, err = int(stop.code or 0), capsys.readouterr().err
    assert code == 2 and message in err and not out.exists()


def test_not_a_video(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = tmp_path / "notes.mp4"
    text.write_text("hello")
    code, _, err = cli(capsys, "frame", str(text), "--frame", "0", "--out", str(tmp_path / "a.png"))
    assert code == 1 and "notes.mp4" in err
