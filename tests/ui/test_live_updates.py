"""Changes saved by another investigator appear in the open window without a restart."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QTreeWidget

from annotator.core.entities import Case, Media
from annotator.services.container import Services, open_services
from annotator.services.watching import WatchMode, WatchService
from annotator.ui.main_window import MainWindow
from tests.conftest import new_media
from tests.pg_server import PgServer

OTHER = "Second Investigator"
ANOTHER = "Updated: changes by another investigator"


@pytest.fixture(autouse=True)
def quick_watch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Poll and retry fast, so the tests wait fractions of a second, not several."""
    monkeypatch.setattr(WatchService, "POLL_SECONDS", 0.2)
    monkeypatch.setattr(WatchService, "RETRY_SECONDS", 0.5)


def titles(window: MainWindow) -> list[str]:
    return [a.title for a in window.workspace.list.visible()]


def tag_paths(window: MainWindow) -> set[str]:
    tree: QTreeWidget = window.workspace.tags_panel.tree
    found: set[str] = set()

    def walk(item: object) -> None:
        found.add(item.text(0))  # type: ignore[attr-defined]
        for i in range(item.childCount()):  # type: ignore[attr-defined]
            walk(item.child(i))  # type: ignore[attr-defined]

    for i in range(tree.topLevelItemCount()):
        walk(tree.topLevelItem(i))
    return found


def open_on_media(make: Callable[[], MainWindow], media: Media, qtbot: object) -> MainWindow:
    window = make()
    window.show()
    window.media_browser.select(media.uid)
    qtbot.waitUntil(lambda: window.workspace.media is not None)  # type: ignore[attr-defined]
    return window


def moment(title: str, start: int) -> dict[str, object]:
    return {"kind": "moment", "start_ms": start, "start_frame": start // 40, "title": title}


# --- SQLite: two programs on one case file, noticed by polling ------------------------


@pytest.fixture
def other(db_path: Path, services: Services) -> Iterator[Services]:
    second = open_services(db_path, lambda: OTHER)
    yield second
    second.close()


def test_polling_shows_another_programs_annotation_and_keeps_the_selection(
    make_window: Callable[[], MainWindow],
    services: Services,
    other: Services,
    case: Case,
    video: Media,
    qtbot: object,
) -> None:
    mine = services.annotations.create(case.uid, video.uid, moment("Mine", 1000)).value
    window = open_on_media(make_window, video, qtbot)
    qtbot.waitUntil(lambda: window.watcher.mode is WatchMode.POLLING)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: titles(window) == ["Mine"])  # type: ignore[attr-defined]
    assert window.workspace.list.select(mine.uid)

    other.annotations.create(case.uid, video.uid, moment("Theirs", 2000))

    qtbot.waitUntil(lambda: "Theirs" in titles(window), timeout=5000)  # type: ignore[attr-defined]
    current = window.workspace.list.current()
    assert current is not None and current.uid == mine.uid  # selection kept
    assert window.statusBar().currentMessage() == ANOTHER
    assert "2 marked" in window.media_browser.model.data(window.media_browser.model.index(0, 0))


def test_own_edits_are_not_reported_as_someone_elses(
    make_window: Callable[[], MainWindow],
    services: Services,
    case: Case,
    video: Media,
    qtbot: object,
) -> None:
    window = open_on_media(make_window, video, qtbot)
    qtbot.waitUntil(lambda: window.watcher.mode is WatchMode.POLLING)  # type: ignore[attr-defined]
    result = services.tags.create(case.uid, "person/captive")
    window.changed.emit(result.changes)  # as every edit of the window does
    window.statusBar().showMessage("Saved tag")
    qtbot.wait(800)  # type: ignore[attr-defined]  # several polls: none may claim it
    assert window.statusBar().currentMessage() == "Saved tag"


