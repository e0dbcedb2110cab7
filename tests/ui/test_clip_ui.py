"""Export clip from the annotation list: off the UI thread, reported, cancellable."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Generator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox, QWidget

from annotator.core.entities import Annotation, Case, Media
from annotator.core.progress import Cancelled, Progress
from annotator.services.clips import ClipResult, ClipService
from annotator.services.container import Services
from annotator.ui import clip_flow
from annotator.ui.clip_flow import ClipDialog, ClipFlow, ClipRequest
from annotator.ui.main_window import MainWindow
from tests import media_factory as mf
from tests.services.test_clips import add_segment, decode_clip, import_copy, sha256


@pytest.fixture
def opened(
    make_window: Callable[[], MainWindow],
    services: Services,
    case: Case,
    corpus: dict[str, Path],
    tmp_path: Path,
    qtbot: object,
) -> tuple[MainWindow, ClipFlow, Media, Annotation, Annotation]:
    """The window on a video with a segment and a moment; the flow as the window will have it."""
    media, source = import_copy(services, case, corpus["h264-audio"], tmp_path / "evidence")
    segment = add_segment(services, case, media, source, 4, 15)
    moment = services.annotations.create(
        case.uid, media.uid, {"kind": "moment", "start_frame": 20, "start_ms": 834}
    ).value
    window = make_window()
    window.show()
    window.open_case(case.uid)
    window.media_browser.select(media.uid)
    workspace = window.workspace
    qtbot.waitUntil(lambda: len(workspace.list.visible()) == 2, timeout=10_000)  # type: ignore[attr-defined]
    clips = ClipService(services._db, lambda: "tester", services.settings)
    flow = ClipFlow(window, services, clips)
    flow.attach(workspace.list, lambda: workspace.case_uid)
    return window, flow, media, segment, moment


def test_export_clip_action_on_a_selected_segment(
    opened: tuple[MainWindow, ClipFlow, Media, Annotation, Annotation],
    services: Services,
    qtbot: object,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window, flow, media, segment, moment = opened
    annotations = window.workspace.list
    table = annotations.table
    assert table.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu
    assert flow.action in table.actions()

    annotations.select(moment.uid)
    assert not flow.action.isEnabled()  # a moment has no span of frames
    annotations.select(segment.uid)
    assert flow.action.isEnabled()

    out = tmp_path / "clips" / "segment.mp4"
    asked: list[tuple[str, Path, bool]] = []

    def ask(
        parent: QWidget, annotation: Annotation, name: str, suggested: Path, can_redact: bool
    ) -> ClipRequest:
        asked.append((annotation.uid, suggested, can_redact))
        return ClipRequest(out, redacted=False)

    monkeypatch.setattr(clip_flow, "ask_clip", ask)
    with qtbot.waitSignal(flow.finished, timeout=30_000) as signal:  # type: ignore[attr-defined]
        flow.action.trigger()
        assert flow.busy and flow.dialog is not None and flow.dialog.isVisible()
    qtbot.waitUntil(lambda: not flow.busy)  # type: ignore[attr-defined]
    result = signal.args[0]
    assert isinstance(result, ClipResult) and result.out == out
    assert asked[0][0] == segment.uid
    assert asked[0][1].name == f"{Path(media.file_name).stem}_frames4-15.mp4"

    frames, _ = decode_clip(out)
    assert [mf.decode_index(f) for f in frames] == list(range(4, 16))
    sidecar = json.loads(out.with_name("segment.mp4.json").read_text(encoding="utf-8"))
    assert sidecar["sha256"] == sha256(out) and sidecar["source_sha256"] == media.sha256

    box = flow.last_message
    assert isinstance(box, QMessageBox) and box.isVisible()  # open(): the test went on
    assert box.windowTitle() == "Clip exported" and str(out) in box.text()
    assert [b.text() for b in box.buttons() if "folder" in b.text()] == ["Show in folder"]
    assert flow.folder == out.parent
    assert services.audit.history(segment.case_uid)[-1].action == "export.clip"


def test_cancel_writes_nothing(
    opened: tuple[MainWindow, ClipFlow, Media, Annotation, Annotation],
    services: Services,
    qtbot: object,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, flow, _, segment, _ = opened
    clips = flow._clips
    started, proceed = threading.Event(), threading.Event()
    original = clips.export_clip

    def paused(*args: object, **kwargs: object) -> Generator[Progress, None, ClipResult]:
        work = original(*args, **kwargs)  # type: ignore[arg-type]
        for update in work:
            if update.message == "Encoding frames":
                started.set()
                assert proceed.wait(10)
                break
        return (yield from work)

    monkeypatch.setattr(clips, "export_clip", paused)
    events = len(services.audit.history(segment.case_uid))
    out = tmp_path / "out" / "clip.mp4"
    with qtbot.waitSignal(flow.failed, timeout=30_000) as signal:  # type: ignore[attr-defined]
        assert flow.start(segment.case_uid, segment.uid, ClipRequest(out, redacted=False))
        qtbot.waitUntil(started.is_set)  # type: ignore[attr-defined]
        assert flow.dialog is not None
        flow.dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
        assert flow.token is not None and flow.token.cancelled
        proceed.set()
    qtbot.waitUntil(lambda: not flow.busy)  # type: ignore[attr-defined]
    assert isinstance(signal.args[0], Cancelled)
    assert flow.last_message is not None
    assert flow.last_message.windowTitle() == "Clip export cancelled"
    assert list(out.parent.iterdir()) == []
    assert len(services.audit.history(segment.case_uid)) == events


def test_redacted_choice_says_when_redaction_is_not_there_yet(
    opened: tuple[MainWindow, ClipFlow, Media, Annotation, Annotation],
    services: Services,
    qtbot: object,
    tmp_path: Path,
) -> None:
    window, _, media, segment, _ = opened
    dialog = ClipDialog(window, segment, media.file_name, tmp_path / "a.mp4", can_redact=False)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    assert "frames 4 to 15 (12 frames, 00:00:00.167 to 00:00:00.667)" in dialog.summary.text()
    assert not dialog.redacted.isEnabled()
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    dialog.path.setText(str(tmp_path / "clip.avi"))
    assert not ok.isEnabled()
    dialog.path.setText(str(tmp_path / "clip.mp4"))
    assert ok.isEnabled() and dialog.request() == ClipRequest(tmp_path / "clip.mp4", False)
