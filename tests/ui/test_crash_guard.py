"""A bug in the window is logged with its traceback and shown, never silent or fatal.

pytest-qt normally captures exceptions raised in Qt callbacks itself (and fails the
test); these tests switch that off (``qt_no_exception_capture``) so the app's own hooks
are the ones that see them, exactly as in a running session.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QThread, QTimer, QUrl

from annotator.core.logs import configure_logging
from annotator.core.paths import AppPaths
from annotator.ui import crash_guard
from annotator.ui import help as help_ui
from annotator.ui.crash_guard import CrashGuard
from annotator.ui.main_window import MainWindow

Shown = list[tuple[object, str, Path | None]]


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Shown, Path]]:
    """The guard as app.run installs it, logging under ANNOTATOR_LOG_DIR; boxes recorded."""
    log_file = configure_logging(AppPaths.from_environment().log_dir)
    assert log_file is not None
    boxes: Shown = []
    monkeypatch.setattr(
        crash_guard,
        "show_unexpected_error",
        lambda parent, message, where: boxes.append((parent, message, where)),
    )
    guard = CrashGuard(log_file).install()
    yield boxes, log_file
    guard.uninstall()


def logged(log_file: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return log_file.read_text(encoding="utf-8")


def broken_slot() -> None:
    raise RuntimeError("frame index is inconsistent")


@pytest.mark.qt_no_exception_capture
def test_exception_in_a_slot_shows_the_message_and_log_path(
    make_window: Callable[[], MainWindow], shown: tuple[Shown, Path], qtbot: object
) -> None:
    boxes, log_file = shown
    window = make_window()
    window.show()
    QTimer.singleShot(0, broken_slot)  # called by the event loop, as every slot is
    qtbot.waitUntil(lambda: len(boxes) == 1)  # type: ignore[attr-defined]
    _, message, where = boxes[0]
    assert message == "RuntimeError: frame index is inconsistent"
    assert where == log_file and log_file.parent == AppPaths.from_environment().log_dir
    text = logged(log_file)
    assert "Unexpected error in MainThread" in text
    assert "Traceback (most recent call last)" in text and "in broken_slot" in text
    assert window.isVisible()  # the session goes on


@pytest.mark.qt_no_exception_capture
def test_exceptions_in_worker_threads_are_shown_on_the_ui_thread(
    shown: tuple[Shown, Path], qtbot: object
) -> None:
    boxes, log_file = shown

    class Broken(QThread):
        def run(self) -> None:
            raise ValueError("decoder state lost")

    worker = Broken()
    worker.start()
    worker.wait()
    qtbot.waitUntil(lambda: len(boxes) == 1)  # type: ignore[attr-defined]
    assert boxes[0][1] == "ValueError: decoder state lost"

    def plain() -> None:
        raise OSError("cache folder vanished")

    thread = threading.Thread(target=plain, name="thumbnailer")
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: len(boxes) == 2)  # type: ignore[attr-defined]
    assert boxes[1][1] == "OSError: cache folder vanished"
    text = logged(log_file)
    assert "Unexpected error in thumbnailer" in text and "in plain" in text
    assert "in run" in text and "decoder state lost" in text


def test_help_open_log_folder_opens_the_log_directory(
    make_window: Callable[[], MainWindow], monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[QUrl] = []
    monkeypatch.setattr(help_ui, "open_url", lambda url: opened.append(url) or True)
    window = make_window()
    assert window.log_folder_action in window.menuBar().actions()[-1].menu().actions()
    window.log_folder_action.trigger()
    folder = AppPaths.from_environment().log_dir
    assert opened == [QUrl.fromLocalFile(str(folder))] and folder.is_dir()