def test_changes_wait_while_a_dialog_is_open(
    make_window: Callable[[], MainWindow],
    services: Services,
    other: Services,
    case: Case,
    video: Media,
    qtbot: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = open_on_media(make_window, video, qtbot)
    qtbot.waitUntil(lambda: window.watcher.mode is WatchMode.POLLING)  # type: ignore[attr-defined]
    dialog_open = [True]
    monkeypatch.setattr(MainWindow, "_dialog_open", staticmethod(lambda: dialog_open[0]))
    other.annotations.create(case.uid, video.uid, moment("Theirs", 2000))
    qtbot.waitUntil(lambda: window._pending_remote is not None)  # type: ignore[attr-defined]
    qtbot.wait(300)  # type: ignore[attr-defined]
    assert "Theirs" not in titles(window)  # not under the open dialog
    dialog_open[0] = False
    qtbot.waitUntil(lambda: "Theirs" in titles(window), timeout=3000)  # type: ignore[attr-defined]


def test_the_watch_stops_when_the_window_closes_or_the_case_changes(
    make_window: Callable[[], MainWindow], services: Services, case: Case, qtbot: object
) -> None:
    window = make_window()
    qtbot.waitUntil(lambda: window.watcher.running)  # type: ignore[attr-defined]
    first = window.watcher._thread
    second = services.cases.create("Second case").value
    window._refresh_cases()
    window.open_case(second.uid)
    assert window.watcher._thread is not first and first is not None and not first.isRunning()
    window.open_case(None)
    assert not window.watcher.running
    window.open_case(case.uid)
    assert window.watcher.running
    window.close()
    assert not window.watcher.running  # and the autouse check finds no thread left


# --- PostgreSQL: the server notifies ---------------------------------------------------


@pytest.fixture
def team(pg_url: str) -> Iterator[tuple[Services, Services]]:
    mine = open_services(pg_url, lambda: "ignored")
    theirs = open_services(pg_url, lambda: "ignored")
    yield mine, theirs
    theirs.close()
    mine.close()


@pytest.fixture
def team_window(
    team: tuple[Services, Services], qtbot: object
) -> Iterator[tuple[MainWindow, Services, Case, Media]]:
    from annotator.core.paths import AppPaths
    from annotator.core.settings import SettingsStore

    mine, theirs = team
    case = mine.cases.create("Team case").value
    media = mine.media.add(case.uid, new_media()).value
    paths = AppPaths.from_environment()
    window = MainWindow(mine, SettingsStore(paths.settings_file), paths)
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    window.show()
    window.media_browser.select(media.uid)
    qtbot.waitUntil(lambda: window.watcher.mode is WatchMode.LISTENING)  # type: ignore[attr-defined]
    yield window, theirs, case, media
    window.close()


def test_team_database_shows_changes_of_others_as_they_are_saved(
    team_window: tuple[MainWindow, Services, Case, Media], qtbot: object
) -> None:
    window, theirs, case, media = team_window
    # Polling is slowed right down: what arrives now came by notification.
    window.watcher.services.watching.SAFETY_POLL_SECONDS = 3600.0
    tag = theirs.tags.create(case.uid, "vehicle").value
    qtbot.waitUntil(lambda: "vehicle" in tag_paths(window), timeout=5000)  # type: ignore[attr-defined]
    theirs.tags.rename(case.uid, tag.uid, "truck")
    qtbot.waitUntil(lambda: "truck" in tag_paths(window), timeout=5000)  # type: ignore[attr-defined]
    assert "vehicle" not in tag_paths(window)
    claim = theirs.claims.create(case.uid, "Filmed in Donetsk").value
    claims: QTreeWidget = window.workspace.claims_panel.tree
    qtbot.waitUntil(lambda: claims.topLevelItemCount() == 1, timeout=5000)  # type: ignore[attr-defined]
    theirs.claims.update(case.uid, claim.uid, {"statement": "Filmed in Makiivka"})
    qtbot.waitUntil(  # type: ignore[attr-defined]
        lambda: claims.topLevelItem(0).text(0) == "Filmed in Makiivka", timeout=5000
    )
    theirs.annotations.create(case.uid, media.uid, moment("Theirs", 2000))
    qtbot.waitUntil(lambda: "Theirs" in titles(window), timeout=5000)  # type: ignore[attr-defined]
    assert window.statusBar().currentMessage() == ANOTHER
    assert "signed in as" in window.db_label.text()


def test_another_case_created_on_the_server_joins_the_case_list(
    team_window: tuple[MainWindow, Services, Case, Media], qtbot: object
) -> None:
    window, theirs, _case, _media = team_window
    theirs.cases.create("Opened by a colleague")
    qtbot.waitUntil(  # type: ignore[attr-defined]
        lambda: window.case_combo.findText("Opened by a colleague") >= 0, timeout=5000
    )
    assert window.case_combo.currentText() == "Team case"


def test_lost_listener_falls_back_to_polling_then_listens_again(
    team_window: tuple[MainWindow, Services, Case, Media],
    pg_server: PgServer,
    qtbot: object,
) -> None:
    window, theirs, case, media = team_window
    modes: list[WatchMode] = []
    window.watcher.mode_changed.connect(modes.append)
    pg_server.admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%'"
    )
    qtbot.waitUntil(lambda: WatchMode.POLLING in modes, timeout=5000)  # type: ignore[attr-defined]
    qtbot.waitUntil(  # type: ignore[attr-defined]
        lambda: window.watcher.mode is WatchMode.LISTENING, timeout=5000
    )
    theirs.annotations.create(case.uid, media.uid, moment("After the outage", 3000))
    qtbot.waitUntil(  # type: ignore[attr-defined]
        lambda: "After the outage" in titles(window), timeout=5000
    )


