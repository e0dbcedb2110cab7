"""Preferences: the investigator's name (the audit trail names them) and media roots."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from annotator.core.errors import ValidationError
from annotator.core.settings import Settings
from annotator.ui.dialogs.media_roots import MediaRootsEditor


class PreferencesDialog(QDialog):
    def __init__(
        self, parent: QWidget | None, settings: Settings, server_login: str | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 72)
        self._settings = settings
        self.name_edit = QLineEdit(settings.investigator_name)
        self.name_edit.setPlaceholderText(Settings().actor)
        if server_login is None:
            text = (
                "Every change you make is recorded in the case's audit trail under this name. "
                "Leave it empty to use your computer login."
            )
        else:
            # On a team server the audit actor is who the server authenticated: a name
            # anyone may type must not be what the trail vouches for.
            text = (
                "You are working on a team database: its audit trail records your database "
                f"login, <b>{escape(server_login)}</b>, not this name. This name is still used "
                "when you work on a case file on this computer."
            )
        hint = QLabel(text)
        hint.setObjectName("actor_hint")
        hint.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Investigator &name:", self.name_edit)
        self.roots_editor = MediaRootsEditor(settings.media_roots)
        roots_box = QGroupBox("Media roots on this computer")
        QVBoxLayout(roots_box).addWidget(self.roots_editor)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(roots_box)
        layout.addWidget(buttons)
        self._roots: dict[str, str] = dict(settings.media_roots)

    def accept(self) -> None:
        try:
            self._roots = self.roots_editor.roots()
        except ValidationError as exc:  # say which row to fix; keep the dialog open
            QMessageBox.warning(self, "Media roots", exc.message)
            return
        super().accept()

    def result_settings(self) -> Settings:
        return self._settings.with_changes(
            investigator_name=self.name_edit.text().strip(), media_roots=self._roots
        )


def ask_preferences(
    parent: QWidget | None, settings: Settings, server_login: str | None = None
) -> Settings | None:
    dialog = PreferencesDialog(parent, settings, server_login)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.result_settings()
