"""The window edits an annotation another connection changed meanwhile: the investigator chooses."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from annotator.core.progress import drain
from annotator.services.container import Services, open_services
from annotator.ui import conflicts
from annotator.ui.conflicts import Choice
from annotator.ui.main_window import MainWindow


@pytest.fixture
def other(db_path: Path, services: Services) -> Iterator[Services]:
    """Another program on the same case file: its own engine and connections."""
    second = open_services(db_path, lambda: "Second Investigator")
    yield second
    second.close()


@pytest.fixture
def window(
    make_window: Callable[[], MainWindow],
    services: Services,
    corpus: dict[str, Path],
    tmp_path: Path,
    qtbot: object,
) -> MainWindow:
    folder = tmp_path / "ev"
    folder.mkdir()
    shutil.copy(corpus["h264-bframes"], folder / "captive.mp4")
    case = services.cases.create("Donetsk captives").value
    drain(services.importing.run(case.uid, [folder]))
    win = make_window()
    win.show()
    win.media_browser.select(services.media.for_case(case.uid)[0].uid)
    player = win.viewer.player
    qtbot.waitUntil(lambda: player.current_frame == 0, timeout=10_000)  # type: ignore[attr-defined]
    player.view.setFocus()
    qtbot.keyClick(player.view, Qt.Key.Key_M)  # type: ignore[attr-defined]
    return win


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Questions the window asked; the answer is set by each test in ``answer``."""
    calls: list[tuple[str, str]] = []
    answer[0] = Choice.RELOAD

    def ask(parent: object, what: str, message: str) -> Choice:
        calls.append((what, message))
        return answer[0]

    monkeypatch.setattr(conflicts, "ask_conflict", ask)
    return calls


answer: list[Choice] = [Choice.RELOAD]


def type_note(window: MainWindow, text: str, qtbot: object) -> None:
    note = window.workspace.inspector.note
    note.setFocus()
    note.selectAll()
    qtbot.keyClicks(note, text)  # type: ignore[attr-defined]
    qtbot.keyClick(note, Qt.Key.Key_Return)  # type: ignore[attr-defined]


def test_reload_discards_mine_and_shows_theirs(
    window: MainWindow,
    services: Services,
    other: Services,
    asked: list[tuple[str, str]],
    qtbot: object,
) -> None:
    ws = window.workspace
    case_uid = ws.case_uid
    assert case_uid is not None
    shown = ws.list.current()
    assert shown is not None and ws.inspector.annotation is not None
    other.annotations.update(case_uid, shown.uid, {"note": "theirs"})  # meanwhile, elsewhere
    undo_steps = ws.undo_stack.count()
    answer[0] = Choice.RELOAD
    type_note(window, "mine", qtbot)
    assert len(asked) == 1 and asked[0][0] == "annotation"
    assert "changed elsewhere" in asked[0][1]
    saved = services.annotations.get(case_uid, shown.uid)
    assert (saved.note, saved.version) == ("theirs", shown.version + 1)  # theirs intact
    assert ws.inspector.note.toPlainText() == "theirs"  # and on screen now
    assert ws.undo_stack.count() == undo_steps  # nothing of mine to undo
    assert "not saved" in window.statusBar().currentMessage()
    # The next edit starts from theirs and goes through without asking.
    type_note(window, "mine after all", qtbot)
    assert len(asked) == 1
    assert services.annotations.get(case_uid, shown.uid).note == "mine after all"
    actors = [e.actor for e in services.audit.history(case_uid, shown.uid)]
    assert actors == ["Test Investigator", "Second Investigator", "Test Investigator"]


def test_overwrite_applies_mine_on_top_of_theirs_audited(
    window: MainWindow,
    services: Services,
    other: Services,
    asked: list[tuple[str, str]],
    qtbot: object,
) -> None:
    ws = window.workspace
    case_uid = ws.case_uid
    assert case_uid is not None
    shown = ws.list.current()
    assert shown is not None
    other.annotations.update(case_uid, shown.uid, {"note": "theirs", "title": "Their title"})
    answer[0] = Choice.OVERWRITE
    type_note(window, "mine", qtbot)
    assert len(asked) == 1
    saved = services.annotations.get(case_uid, shown.uid)
    assert (saved.note, saved.title) == ("mine", "Their title")  # their other field kept
    events = services.audit.history(case_uid, shown.uid)
    assert [(e.actor, e.action) for e in events[1:]] == [
        ("Second Investigator", "annotation.update"),
        ("Test Investigator", "annotation.update"),
    ]
    assert events[-1].before["note"] == "theirs"  # the trail keeps what was overwritten
    assert ws.inspector.note.toPlainText() == "mine"
    window.undo_action.trigger()  # undo brings theirs back, not my stale view
    assert services.annotations.get(case_uid, shown.uid).note == "theirs"
    assert services.audit.verify(case_uid).ok


def test_delete_tag_and_claim_changed_elsewhere_ask_too(
    window: MainWindow,
    services: Services,
    other: Services,
    asked: list[tuple[str, str]],
) -> None:
    ws = window.workspace
    case_uid = ws.case_uid
    shown = ws.list.current()
    assert case_uid is not None and shown is not None
    other.annotations.update(case_uid, shown.uid, {"note": "theirs"})
    answer[0] = Choice.RELOAD
    ws.delete(shown.uid)  # Delete in the inspector, over their edit: refused, asked
    assert services.annotations.get(case_uid, shown.uid).deleted_at is None
    other.annotations.update(case_uid, shown.uid, {"note": "theirs again"})
    answer[0] = Choice.OVERWRITE
    ws.delete(shown.uid)
    assert services.annotations.get(case_uid, shown.uid).deleted_at is not None
    assert [w for w, _ in asked] == ["annotation", "annotation"]

    tag = services.tags.create(case_uid, "person").value
    ws.refresh()  # the tags panel shows it
    other.tags.update(case_uid, tag.uid, colour="#00ff00")
    answer[0] = Choice.RELOAD
    ws.tags_panel.rename.emit(tag.uid, "people")
    (kept,) = services.tags.for_case(case_uid)
    assert (kept.path, kept.colour) == ("person", "#00ff00") and asked[-1][0] == "tag"

    claim = services.claims.create(case_uid, "The captive speaks Mandarin").value
    ws.refresh()
    other.claims.update(case_uid, claim.uid, {"status": "disputed"})
    answer[0] = Choice.OVERWRITE
    ws.claims_panel.status_changed.emit(claim.uid, "supported")
    assert asked[-1][0] == "claim"
    (listed,) = services.claims.for_case(case_uid)
    assert listed.claim.status.value == "supported"
    assert services.audit.verify(case_uid).ok
