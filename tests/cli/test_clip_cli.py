"""`annotator clip`: the segment as its own MP4, JSON as CLI.md says, clear refusals."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

import annotator.cli as cli_module
from annotator.cli import clip_cmd
from annotator.core.entities import Case
from annotator.services.container import Services
from tests import media_factory as mf
from tests.services.test_clips import add_segment, decode_clip, import_copy, sha256


@pytest.fixture(autouse=True)
def clip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real parser with ``clip`` registered, as the wiring in cli/__init__.py will do."""
    build = cli_module.build_parser

    def with_clip() -> argparse.ArgumentParser:
        parser = build()
        subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        if "clip" not in subparsers.choices:
            common = argparse.ArgumentParser(add_help=False)
            common.add_argument("--json", action="store_true")
            clip_cmd.register(subparsers, common)
        return parser

    monkeypatch.setattr(cli_module, "build_parser", with_clip)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli_module.run_cli(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_clip_json_and_sidecar(
    capsys: pytest.CaptureFixture[str],
    services: Services,
    case: Case,
    db_path: Path,
    corpus: dict[str, Path],
    tmp_path: Path,
) -> None:
    media, source = import_copy(services, case, corpus["h264-audio"], tmp_path / "evidence")
    segment = add_segment(services, case, media, source, 7, 19)
    out = tmp_path / "clips" / "segment.mp4"
    db = ["--db", str(db_path)]
    code, stdout, err = run(
        capsys, *db, "clip", "--case", case.name, "--annotation", segment.uid,
        "--out", str(out), "--json",
    )  # fmt: skip
    assert code == 0, err
    record = json.loads(stdout)
    assert record == {
        "out": str(out),
        "sha256": sha256(out),
        "source_sha256": media.sha256,
        "start_frame": 7,
        "end_frame": 19,
        "redactions": [],
    }
    frames, _ = decode_clip(out)
    assert [mf.decode_index(f) for f in frames] == list(range(7, 20))
    sidecar = json.loads(out.with_name("segment.mp4.json").read_text(encoding="utf-8"))
    assert sidecar["sha256"] == record["sha256"] and sidecar["audio"]["codec"] == "aac"
    assert services.audit.history(case.uid)[-1].action == "export.clip"

    code, stdout, err = run(
        capsys, *db, "clip", "--case", case.name, "--annotation", segment.uid,
        "--out", str(tmp_path / "again.mp4"),
    )  # fmt: skip
    assert code == 0 and "frames 7-19" in stdout and "SHA-256" in stdout and err == ""


def test_refusals_say_what_to_do(
    capsys: pytest.CaptureFixture[str],
    services: Services,
    case: Case,
    db_path: Path,
    corpus: dict[str, Path],
    tmp_path: Path,
) -> None:
    media, source = import_copy(services, case, corpus["h264-bframes"], tmp_path / "evidence")
    moment = services.annotations.create(
        case.uid, media.uid, {"kind": "moment", "start_frame": 3, "start_ms": 125}
    ).value
    db = ["--db", str(db_path)]
    out = tmp_path / "clip.mp4"
    code, _, err = run(
        capsys, *db, "clip", "--case", case.name, "--annotation", moment.uid, "--out", str(out)
    )
    assert code == 2 and err.startswith("error: ") and "segment" in err

    segment = add_segment(services, case, media, source, 0, 5)
    code, _, err = run(
        capsys, *db, "clip", "--case", case.name, "--annotation", segment.uid,
        "--out", str(out), "--redacted",
    )  # fmt: skip
    assert code == 0, err  # no redaction on this media: the clip says none were applied
    sidecar = json.loads(Path(f"{out}.json").read_text(encoding="utf-8"))
    assert sidecar["redactions"] == []
    out.unlink()
    Path(f"{out}.json").unlink()

    source.write_bytes(source.read_bytes()[:-10] + b"0123456789")
    code, _, err = run(
        capsys, *db, "clip", "--case", case.name, "--annotation", segment.uid, "--out", str(out)
    )
    assert code == 1 and "no longer the file in the case" in err and not out.exists()

    with pytest.raises(SystemExit) as usage:
        run(capsys, *db, "clip", "--case", case.name, "--out", str(out))
    assert usage.value.code == 2 and "--annotation" in capsys.readouterr().err
