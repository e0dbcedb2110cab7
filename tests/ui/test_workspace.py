"""The annotation workspace through real widgets: keys, inspector, undo, tags, search, subtitles."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from annotator.core.entities import AnnotationKind
from annotator.core.progress import drain
from annotator.services.container import Services
from annotator.ui.main_window import MainWindow


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
    media = services.media.for_case(case.uid)[0]
    win.media_browser.select(media.uid)
    player = win.viewer.player
    qtbot.waitUntil(lambda: player.current_frame == 0, timeout=10_000)  # type: ignore[attr-defined]
    return win


def go(win: MainWindow, frame: int, qtbot: object) -> None:
    player = win.viewer.player
    player.seek(frame)
    qtbot.waitUntil(lambda: player.current_frame == frame, timeout=10_000)  # type: ignore[attr-defined]
    player.view.setFocus()


def test_moment_note_undo_redo(window: MainWindow, services: Services, qtbot: object) -> None:
    ws = window.workspace
    go(window, 17, qtbot)
    qtbot.keyClick(window.viewer.player.view, Qt.Key.Key_M)  # type: ignore[attr-defined]
    (moment,) = services.annotations.for_case(ws.case_uid)  # type: ignore[arg-type]
    assert (moment.kind, moment.start_frame, moment.start_ms) == (AnnotationKind.MOMENT, 17, 709)
    assert "Saved moment at 00:00:00.709" in window.statusBar().currentMessage()
    assert ws.inspector.note.hasFocus()  # M focuses the note
    qtbot.keyClicks(ws.inspector.note, "ID card visible")  # type: ignore[attr-defined]
    qtbot.keyClick(ws.inspector.note, Qt.Key.Key_Return)  # type: ignore[attr-defined]
    assert services.annotations.get(ws.case_uid, moment.uid).note == "ID card visible"  # type: ignore[arg-type]
    assert window.viewer.player.view.hasFocus()  # Enter saves and gives the keys back

    window.undo_action.trigger()  # the note edit
    assert services.annotations.get(ws.case_uid, moment.uid).note == ""  # type: ignore[arg-type]
    window.undo_action.trigger()  # the moment itself
    assert services.annotations.for_case(ws.case_uid) == []  # type: ignore[arg-type]
    window.redo_action.trigger()
    window.redo_action.trigger()
    assert services.annotations.get(ws.case_uid, moment.uid).note == "ID card visible"  # type: ignore[arg-type]
    actions = [e.action for e in services.audit.history(ws.case_uid, moment.uid)]  # type: ignore[arg-type]
    assert actions == [
        "annotation.create",
        "annotation.update",
        "annotation.update",
        "annotation.delete",
        "annotation.restore",
        "annotation.update",
    ]
    assert ws.list.visible()[0].uid == moment.uid


def test_segment_with_i_and_o_and_subtitles(
    window: MainWindow, services: Services, qtbot: object
) -> None:
    ws = window.workspace
    view = window.viewer.player.view
    go(window, 5, qtbot)
    qtbot.keyClick(view, Qt.Key.Key_I)  # type: ignore[attr-defined]
    go(window, 20, qtbot)
    qtbot.keyClick(view, Qt.Key.Key_O)  # type: ignore[attr-defined]
    (segment,) = services.annotations.for_case(ws.case_uid)  # type: ignore[arg-type]
    assert (segment.start_frame, segment.end_frame) == (5, 20)
    assert (segment.start_ms, segment.end_ms) == (209, 875)  # end: when frame 21 appears
    ws.inspector.transcript.setFocus()
    ws.inspector.transcript.setPlainText("我是中国人")
    ws.inspector.translation.setFocus()  # leaving the field saves it
    assert services.annotations.get(ws.case_uid, segment.uid).transcript == "我是中国人"  # type: ignore[arg-type]
    go(window, 10, qtbot)
    assert ws.subtitles.isVisible() and ws.subtitles.text() == "我是中国人"
    go(window, 30, qtbot)
    assert not ws.subtitles.isVisible()


def test_tags_inline_favourites_delete_and_search_jump(
    window: MainWindow, services: Services, qtbot: object
) -> None:
    ws = window.workspace
    case_uid = ws.case_uid
    assert case_uid is not None
    services.tags.create(case_uid, "person/captive")
    go(window, 3, qtbot)
    qtbot.keyClick(window.viewer.player.view, Qt.Key.Key_M)  # type: ignore[attr-defined]
    ann = ws.list.current()
    assert ann is not None
    completer = ws.inspector.tags.completer()
    completer.setCompletionPrefix("capt")
    assert completer.currentCompletion() == "person/captive"  # autocomplete
    ws.inspector.tags.setText("person/captive, object/handcuffs")  # a new tag, inline
    ws.inspector.tags.editingFinished.emit()
    paths = {t.path for t in services.tags.for_case(case_uid)}
    assert {"object", "object/handcuffs"} <= paths
    assert len(services.annotations.get(case_uid, ann.uid).tag_uids) == 2

    handcuffs = next(t for t in services.tags.for_case(case_uid) if t.path == "object/handcuffs")
    services.tags.set_favourite(case_uid, handcuffs.uid, 2)
    window.viewer.player.view.setFocus()
    qtbot.keyClick(window.viewer.player.view, Qt.Key.Key_2)  # type: ignore[attr-defined]
    assert handcuffs.uid not in services.annotations.get(case_uid, ann.uid).tag_uids
    qtbot.keyClick(window.viewer.player.view, Qt.Key.Key_2)  # type: ignore[attr-defined]
    assert handcuffs.uid in services.annotations.get(case_uid, ann.uid).tag_uids

    services.annotations.update(case_uid, ann.uid, {"note": "Посвідчення на столі"})
    go(window, 30, qtbot)
    ws.list.whole_case.setChecked(True)
    ws.list.filter_edit.setText("посвідчення")
    ws.list.filter_edit.returnPressed.emit()
    (found,) = ws.list.visible()
    assert found.uid == ann.uid
    ws.jump_to(found)
    qtbot.waitUntil(lambda: window.viewer.player.current_frame == 3, timeout=10_000)  # type: ignore[attr-defined]

    window.viewer.player.view.setFocus()
    ws.list.select(ann.uid)
    window.viewer.player.view.setFocus()
    qtbot.keyClick(window.viewer.player.view, Qt.Key.Key_Delete)  # type: ignore[attr-defined]
    assert services.annotations.for_case(case_uid) == []
    window.undo_action.trigger()
    assert [a.uid for a in services.annotations.for_case(case_uid)] == [ann.uid]


def test_claim_link_from_the_inspector(
    window: MainWindow, services: Services, qtbot: object
) -> None:
    ws = window.workspace
    case_uid = ws.case_uid
    assert case_uid is not None
    claim = services.claims.create(case_uid, "The captive speaks Mandarin").value
    window.changed.emit(
        __import__("annotator.core.changes", fromlist=["Changes"]).Changes(
            claims=frozenset({claim.uid})
        )
    )
    go(window, 8, qtbot)
    qtbot.keyClick(window.viewer.player.view, Qt.Key.Key_M)  # type: ignore[attr-defined]
    ann = ws.list.current()
    assert ann is not None
    ws.inspector.relation_combo.setCurrentIndex(ws.inspector.relation_combo.findData("supports"))
    ws.inspector.claim_combo.setCurrentIndex(ws.inspector.claim_combo.findData(claim.uid))
    ws.inspector._link()
    assert services.claims.for_case(case_uid)[0].evidence["supports"] == 1
    assert ws.inspector.links.count() == 1 and "supports" in ws.inspector.links.item(0).text()


def test_timeline_click_to_seek_and_drag_a_segment_edge(
    window: MainWindow, services: Services, qtbot: object
) -> None:
    ws = window.workspace
    case_uid = ws.case_uid
    assert case_uid is not None
    timeline = ws.timeline
    timeline.resize(720, timeline.minimumHeight())
    view = window.viewer.player.view
    go(window, 6, qtbot)
    qtbot.keyClick(view, Qt.Key.Key_I)  # type: ignore[attr-defined]
    go(window, 11, qtbot)
    qtbot.keyClick(view, Qt.Key.Key_O)  # type: ignore[attr-defined]
    (segment,) = services.annotations.for_case(case_uid)
    assert timeline.duration_ms == 1500 and len(timeline.annotations) == 1

    # Click on empty time (the moment lane, far right): the player goes there.
    clicked: list[int] = []
    timeline.seek_ms.connect(clicked.append)
    lane_y = int(timeline.lane_height * 1.5)
    qtbot.mouseClick(
        timeline,
        Qt.MouseButton.LeftButton,  # type: ignore[attr-defined]
        pos=__import__("PySide6.QtCore", fromlist=["QPoint"]).QPoint(
            int(timeline._x(1250)), lane_y
        ),
    )
    index = window.viewer.player.index
    assert index is not None and clicked and abs(clicked[0] - 1270) < 40
    expected = index.frame_at_ms(clicked[0])  # the frame on screen at the clicked time
    qtbot.waitUntil(lambda: window.viewer.player.current_frame == expected, timeout=10_000)  # type: ignore[attr-defined]

    # Drag the segment's end (the segment lane) to about 1,000 ms: it snaps to frame 23.
    from PySide6.QtCore import QPoint

    seg_y = int(timeline.lane_height * 2.5)
    end_x = int(timeline._x(segment.end_ms or 0))
    qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=QPoint(end_x, seg_y))  # type: ignore[attr-defined]
    qtbot.mouseMove(timeline, QPoint(int(timeline._x(1000)), seg_y))  # type: ignore[attr-defined]
    qtbot.mouseRelease(
        timeline,
        Qt.MouseButton.LeftButton,  # type: ignore[attr-defined]
        pos=QPoint(int(timeline._x(1000)), seg_y),
    )
    moved = services.annotations.get(case_uid, segment.uid)
    assert moved.start_frame == 6
    assert moved.end_frame == ws.viewer.player.index.frame_at_ms(moved.end_ms - 1)  # type: ignore[union-attr, operator]
    assert 22 <= (moved.end_frame or 0) <= 24 and moved.end_ms == ws.viewer.player.index.ms(  # type: ignore[union-attr]
        (moved.end_frame or 0) + 1
    )
    window.undo_action.trigger()  # the drag is undoable like any edit
    assert services.annotations.get(case_uid, segment.uid).end_frame == 11


def test_claims_panel_create_status_evidence_and_jump(
    window: MainWindow, services: Services, qtbot: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.ui.panels import claims as claims_module
    from annotator.ui.panels.claims import ClaimDialog

    ws = window.workspace
    case_uid = ws.case_uid
    assert case_uid is not None
    panel = ws.claims_panel
    assert panel.stack.currentWidget() is panel.empty

    def fill(parent: object, submit: object) -> bool:
        dialog = ClaimDialog(None, submit)  # type: ignore[arg-type]
        dialog.statement.setPlainText("  ")
        dialog._accept()  # an empty statement is refused in place
        assert not dialog.error.isHidden() and "statement" in dialog.error.text()
        dialog.statement.setPlainText("The captive speaks Mandarin")
        dialog.claimant.setText("Head of state")
        dialog._accept()
        return dialog.result() == ClaimDialog.DialogCode.Accepted

    monkeypatch.setattr(claims_module, "ask_new_claim", fill)
    ws.new_claim()
    (claim,) = services.claims.for_case(case_uid)
    assert claim.claim.claimant == "Head of state"
    assert panel.tree.topLevelItemCount() == 1

    go(window, 12, qtbot)
    qtbot.keyClick(window.viewer.player.view, Qt.Key.Key_M)  # type: ignore[attr-defined]
    ann = ws.list.current()
    assert ann is not None
    ws.link(ann.uid, claim.claim.uid, "supports")
    top = panel.tree.topLevelItem(0)
    assert (top.text(1), top.text(2), top.childCount()) == ("unverified", "1", 1)

    panel.tree.setCurrentItem(top)
    panel.status.setCurrentIndex(panel.status.findData("supported"))
    panel.status.activated.emit(panel.status.currentIndex())
    assert services.claims.for_case(case_uid)[0].claim.status.value == "supported"

    go(window, 30, qtbot)
    child = panel.tree.topLevelItem(0).child(0)
    panel.tree.itemDoubleClicked.emit(child, 0)  # evidence jumps to its frame
    qtbot.waitUntil(lambda: window.viewer.player.current_frame == 12, timeout=10_000)  # type: ignore[attr-defined]


def test_draw_and_move_a_region_on_the_frame(
    window: MainWindow, services: Services, qtbot: object
) -> None:
    from PySide6.QtCore import QPoint, QPointF

    ws = window.workspace
    case_uid = ws.case_uid
    assert case_uid is not None
    view = window.viewer.player.view
    go(window, 9, qtbot)
    view.actual_size()
    view.zoom_by(2)
    view.centerOn(96, 54)
    qtbot.keyClick(view, Qt.Key.Key_R)  # type: ignore[attr-defined]
    assert view.drawing
    start = view.mapFromScene(QPointF(48, 27))
    end = view.mapFromScene(QPointF(144, 81))
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)  # type: ignore[attr-defined]
    qtbot.mouseMove(view.viewport(), end)  # type: ignore[attr-defined]
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=end)  # type: ignore[attr-defined]
    (region,) = services.annotations.for_case(case_uid)
    assert region.kind is AnnotationKind.REGION and region.start_frame == 9
    assert region.region is not None
    assert region.region["x"] == pytest.approx(0.25, abs=0.02)
    assert region.region["w"] == pytest.approx(0.5, abs=0.02)
    assert len(view._regions) == 1  # drawn over the frame it belongs to

    # Drag the rectangle by its edge 10% right and 10% down.
    grab = view.mapFromScene(QPointF(48, 50))
    to = view.mapFromScene(QPointF(48 + 19.2, 50 + 10.8))
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=grab)  # type: ignore[attr-defined]
    qtbot.mouseMove(view.viewport(), QPoint((grab.x() + to.x()) // 2, (grab.y() + to.y()) // 2))  # type: ignore[attr-defined]
    qtbot.mouseMove(view.viewport(), to)  # type: ignore[attr-defined]
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=to)  # type: ignore[attr-defined]
    moved = services.annotations.get(case_uid, region.uid)
    assert moved.region is not None and moved.region["x"] == pytest.approx(0.35, abs=0.02)
    go(window, 20, qtbot)
    assert view._regions == []  # not shown on other frames
    window.undo_action.trigger()
    assert services.annotations.get(case_uid, region.uid).region["x"] == pytest.approx(  # type: ignore[index]
        0.25, abs=0.02
    )
    del QPoint


def test_where_and_when_fields(window: MainWindow, services: Services, qtbot: object) -> None:
    ws = window.workspace
    case_uid = ws.case_uid
    assert case_uid is not None
    go(window, 4, qtbot)
    qtbot.keyClick(window.viewer.player.view, Qt.Key.Key_M)  # type: ignore[attr-defined]
    ann = ws.list.current()
    assert ann is not None
    place = ws.inspector.place_fields
    place["latitude"].setText("48.0159")
    place["latitude"].editingFinished.emit()
    place["geo_method"].setText("skyline matched to satellite imagery")
    place["geo_method"].editingFinished.emit()
    saved = services.annotations.get(case_uid, ann.uid).place
    assert (saved.latitude, saved.geo_method) == ("48.0159", "skyline matched to satellite imagery")
    place["latitude"].setText("north")  # refused, with a message; nothing saved
    place["latitude"].editingFinished.emit()
    assert services.annotations.get(case_uid, ann.uid).place.latitude == "48.0159"
    assert "not a decimal number" in window.statusBar().currentMessage()
    window.undo_action.trigger()
    assert services.annotations.get(case_uid, ann.uid).place.geo_method == ""


def test_tags_panel(
    window: MainWindow, services: Services, qtbot: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.ui.panels import tags as tags_module

    ws = window.workspace
    case_uid = ws.case_uid
    assert case_uid is not None
    panel = ws.tags_panel
    assert panel.stack.currentWidget() is panel.empty
    monkeypatch.setattr(tags_module, "ask_text", lambda *a, **k: "person/captive")
    panel._new()
    assert [t.path for t in services.tags.for_case(case_uid)] == ["person", "person/captive"]
    top = panel.tree.topLevelItem(0)
    assert top.text(0) == "person" and top.child(0).text(0) == "captive"

    panel.tree.setCurrentItem(top.child(0))
    panel.key.setCurrentIndex(panel.key.findData(4))
    panel.key.activated.emit(panel.key.currentIndex())
    captive = next(t for t in services.tags.for_case(case_uid) if t.path == "person/captive")
    assert captive.favourite_slot == 4
    monkeypatch.setattr(tags_module, "ask_colour", lambda parent, current: "#123456")
    panel.tree.setCurrentItem(panel.tree.topLevelItem(0).child(0))
    panel._colour()
    assert services.tags.for_case(case_uid)[1].colour == "#123456"

    go(window, 2, qtbot)
    qtbot.keyClick(window.viewer.player.view, Qt.Key.Key_M)  # type: ignore[attr-defined]
    qtbot.keyClick(ws.inspector.note, Qt.Key.Key_Return)  # type: ignore[attr-defined]
    qtbot.keyClick(window.viewer.player.view, Qt.Key.Key_4)  # type: ignore[attr-defined]
    go(window, 5, qtbot)
    qtbot.keyClick(window.viewer.player.view, Qt.Key.Key_M)  # type: ignore[attr-defined]
    item = panel.tree.topLevelItem(0)
    panel.tree.itemDoubleClicked.emit(item, 0)  # filter by "person" (and below)
    assert [a.start_frame for a in ws.list.visible()] == [2]

    monkeypatch.setattr(tags_module, "ask_text", lambda *a, **k: "people/detained")
    panel.tree.setCurrentItem(panel.tree.topLevelItem(0))
    panel._rename()
    paths = {t.path for t in services.tags.for_case(case_uid)}
    assert paths == {"people", "people/detained", "people/detained/captive"}  # subtree moved
    panel.tree.setCurrentItem(panel.tree.topLevelItem(0))
    panel._delete()
    assert services.tags.for_case(case_uid) == []
    assert services.audit.verify(case_uid).ok


def test_properties_panel_shows_the_file_and_its_metadata(
    window: MainWindow, services: Services
) -> None:
    panel = window.properties
    tree = panel.tree
    sections = {
        tree.topLevelItem(i).text(0): tree.topLevelItem(i) for i in range(tree.topLevelItemCount())
    }
    assert {"File", "Technical", "Metadata"} <= set(sections)
    values = {
        sections["File"].child(i).text(0): sections["File"].child(i).text(1)
        for i in range(sections["File"].childCount())
    }
    media = services.media.for_case(window.case_uid)[0]  # type: ignore[arg-type]
    assert values["SHA-256"] == media.sha256 and values["Name"] == "captive.mp4"
    technical = {
        sections["Technical"].child(i).text(0): sections["Technical"].child(i).text(1)
        for i in range(sections["Technical"].childCount())
    }
    assert technical["Frames"] == "36" and technical["Size as displayed"] == "192x108"
    window.show_overview()
    assert panel.stack.currentWidget() is panel.empty


def test_media_browser_counts_follow_edits(window: MainWindow, qtbot: object) -> None:
    from annotator.ui.media_browser import MediaRole

    go(window, 7, qtbot)
    qtbot.keyClick(window.viewer.player.view, Qt.Key.Key_M)  # type: ignore[attr-defined]
    index = window.media_browser.proxy.index(0, 0)
    assert index.data(MediaRole).file_name == "captive.mp4"
    assert "(1 marked)" in index.data()


def _click(qtbot: object, view: object, point: object) -> None:
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)  # type: ignore[attr-defined]


def test_polygon_region_and_resize_handles(
    window: MainWindow, services: Services, qtbot: object
) -> None:
    from PySide6.QtCore import QPointF

    ws = window.workspace
    case_uid = ws.case_uid
    assert case_uid is not None
    view = window.viewer.player.view
    go(window, 4, qtbot)
    view.actual_size()
    view.zoom_by(2)
    view.centerOn(96, 54)
    at = view.mapFromScene

    # Esc cancels a polygon half drawn: nothing saved.
    qtbot.keyClick(view, Qt.Key.Key_P)  # type: ignore[attr-defined]
    assert view.drawing == "polygon"
    _click(qtbot, view, at(QPointF(40, 20)))
    _click(qtbot, view, at(QPointF(120, 20)))
    qtbot.keyClick(view, Qt.Key.Key_Escape)  # type: ignore[attr-defined]
    assert not view.drawing and services.annotations.for_case(case_uid) == []

    # A triangle: three clicks, a wrong fourth taken back with Backspace, Enter saves.
    qtbot.keyClick(view, Qt.Key.Key_P)  # type: ignore[attr-defined]
    for x, y in ((48, 27), (144, 27), (96, 81), (10, 10)):
        _click(qtbot, view, at(QPointF(x, y)))
    qtbot.keyClick(view, Qt.Key.Key_Backspace)  # type: ignore[attr-defined]
    qtbot.keyClick(view, Qt.Key.Key_Return)  # type: ignore[attr-defined]
    (polygon,) = services.annotations.for_case(case_uid)
    assert polygon.kind is AnnotationKind.REGION and polygon.start_frame == 4
    assert polygon.region is not None and polygon.region["shape"] == "polygon"
    points = polygon.region["points"]
    expected = [(0.25, 0.25), (0.75, 0.25), (0.5, 0.75)]  # of the 192x108 frame
    assert len(points) == 3  # type: ignore[arg-type]
    for (x, y), (ex, ey) in zip(points, expected, strict=True):  # type: ignore[call-overload]
        assert (x, y) == (pytest.approx(ex, abs=0.01), pytest.approx(ey, abs=0.01))

    # Clicking the shape selects its annotation; its corner handles then reshape it.
    _click(qtbot, view, at(QPointF(96, 40)))
    assert ws.list.current() is not None and ws.list.current().uid == polygon.uid  # type: ignore[union-attr]
    item = view._regions[0]
    assert item.isSelected() and all(h.isVisible() for h in item.handles)
    corner = at(QPointF(96, 81))
    target = at(QPointF(96, 100))
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=corner)  # type: ignore[attr-defined]
    qtbot.mouseMove(view.viewport(), target)  # type: ignore[attr-defined]
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=target)  # type: ignore[attr-defined]
    reshaped = services.annotations.get(case_uid, polygon.uid).region
    assert reshaped is not None
    assert reshaped["points"][2][1] == pytest.approx(100 / 108, abs=0.02)  # type: ignore[index]
    assert reshaped["points"][0] == points[0]  # type: ignore[index]
    window.undo_action.trigger()
    restored = services.annotations.get(case_uid, polygon.uid).region
    assert restored is not None and restored["points"] == points

    # A rectangle's bottom-right handle resizes it; it cannot leave the frame.
    qtbot.keyClick(view, Qt.Key.Key_R)  # type: ignore[attr-defined]
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=at(QPointF(20, 20)))  # type: ignore[attr-defined]
    qtbot.mouseMove(view.viewport(), at(QPointF(60, 50)))  # type: ignore[attr-defined]
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=at(QPointF(60, 50)))  # type: ignore[attr-defined]
    rect = next(a for a in services.annotations.for_case(case_uid) if a.uid != polygon.uid)
    assert rect.region is not None and rect.region["shape"] == "rect"
    assert ws.list.current() is not None and ws.list.current().uid == rect.uid  # type: ignore[union-attr]
    item = next(r for r in view._regions if r.uid == rect.uid)
    assert item.isSelected()  # the new region is selected, its handles ready
    grip = at(QPointF(60, 50))
    beyond = at(QPointF(400, 50))  # far right of the 192-pixel frame
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=grip)  # type: ignore[attr-defined]
    qtbot.mouseMove(view.viewport(), beyond)  # type: ignore[attr-defined]
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=beyond)  # type: ignore[attr-defined]
    resized = services.annotations.get(case_uid, rect.uid).region
    assert resized is not None
    assert resized["x"] == pytest.approx(20 / 192, abs=0.01)
    assert resized["x"] + resized["w"] == pytest.approx(1.0, abs=0.001)  # type: ignore[operator]
    assert resized["h"] == pytest.approx(30 / 108, abs=0.01)


def test_timeline_drag_creates_a_segment_and_lanes_by_tag(
    window: MainWindow, services: Services, qtbot: object
) -> None:
    from PySide6.QtCore import QPoint

    ws = window.workspace
    case_uid = ws.case_uid
    assert case_uid is not None and ws.media is not None
    timeline = ws.timeline
    index = window.viewer.player.index
    assert index is not None
    y = int(timeline.lane_height * 2.5)
    a, b = QPoint(int(timeline._x(300)), y), QPoint(int(timeline._x(700)), y)
    qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=a)  # type: ignore[attr-defined]
    qtbot.mouseMove(timeline, QPoint((a.x() + b.x()) // 2, y))  # type: ignore[attr-defined]
    qtbot.mouseMove(timeline, b)  # type: ignore[attr-defined]
    assert timeline._new is not None  # the span being drawn is shown
    qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=b)  # type: ignore[attr-defined]
    (segment,) = services.annotations.for_case(case_uid)
    assert segment.kind is AnnotationKind.SEGMENT
    start_ms, end_ms = timeline._ms(a.x()), timeline._ms(b.x())
    assert segment.start_frame == index.frame_at_ms(start_ms)
    assert segment.end_frame == index.frame_at_ms(end_ms - 1)
    assert segment.start_ms == index.ms(segment.start_frame)  # snapped to whole frames
    assert segment.end_ms == index.ms((segment.end_frame or 0) + 1)
    # A click without a drag only seeks: no new annotation.
    qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=QPoint(int(timeline._x(1300)), y))  # type: ignore[attr-defined]
    assert len(services.annotations.for_case(case_uid)) == 1

    # Lanes by tag: one per tag in use (sorted by path) and one for untagged annotations;
    # an annotation with two tags sits in both lanes, in each tag's colour.
    services.tags.create(case_uid, "person/captive", colour="#e53935")
    services.tags.create(case_uid, "object/handcuffs", colour="#1e88e5")
    services.annotations.create(
        case_uid,
        ws.media.uid,
        {"kind": "moment", "start_frame": 3, "start_ms": index.ms(3)},
        tags=["person/captive", "object/handcuffs"],
    )
    ws.refresh()
    panel = ws.timeline_panel
    panel.lanes.setCurrentIndex(panel.lanes.findData("tag"))
    assert timeline.lanes == ["object/handcuffs", "person/captive", "(no tag)"]
    placed = sorted((p.lane, p.colour) for p in timeline._placed)
    assert placed == [(0, "#1e88e5"), (1, "#e53935"), (2, "#607d8b")]
    assert timeline.height() == timeline.lane_height * 4 + 4
    hit, _ = timeline._hit(QPoint(int(timeline._x(index.ms(3))), int(timeline.lane_height * 1.5)))
    assert hit is not None and hit.kind is AnnotationKind.MOMENT
    panel.lanes.setCurrentIndex(panel.lanes.findData("kind"))
    assert timeline.lanes == ["moment", "segment", "region"]
    from PySide6.QtCore import QSettings

    assert QSettings().value("timeline/lanes") == "kind"  # the choice is remembered


def test_an_edit_reloads_only_the_annotations_it_changed(
    window: MainWindow, services: Services, qtbot: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = window.workspace
    case_uid, media = ws.case_uid, ws.media
    assert case_uid is not None and media is not None
    for frame in (2, 5, 9):
        services.annotations.create(
            case_uid, media.uid, {"kind": "moment", "start_frame": frame, "start_ms": frame * 40}
        )
    ws.refresh()
    assert [a.start_frame for a in ws.annotations] == [2, 5, 9]
    listed: list[object] = []
    real = services.annotations.for_case
    monkeypatch.setattr(
        services.annotations,
        "for_case",
        lambda *a, **k: listed.append(a) or real(*a, **k),  # type: ignore[func-returns-value]
    )
    go(window, 7, qtbot)
    qtbot.keyClick(window.viewer.player.view, Qt.Key.Key_M)  # type: ignore[attr-defined]
    assert [a.start_frame for a in ws.annotations] == [2, 5, 7, 9]  # in time order
    assert [a.start_frame for a in ws.list.visible()] == [2, 5, 7, 9]
    assert len(ws.timeline.annotations) == 4
    middle = ws.annotations[1]
    window.changed.emit(services.annotations.delete(case_uid, middle.uid).changes)
    assert [a.start_frame for a in ws.annotations] == [2, 7, 9]
    window.undo_action.trigger()  # the moment at 7 is taken back
    assert [a.start_frame for a in ws.annotations] == [2, 9]
    assert listed == []  # no edit read the media's whole list again


def test_media_annotations_load_off_the_ui_thread_and_the_last_switch_wins(
    window: MainWindow, services: Services, qtbot: object, corpus: dict[str, Path], tmp_path: Path
) -> None:
    ws = window.workspace
    case_uid, first = ws.case_uid, ws.media
    assert case_uid is not None and first is not None
    for frame in range(0, 30, 3):
        services.annotations.create(
            case_uid, first.uid, {"kind": "moment", "start_frame": frame, "start_ms": frame * 40}
        )
    folder = tmp_path / "more"
    folder.mkdir()
    shutil.copy(corpus["vfr"], folder / "second.mp4")
    drain(services.importing.run(case_uid, [folder]))
    second = next(m for m in services.media.for_case(case_uid) if m.file_name == "second.mp4")
    services.annotations.create(
        case_uid, second.uid, {"kind": "moment", "start_frame": 1, "start_ms": 20}
    )
    ws.set_media(first)
    assert ws.loading and ws.annotations == []  # returned at once; the list says so
    assert "Reading" in ws.list.empty.text()
    ws.set_media(second)  # switched again before the first load came back
    qtbot.waitUntil(lambda: not ws.loading, timeout=10_000)  # type: ignore[attr-defined]
    qtbot.wait(50)  # type: ignore[attr-defined]  # the first load's late answer is dropped
    assert [a.media_uid for a in ws.annotations] == [second.uid]
    assert [a.start_frame for a in ws.list.visible()] == [1]
    ws.set_media(first)
    qtbot.waitUntil(lambda: not ws.loading, timeout=10_000)  # type: ignore[attr-defined]
    assert len(ws.annotations) == 10 and len(ws.timeline.annotations) == 10
    assert "Reading" not in ws.list.empty.text()