def test_window_survives_the_server_dropping_every_connection(
    team_window: tuple[MainWindow, Services, Case, Media],
    pg_server: PgServer,
    qtbot: object,
) -> None:
    window, theirs, case, media = team_window
    database = window.services.location.rsplit("/", 1)[-1]
    modes: list[WatchMode] = []
    window.watcher.mode_changed.connect(modes.append)
    pg_server.admin(  # as a server restart does to every client
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{database}' AND pid <> pg_backend_pid()"
    )
    qtbot.waitUntil(lambda: WatchMode.POLLING in modes, timeout=5000)  # type: ignore[attr-defined]
    theirs.annotations.create(case.uid, media.uid, moment("After the restart", 3000))
    qtbot.waitUntil(  # type: ignore[attr-defined]
        lambda: "After the restart" in titles(window), timeout=5000
    )
    qtbot.waitUntil(  # type: ignore[attr-defined]
        lambda: window.watcher.mode is WatchMode.LISTENING, timeout=5000
    )
    window.workspace.refresh()  # the window's own reads work again too


def test_playhead_and_typed_note_stay_when_another_programs_change_arrives(
    make_window: Callable[[], MainWindow],
    services: Services,
    other: Services,
    corpus: dict[str, Path],
    tmp_path: Path,
    qtbot: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import shutil

    from annotator.ui import conflicts

    # Closing the window saves the half-typed note over the colleague's newer version:
    # the conflict question is answered here (Reload), not left open on an offscreen screen.
    asked: list[str] = []
    monkeypatch.setattr(
        conflicts, "ask_conflict", lambda *a: asked.append(a[1]) or conflicts.Choice.RELOAD
    )

    from annotator.core.progress import drain

    folder = tmp_path / "ev"
    folder.mkdir()
    shutil.copy(corpus["h264-bframes"], folder / "captive.mp4")
    case = services.cases.create("Donetsk captives").value
    drain(services.importing.run(case.uid, [folder]))
    media = services.media.for_case(case.uid)[0]
    mine = services.annotations.create(case.uid, media.uid, moment("Mine", 0)).value
    window = open_on_media(make_window, media, qtbot)
    player = window.viewer.player
    qtbot.waitUntil(lambda: player.current_frame == 0, timeout=10_000)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: titles(window) == ["Mine"])  # type: ignore[attr-defined]
    assert window.workspace.list.select(mine.uid)
    player.seek(12)
    qtbot.waitUntil(lambda: player.current_frame == 12, timeout=10_000)  # type: ignore[attr-defined]
    note = window.workspace.inspector.note
    note.setFocus()
    qtbot.keyClicks(note, "half typed")  # type: ignore[attr-defined]

    other.annotations.update(case.uid, mine.uid, {"title": "Renamed by a colleague"})
    other.annotations.create(case.uid, media.uid, moment("Theirs", 400))

    qtbot.waitUntil(lambda: "Theirs" in titles(window), timeout=5000)  # type: ignore[attr-defined]
    assert "Renamed by a colleague" in titles(window)
    assert player.current_frame == 12
    assert note.toPlainText() == "half typed"
    current = window.workspace.list.current()
    assert current is not None and current.uid == mine.uid
    window.resize(1000, 540)
    window.grab().save("/tmp/ui-live-update.png")
