"""The main window with real widgets: create, switch and rename cases; menus; state."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from annotator import __version__
from annotator.core.paths import AppPaths
from annotator.core.settings import SettingsStore
from annotator.services.container import Services, open_services
from annotator.ui import main_window as main_window_module
from annotator.ui.dialogs import case_dialog
from annotator.ui.dialogs.case_dialog import CaseDialog
from annotator.ui.help import ShortcutsDialog, about_text
from annotator.ui.main_window import MainWindow


def fill_case_dialog(name: str, description: str = "") -> Callable[..., bool]:
    """Replace exec(): drive the real dialog as a user would, then report its outcome."""

    def ask(parent: object, **kwargs: object) -> bool:
        dialog = CaseDialog(parent, **kwargs)  # type: ignore[arg-type]
        dialog.name_edit.clear()
        dialog.name_edit.setText(name)
        dialog.description_edit.setPlainText(description)
        dialog.ok_button.click()
        outcome = dialog.result() == CaseDialog.DialogCode.Accepted
        fill_case_dialog.last = dialog  # type: ignore[attr-defined]
        return outcome

    return ask


def menu_titles(window: MainWindow) -> list[str]:
    return [a.text().replace("&", "") for a in window.menuBar().actions()]


def test_empty_state_then_create_and_switch_cases(
    make_window: Callable[[], MainWindow],
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    qtbot: object,
) -> None:
    window = make_window()
    window.show()
    assert menu_titles(window) == ["File", "Edit", "View", "Case", "Media", "Help"]
    assert window.overview.currentWidget() is window.overview.empty
    assert "No case open" in window.overview.empty_label.text()
    assert not window.check_audit_action.isEnabled()
    assert services.location in window.db_label.text()

    monkeypatch.setattr(case_dialog, "ask_case", fill_case_dialog("Donetsk captives", "Two men"))
    window.overview.new_button.click()
    assert window.case_combo.currentText() == "Donetsk captives"
    assert window.windowTitle().startswith("Donetsk captives")
    assert window.overview.currentWidget() is window.overview.details
    assert "Two men" in window.overview.description.text()
    assert window.overview.audit.text() == "1 event"
    assert window.overview.head_hash.text() == services.audit.head(window.case_uid)[1]
    assert "Created case" in window.statusBar().currentMessage()

    monkeypatch.setattr(case_dialog, "ask_case", fill_case_dialog("Kherson drone footage"))
    window.new_case_action.trigger()
    assert window.case_combo.count() == 2
    assert window.case_uid == services.cases.get_by_name("Kherson drone footage").uid

    # Switch back through the toolbar's case switcher, as a user picking from the list.
    index = window.case_combo.findText("Donetsk captives")
    window.case_combo.activated.emit(index)
    assert window.case_uid == services.cases.get_by_name("Donetsk captives").uid
    assert window.windowTitle().startswith("Donetsk captives")

    # ... and through Case > Open case.
    window._fill_case_menu()
    kherson = next(a for a in window.recent_menu.actions() if a.text() == "Kherson drone footage")
    kherson.trigger()
    assert window.case_combo.currentText() == "Kherson drone footage"


def test_taken_name_is_explained_in_the_dialog(
    make_window: Callable[[], MainWindow], services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    services.cases.create("Donetsk captives")
    window = make_window()
    monkeypatch.setattr(case_dialog, "ask_case", fill_case_dialog("Donetsk captives"))
    window.new_case()
    dialog = fill_case_dialog.last  # type: ignore[attr-defined]
    assert dialog.result() != CaseDialog.DialogCode.Accepted
    assert not dialog.error_label.isHidden()
    assert "already exists" in dialog.error_label.text()
    assert window.case_combo.count() == 1


def test_ok_disabled_until_a_name_is_typed(qtbot: object) -> None:
    dialog = CaseDialog(None, title="New case", submit=lambda n, d: None)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.name_edit, "Case")  # type: ignore[attr-defined]
    assert dialog.ok_button.isEnabled()


def test_rename_case(
    make_window: Callable[[], MainWindow], services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = services.cases.create("Draft").value
    window = make_window()
    assert window.case_uid == case.uid  # the only case opens by itself
    monkeypatch.setattr(case_dialog, "ask_case", fill_case_dialog("Donetsk captives", "Final"))
    window.rename_case_action.trigger()
    assert window.case_combo.currentText() == "Donetsk captives"
    assert services.cases.get(case.uid).description == "Final"
    assert "Final" in window.overview.description.text()


def test_last_case_and_geometry_are_restored(
    make_window: Callable[[], MainWindow], services: Services
) -> None:
    services.cases.create("A")
    b = services.cases.create("B").value
    first = make_window()
    first.open_case(b.uid)
    first.resize(790, 540)  # within the offscreen screen (800 x 600), or Qt clamps it
    first.show()
    saved = first.size()
    first.close()
    assert QSettings().value("window/geometry") is not None
    second = make_window()
    assert second.case_uid == b.uid
    # The offscreen screen is only 800 px wide: the width comes back clamped to it.
    screen_width = second.screen().availableGeometry().width()
    assert second.height() == saved.height() == 540
    assert min(saved.width(), screen_width) - 4 <= second.width() <= saved.width()


def test_each_database_reopens_its_own_last_case(
    make_window: Callable[[], MainWindow], services: Services, tmp_path: Path
) -> None:
    services.cases.create("A")
    b = services.cases.create("B").value
    first = make_window()
    first.open_case(b.uid)
    first.close()
    laptop = open_services(tmp_path / "laptop.sqlite", lambda: "x")
    try:
        laptop.cases.create("Laptop 1")
        laptop_b = laptop.cases.create("Laptop 2").value
        paths = AppPaths.from_environment()
        other = MainWindow(laptop, SettingsStore(paths.settings_file), paths)
        assert other.case_uid != laptop_b.uid  # nothing remembered for this one yet
        other.open_case(laptop_b.uid)
        other.close()
    finally:
        laptop.close()
    assert make_window().case_uid == b.uid  # not the laptop's, which it does not hold


def test_check_audit_trail_runs_off_the_ui_thread(
    make_window: Callable[[], MainWindow],
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    qtbot: object,
    db_path: Path,
) -> None:
    case = services.cases.create("A").value
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(
        main_window_module,
        "show_information",
        lambda parent, title, text: shown.append((title, text)),
    )
    monkeypatch.setattr(
        main_window_module, "show_warning", lambda parent, title, text: shown.append((title, text))
    )
    window = make_window()
    window.check_audit_action.trigger()
    assert not window.check_audit_action.isEnabled()  # busy until the worker reports
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)  # type: ignore[attr-defined]
    assert shown[0][0] == "Audit trail intact" and services.audit.head(case.uid)[1] in shown[0][1]

    import sqlite3

    con = sqlite3.connect(db_path)
    con.execute("UPDATE cases SET description = 'forged'")
    con.commit()
    con.close()
    window.check_audit_action.trigger()
    qtbot.waitUntil(lambda: len(shown) == 2, timeout=10_000)  # type: ignore[attr-defined]
    assert shown[1][0] == "Audit trail problem" and "changed outside the app" in shown[1][1]


def test_preferences_set_the_investigator(
    make_window: Callable[[], MainWindow], services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.ui.dialogs import preferences

    window = make_window()
    monkeypatch.setattr(
        preferences,
        "ask_preferences",
        lambda parent, s, login=None: s.with_changes(investigator_name="Wang Li"),
    )
    window.preferences_action.trigger()
    assert window.settings.actor() == "Wang Li"
    assert "Wang Li" in window.statusBar().currentMessage()


def test_help_lists_shortcuts_and_about_names_paths(
    make_window: Callable[[], MainWindow], services: Services, qtbot: object
) -> None:
    window = make_window()
    dialog = ShortcutsDialog(window)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    labels = {dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount())}
    assert {"New case", "Check audit trail", "Quit"} <= labels
    text = about_text(services.location, window.paths)
    assert __version__ in text and services.location in text
    assert str(window.paths.data_dir) in text
    assert "Ctrl+Shift+N" in window.new_case_action.toolTip()


def test_full_screen_toggles(make_window: Callable[[], MainWindow], qtbot: object) -> None:
    window = make_window()
    window.show()
    window.full_screen_action.trigger()
    qtbot.waitUntil(lambda: bool(window.windowState() & Qt.WindowState.WindowFullScreen))  # type: ignore[attr-defined]
    window.full_screen_action.trigger()
    qtbot.waitUntil(lambda: not window.windowState() & Qt.WindowState.WindowFullScreen)  # type: ignore[attr-defined]
    assert QApplication.instance() is not None


def test_help_opens_the_demo_case(
    make_window: Callable[[], MainWindow], services: Services, qtbot: object
) -> None:
    window = make_window()
    window.demo_action.trigger()
    qtbot.waitUntil(lambda: window.case_uid is not None, timeout=30_000)  # type: ignore[attr-defined]
    assert window.case_combo.currentText().startswith("Demo:")
    assert len(window.media_browser.visible_names()) == 3
    assert "12 annotations" in window.overview.counts.text()
    qtbot.waitUntil(lambda: window.demo_action.isEnabled())  # type: ignore[attr-defined]
