"""Importing through the window: progress, summary, media browser, responsiveness."""

from __future__ import annotations

import itertools
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent

from annotator.services.container import Services
from annotator.services.importing import ImportReport
from annotator.ui import import_flow
from annotator.ui.dialogs import import_summary
from annotator.ui.dialogs.import_summary import ImportSummaryDialog
from annotator.ui.dialogs.progress_dialog import ProgressDialog
from annotator.ui.main_window import MainWindow


@pytest.fixture
def window_with_case(make_window: Callable[[], MainWindow], services: Services) -> MainWindow:
    services.cases.create("Donetsk captives")
    window = make_window()
    window.show()
    return window


@pytest.fixture
def summaries(monkeypatch: pytest.MonkeyPatch) -> list[ImportReport]:
    shown: list[ImportReport] = []
    monkeypatch.setattr(import_summary, "show_import_summary", lambda parent, r: shown.append(r))
    return shown


def test_import_folder_through_the_gui(
    window_with_case: MainWindow,
    media_folder: Path,
    corpus: dict[str, Path],
    qtbot: object,
    monkeypatch: pytest.MonkeyPatch,
    summaries: list[ImportReport],
) -> None:
    window = window_with_case
    (media_folder / "notes.txt").write_text("not media")
    for i in range(16):  # enough work that the import spans many timer periods
        target = media_folder / "more" / f"photo-{i:02}.jpg"
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(corpus["exif"].read_bytes() + bytes([i]))
    monkeypatch.setattr(import_flow, "ask_folder", lambda parent: media_folder)
    seen_progress: list[int] = []
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(10)

    assert window.media_browser.stack.currentWidget() is window.media_browser.empty
    started = time.monotonic()
    window.import_folder_action.trigger()
    dialog = window.imports.dialog
    assert isinstance(dialog, ProgressDialog) and dialog.isVisible()
    labels: list[str] = []
    worker = window.imports.worker
    assert worker is not None
    progress_at: list[float] = []
    worker.progress.connect(
        lambda p: (
            seen_progress.append(p.done),
            labels.append(dialog.counts.text()),
            progress_at.append(time.monotonic()),
        )
    )
    qtbot.waitUntil(lambda: bool(summaries), timeout=30_000)  # type: ignore[attr-defined]
    timer.stop()

    report = summaries[0]
    assert report.summary["imported"] == 20 and report.summary["unsupported"] == 1
    assert seen_progress  # the dialog was fed progress while the import ran
    assert labels[-1] == "21 of 21 files"
    names = window.media_browser.visible_names()
    assert names[:6] == [
        "h264-bframes.mp4",
        "photo-00.jpg",
        "photo-01.jpg",
        "photo-02.jpg",
        "photo-03.jpg",
        "photo-04.jpg",
    ]
    assert len(names) == 20
    assert "20 media" in window.overview.counts.text()
    assert "Import finished: 20 imported" in window.statusBar().currentMessage()
    # The UI thread kept painting and dispatching while the import ran: from the click to
    # the last progress update, the 10 ms timer never waited as long as a user notices (a
    # quarter of a second). Counted as gaps, not ticks: how many periods the import spans
    # depends on the machine (0.13 s here, once 0.03 s in CI).
    marks = [started, *(t for t in ticks if t < progress_at[-1]), progress_at[-1]]
    gaps = [b - a for a, b in itertools.pairwise(marks)]
    assert max(gaps) < 0.25, [round(g, 3) for g in gaps]

    window.media_browser.filter_edit.setText("VFR.")
    assert window.media_browser.visible_names() == ["vfr.mp4"]
    window.media_browser.filter_edit.clear()
    window.media_browser.sort_combo.setCurrentIndex(2)  # by duration: the longest last
    assert window.media_browser.visible_names()[-1] == "h264-bframes.mp4"
    qtbot.waitUntil(lambda: window.imports.worker is None)  # type: ignore[attr-defined]


