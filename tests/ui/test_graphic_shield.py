"""The graphic-content shield: a media marked graphic shows blurred until revealed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from annotator.core.entities import Case
from annotator.services.container import Services
from annotator.services.demo import build_or_reuse_demo
from annotator.ui.graphic_shield import blurred
from annotator.ui.main_window import MainWindow
from annotator.ui.media_browser import MediaRole
from annotator.ui.viewer.qimage import to_rgb
from tests import media_factory as mf
from tests.services.test_clips import add_segment, import_copy


def shown(window: MainWindow) -> np.ndarray:
    return to_rgb(window.viewer.image_viewer.view.item.image)


def detail(rgb: np.ndarray) -> float:
    """How much fine detail a picture holds: the share of sharp edges between neighbours."""
    grey = rgb.astype(float).mean(axis=2)
    return float((np.abs(np.diff(grey, axis=1)) > 12).mean())


def test_mark_graphic_blurs_until_revealed_and_grayscale(
    make_window: Callable[[], MainWindow], services: Services, qtbot: object, tmp_path: Path
) -> None:
    demo = build_or_reuse_demo(services, tmp_path / "demo")
    window = make_window()
    window.show()
    window.open_case(demo.uid)
    card = next(m for m in services.media.for_case(demo.uid) if "id-card" in m.file_name)
    window.media_browser.select(card.uid)
    view = window.viewer.image_viewer.view
    qtbot.waitUntil(lambda: not view.item.image.isNull())  # type: ignore[attr-defined]
    clear = shown(window)
    assert window.graphic_action.isEnabled() and not window.reveal_action.isEnabled()

    window.graphic_action.trigger()  # Media > Mark as graphic
    assert services.media.get(demo.uid, card.uid).graphic
    assert services.audit.verify(demo.uid).ok
    hidden = shown(window)
    assert hidden.shape == clear.shape and detail(hidden) < detail(clear) / 10
    assert window.reveal_action.isEnabled()
    thumb = next(
        window.media_browser.proxy.index(r, 0).data(1)
        for r in range(window.media_browser.proxy.rowCount())
        if window.media_browser.proxy.index(r, 0).data(MediaRole).uid == card.uid
    )
    assert thumb is not None  # the list shows a (blurred) thumbnail, not the picture

    window.reveal_action.trigger()  # this session only
    assert np.array_equal(shown(window), clear)
    assert not window.reveal_action.isEnabled()

    window.grayscale_action.trigger()
    grey = shown(window)
    assert np.array_equal(grey[..., 0], grey[..., 1]) and np.array_equal(grey[..., 1], grey[..., 2])
    window.grayscale_action.trigger()
    assert np.array_equal(shown(window), clear)

    # A new session (another window) hides it again; the blur setting can switch it off.
    window.close()
    second = make_window()
    second.show()
    second.open_case(demo.uid)
    second.media_browser.select(card.uid)
    view2 = second.viewer.image_viewer.view
    qtbot.waitUntil(lambda: not view2.item.image.isNull())  # type: ignore[attr-defined]
    assert detail(to_rgb(view2.item.image)) < detail(clear) / 10
    second.blur_graphic_action.trigger()  # View > Blur graphic media: off
    assert np.array_equal(to_rgb(view2.item.image), clear)
    assert isinstance(view2.item.image, QImage)


def test_a_segment_marked_graphic_blurs_its_frames_only_until_revealed(
    make_window: Callable[[], MainWindow],
    services: Services,
    case: Case,
    corpus: dict[str, Path],
    qtbot: QtBot,
    tmp_path: Path,
) -> None:
    media, source = import_copy(services, case, corpus["h264-bframes"], tmp_path / "evidence")
    segment = add_segment(services, case, media, source, 4, 15)
    window = make_window()
    window.show()
    window.open_case(case.uid)
    window.media_browser.select(media.uid)
    workspace, player = window.workspace, window.viewer.player
    qtbot.waitUntil(lambda: len(workspace.list.visible()) == 1, timeout=10_000)

    def at(frame: int) -> np.ndarray:
        player.seek(frame)
        qtbot.waitUntil(lambda: player.view.frame_number == frame, timeout=10_000)
        return to_rgb(player.view.item.image)

    clear = {n: at(n) for n in (3, 4, 10, 15, 16)}
    assert mf.decode_index(clear[10]) == 10 and not window.reveal_action.isEnabled()

    # Inspector > Graphic, on the selected segment: audited, undoable.
    assert workspace.list.select(segment.uid)
    box = workspace.inspector.graphic
    assert not box.isChecked()
    box.click()
    assert services.annotations.get(case.uid, segment.uid).graphic
    assert services.audit.verify(case.uid).ok
    qtbot.waitUntil(lambda: window.shield.spans != [], timeout=10_000)
    for n in (4, 10, 15):  # every frame of the span: shown through the shield's blur
        hidden = at(n)
        assert np.array_equal(hidden, to_rgb(blurred(player.view.raw_image))), n
        assert np.abs(hidden.astype(int) - clear[n]).mean() > 5, n
        assert window.reveal_action.isEnabled()
    for n in (3, 16):  # outside it: untouched
        assert np.array_equal(at(n), clear[n]), n
        assert not window.reveal_action.isEnabled()

    at(10)
    window.reveal_action.trigger()  # this segment, this session
    assert np.array_equal(to_rgb(player.view.item.image), clear[10])
    assert np.array_equal(at(4), clear[4]) and not window.reveal_action.isEnabled()

    # Undo unmarks it (in the database too); redo marks it again, still revealed here.
    workspace.undo_stack.undo()
    assert not services.annotations.get(case.uid, segment.uid).graphic
    qtbot.waitUntil(lambda: window.shield.spans == [], timeout=10_000)
    workspace.undo_stack.redo()
    assert services.annotations.get(case.uid, segment.uid).graphic
    qtbot.waitUntil(lambda: window.shield.spans != [], timeout=10_000)
    assert np.array_equal(at(10), clear[10])

    # Another window (a new session) hides it again.
    window.close()
    second = make_window()
    second.show()
    second.open_case(case.uid)
    second.media_browser.select(media.uid)
    qtbot.waitUntil(lambda: second.shield.spans != [], timeout=10_000)
    player = second.viewer.player
    hidden = at(10)
    assert np.array_equal(hidden, to_rgb(blurred(player.view.raw_image)))
    assert not np.array_equal(hidden, clear[10])
    assert np.array_equal(at(16), clear[16])
