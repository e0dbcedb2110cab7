"""The command-line contract of CLI.md for `case create` and `case list`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from annotator import __version__
from annotator.__main__ import main
from annotator.cli import wants_gui

ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_create_then_list_json(capsys: pytest.CaptureFixture[str], db_path: Path) -> None:
    code, out, err = run(
        capsys,
        "--db",
        str(db_path),
        "case",
        "create",
        "Donetsk captives",
        "--description",
        "Two captives",
        "--json",
    )
    assert code == 0 and err == ""
    created = json.loads(out)
    assert set(created) >= {"uid", "name", "description", "created_at"}
    assert created["created_at"].endswith("Z")

    code, out, _ = run(capsys, "--db", str(db_path), "case", "list", "--json")
    listed = json.loads(out)
    assert code == 0 and len(listed) == 1
    assert listed[0]["uid"] == created["uid"] and listed[0]["name"] == "Donetsk captives"
    assert (listed[0]["media_count"], listed[0]["annotation_count"]) == (0, 0)


def test_duplicate_name_fails_clearly(capsys: pytest.CaptureFixture[str], db_path: Path) -> None:
    assert run(capsys, "--db", str(db_path), "case", "create", "Donetsk captives")[0] == 0
    code, out, err = run(capsys, "--db", str(db_path), "case", "create", "Donetsk captives")
    assert code == 2 and out == ""
    assert err == (
        "error: A case named 'Donetsk captives' already exists. "
        "Choose another name or open that case.\n"
    )


def test_human_output(capsys: pytest.CaptureFixture[str], db_path: Path) -> None:
    code, out, _ = run(capsys, "--db", str(db_path), "case", "list")
    assert code == 0 and "No cases yet" in out
    run(capsys, "--db", str(db_path), "case", "create", "Херсон 赫尔松")
    code, out, _ = run(capsys, "--db", str(db_path), "case", "list")
    assert "Херсон 赫尔松" in out and out.splitlines()[0].startswith("Case")


def test_default_database_lives_in_user_data_dir(
    capsys: pytest.CaptureFixture[str], isolated_user_dirs: Path
) -> None:
    assert run(capsys, "case", "create", "A")[0] == 0
    assert (isolated_user_dirs / "data" / "annotator.sqlite").is_file()


def test_env_var_selects_database(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "team" / "shared.sqlite"
    monkeypatch.setenv("ANNOTATOR_DB", str(target))
    assert run(capsys, "case", "create", "A")[0] == 0
    assert target.is_file()
    # --db wins over the environment.
    other = tmp_path / "other.sqlite"
    run(capsys, "--db", str(other), "case", "create", "B")
    _, out, _ = run(capsys, "case", "list", "--json")
    assert [c["name"] for c in json.loads(out)] == ["A"]


def test_investigator_from_settings_is_the_actor(
    capsys: pytest.CaptureFixture[str], isolated_user_dirs: Path, db_path: Path
) -> None:
    from annotator.core.settings import Settings, save_settings
    from annotator.services.container import open_services

    save_settings(
        isolated_user_dirs / "config" / "settings.toml", Settings(investigator_name="Олена Коваль")
    )
    run(capsys, "--db", str(db_path), "case", "create", "A")
    services = open_services(db_path, lambda: "reader")
    case = services.cases.get_by_name("A")
    assert case.created_by == "Олена Коваль"
    assert services.audit.history(case.uid)[0].actor == "Олена Коваль"
    services.close()


@pytest.mark.parametrize(
    "args",
    [["case"], ["case", "lst"], ["nosuch"], ["case", "create"], ["--db"], ["case", "list", "-x"]],
)
def test_usage_errors_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(args)
    _, err = capsys.readouterr()
    assert stop.value.code == 2
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err


def test_unusable_database_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "notes.sqlite"
    bad.write_bytes(b"not a database" * 200)
    code, out, err = run(capsys, "--db", str(bad), "case", "list")
    assert code == 2 and out == "" and err.startswith("error: Cannot open the case database")


def test_empty_name_is_refused(capsys: pytest.CaptureFixture[str], db_path: Path) -> None:
    code, _, err = run(capsys, "--db", str(db_path), "case", "create", "  ")
    assert code == 2 and "cannot be empty" in err


def test_gui_or_cli() -> None:
    assert wants_gui([]) and wants_gui(["--db", "x.sqlite"]) and wants_gui(["--db=x"])
    assert not wants_gui(["case", "list"]) and not wants_gui(["--version"])
    assert not wants_gui(["--help"]) and not wants_gui(["--db", "x", "case", "list"])


@pytest.mark.parametrize(
    "launcher",
    [
        [sys.executable, "-m", "annotator"],
        [sys.executable, str(ROOT / "main.py")],
        [str(Path(sys.executable).with_name("annotator"))],
    ],
    ids=["python -m annotator", "main.py", "console script"],
)
def test_every_entry_point_runs_the_same_cli(launcher: list[str], tmp_path: Path) -> None:
    env = {
        **os.environ,
        "ANNOTATOR_DATA_DIR": str(tmp_path / "data"),
        "ANNOTATOR_CONFIG_DIR": str(tmp_path / "cfg"),
    }
    version = subprocess.run([*launcher, "--version"], capture_output=True, text=True, env=env)
    assert version.returncode == 0 and version.stdout.strip() == f"annotator {__version__}"
    created = subprocess.run(
        [*launcher, "case", "create", "Donetsk captives", "--json"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["name"] == "Donetsk captives"
    again = subprocess.run(
        [*launcher, "case", "create", "Donetsk captives"], capture_output=True, text=True, env=env
    )
    assert again.returncode == 2 and again.stderr.startswith("error: A case named")
    help_text = subprocess.run([*launcher, "--help"], capture_output=True, text=True, env=env)
    assert help_text.returncode == 0 and "--db URL_OR_PATH" in help_text.stdout
