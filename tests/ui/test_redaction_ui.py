"""Redactions through real widgets: draw with X, keyframes, live preview, panel edits."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from annotator.core.entities import RedactionMethod
from annotator.core.progress import drain
from annotator.media.redaction import box_at, pixel_box
from annotator.services.container import Services
from annotator.services.redactions import RedactionService
from annotator.ui.main_window import MainWindow
from annotator.ui.redaction_controller import RedactionController
from annotator.ui.viewer.qimage import to_rgb
from tests.conftest import INVESTIGATOR


def controller_for(window: MainWindow, services: Services) -> RedactionController:
    """The window's controller once main_window wires it; until then, built the same way."""
    existing = getattr(window, "redactions", None)
    if isinstance(existing, RedactionController):
        return existing
    service = getattr(services, "redactions", None)
    if not isinstance(service, RedactionService):
        service = RedactionService(services._db, lambda: INVESTIGATOR)
    controller = RedactionController(service, window.viewer, window.changed.emit, window)
    window.changed.connect(controller.refresh)
    controller.set_case(window.workspace.case_uid)
    controller.set_media(window.workspace.media)
    return controller


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
    shutil.copy(corpus["h264-bframes"], folder / "captive.mp4")  # 192 x 108
    case = services.cases.create("Donetsk captives").value
    drain(services.importing.run(case.uid, [folder]))
    win = make_window()
    win.show()
    win.media_browser.select(services.media.for_case(case.uid)[0].uid)
    qtbot.waitUntil(lambda: win.viewer.player.current_frame == 0, timeout=10_000)  # type: ignore[attr-defined]
    return win


def go(win: MainWindow, frame: int, qtbot: object) -> None:
    player = win.viewer.player
    player.seek(frame)
    qtbot.waitUntil(lambda: player.current_frame == frame, timeout=10_000)  # type: ignore[attr-defined]
    player.view.setFocus()


