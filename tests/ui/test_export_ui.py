"""File > Export through the real dialog and flow: off the UI thread, audited, reported."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from annotator.services.container import Services
from annotator.services.demo import build_or_reuse_demo
from annotator.ui.dialogs.export_dialog import ExportDialog
from annotator.ui.main_window import MainWindow


def test_export_dialog_builds_the_request(
    qtbot: object, services: Services, tmp_path: Path
) -> None:
    demo = build_or_reuse_demo(services, tmp_path / "demo")
    media = services.media.for_case(demo.uid)
    claims = [c.claim for c in services.claims.for_case(demo.uid)]
    tags = services.tags.for_case(demo.uid)
    dialog = ExportDialog(None, demo.name, media, claims, tags, tmp_path)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.format.setCurrentIndex(dialog.format.findData("csv"))
    assert dialog.path.text().endswith(".csv")
    dialog.claim.setCurrentIndex(1)
    dialog.tag.setCurrentIndex(dialog.tag.findData("person"))
    request = dialog.request()
    assert request.format == "csv" and request.out.parent == tmp_path
    assert request.selection.claim_uid == claims[0].uid
    assert request.selection.tag_path == "person"
    dialog.format.setCurrentIndex(dialog.format.findData("eaf"))
    assert not dialog.path.text().endswith(".csv")  # a folder for per-media formats
    dialog.path.clear()
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()


def test_export_runs_in_the_background_and_is_audited(
    make_window: Callable[[], MainWindow], services: Services, qtbot: object, tmp_path: Path
) -> None:
    demo = build_or_reuse_demo(services, tmp_path / "demo")
    window = make_window()
    window.open_case(demo.uid)
    out = tmp_path / "out" / "demo.json"
    dialog = ExportDialog(window, demo.name, [], [], [], tmp_path)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.format.setCurrentIndex(dialog.format.findData("json"))
    dialog.path.setText(str(out))
    flow = window.exports
    with qtbot.waitSignal(flow.finished, timeout=30_000) as signal:  # type: ignore[attr-defined]
        assert flow.start(demo.uid, dialog.request())
        assert flow.busy
    result = signal.args[0]
    assert result.files == [out]
    assert len(json.loads(out.read_text(encoding="utf-8"))["annotations"]) == 12
    qtbot.waitUntil(lambda: not flow.busy)  # type: ignore[attr-defined]
    assert flow.last_message is not None and "Exported 12 annotations" in flow.last_message.text()
    assert services.audit.history(demo.uid)[-1].action == "export.write"


def test_publication_options_reach_the_report(
    make_window: Callable[[], MainWindow], services: Services, qtbot: object, tmp_path: Path
) -> None:
    demo = build_or_reuse_demo(services, tmp_path / "demo")
    window = make_window()
    window.open_case(demo.uid)
    video = next(m for m in services.media.for_case(demo.uid) if m.kind.value == "video")
    services.media.update(demo.uid, video.uid, {"uploader": "@private_account"})
    dialog = ExportDialog(window, demo.name, [], [], [], tmp_path)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.format.setCurrentIndex(dialog.format.findData("html"))
    dialog.path.setText(str(tmp_path / "public.html"))
    dialog.redacted.setChecked(True)
    for i in range(dialog.omit.count()):
        item = dialog.omit.item(i)
        if item.data(Qt.ItemDataRole.UserRole) == "uploader":
            item.setCheckState(Qt.CheckState.Checked)
    request = dialog.request()
    assert request.redacted and request.omit_fields == ("uploader",)
    with qtbot.waitSignal(window.exports.finished, timeout=60_000):  # type: ignore[attr-defined]
        assert window.exports.start(demo.uid, request)
    html = (tmp_path / "public.html").read_text(encoding="utf-8")
    assert "Redacted for publication" in html and "@private_account" not in html
    event = services.audit.history(demo.uid)[-1]
    assert event.after["redacted"] is True  # type: ignore[index]
    assert event.after["omitted_fields"] == ["uploader"]  # type: ignore[index]
