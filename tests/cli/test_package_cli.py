"""`annotator package` and `annotator verify-package` as CLI.md describes them.

The commands are registered by ``package_cmds.register``; these tests build a parser with
it (as ``annotator.cli.build_parser`` does) and run the handlers with a CommandContext over
the test's database, so they run whether or not the shared parser lists them yet.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from annotator.cli import package_cmds
from annotator.cli.context import CommandContext
from annotator.cli.output import error
from annotator.core.errors import AnnotatorError
from annotator.core.paths import AppPaths
from annotator.services.container import Services
from annotator.services.demo import build_or_reuse_demo
from annotator.services.packaging import PackageService
from tests.conftest import INVESTIGATOR


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="annotator")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true")
    subparsers = root.add_subparsers(dest="command", required=True)
    package_cmds.register(subparsers, common)
    return root


def run(
    capsys: pytest.CaptureFixture[str], services: Services | None, *argv: str
) -> tuple[int, str, str]:
    """What ``annotator.cli.run_cli`` does with one command: exit code, stdout, stderr."""
    if services is not None and not hasattr(services, "packaging"):  # until Services has it
        services.packaging = PackageService(  # type: ignore[attr-defined]
            services._db, lambda: INVESTIGATOR, services.settings, services.exporting
        )
    args = parser().parse_args(list(argv))
    ctx = CommandContext(None, args.json, AppPaths.from_environment(), _services=services)
    try:
        code: int = args.handler(args, ctx)
    except AnnotatorError as exc:
        error(exc.message)
        code = exc.exit_code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def demo(services: Services, tmp_path: Path) -> str:
    return build_or_reuse_demo(services, tmp_path / "demo").name


def test_package_then_verify_package(
    capsys: pytest.CaptureFixture[str], services: Services, demo: str, tmp_path: Path
) -> None:
    out = tmp_path / "packages" / "demo"
    code, stdout, err = run(
        capsys, services, "package", "--case", demo, "--out", str(out), "--json"
    )
    assert code == 0 and err == ""
    record = json.loads(stdout)
    assert set(record) >= {"out", "files", "bytes", "audit_head_hash"}
    assert record["out"] == str(out) and record["files"] == 7 and record["bytes"] > 100_000
    assert (out / "bagit.txt").is_file()

    # verify-package needs no database: no services at all here.
    code, stdout, err = run(capsys, None, "verify-package", str(out), "--json")
    assert code == 0 and err == ""
    assert json.loads(stdout)["ok"] is True and json.loads(stdout)["problems"] == []
    code, stdout, _ = run(capsys, None, "verify-package", str(out))
    assert code == 0 and "is intact" in stdout and record["audit_head_hash"] in stdout

    media = out / "data" / "media" / "photo-id-card.jpg"
    media.write_bytes(media.read_bytes()[:-1] + b"\x00")
    (out / "data" / "report.html").unlink()
    code, stdout, err = run(capsys, None, "verify-package", str(out), "--json")
    assert code == 1 and err == ""
    result = json.loads(stdout)
    assert result["ok"] is False
    assert [(p["path"], p["problem"]) for p in result["problems"]] == [
        ("data/media/photo-id-card.jpg", "altered"),
        ("data/report.html", "missing"),
    ]
    assert all(p["message"] for p in result["problems"])
    code, stdout, _ = run(capsys, None, "verify-package", str(out))
    assert code == 1 and "2 problems" in stdout and "data/report.html" in stdout


def test_people_output_names_the_head_hash(
    capsys: pytest.CaptureFixture[str], services: Services, demo: str, tmp_path: Path
) -> None:
    out = tmp_path / "pkg"
    events, head = services.audit.head(services.cases.get_by_name(demo).uid)
    code, stdout, err = run(capsys, services, "package", "--case", demo, "--out", str(out))
    assert code == 0 and err == ""
    assert f"Packaged '{demo}' into {out}: 7 files" in stdout
    assert f"Audit head hash: {head} ({events} events;" in stdout
    assert f"annotator verify-package {out}" in stdout


def test_changed_media_exit_1_naming_the_file(
    capsys: pytest.CaptureFixture[str], services: Services, demo: str, tmp_path: Path
) -> None:
    video = tmp_path / "demo" / "captive-video.mp4"
    video.write_bytes(video.read_bytes() + b"appended")
    out = tmp_path / "pkg"
    code, stdout, err = run(
        capsys, services, "package", "--case", demo, "--out", str(out), "--json"
    )
    assert code == 1 and not out.exists()
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "captive-video.mp4" in err and "photo-id-card.jpg" not in err
    record = json.loads(stdout)
    assert record["ok"] is False and record["files"] == 0
    assert [(p["file_name"], p["reason"]) for p in record["problems"]] == [
        ("captive-video.mp4", "hash_mismatch")
    ]


def test_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str], services: Services, demo: str, tmp_path: Path
) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x.txt").write_text("x")
    code, stdout, err = run(capsys, services, "package", "--case", demo, "--out", str(busy))
    assert code == 2 and stdout == "" and err.startswith("error: ") and "not empty" in err
    code, _, err = run(capsys, services, "package", "--case", "Nope", "--out", str(tmp_path / "p"))
    assert code == 2 and err.startswith("error: ")
    code, _, err = run(capsys, None, "verify-package", str(tmp_path / "nowhere"))
    assert code == 2 and err.startswith("error: ") and "nowhere" in err


def test_ctrl_c_cancels_and_leaves_nothing(
    capsys: pytest.CaptureFixture[str],
    services: Services,
    demo: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import os
    import signal

    from annotator.core.progress import drain as real_drain

    def interrupted_drain(work: object, bar: object = None) -> object:
        next(work)  # type: ignore[call-overload]
        next(work)  # type: ignore[call-overload]  # the temporary folder exists by now
        os.kill(os.getpid(), signal.SIGINT)  # the investigator presses Ctrl-C
        return real_drain(work, bar)  # type: ignore[arg-type]

    monkeypatch.setattr("annotator.cli.package_cmds.drain", interrupted_drain)
    head = services.audit.head(services.cases.get_by_name(demo).uid)
    out = tmp_path / "out" / "pkg"
    code, _, err = run(capsys, services, "package", "--case", demo, "--out", str(out))
    assert code == 1 and "cancelled" in err and "nothing was written" in err
    assert list((tmp_path / "out").iterdir()) == []
    assert services.audit.head(services.cases.get_by_name(demo).uid) == head
