"""The History panel: the case's trail newest first, one annotation's history, restore."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from annotator.services.container import Services
from annotator.services.demo import build_or_reuse_demo
from annotator.ui.main_window import MainWindow
from annotator.ui.panels.history import EventRole


def rows(window: MainWindow) -> list[tuple[str, str]]:
    tree = window.history.tree
    return [
        (tree.topLevelItem(i).text(3), tree.topLevelItem(i).text(5))
        for i in range(tree.topLevelItemCount())
    ]  # type: ignore[union-attr]


def test_history_shows_changes_and_restores_a_deleted_annotation(
    make_window: Callable[[], MainWindow], services: Services, qtbot: object, tmp_path: Path
) -> None:
    demo = build_or_reuse_demo(services, tmp_path / "demo")
    window = make_window()
    window.show()
    window.open_case(demo.uid)
    window.history_dock.raise_()
    qtbot.waitUntil(lambda: window.history.tree.topLevelItemCount() > 0)  # type: ignore[attr-defined]
    total, _ = services.audit.head(demo.uid)
    assert window.history.tree.topLevelItemCount() == total  # small case: every event
    assert window.history.tree.topLevelItem(0).text(0) == str(total)  # newest first

    target = services.annotations.for_case(demo.uid)[0]
    services.annotations.update(demo.uid, target.uid, {"note": "Re-read: the badge is Russian"})
    window.changed.emit(services.annotations.delete(demo.uid, target.uid).changes)
    what = rows(window)
    assert what[0][0] == "annotation.delete"
    assert what[1][0] == "annotation.update" and "Re-read: the badge is Russian" in what[1][1]

    # Deleted annotations: listed, and restorable from one of their events.
    window.history.deleted_only.setChecked(True)
    events = [
        window.history.tree.topLevelItem(i).data(0, EventRole)
        for i in range(window.history.tree.topLevelItemCount())
    ]
    assert events and {e.entity_uid for e in events} == {target.uid}
    window.history.tree.setCurrentItem(window.history.tree.topLevelItem(0))
    assert "Before:" in window.history.detail.toPlainText()
    assert window.history.restore_button.isEnabled()
    window.history.restore_button.click()
    assert services.annotations.get(demo.uid, target.uid).deleted_at is None
    assert services.audit.history(demo.uid)[-1].action == "annotation.restore"
    assert services.audit.verify(demo.uid).ok
    assert "No deleted annotations" in window.history.note.text()
    assert not window.history.restore_button.isEnabled()
