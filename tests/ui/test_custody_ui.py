"""Verify integrity and Relink media in the window: off the UI thread, Cancel, results shown."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox, QWidget

from annotator.core.entities import Case, Media
from annotator.core.progress import drain
from annotator.services import custody as custody_module
from annotator.services.container import Services
from annotator.services.custody import CustodyService, RelinkReport, VerifyReport
from annotator.ui.custody_flow import CustodyFlow
from annotator.ui.dialogs.verify_dialog import RelinkDialog, VerifyDialog
from annotator.ui.media_browser import PROBLEM_COLOUR, MediaBrowser, MediaRole
from tests.conftest import INVESTIGATOR


@pytest.fixture
def imported(services: Services, case: Case, media_folder: Path) -> dict[str, Media]:
    report = drain(services.importing.run(case.uid, [media_folder]))
    assert report.summary["imported"] == 4
    return {m.file_name: m for m in services.media.for_case(case.uid)}


@pytest.fixture
def flow(qtbot: object, services: Services) -> CustodyFlow:
    parent = QWidget()
    qtbot.addWidget(parent)  # type: ignore[attr-defined]
    custody = CustodyService(services._db, lambda: INVESTIGATOR, services.settings)
    return CustodyFlow(parent, custody)


def run_flow(qtbot: object, flow: CustodyFlow, start: object) -> object:
    with qtbot.waitSignal(flow.finished, timeout=30_000) as signal:  # type: ignore[attr-defined]
        assert start()  # type: ignore[operator]
        assert flow.busy and flow.dialog is not None and flow.dialog.isVisible()
    qtbot.waitUntil(lambda: not flow.busy)  # type: ignore[attr-defined]
    return signal.args[0]


def test_verify_shows_each_state_and_the_head_hash(
    qtbot: object,
    flow: CustodyFlow,
    services: Services,
    case: Case,
    imported: dict[str, Media],
    media_folder: Path,
) -> None:
    video, image = imported["h264-bframes.mp4"], imported["picture.jpg"]
    data = bytearray((media_folder / video.file_name).read_bytes())
    data[-1] ^= 0xFF
    (media_folder / video.file_name).write_bytes(bytes(data))
    (media_folder / image.file_name).unlink()

    report = run_flow(qtbot, flow, lambda: flow.verify(case.uid))
    assert isinstance(report, VerifyReport) and not report.ok
    assert report.changes.media == {m.uid for m in imported.values()}
    dialog = flow.last_dialog
    assert isinstance(dialog, VerifyDialog) and dialog.isVisible() and not dialog.isModal()
    assert dialog.states() == {
        video.file_name: "MODIFIED",
        image.file_name: "MISSING",
        "vfr.mp4": "ok",
        "tone-aac.m4a": "ok",
    }
    # Problems first, in red.
    first = dialog.table.item(0, 1)
    assert first is not None and first.text() == "MODIFIED"
    assert first.foreground().color().name() == "#d32f2f"
    assert "2 of 4 media files" in dialog.headline.text()
    assert "Audit trail intact" in dialog.audit_label.text()
    assert dialog.head.text() == services.audit.head(case.uid)[1] == report.head_hash
    dialog.copy_button.click()
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == report.head_hash


def test_cancel_in_the_progress_dialog(
    qtbot: object,
    flow: CustodyFlow,
    case: Case,
    imported: dict[str, Media],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = threading.Event()

    def stuck(path: Path, cancel: object = None, on_bytes: object = None) -> tuple[str, int]:
        """A very slow disk: reading goes on until Cancel."""
        started.set()
        deadline = time.monotonic() + 20
        while not cancel.cancelled and time.monotonic() < deadline:  # type: ignore[attr-defined]
            time.sleep(0.005)
        cancel.raise_if_cancelled()  # type: ignore[attr-defined]
        raise AssertionError("Cancel never arrived")

    monkeypatch.setattr(custody_module, "sha256_file", stuck)
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, title, _t: told.append(title))
    with qtbot.waitSignal(flow.finished, timeout=30_000) as signal:  # type: ignore[attr-defined]
        assert flow.verify(case.uid)
        assert not flow.verify(case.uid) and told == ["Verification running"]  # one at a time
        qtbot.waitUntil(started.is_set)  # type: ignore[attr-defined]
        assert flow.dialog is not None
        cancel = flow.dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: not flow.busy)  # type: ignore[attr-defined]
    report = signal.args[0]
    assert report.cancelled and report.media == [] and len(report.unchecked) == 4
    dialog = flow.last_dialog
    assert isinstance(dialog, VerifyDialog) and "Cancelled" in dialog.headline.text()
    assert set(dialog.states().values()) == {"not checked"}


def test_relink_finds_the_moved_file_and_refuses_an_impostor(
    qtbot: object,
    flow: CustodyFlow,
    services: Services,
    case: Case,
    imported: dict[str, Media],
    media_folder: Path,
    tmp_path: Path,
) -> None:
    audio, image = imported["tone-aac.m4a"], imported["picture.jpg"]
    found = tmp_path / "found"
    found.mkdir()
    shutil.move(media_folder / audio.file_name, found / audio.file_name)
    (media_folder / image.file_name).unlink()
    (found / image.file_name).write_bytes(b"not the picture")

    report = run_flow(qtbot, flow, lambda: flow.relink(case.uid, found))
    assert isinstance(report, RelinkReport)
    assert [r.uid for r in report.relinked] == [audio.uid]
    assert report.changes.media == {audio.uid}
    assert services.media.get(case.uid, audio.uid).location == str(found / audio.file_name)
    dialog = flow.last_dialog
    assert isinstance(dialog, RelinkDialog) and dialog.isVisible()
    outcomes = [dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount())]  # type: ignore[union-attr]
    assert outcomes == ["relinked", "still missing", "refused: hash_mismatch"]
    assert "Relinked 1 of 2" in dialog.headline.text()


def test_a_failure_is_shown_without_blocking(
    qtbot: object, flow: CustodyFlow, case: Case, tmp_path: Path
) -> None:
    assert flow.relink(case.uid, tmp_path / "no-such-folder")
    qtbot.waitUntil(lambda: not flow.busy)  # type: ignore[attr-defined]
    box = flow.last_dialog
    assert isinstance(box, QMessageBox) and "not a folder" in box.text()


def test_media_browser_shows_the_last_verification(
    qtbot: object, services: Services, case: Case, imported: dict[str, Media]
) -> None:
    video, image = imported["h264-bframes.mp4"], imported["picture.jpg"]
    services.media.record_verification(case.uid, {video.uid: "ok", image.uid: "missing"})
    browser = MediaBrowser()
    qtbot.addWidget(browser)  # type: ignore[attr-defined]
    browser.set_media(services.media.for_case(case.uid), {})
    rows = {
        browser.proxy.index(r, 0).data(MediaRole).file_name: browser.proxy.index(r, 0)
        for r in range(browser.proxy.rowCount())
    }
    missing, ok, never = rows[image.file_name], rows[video.file_name], rows["vfr.mp4"]
    assert missing.data(Qt.ItemDataRole.ForegroundRole) == PROBLEM_COLOUR
    assert "MISSING" in missing.data(Qt.ItemDataRole.DisplayRole)
    assert "MISSING: no file at its location" in missing.data(Qt.ItemDataRole.ToolTipRole)
    assert ok.data(Qt.ItemDataRole.ForegroundRole) is None
    assert "Verified ok (20" in ok.data(Qt.ItemDataRole.ToolTipRole)
    assert "Not verified yet" in never.data(Qt.ItemDataRole.ToolTipRole)
