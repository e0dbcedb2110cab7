"""The player and image viewer with real widgets and real decoding."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QWheelEvent

from annotator.core.paths import AppPaths
from annotator.core.progress import drain
from annotator.services.container import Services
from annotator.ui.main_window import MainWindow
from annotator.ui.viewer import player as player_module
from annotator.ui.viewer.adjust import Adjustments
from annotator.ui.viewer.player import Player
from tests import media_factory as mf


def shown_index(view_image: QImage) -> int:
    image = view_image.convertToFormat(QImage.Format.Format_RGB888)
    ptr = image.constBits()
    array = np.frombuffer(ptr, np.uint8).reshape(image.height(), image.bytesPerLine())
    rgb = array[:, : image.width() * 3].reshape(image.height(), image.width(), 3)
    return mf.decode_index(rgb.copy())


@pytest.fixture
def player(qtbot: object) -> Player:
    widget = Player(cache_bytes=64 << 20)
    qtbot.addWidget(widget)  # type: ignore[attr-defined]
    widget.resize(640, 480)
    widget.show()
    yield widget
    widget.close_media()


def open_and_wait(player: Player, path: Path, qtbot: object, **kw: object) -> None:
    player.open(path, **kw)  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: player.current_frame == 0, timeout=10_000)  # type: ignore[attr-defined]


def wait_frame(player: Player, number: int, qtbot: object) -> None:
    qtbot.waitUntil(lambda: player.current_frame == number, timeout=10_000)  # type: ignore[attr-defined]
    assert shown_index(player.view.item.image) == number


def test_keys_step_seek_and_show_exact_frames(
    player: Player, corpus: dict[str, Path], qtbot: object
) -> None:
    open_and_wait(player, corpus["h264-bframes"], qtbot)
    view = player.view
    view.setFocus()
    assert player.transport.time_label.text() == "00:00:00.000"
    for key, expected in [
        (Qt.Key.Key_Right, 1),
        (Qt.Key.Key_Period, 2),
        (Qt.Key.Key_Left, 1),
        (Qt.Key.Key_Comma, 0),
    ]:
        qtbot.keyClick(view, key)  # type: ignore[attr-defined]
        wait_frame(player, expected, qtbot)
    qtbot.keyClick(view, Qt.Key.Key_End)  # type: ignore[attr-defined]
    wait_frame(player, 35, qtbot)
    qtbot.keyClick(view, Qt.Key.Key_Home)  # type: ignore[attr-defined]
    wait_frame(player, 0, qtbot)
    qtbot.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)  # type: ignore[attr-defined]
    wait_frame(player, 24, qtbot)  # one second at 24 fps
    qtbot.keyClick(view, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)  # type: ignore[attr-defined]
    wait_frame(player, 0, qtbot)
    qtbot.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)  # type: ignore[attr-defined]
    wait_frame(player, 35, qtbot)  # ten seconds: clamped to the end
    assert player.transport.frame_label.text() == "frame 35 / 35"
    assert player.transport.time_label.text() == "00:00:01.459"  # 35/24 s rounded up


def test_go_to_time_or_frame(
    player: Player, corpus: dict[str, Path], qtbot: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_and_wait(player, corpus["vfr"], qtbot)
    monkeypatch.setattr(player_module, "ask_position", lambda parent, current: "00:00:00.250")
    player.view.setFocus()
    qtbot.keyClick(player.view, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)  # type: ignore[attr-defined]
    wait_frame(player, 6, qtbot)  # VFR: 240..260 ms is frame 6, not 250 ms * 25 fps
    assert player.current_ms == 240
    player.go_to_text("17")
    wait_frame(player, 17, qtbot)
    monkeypatch.setattr(player_module, "ask_position", lambda parent, current: "nonsense")
    player.go_to()  # a typing mistake is a notice, not an exception
    assert "not a time" in player.notice.text()


def test_single_keys_do_not_fire_while_typing(
    player: Player, corpus: dict[str, Path], qtbot: object
) -> None:
    from PySide6.QtWidgets import QLineEdit

    open_and_wait(player, corpus["h264-bframes"], qtbot)
    field = QLineEdit()
    qtbot.addWidget(field)  # type: ignore[attr-defined]
    field.show()
    field.setFocus()
    qtbot.keyClicks(field, ". ,")  # type: ignore[attr-defined]
    qtbot.wait(100)  # type: ignore[attr-defined]
    assert player.current_frame == 0 and field.text() == ". ,"


def test_playback_advances_in_real_time_and_stops_at_the_end(
    player: Player, corpus: dict[str, Path], qtbot: object
) -> None:
    open_and_wait(player, corpus["mjpeg"], qtbot)
    assert "playing silently" not in player.notice.text()  # no audio track: nothing to say
    player.view.setFocus()
    qtbot.keyClick(player.view, Qt.Key.Key_Space)  # type: ignore[attr-defined]
    assert player.playing
    qtbot.waitUntil(lambda: not player.playing, timeout=10_000)  # type: ignore[attr-defined]
    wait_frame(player, 35, qtbot)
    assert player.played_frames >= 10  # most of the 36 frames were shown, none queued


def test_speed_keys_and_loop(player: Player, corpus: dict[str, Path], qtbot: object) -> None:
    open_and_wait(player, corpus["h264-mov"], qtbot)
    player.view.setFocus()
    qtbot.keyClick(player.view, Qt.Key.Key_BracketRight)  # type: ignore[attr-defined]
    assert player.transport.speed() == 1.5
    qtbot.keyClick(player.view, Qt.Key.Key_BracketLeft)  # type: ignore[attr-defined]
    qtbot.keyClick(player.view, Qt.Key.Key_BracketLeft)  # type: ignore[attr-defined]
    assert player.transport.speed() == 0.5
    player.transport.speed_combo.setCurrentIndex(6)
    assert player.clock.speed == 4.0
    player.set_loop_range(5, 10)
    player.transport.loop_button.setChecked(True)
    player.seek(5)
    wait_frame(player, 5, qtbot)
    seen: set[int] = set()
    player.position_changed.connect(lambda n, ms: seen.add(n))
    player.play()
    qtbot.waitUntil(
        lambda: len(seen) >= 4 and min(seen) < 8 and max(seen) >= 9,  # type: ignore[attr-defined]
        timeout=10_000,
    )
    qtbot.wait(500)  # type: ignore[attr-defined]
    assert player.playing and seen <= set(range(5, 11))  # looping inside the segment
    player.pause()


def test_scrubbing_previews_keyframes_then_rests_on_the_exact_frame(
    player: Player, corpus: dict[str, Path], qtbot: object
) -> None:
    open_and_wait(player, corpus["h264-bframes"], qtbot)  # keyframes every 12 frames
    slider = player.transport.slider
    slider.setSliderDown(True)
    slider.setSliderPosition(30)  # emits sliderMoved: a preview of keyframe 24 at once
    qtbot.waitUntil(lambda: shown_index(player.view.item.image) == 24, timeout=10_000)  # type: ignore[attr-defined]
    assert player.current_frame == 0  # a preview is not the current position
    slider.setSliderDown(False)  # released: the exact frame
    wait_frame(player, 30, qtbot)


def test_rotated_video_is_upright(player: Player, corpus: dict[str, Path], qtbot: object) -> None:
    open_and_wait(player, corpus["rotated"], qtbot)
    image = player.view.item.image
    assert (image.width(), image.height()) == (108, 192)
    assert shown_index(image) == 0


def test_zoom_pan_pixel_readout_and_adjustments(
    player: Player, corpus: dict[str, Path], qtbot: object
) -> None:
    open_and_wait(player, corpus["h264-bframes"], qtbot)
    view = player.view
    view.setFocus()
    view.actual_size()
    assert view.zoom == 1.0 and player.tools.zoom_label.text() == "100%"
    qtbot.keyClick(view, Qt.Key.Key_Plus)  # type: ignore[attr-defined]
    assert view.zoom == pytest.approx(1.25)
    wheel = QWheelEvent(
        QPointF(50, 50),
        QPointF(view.mapToGlobal(QPoint(50, 50))),
        QPoint(),
        QPoint(0, 240),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    view.wheelEvent(wheel)
    assert view.zoom == pytest.approx(1.25**3)
    qtbot.keyClick(view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)  # type: ignore[attr-defined]
    assert view.fit_mode
    readout: list[tuple[int, int]] = []
    view.pixel_hovered.connect(lambda x, y: readout.append((x, y)))
    view.actual_size()
    view.zoom_by(8)  # each image pixel is 8 screen pixels: the mapping is unambiguous
    view.centerOn(10.5, 20.5)
    origin = view.mapFromScene(QPointF(10.5, 20.5))
    qtbot.mouseMove(view.viewport(), origin)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: bool(readout))  # type: ignore[attr-defined]
    assert readout[-1] == (10, 20) and player.tools.pixel_label.text() == "x 10, y 20"
    # Display adjustments change what is shown, never the decoded frame.
    before = player.view.item.image.copy()
    player.tools.adjust.gamma.setValue(300)
    qtbot.waitUntil(lambda: player.view.item.image != before, timeout=10_000)  # type: ignore[attr-defined]
    assert player.adjust == Adjustments(0, 0, 3.0)
    player.tools.adjust.reset()
    qtbot.waitUntil(lambda: player.view.item.image == before, timeout=10_000)  # type: ignore[attr-defined]


def test_silent_fallback_without_audio(
    player: Player, corpus: dict[str, Path], qtbot: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        player_module,
        "audio_unavailable_reason",
        lambda: "No audio output device found: playing silently.",
    )
    messages: list[str] = []
    player.message.connect(messages.append)
    open_and_wait(player, corpus["h264-audio"], qtbot, has_audio=True)
    assert player.audio is None and messages == ["No audio output device found: playing silently."]
    assert not player.transport.mute_button.isEnabled()
    player.play()
    qtbot.waitUntil(lambda: player.current_frame >= 10, timeout=10_000)  # type: ignore[attr-defined]
    player.pause()


def test_window_opens_media_and_saves_a_snapshot(
    make_window: Callable[[], MainWindow],
    services: Services,
    corpus: dict[str, Path],
    tmp_path: Path,
    qtbot: object,
) -> None:
    folder = tmp_path / "ev"
    folder.mkdir()
    for name in ("h264-bframes", "exif"):
        shutil.copy(corpus[name], folder / corpus[name].name)
    case = services.cases.create("Donetsk captives").value
    drain(services.importing.run(case.uid, [folder]))
    window = make_window()
    window.show()
    video = next(m for m in services.media.for_case(case.uid) if m.file_name.endswith(".mp4"))
    assert window.media_browser.select(video.uid)
    player = window.viewer.player
    qtbot.waitUntil(lambda: player.current_frame == 0, timeout=10_000)  # type: ignore[attr-defined]
    assert window.center.currentWidget() is window.viewer
    player.seek(17)
    wait_frame(player, 17, qtbot)
    player.tools.adjust.brightness.setValue(80)  # not in the snapshot
    qtbot.keyClick(
        player.view,
        Qt.Key.Key_S,  # type: ignore[attr-defined]
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(
        lambda: "Saved frame 17" in window.statusBar().currentMessage(),  # type: ignore[attr-defined]
        timeout=10_000,
    )
    folder_out = AppPaths.from_environment().data_dir / "snapshots" / "Donetsk_captives"
    (png,) = folder_out.glob("*.png")
    sidecar = json.loads(png.with_name(png.name + ".json").read_text(encoding="utf-8"))
    assert sidecar["frame"] == 17 and sidecar["sha256"] == video.sha256
    assert sidecar["case"] == "Donetsk captives" and sidecar["actor"] == "Test Investigator"
    import cv2

    assert mf.decode_index(cv2.cvtColor(cv2.imread(str(png)), cv2.COLOR_BGR2RGB)) == 17
    events = services.audit.history(case.uid)
    assert events[-1].action == "snapshot.save" and events[-1].after["frame"] == 17  # type: ignore[index]
    assert services.audit.verify(case.uid).ok

    photo = next(m for m in services.media.for_case(case.uid) if m.file_name.endswith(".jpg"))
    window.media_browser.select(photo.uid)
    viewer = window.viewer.image_viewer
    qtbot.waitUntil(lambda: not viewer.view.item.image.isNull(), timeout=10_000)  # type: ignore[attr-defined]
    image = viewer.view.item.image
    assert (image.width(), image.height()) == (96, 64)  # EXIF orientation 6 applied
    assert shown_index(image) == 5
    assert not window.snapshot_action.isEnabled()


def test_large_image_opens_without_freezing(qtbot: object, tmp_path: Path) -> None:
    from PIL import Image
    from PySide6.QtCore import QTimer

    from annotator.ui.viewer.image_view import ImageViewer

    path = tmp_path / "large.jpg"
    gradient = np.linspace(0, 255, 8000, dtype=np.uint8)
    Image.fromarray(
        np.ascontiguousarray(np.broadcast_to(gradient[None, :, None], (6000, 8000, 3)))
    ).save(path)
    viewer = ImageViewer()
    qtbot.addWidget(viewer)  # type: ignore[attr-defined]
    viewer.show()
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    viewer.open(path)
    qtbot.waitUntil(lambda: not viewer.view.item.image.isNull(), timeout=30_000)  # type: ignore[attr-defined]
    timer.stop()
    assert viewer.view.item.image.width() == 8000 and len(ticks) >= 3  # the loop kept running
    viewer.close_media()


def test_missing_file_is_explained(
    make_window: Callable[[], MainWindow], services: Services, media_folder: Path, qtbot: object
) -> None:
    case = services.cases.create("C").value
    drain(services.importing.run(case.uid, [media_folder]))
    (media_folder / "vfr.mp4").unlink()
    window = make_window()
    vfr = next(m for m in services.media.for_case(case.uid) if m.file_name == "vfr.mp4")
    window.media_browser.select(vfr.uid)
    assert window.viewer.currentWidget() is window.viewer.notice
    assert "is not where it was" in window.viewer.notice.text()


def test_image_viewer_zoom_keys(qtbot: object, corpus: dict[str, Path]) -> None:
    from annotator.ui.viewer.image_view import ImageViewer

    viewer = ImageViewer()
    qtbot.addWidget(viewer)  # type: ignore[attr-defined]
    viewer.show()
    viewer.open(corpus["image.png"])
    qtbot.waitUntil(lambda: not viewer.view.item.image.isNull(), timeout=10_000)  # type: ignore[attr-defined]
    viewer.view.setFocus()
    qtbot.keyClick(viewer.view, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)  # type: ignore[attr-defined]
    assert viewer.view.zoom == 1.0
    qtbot.keyClick(viewer.view, Qt.Key.Key_Minus)  # type: ignore[attr-defined]
    assert viewer.view.zoom == pytest.approx(0.8)
    viewer.close_media()


def test_audio_only_file_shows_a_waveform_and_plays(
    audio_device: None, qtbot: object, corpus: dict[str, Path], tmp_path: Path
) -> None:
    from annotator.ui.viewer.audio_pane import AudioPane

    clip = mf.make_audio(tmp_path / "call.m4a", codec="aac", seconds=4)
    pane = AudioPane()
    qtbot.addWidget(pane)  # type: ignore[attr-defined]
    pane.show()
    pane.open(clip, 4000, tmp_path / "wave.npz")
    qtbot.waitUntil(lambda: pane.waveform.waveform is not None, timeout=10_000)  # type: ignore[attr-defined]
    assert (tmp_path / "wave.npz").is_file()
    assert pane.audio is not None, pane.notice.text()
    pane.setFocus()
    qtbot.keyClick(pane, Qt.Key.Key_Space)  # type: ignore[attr-defined]
    assert pane.playing
    qtbot.waitUntil(lambda: pane.position_ms > 500, timeout=10_000)  # type: ignore[attr-defined]
    pane.pause()
    assert pane.transport.time_label.text() != "00:00:00.000"
    pane.waveform.seek_ms.emit(3000)  # a click on the waveform
    assert pane.position_ms == 3000
    pane.close_media()
