"""The graphic-content shield: a media marked graphic shows blurred until revealed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtGui import QImage

from annotator.services.container import Services
from annotator.services.demo import build_or_reuse_demo
from annotator.ui.main_window import MainWindow
from annotator.ui.media_browser import MediaRole
from annotator.ui.viewer.qimage import to_rgb


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
