"""A throwaway PostgreSQL server for the test session, started on first use, stopped at the end.

Debian's ``postgresql`` package (``scripts/install-system-packages.sh --test``) provides
``initdb`` and ``pg_ctl``. The cluster lives in a temporary folder, listens on loopback only
(and on a socket in that folder), runs without fsync (a test database need not survive a
power cut) and is deleted afterwards. PostgreSQL refuses to run as root, so under root the
server runs as the ``postgres`` user that the package creates.

Each test gets its own database, copied from a template that is migrated once, so a test
costs a file copy, not a migration. Without a server the PostgreSQL half of the suite is
skipped with the reason, except under ``CI=true``, where it fails: CI must test both.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

SUPERUSER = "postgres"
#: The login the tests connect as: on a team server the audit actor is the login, so the
#: service tests, written for the investigator name of the settings, see the same name.
INVESTIGATOR_LOGIN = "Test Investigator"
TEMPLATE = "annotator_template"


@dataclass
class PgServer:
    host: str
    port: int
    version: int = 15  # the server's major version

    def url(self, database: str, user: str = SUPERUSER) -> str:
        return f"postgresql+psycopg://{quote(user)}@{self.host}:{self.port}/{database}"

    def admin(self, sql: str, database: str = "postgres") -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE, roles)."""
        import psycopg

        with psycopg.connect(
            host=self.host, port=self.port, user=SUPERUSER, dbname=database, autocommit=True
        ) as con:
            con.execute(sql)  # type: ignore[arg-type]  # fixed test SQL

    def new_database(self, *, template: str | None = TEMPLATE) -> str:
        name = "t_" + uuid.uuid4().hex[:16]
        copy = f" TEMPLATE {template}" if template else ""
        if template and self.version >= 15:  # a file copy: faster than WAL-logging each page
            copy += " STRATEGY FILE_COPY"
        self.admin(f"CREATE DATABASE {name}{copy}")
        return name

    def drop_database(self, name: str) -> None:
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if found:
        return Path(found[0]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _missing(reason: str) -> None:
    message = f"PostgreSQL tests need a server: {reason}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " (CI=true: a missing server fails the run)", pytrace=False)
    pytest.skip(message + ". Run scripts/install-system-packages.sh --test to install it.")


@contextlib.contextmanager
def _cluster() -> Iterator[PgServer | str]:
    bindir = _bindir()
    if bindir is None:
        yield "initdb not found (Debian package postgresql)"
        return
    try:
        import psycopg  # noqa: F401
    except ImportError:
        yield "the psycopg driver is not installed"
        return
    as_root = os.geteuid() == 0
    prefix: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="annotator-pg-"))
    if as_root:
        try:
            owner = pwd.getpwnam(SUPERUSER)
        except KeyError:
            yield "running as root and there is no 'postgres' user to run the server"
            return
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        prefix = ["runuser", "-u", SUPERUSER, "--"]
    data = folder / "data"
    port = _free_port()
    log = folder / "server.log"
    try:
        subprocess.run(
            [*prefix, str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "trust",
             "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
            check=True, capture_output=True,
        )  # fmt: skip
        options = (
            f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options,
             "-w", "-t", "60", "start"],
            check=True, capture_output=True,
        )  # fmt: skip
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or b"").decode(errors="replace").strip()
        if log.exists():
            detail += "\n" + log.read_text(errors="replace")[-2000:]
        shutil.rmtree(folder, ignore_errors=True)
        yield f"could not start a test server: {detail}"
        return
    said = subprocess.run(
        [str(bindir / "pg_ctl"), "--version"], capture_output=True, text=True, check=False
    ).stdout  # "pg_ctl (PostgreSQL) 15.18 (Debian ...)"
    found = re.search(r"\) (\d+)", said)
    major = int(found.group(1)) if found else 15
    try:
        yield PgServer("127.0.0.1", port, major)
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
        )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def _pg_cluster() -> Iterator[PgServer | str]:
    with _cluster() as server:
        if isinstance(server, PgServer):
            from annotator.db import migrate
            from annotator.db.engine import Database

            server.admin(f'CREATE ROLE "{INVESTIGATOR_LOGIN}" LOGIN SUPERUSER')
            server.admin(f"CREATE DATABASE {TEMPLATE}")
            db = Database(server.url(TEMPLATE))
            try:
                migrate.upgrade(db)
            finally:
                db.dispose()
        yield server


@pytest.fixture
def pg_server(_pg_cluster: PgServer | str) -> PgServer:
    """The session's server; skips (or fails under CI=true) when there is none."""
    if not isinstance(_pg_cluster, PgServer):
        _missing(_pg_cluster)
    assert isinstance(_pg_cluster, PgServer)
    return _pg_cluster


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """A fresh, migrated database of its own for one test."""
    name = pg_server.new_database()
    yield pg_server.url(name, INVESTIGATOR_LOGIN)
    pg_server.drop_database(name)
