"""New case / rename case: name and description, refused names explained in place."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from annotator.core.errors import AnnotatorError

Submit = Callable[[str, str], None]


class CaseDialog(QDialog):
    """Calls ``submit(name, description)``; if the service refuses, shows why and stays open."""

    def __init__(
        self,
        parent: QWidget | None,
        *,
        title: str,
        submit: Submit,
        name: str = "",
        description: str = "",
        ok_text: str = "Create case",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 60)
        self._submit = submit

        self.name_edit = QLineEdit(name)
        self.name_edit.setPlaceholderText("e.g. Donetsk captives, April 2025")
        self.description_edit = QPlainTextEdit(description)
        self.description_edit.setPlaceholderText("What is this case about? (optional)")
        self.description_edit.setTabChangesFocus(True)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(
            "color: palette(bright-text); background: #b00020;padding: 4px; border-radius: 3px;"
        )
        self.error_label.hide()

        form = QFormLayout()
        form.addRow("&Name:", self.name_edit)
        form.addRow("&Description:", self.description_edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.buttons.accepted.connect(self._try_accept)
        self.buttons.rejected.connect(self.reject)
        self.name_edit.textChanged.connect(self._update_ok)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self._update_ok()

    def _update_ok(self) -> None:
        self.ok_button.setEnabled(bool(self.name_edit.text().strip()))

    def _try_accept(self) -> None:
        try:
            self._submit(self.name_edit.text(), self.description_edit.toPlainText())
        except AnnotatorError as exc:
            self.error_label.setText(exc.message)
            self.error_label.show()
            self.name_edit.setFocus()
            self.name_edit.selectAll()
            return
        self.accept()


def ask_case(parent: QWidget | None, **kwargs: object) -> bool:
    """Run the dialog modally; True when the case was saved."""
    dialog = CaseDialog(parent, **kwargs)  # type: ignore[arg-type]
    return dialog.exec() == QDialog.DialogCode.Accepted
