"""Provenance typed in the Properties panel is saved, audited and shown again."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt

from annotator.services.container import Services
from annotator.services.demo import build_or_reuse_demo
from annotator.ui.main_window import MainWindow
from annotator.ui.panels.provenance import BatchProvenanceDialog


def test_edit_provenance_of_the_open_media(
    make_window: Callable[[], MainWindow], services: Services, qtbot: object, tmp_path: Path
) -> None:
    demo = build_or_reuse_demo(services, tmp_path / "demo")
    window = make_window()
    window.show()
    window.open_case(demo.uid)
    video = next(m for m in services.media.for_case(demo.uid) if m.kind.value == "video")
    window.media_browser.select(video.uid)
    qtbot.waitUntil(lambda: window.viewer.media is not None)  # type: ignore[attr-defined]
    panel = window.properties.provenance
    assert panel.media is not None and panel.media.uid == video.uid
    panel.form.edits["source_url"].setText("https://t.me/example/4821")
    panel.form.edits["platform"].setText("Telegram")
    panel.form.method.setCurrentText("download")
    panel.form.edits["latitude"].setText("48.0159")
    panel.save_button.click()
    saved = services.media.get(demo.uid, video.uid)
    assert saved.provenance.source_url == "https://t.me/example/4821"
    assert saved.provenance.method == "download" and saved.place.latitude == "48.0159"
    assert services.audit.history(demo.uid)[-1].action == "media.edit"
    assert "Saved" in panel.status.text()
    assert window.viewer.media is not None and window.viewer.media.uid == video.uid  # still open
    # A bad value is refused with the reason, and nothing is saved.
    panel.form.edits["latitude"].setText("north of the river")
    panel.save_button.click()
    assert panel.status.text().startswith("Not saved:")
    assert services.media.get(demo.uid, video.uid).place.latitude == "48.0159"


def test_batch_dialog_saves_only_the_fields_typed(qtbot: object) -> None:
    dialog = BatchProvenanceDialog(None, 3)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.form.edits["uploader"].setText("@donbass_channel")
    dialog.form.method.setCurrentText("download")
    assert dialog.values() == {"uploader": "@donbass_channel", "method": "download"}


def test_batch_provenance_on_a_selection_and_the_list_keeps_its_place(
    make_window: Callable[[], MainWindow],
    services: Services,
    qtbot: object,
    tmp_path: Path,
    monkeypatch: object,
) -> None:
    from PySide6.QtCore import QItemSelectionModel

    demo = build_or_reuse_demo(services, tmp_path / "demo")
    window = make_window()
    window.show()
    window.open_case(demo.uid)
    photos = [m for m in services.media.for_case(demo.uid) if m.kind.value == "image"]
    browser = window.media_browser
    browser.select(photos[0].uid)
    qtbot.waitUntil(lambda: window.viewer.media is not None)  # type: ignore[attr-defined]
    view = browser.view
    for row in range(browser.proxy.rowCount()):
        index = browser.proxy.index(row, 0)
        if index.data(Qt.ItemDataRole.UserRole + 1).uid == photos[1].uid:
            view.selectionModel().select(index, QItemSelectionModel.SelectionFlag.Select)
    assert sorted(browser.selected_uids()) == sorted(m.uid for m in photos)

    def answer(dialog: BatchProvenanceDialog) -> int:
        dialog.form.edits["uploader"].setText("@donbass_channel")
        dialog.form.edits["platform"].setText("Telegram")
        return BatchProvenanceDialog.DialogCode.Accepted

    monkeypatch.setattr(BatchProvenanceDialog, "exec", answer)  # type: ignore[attr-defined]
    opened: list[object] = []
    window.media_browser.media_selected.connect(opened.append)
    browser.provenance_requested.emit(browser.selected_uids())
    for photo in photos:
        saved = services.media.get(demo.uid, photo.uid)
        assert (saved.provenance.platform, saved.provenance.uploader) == (
            "Telegram",
            "@donbass_channel",
        )
    assert browser.current_uid() == photos[0].uid  # the reload kept the open item
    assert opened == []  # and did not open it again
    tips = {
        browser.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole + 1).uid: str(
            browser.proxy.index(r, 0).data(Qt.ItemDataRole.ToolTipRole)
        )
        for r in range(browser.proxy.rowCount())
    }
    assert all("From Telegram, @donbass_channel" in tips[m.uid] for m in photos)
