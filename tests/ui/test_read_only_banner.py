"""A case database on a read-only disk opens with a banner; edits are refused, not crashes.

Real widgets over a real read-only database: bind-mounted read-only as root (root writes
through file modes, not through a read-only mount), or a 0444 file in a 0555 folder otherwise.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from annotator.core.errors import NO_WRITE_GRANT_MESSAGE, READ_ONLY_MESSAGE
from annotator.core.paths import AppPaths
from annotator.core.progress import drain
from annotator.core.settings import SettingsStore
from annotator.services.container import Services, open_services
from annotator.ui.main_window import MainWindow
from annotator.ui.read_only_banner import BANNER_TEXT, NO_GRANT_TEXT
from tests.pg_server import PgServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def read_only_services(tmp_path: Path, corpus: dict[str, Path]) -> Iterator[Services]:
    media = tmp_path / "ev"
    media.mkdir()
    shutil.copy(corpus["h264-bframes"], media / "captive.mp4")
    disk = tmp_path / "disk"
    disk.mkdir()
    db = disk / "case.sqlite"
    svc = open_services(db, lambda: "investigator")
    case = svc.cases.create("Donetsk captives").value
    drain(svc.importing.run(case.uid, [media]))
    svc.close()
    if os.geteuid() == 0:
        if subprocess.run(["mount", "--bind", str(disk), str(disk)]).returncode != 0:
            pytest.skip("cannot bind-mount here")
        subprocess.run(["mount", "-o", "remount,bind,ro", str(disk)], check=True)
    else:
        db.chmod(0o444)
        disk.chmod(0o555)
    ro = open_services(db, lambda: "investigator")
    try:
        yield ro
    finally:
        ro.close()
        if os.geteuid() == 0:
            subprocess.run(["umount", "-l", str(disk)], check=True)
        else:
            disk.chmod(0o755)
            db.chmod(0o644)


def assert_m_is_refused(
    window: MainWindow, services: Services, case_uid: str, message: str, qtbot: object
) -> None:
    """M on the video says ``message`` in the status bar and adds nothing; no crash."""
    media = services.media.for_case(case_uid)[0]
    window.media_browser.select(media.uid)
    player = window.viewer.player
    qtbot.waitUntil(lambda: player.current_frame == 0, timeout=10_000)  # type: ignore[attr-defined]
    player.view.setFocus()
    qtbot.keyClick(player.view, Qt.Key.Key_M)  # type: ignore[attr-defined]
    assert window.statusBar().currentMessage() == message
    assert services.annotations.for_case(case_uid) == []
    assert window.isVisible()  # refused, not crashed
    window.workers.wait_all()


def test_banner_shows_and_m_is_refused_in_the_status_bar(
    read_only_services: Services, qtbot: object
) -> None:
    services = read_only_services
    assert services.read_only
    paths = AppPaths.from_environment()
    window = MainWindow(services, SettingsStore(paths.settings_file), paths)
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    window.show()
    banner = window.read_only_banner
    assert banner is not None and banner.isVisible()
    assert banner.text() == BANNER_TEXT and banner.text().startswith("Read-only: ")
    assert READ_ONLY_MESSAGE in banner.toolTip()
    assert banner.width() >= banner.sizeHint().width()  # the whole line shows, not cut
    assert banner.mapTo(window, banner.rect().topLeft()).y() < window.centralWidget().y()
    assert window.minimumSizeHint().height() <= 540
    assert window.minimumSize().height() <= 540
    assert window.minimumSizeHint().width() <= 1020  # as wide as without the banner

    case = services.cases.get_by_name("Donetsk captives")
    assert_m_is_refused(window, services, case.uid, READ_ONLY_MESSAGE, qtbot)


def test_writable_database_has_no_banner(make_window: Callable[[], MainWindow]) -> None:
    window = make_window()
    assert window.read_only_banner is None
    assert window.findChild(object, "read_only_bar") is None


def test_a_reader_login_on_a_team_database_gets_the_banner_and_refusals(
    pg_server: PgServer, pg_url: str, corpus: dict[str, Path], tmp_path: Path, qtbot: object
) -> None:
    """A login granted reading only (README's roles): everything shows, nothing changes."""
    import uuid

    media = tmp_path / "ev"
    media.mkdir()
    shutil.copy(corpus["h264-bframes"], media / "captive.mp4")
    owner = open_services(pg_url, lambda: "x")
    case = owner.cases.create("Donetsk captives").value
    drain(owner.importing.run(case.uid, [media]))
    owner.close()
    database = pg_url.rsplit("/", 1)[1]
    pg_server.admin((ROOT / "scripts" / "team-roles.sql").read_text(), database)
    reviewer = f"reviewer_{uuid.uuid4().hex[:8]}"
    pg_server.admin(f'CREATE ROLE "{reviewer}" LOGIN IN ROLE annotator_reader')
    services = open_services(pg_server.url(database, reviewer), lambda: "x")
    try:
        paths = AppPaths.from_environment()
        window = MainWindow(services, SettingsStore(paths.settings_file), paths)
        qtbot.addWidget(window)  # type: ignore[attr-defined]
        window.show()
        banner = window.read_only_banner
        assert banner is not None and banner.text() == NO_GRANT_TEXT
        assert NO_WRITE_GRANT_MESSAGE in banner.toolTip()
        assert f"signed in as {reviewer}" in window.db_label.text()
        assert window.minimumSizeHint().height() <= 540
        assert_m_is_refused(window, services, case.uid, NO_WRITE_GRANT_MESSAGE, qtbot)
        window.close()
    finally:
        services.close()