def drag(qtbot: object, view: object, start: QPoint, end: QPoint) -> None:
    port = view.viewport()  # type: ignore[attr-defined]
    qtbot.mousePress(port, Qt.MouseButton.LeftButton, pos=start)  # type: ignore[attr-defined]
    qtbot.mouseMove(port, QPoint((start.x() + end.x()) // 2, (start.y() + end.y()) // 2))  # type: ignore[attr-defined]
    qtbot.mouseMove(port, end)  # type: ignore[attr-defined]
    qtbot.mouseRelease(port, Qt.MouseButton.LeftButton, pos=end)  # type: ignore[attr-defined]


def shown_and_raw(win: MainWindow) -> tuple[np.ndarray, np.ndarray]:
    view = win.viewer.player.view
    return to_rgb(view.item.image), to_rgb(view.raw_image)


def test_draw_follow_preview_and_edit_a_redaction(
    window: MainWindow, services: Services, qtbot: object
) -> None:
    ctl = controller_for(window, services)
    case_uid = window.workspace.case_uid
    assert case_uid is not None
    view = window.viewer.player.view
    go(window, 9, qtbot)
    view.actual_size()
    view.zoom_by(2)
    view.centerOn(96, 54)

    # X, then drag: a redaction from this frame on, not an annotation.
    qtbot.keyClick(view, Qt.Key.Key_X)  # type: ignore[attr-defined]
    assert view.drawing and view.purpose == "redaction"
    drag(qtbot, view, view.mapFromScene(QPointF(48, 27)), view.mapFromScene(QPointF(144, 81)))
    assert services.annotations.for_case(case_uid) == []
    (made,) = ctl.service.for_case(case_uid)
    index = window.viewer.player.index
    assert index is not None
    two_seconds = min(index.frame_at_ms(index.ms(9) + 2000) - 1, index.frame_count - 1)
    assert (made.start_frame, made.end_frame) == (9, two_seconds)  # 2 s from here
    assert made.method is RedactionMethod.BLUR and len(made.keyframes) == 1
    first = made.keyframes[0]
    assert first.frame == 9 and first.x == pytest.approx(0.25, abs=0.02)
    assert first.w == pytest.approx(0.5, abs=0.02)
    assert ctl.panel.tree.topLevelItemCount() == 1 and ctl.panel.current_uid() == made.uid

    # The preview: the picture on screen is redacted under the box and untouched elsewhere.
    shown, raw = shown_and_raw(window)
    x0, y0, x1, y1 = pixel_box((first.x, first.y, first.w, first.h), 192, 108)
    outside = np.ones(raw.shape[:2], bool)
    outside[y0:y1, x0:x1] = False
    assert np.array_equal(shown[outside], raw[outside])
    assert not np.array_equal(shown[y0:y1, x0:x1], raw[y0:y1, x0:x1])
    assert shown[y0:y1, x0:x1].std(axis=(0, 1)).max() < raw[y0:y1, x0:x1].std(axis=(0, 1)).max()

    # On another frame the box is still there; moving it there adds a keyframe.
    go(window, 30, qtbot)
    assert len(ctl._items) == 1
    grab = view.mapFromScene(QPointF(48, 50))  # on the box's left edge
    to = view.mapFromScene(QPointF(48 + 19.2, 50))
    drag(qtbot, view, grab, to)
    moved = ctl.service.get(case_uid, made.uid)
    assert [k.frame for k in moved.keyframes] == [9, 30]
    assert moved.keyframes[1].x == pytest.approx(0.35, abs=0.02)
    # ...and the preview follows at once: the new right part is hidden on this frame.
    shown, raw = shown_and_raw(window)
    column = int(0.8 * 192)  # inside the moved box, outside where it was drawn
    assert not np.array_equal(shown[40:60, column], raw[40:60, column])
    assert np.array_equal(shown[:, :60], raw[:, :60])  # left of the moved box: untouched

    # Between the keyframes the box is interpolated.
    go(window, 20, qtbot)
    [item] = ctl._items
    x = item.geometry()["x"]
    assert x == pytest.approx(0.25 + 0.1 * 11 / 21, abs=0.02)

    # The panel changes the method; the preview shows it.
    panel = ctl.panel
    panel.method.setCurrentIndex(panel.method.findData("fill"))
    panel.method.activated.emit(panel.method.currentIndex())
    assert ctl.service.get(case_uid, made.uid).method is RedactionMethod.FILL
    shown, raw = shown_and_raw(window)
    box = pixel_box((x, first.y, first.w, first.h), 192, 108)
    assert (shown[box[1] + 2 : box[3] - 2, box[0] + 2 : box[2] - 2] == 0).all()

    # The span, from the panel: frames 9..25.
    panel.last.setValue(25)
    assert ctl.service.get(case_uid, made.uid).end_frame == 25
    go(window, 30, qtbot)
    shown, raw = shown_and_raw(window)
    assert np.array_equal(shown, raw) and ctl._items == []  # past the span: nothing hidden

    # Preview off shows what is under the boxes; jump goes to the first frame.
    go(window, 20, qtbot)
    panel.preview.setChecked(False)
    shown, raw = shown_and_raw(window)
    assert np.array_equal(shown, raw)
    panel.preview.setChecked(True)
    panel.jump.click()
    qtbot.waitUntil(lambda: window.viewer.player.current_frame == 9, timeout=10_000)  # type: ignore[attr-defined]

    panel.delete.click()
    assert ctl.service.for_case(case_uid) == []
    assert panel.tree.topLevelItemCount() == 0 and panel.stack.currentWidget() is panel.empty
    actions = [e.action for e in services.audit.history(case_uid, made.uid)]
    assert actions[0] == "redaction.create" and actions[-1] == "redaction.delete"
    assert services.audit.verify(case_uid).ok


def test_x_is_listed_as_a_shortcut() -> None:
    from annotator.ui.shortcuts import ALL_SHORTCUTS

    assert ALL_SHORTCUTS["mark_redaction"].text() == "X"


def test_export_a_redacted_clip_from_the_gui(
    window: MainWindow,
    services: Services,
    qtbot: object,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Draw a redaction (X), move it at a second keyframe, mark a segment (I/O) and export
    it redacted through Export clip: the box is burnt into exactly the span's frames."""
    from annotator.ui import clip_flow
    from annotator.ui.clip_flow import ClipRequest
    from tests import media_factory as mf
    from tests.services.test_clips import decode_clip

    ctl = controller_for(window, services)
    case_uid = window.workspace.case_uid
    assert case_uid is not None
    view = window.viewer.player.view
    go(window, 9, qtbot)
    view.actual_size()
    view.zoom_by(2)
    view.centerOn(96, 54)
    qtbot.keyClick(view, Qt.Key.Key_X)  # type: ignore[attr-defined]
    # Over the first four bits of the frame-index code (top left quarter).
    drag(qtbot, view, view.mapFromScene(QPointF(2, 2)), view.mapFromScene(QPointF(94, 50)))
    (made,) = ctl.service.for_case(case_uid)
    go(window, 20, qtbot)  # a second keyframe, moved right by 0.1 of the width
    drag(
        qtbot,
        view,
        view.mapFromScene(QPointF(40, 25)),
        view.mapFromScene(QPointF(40 + 19.2, 25)),
    )
    panel = ctl.panel
    panel.method.setCurrentIndex(panel.method.findData("fill"))
    panel.method.activated.emit(panel.method.currentIndex())
    made = ctl.service.get(case_uid, made.uid)
    assert [k.frame for k in made.keyframes] == [9, 20] and made.method is RedactionMethod.FILL

    # A segment over frames 5..24 with I and O on the player.
    go(window, 5, qtbot)
    qtbot.keyClick(view, Qt.Key.Key_I)  # type: ignore[attr-defined]
    go(window, 24, qtbot)
    qtbot.keyClick(view, Qt.Key.Key_O)  # type: ignore[attr-defined]
    (segment,) = services.annotations.for_case(case_uid)
    assert (segment.start_frame, segment.end_frame) == (5, 24)
    qtbot.waitUntil(lambda: window.workspace.list.select(segment.uid), timeout=10_000)  # type: ignore[attr-defined]

    flow = window.clip_flow
    out = tmp_path / "published" / "captive-redacted.mp4"
    offered: list[bool] = []

    def ask(parent: object, annotation: object, name: str, suggested: Path, can: bool) -> object:
        offered.append(can)
        return ClipRequest(out, redacted=True)

    monkeypatch.setattr(clip_flow, "ask_clip", ask)
    with qtbot.waitSignal(flow.finished, timeout=60_000):  # type: ignore[attr-defined]
        flow.action.trigger()
    qtbot.waitUntil(lambda: not flow.busy)  # type: ignore[attr-defined]
    assert offered == [True]

    frames, _ = decode_clip(out)
    assert len(frames) == 20
    for offset, rgb in enumerate(frames):
        frame = 5 + offset
        area = box_at(made, frame)
        if frame < 9:  # before the redaction's span: the whole picture, code readable
            assert area is None and mf.decode_index(rgb) == frame
            continue
        assert area is not None
        x0, y0, x1, y1 = pixel_box(area, 192, 108)
        assert rgb[y0 + 2 : y1 - 2, x0 + 2 : x1 - 2].max() <= 24, frame  # filled black
    sidecar = (out.parent / f"{out.name}.json").read_text(encoding="utf-8")
    assert made.uid in sidecar
    history = [e.action for e in services.audit.history(case_uid)]
    assert history[-1] == "export.clip" and services.audit.verify(case_uid).ok