def test_summary_dialog_lists_every_file_not_imported(qtbot: object) -> None:
    from annotator.services.importing import FileOutcome

    report = ImportReport(
        files=[
            FileOutcome("/e/a.mp4", "imported", sha256="a" * 64, media_uid="u"),
            FileOutcome("/e/b.mp4", "failed", "truncated", "b.mp4 is cut short"),
            FileOutcome("/e/c.txt", "unsupported", "unsupported_format", "c.txt is not media"),
            # A name that would forge a line of its own, and one shown backwards.
            FileOutcome("/e/d\nimported: ok.mp4", "failed", "decode_error", "d\nimported"),
            FileOutcome("/e/\u202egpj.exe", "unsupported", "unsupported_format", "x"),
        ],
        seconds=1.5,
    )
    dialog = ImportSummaryDialog(None, report)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    assert "1 imported, 2 unsupported, 2 failed" in dialog.headline.text()
    text = dialog.details.toPlainText()
    assert "failed [truncated]: /e/b.mp4" in text and "/e/c.txt" in text and "a.mp4" not in text
    assert "/e/d\\nimported: ok.mp4" in text and "\n    d\\nimported" in text
    assert "/e/\\u202egpj.exe" in text and "\u202e" not in text
    assert len(text.splitlines()) == 2 * 4  # a line and its message per file, no more
    dialog.copy_button.click()
    from PySide6.QtGui import QGuiApplication

    assert "/e/b.mp4" in QGuiApplication.clipboard().text()


def test_drop_files_onto_the_window(
    window_with_case: MainWindow, media_folder: Path, qtbot: object, summaries: list[ImportReport]
) -> None:
    window = window_with_case
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(media_folder / "picture.jpg"))])
    event = QDropEvent(
        QPointF(QPoint(50, 50)),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
    qtbot.waitUntil(lambda: bool(summaries), timeout=30_000)  # type: ignore[attr-defined]
    assert window.media_browser.visible_names() == ["picture.jpg"]
    qtbot.waitUntil(lambda: window.imports.worker is None)  # type: ignore[attr-defined]


def test_cancel_from_the_progress_dialog(
    window_with_case: MainWindow,
    corpus: dict[str, Path],
    tmp_path: Path,
    qtbot: object,
    summaries: list[ImportReport],
) -> None:
    folder = tmp_path / "lots"
    folder.mkdir()
    # Enough files that Cancel, pressed at the first progress report, always lands before
    # the end (with 40, a fast run could finish them all first: seen once in 3 full runs).
    count = 300
    for i in range(count):
        target = folder / f"p{i:03}.png"
        shutil.copy(corpus["image.png"], target)
        target.write_bytes(target.read_bytes() + i.to_bytes(2, "big"))
    window = window_with_case
    window.import_paths([folder])
    dialog = window.imports.dialog
    worker = window.imports.worker
    assert dialog is not None and worker is not None
    done: list[int] = []
    worker.progress.connect(lambda p: done.append(p.done))
    qtbot.waitUntil(lambda: bool(done) and done[-1] >= 1, timeout=30_000)  # type: ignore[attr-defined]
    dialog.buttons.button(dialog.buttons.StandardButton.Cancel).click()
    qtbot.waitUntil(lambda: bool(summaries), timeout=30_000)  # type: ignore[attr-defined]
    report = summaries[0]
    assert report.cancelled and len(report.files) == count
    assert len(window.media_browser.visible_names()) == report.summary["imported"] < count
    qtbot.waitUntil(lambda: window.imports.worker is None)  # type: ignore[attr-defined]


def test_no_case_means_no_import(
    make_window: Callable[[], MainWindow], media_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.ui import main_window as mw

    window = make_window()
    assert not window.import_folder_action.isEnabled()
    told: list[str] = []
    monkeypatch.setattr(mw, "show_information", lambda p, title, text: told.append(title))
    window.import_paths([media_folder])
    assert told == ["No case open"] and window.imports.worker is None
    assert "Open or create a case" in window.media_browser.empty.text()
