"""The command line against a team database: the same commands, a URL instead of a file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import run
from tests.pg_server import PgServer


def test_import_annotate_verify_and_export_on_a_server(
    capsys: pytest.CaptureFixture[str], pg_url: str, media_folder: Path, tmp_path: Path
) -> None:
    code, out, err = run(capsys, "--db", pg_url, "case", "create", "Donetsk captives", "--json")
    assert code == 0, err
    case = json.loads(out)
    code, out, err = run(
        capsys, "--db", pg_url, "import", "--case", "Donetsk captives", str(media_folder), "--json"
    )
    assert code == 0, err
    code, out, _ = run(capsys, "--db", pg_url, "case", "list", "--json")
    [listed] = json.loads(out)
    assert listed["uid"] == case["uid"] and listed["media_count"] > 3
    code, out, err = run(capsys, "--db", pg_url, "verify", "--case", "Donetsk captives", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["ok"] is True and report["audit"]["ok"] is True
    out_file = tmp_path / "case.json"
    code, _, err = run(
        capsys,
        "--db",
        pg_url,
        "export",
        "--case",
        "Donetsk captives",
        "--format",
        "json",
        "--out",
        str(out_file),
    )
    assert code == 0, err
    exported = json.loads(out_file.read_text())
    assert exported["case"]["uid"] == case["uid"]
    assert exported["audit"]["events"] > listed["media_count"]
    # Who imported: the login the server authenticated.
    assert {m["imported_by"] for m in exported["media"]} == {"Test Investigator"}


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("closed-port", "Connection refused"),
        ("no-such-database", 'database "no_such_case_db" does not exist'),
    ],
)
def test_an_unreachable_server_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], pg_server: PgServer, where: str, expected: str
) -> None:
    url = (
        "postgresql+psycopg://someone@127.0.0.1:1/evidence"
        if where == "closed-port"
        else pg_server.url("no_such_case_db")
    )
    code, out, _ = run(capsys, "--db", url, "case", "list", "--json")
    assert code == 2 and out.strip().startswith("{")
    failure = json.loads(out)
    assert failure["reason"] == "database_unavailable"
    assert failure["message"].startswith("Cannot connect to the team database")
    assert expected in failure["message"] and "Check the server's address" in failure["message"]
