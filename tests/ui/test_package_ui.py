"""File > Export evidence package in the window: off the UI thread, Cancel, results shown."""

from __future__ import annotations

import threading
from collections.abc import Generator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox, QWidget

from annotator.core.progress import Cancelled, CancelToken, Progress
from annotator.services.container import Services
from annotator.services.demo import DemoCase, build_or_reuse_demo
from annotator.services.packaging import PackageReport, PackageService, verify_package
from annotator.ui import package_flow
from annotator.ui.package_flow import PackageFlow, suggested_name
from tests.conftest import INVESTIGATOR


@pytest.fixture
def demo(services: Services, tmp_path: Path) -> DemoCase:
    return build_or_reuse_demo(services, tmp_path / "demo")


@pytest.fixture
def packaging(services: Services) -> PackageService:
    return PackageService(services._db, lambda: INVESTIGATOR, services.settings, services.exporting)


@pytest.fixture
def flow(qtbot: object, packaging: PackageService) -> PackageFlow:
    parent = QWidget()
    qtbot.addWidget(parent)  # type: ignore[attr-defined]
    return PackageFlow(parent, packaging)


def test_package_is_written_in_the_background_and_reported(
    qtbot: object,
    flow: PackageFlow,
    services: Services,
    demo: DemoCase,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[Path] = []
    out = tmp_path / "packages" / "demo package"

    def ask(parent: QWidget, suggested: Path) -> Path:
        asked.append(suggested)
        return out

    monkeypatch.setattr(package_flow, "ask_package_folder", ask)
    with qtbot.waitSignal(flow.finished, timeout=30_000) as signal:  # type: ignore[attr-defined]
        assert flow.export(demo.uid, demo.name)
        assert flow.busy and flow.dialog is not None and flow.dialog.isVisible()
    qtbot.waitUntil(lambda: not flow.busy)  # type: ignore[attr-defined]
    report = signal.args[0]
    assert isinstance(report, PackageReport) and report.out == out
    assert asked[0].name.startswith("Demo_ captive video from Donetsk - evidence package ")
    assert verify_package(out).ok

    box = flow.last_message
    assert isinstance(box, QMessageBox) and box.isVisible()  # open(): the test went on
    assert box.windowTitle() == "Evidence package written"
    assert str(out) in box.text() and report.audit_head_hash in box.informativeText()
    assert [b.text() for b in box.buttons() if "folder" in b.text()] == ["Show in folder"]
    assert flow.folder == out.parent
    assert services.audit.history(demo.uid)[-1].action == "export.package"


def test_cancel_writes_nothing(
    qtbot: object,
    flow: PackageFlow,
    packaging: PackageService,
    services: Services,
    demo: DemoCase,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started, proceed = threading.Event(), threading.Event()
    original = packaging.package

    def paused(
        case_uid: str, out: Path, cancel: CancelToken | None = None
    ) -> Generator[Progress, None, PackageReport]:
        work = original(case_uid, out, cancel)
        yield next(work)
        yield next(work)  # the temporary folder exists now
        started.set()
        assert proceed.wait(10)
        return (yield from work)

    monkeypatch.setattr(packaging, "package", paused)
    head = services.audit.head(demo.uid)
    out = tmp_path / "out" / "pkg"
    with qtbot.waitSignal(flow.failed, timeout=30_000) as signal:  # type: ignore[attr-defined]
        assert flow.start(demo.uid, out)
        qtbot.waitUntil(started.is_set)  # type: ignore[attr-defined]
        assert flow.dialog is not None
        flow.dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
        assert flow.token is not None and flow.token.cancelled
        proceed.set()
    qtbot.waitUntil(lambda: not flow.busy)  # type: ignore[attr-defined]
    assert isinstance(signal.args[0], Cancelled)
    assert flow.last_message is not None
    assert flow.last_message.windowTitle() == "Packaging cancelled"
    assert list((tmp_path / "out").iterdir()) == []
    assert services.audit.head(demo.uid) == head


def test_changed_media_are_named_and_nothing_is_written(
    qtbot: object, flow: PackageFlow, demo: DemoCase, tmp_path: Path
) -> None:
    (tmp_path / "demo" / "photo-bank-card.jpg").unlink()
    out = tmp_path / "out" / "pkg"
    with qtbot.waitSignal(flow.failed, timeout=30_000):  # type: ignore[attr-defined]
        assert flow.start(demo.uid, out)
    qtbot.waitUntil(lambda: not flow.busy)  # type: ignore[attr-defined]
    box = flow.last_message
    assert box is not None and box.isVisible()
    assert box.windowTitle() == "Evidence package not written"
    assert "photo-bank-card.jpg" in box.text() and "captive-video.mp4" not in box.text()
    assert str(tmp_path / "demo" / "photo-bank-card.jpg") in box.detailedText()
    assert list((tmp_path / "out").iterdir()) == []


def test_a_second_package_waits_for_the_first(
    qtbot: object,
    flow: PackageFlow,
    demo: DemoCase,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text: shown.append(title))
    with qtbot.waitSignal(flow.finished, timeout=30_000):  # type: ignore[attr-defined]
        assert flow.start(demo.uid, tmp_path / "one")
        assert not flow.start(demo.uid, tmp_path / "two")
    qtbot.waitUntil(lambda: not flow.busy)  # type: ignore[attr-defined]
    assert shown == ["Package being written"] and not (tmp_path / "two").exists()


def test_suggested_name_is_a_safe_folder_name() -> None:
    from datetime import date

    name = suggested_name('Case: "A/B" 顿涅茨克', date(2024, 5, 1))
    assert name == "Case_ _A_B_ 顿涅茨克 - evidence package 2024-05-01"
