"""File > Connect to team database: a real PostgreSQL server, real failures, plain answers."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QLabel
from sqlalchemy.engine import make_url

from annotator.core.entities import Case
from annotator.services.container import Services, open_services
from annotator.ui.dialogs import connect_dialog
from annotator.ui.dialogs.connect_dialog import ConnectDialog, TeamAddress, explain
from annotator.ui.main_window import MainWindow
from tests.pg_server import INVESTIGATOR_LOGIN, PgServer

SHOTS = Path("/tmp")


def when(condition: Callable[[], bool], action: Callable[[], None]) -> None:
    """Run ``action`` on the event loop once ``condition`` holds (a modal dialog runs)."""

    def check() -> None:
        if condition():
            action()
        else:
            QTimer.singleShot(20, check)

    QTimer.singleShot(0, check)


def the_dialog(window: MainWindow) -> ConnectDialog | None:
    found = window.findChild(ConnectDialog)
    return found if isinstance(found, ConnectDialog) and found.isVisible() else None


def fill(dialog: ConnectDialog, host: str, port: int, database: str, user: str) -> None:
    dialog.host.setText(host)
    dialog.port.setValue(port)
    dialog.database.setText(database)
    dialog.user.setText(user)
    dialog.password.setText("s3cret pass@:/")


def connect_and_then(
    window: MainWindow, address: TeamAddress, after: Callable[[ConnectDialog], None]
) -> None:
    """Trigger File > Connect, fill the real dialog, press Connect, then ``after``."""

    def start() -> None:
        dialog = the_dialog(window)
        assert dialog is not None
        fill(dialog, address.host, address.port, address.database, address.user)
        dialog.connect_button.click()
        after(dialog)

    when(lambda: the_dialog(window) is not None, start)
    window.connect_action.trigger()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def refused_with(
    window: MainWindow, address: TeamAddress, qtbot: object, shot: str | None = None
) -> str:
    """Connect to ``address``, which fails: the dialog's message (the dialog is then closed)."""
    seen: list[str] = []

    def after(dialog: ConnectDialog) -> None:
        def done() -> None:
            seen.append(dialog.status.text())
            if shot:
                dialog.grab().save(str(SHOTS / shot))
            dialog.reject()

        when(lambda: not dialog.connecting, done)

    connect_and_then(window, address, after)
    assert seen, "the dialog closed without a message"
    assert window.successor is None  # still on the previous database
    assert window.case_combo.findText("Local case") >= 0
    return seen[0]


@pytest.fixture
def local(services: Services) -> Case:
    return services.cases.create("Local case").value


def test_connect_opens_the_team_database_in_the_window(
    make_window: Callable[[], MainWindow],
    local: Case,
    pg_url: str,
    qtbot: object,
) -> None:
    seeded = open_services(pg_url, lambda: "x")
    seeded.cases.create("Team case")
    seeded.close()
    url = make_url(pg_url)
    window = make_window()
    window.show()
    shots: list[bool] = []

    def after(dialog: ConnectDialog) -> None:
        dialog.grab().save(str(SHOTS / "ui-connect-busy.png"))
        shots.append(True)

    address = TeamAddress(url.host or "", url.port or 5432, url.database or "", INVESTIGATOR_LOGIN)
    connect_and_then(window, address, after)
    assert shots
    successor = window.successor
    assert successor is not None
    qtbot.addWidget(successor)  # type: ignore[attr-defined]
    try:
        assert not window.isVisible() and successor.isVisible()
        assert successor.case_combo.currentText() == "Team case"
        assert successor.case_combo.findText("Local case") < 0
        label = successor.db_label.text()
        assert f"signed in as {INVESTIGATOR_LOGIN}" in label and url.database in label
        assert "s3cret" not in label and "s3cret" not in successor.db_label.toolTip()
        recent = connect_dialog.recent_urls()
        assert len(recent) == 1 and "s3cret" not in recent[0] and url.database in recent[0]
        assert "s3cret" not in str(QSettings().allKeys()) + str(
            [QSettings().value(k) for k in QSettings().allKeys()]
        )
        successor.resize(1000, 540)
        successor.statusBar().grab().save(str(SHOTS / "ui-team-status.png"))
        successor.grab().save(str(SHOTS / "ui-team-window.png"))
        assert successor.minimumSizeHint().height() <= 540

        # The next time, Recent fills the form (the password is asked again).
        dialog = ConnectDialog(successor, lambda u: None, successor.workers)
        qtbot.addWidget(dialog)  # type: ignore[attr-defined]
        assert dialog.database.text() == url.database
        assert dialog.user.text() == INVESTIGATOR_LOGIN and dialog.password.text() == ""
        dialog.show()
        dialog.grab().save(str(SHOTS / "ui-connect-dialog.png"))
    finally:
        successor.close()


