"""Preferences: this machine's media roots, edited in a table and saved with the settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox, QTableWidgetItem

from annotator.core.errors import ValidationError
from annotator.core.locations import resolve_location
from annotator.core.settings import Settings, SettingsStore
from annotator.ui.dialogs.media_roots import check_roots
from annotator.ui.dialogs.preferences import PreferencesDialog


def test_roots_are_checked_row_by_row() -> None:
    assert check_roots([("evidence", "/mnt/share"), ("", "")]) == {"evidence": "/mnt/share"}
    with pytest.raises(ValidationError, match="cannot name a media root"):
        check_roots([("team share", "/mnt/share")])
    with pytest.raises(ValidationError, match="cannot name a media root"):
        check_roots([("C:", "/mnt/share")])  # the separator of stored locations
    with pytest.raises(ValidationError, match="listed twice"):
        check_roots([("evidence", "/a"), ("evidence", "/b")])
    with pytest.raises(ValidationError, match="full path"):
        check_roots([("evidence", "share")])


def test_a_root_edited_in_preferences_is_saved_and_used(
    qtbot: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SettingsStore(tmp_path / "settings.toml", Settings(media_roots={"old": "/mnt/old"}))
    dialog = PreferencesDialog(None, store.current)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    table = dialog.roots_editor.table
    assert dialog.roots_editor.rows() == [("old", "/mnt/old")]
    table.setItem(0, 1, QTableWidgetItem(str(tmp_path / "team-share")))
    table.insertRow(1)
    table.setItem(1, 0, QTableWidgetItem("bad name"))
    table.setItem(1, 1, QTableWidgetItem("/x"))
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warnings.append(text))
    dialog.accept()  # refused: the dialog stays open and says which row
    assert dialog.result() != dialog.DialogCode.Accepted
    assert warnings and "'bad name' cannot name a media root" in warnings[0]
    table.removeRow(1)
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    store.update(dialog.result_settings())
    reread = SettingsStore(tmp_path / "settings.toml")
    assert reread.current.media_roots == {"old": str(tmp_path / "team-share")}
    where = resolve_location("old:case-42/clip.mp4", reread.current.media_roots)
    assert where == tmp_path / "team-share" / "case-42" / "clip.mp4"