def test_closed_port_is_explained_and_the_window_stays(
    make_window: Callable[[], MainWindow], local: Case, qtbot: object
) -> None:
    window = make_window()
    window.show()
    port = free_port()
    message = refused_with(
        window,
        TeamAddress("127.0.0.1", port, "cases", "alice"),
        qtbot,
        "ui-connect-error.png",
    )
    assert f"No database server answered at 127.0.0.1, port {port}" in message
    assert "network" in message


def test_unknown_database_and_login_are_explained(
    make_window: Callable[[], MainWindow], local: Case, pg_server: PgServer, qtbot: object
) -> None:
    window = make_window()
    message = refused_with(
        window, TeamAddress(pg_server.host, pg_server.port, "no_such_db", "postgres"), qtbot
    )
    assert "has no database named 'no_such_db'" in message
    name = pg_server.new_database()
    try:
        message = refused_with(
            window, TeamAddress(pg_server.host, pg_server.port, name, "nobody_here"), qtbot
        )
        assert "no user named 'nobody_here'" in message
    finally:
        pg_server.drop_database(name)


def test_foreign_and_newer_databases_are_refused_unchanged(
    make_window: Callable[[], MainWindow], local: Case, pg_server: PgServer, qtbot: object
) -> None:
    window = make_window()
    foreign = pg_server.new_database(template=None)
    newer = pg_server.new_database()
    try:
        pg_server.admin("CREATE TABLE payroll (id integer)", database=foreign)
        message = refused_with(
            window, TeamAddress(pg_server.host, pg_server.port, foreign, "postgres"), qtbot
        )
        assert "holds other data, not Evidence Annotator cases" in message
        pg_server.admin("UPDATE alembic_version SET version_num = '9999'", database=newer)
        message = refused_with(
            window, TeamAddress(pg_server.host, pg_server.port, newer, "postgres"), qtbot
        )
        assert "newer version of Evidence Annotator" in message
    finally:
        pg_server.drop_database(foreign)
        pg_server.drop_database(newer)


def test_wrong_password_is_explained() -> None:
    # The test server trusts every local login, so it never asks for a password: this is
    # the text libpq gives for a refused one.
    exc = Exception(
        'connection failed: connection to server at "10.0.0.5", port 5432 failed: FATAL:  '
        'password authentication failed for user "alice"'
    )
    message = explain(exc, TeamAddress("10.0.0.5", 5432, "cases", "alice"))
    assert message.startswith("The server refused the user name 'alice' with this password")


def test_cancel_stops_waiting_and_lets_go_of_a_late_connection(
    make_window: Callable[[], MainWindow], qtbot: object
) -> None:
    window = make_window()
    release = threading.Event()
    closed: list[bool] = []

    class Late:
        def close(self) -> None:
            closed.append(True)

    def slow(url: str) -> Late:
        assert make_url(url).password == "s3cret pass@:/"  # quoted so that it reads back
        release.wait(10)
        return Late()

    dialog = ConnectDialog(window, slow, window.workers)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.show()
    fill(dialog, "db.example.org", 5432, "cases", "alice")
    dialog.connect_button.click()
    assert dialog.connecting and not dialog.connect_button.isEnabled()
    dialog.reject()  # Cancel while waiting: the dialog stays, ready to try again
    assert dialog.isVisible() and not dialog.connecting
    assert "Cancelled" in dialog.status.text()
    release.set()
    qtbot.waitUntil(lambda: closed == [True])  # type: ignore[attr-defined]
    assert dialog.opened is None and dialog.isVisible()
    window.workers.wait_all()


def test_preferences_explain_that_a_team_database_records_the_login(qtbot: object) -> None:
    from annotator.core.settings import Settings
    from annotator.ui.dialogs.preferences import PreferencesDialog

    team = PreferencesDialog(None, Settings(investigator_name="Wang Li"), "alice")
    qtbot.addWidget(team)  # type: ignore[attr-defined]
    team.show()
    hint = team.findChild(QLabel, "actor_hint")
    assert hint is not None and "alice" in hint.text() and "not this name" in hint.text()
    team.grab().save(str(SHOTS / "ui-preferences-team.png"))
    local = PreferencesDialog(None, Settings(investigator_name="Wang Li"))
    qtbot.addWidget(local)  # type: ignore[attr-defined]
    hint = local.findChild(QLabel, "actor_hint")
    assert hint is not None and "under this name" in hint.text()
