"""File > Connect to team database: where the team's PostgreSQL server is, and who you are.

The password is only held in this dialog's field and in the URL handed to the opener: it is
never stored (Recent keeps URLs without it) nor logged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from annotator.core.errors import SchemaTooNewError
from annotator.services.connecting import (
    DEFAULT_PORT,
    TeamAddress,
    address_of,
    team_url,
    without_password,
)
from annotator.ui.workers import Workers

RECENT_KEY = "team/recent_urls"
RECENT_LIMIT = 8


def recent_urls() -> list[str]:
    value = QSettings().value(RECENT_KEY, [])
    items = [value] if isinstance(value, str) else list(value or [])
    return [str(u) for u in items if u]


def remember_url(url: str) -> None:
    """Put ``url`` (its password removed) first in the Recent list."""
    safe = without_password(url)
    if not safe:
        return
    urls = [safe, *(u for u in recent_urls() if u != safe)][:RECENT_LIMIT]
    QSettings().setValue(RECENT_KEY, urls)


def explain(exc: BaseException, address: TeamAddress) -> str:
    """What went wrong, in plain words, and what to do next."""
    if isinstance(exc, SchemaTooNewError):
        return (
            f"The database {address.database} was set up by a newer version of Evidence "
            "Annotator. Install that version (ask your team which one they use) to open it."
        )
    text = str(exc)
    lower = text.lower()
    where = f"{address.host or 'the local server'}, port {address.port}"
    if "password authentication failed" in lower or "no password supplied" in lower:
        return (
            f"The server refused the user name '{address.user}' with this password. Check "
            "both (passwords are case-sensitive), or ask your database administrator."
        )
    if "role" in lower and "does not exist" in lower:
        return (
            f"The server has no user named '{address.user}'. Check the user name, or ask "
            "your database administrator to create your login."
        )
    if "database" in lower and "does not exist" in lower:
        return (
            f"The server at {where} has no database named '{address.database}'. Check the "
            "database name, or ask your administrator to create it."
        )
    if "holds other data" in lower:
        return (
            f"The database '{address.database}' holds other data, not Evidence Annotator "
            "cases, and was left unchanged. Check the database name, or ask for an empty "
            "database for your team."
        )
    if "permission denied" in lower:
        return (
            f"Your login '{address.user}' may not use the database '{address.database}'. "
            "Ask your database administrator to grant you access."
        )
    if any(
        word in lower
        for word in ("connection refused", "timeout", "timed out", "resolve host", "translate")
    ) or ("connect" in lower and "failed" in lower):
        return (
            f"No database server answered at {where}. Check the server name and port, that "
            "you are on the team's network (or VPN), and that the server is running."
        )
    return f"Could not open the team database: {text}"


class ConnectDialog(QDialog):
    """Ask for the server and login, open it off the UI thread, hand back the services."""

    def __init__(
        self,
        parent: QWidget | None,
        opener: Callable[[str], Any],
        workers: Workers,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connect to team database")
        self.setObjectName("connect_dialog")
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 64)
        self._opener = opener
        self._workers = workers
        self._attempt = 0
        self._busy = False
        #: What the dialog opened (a Services), for the caller once accepted.
        self.opened: Any = None
        self.url = ""

        intro = QLabel(
            "Work on cases stored on your team's PostgreSQL server. Everyone connected sees "
            "each other's changes, and the audit trail names each person's database login."
        )
        intro.setWordWrap(True)
        self.recent = QComboBox()
        self.recent.setObjectName("recent_urls")
        self.recent.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.recent.setMinimumContentsLength(30)
        self.recent.addItem("Choose a server you connected to before...", "")
        for url in recent_urls():
            self.recent.addItem(url, url)
        self.recent.setEnabled(self.recent.count() > 1)
        self.recent.activated.connect(self._recent_chosen)
        self.host = QLineEdit()
        self.host.setPlaceholderText("e.g. db.example.org (empty: this computer)")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(DEFAULT_PORT)
        self.database = QLineEdit()
        self.database.setPlaceholderText("e.g. cases")
        self.user = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("Empty: use .pgpass or your system login")
        form = QFormLayout()
        form.addRow("&Recent:", self.recent)
        form.addRow("&Server:", self.host)
        form.addRow("P&ort:", self.port)
        form.addRow("&Database:", self.database)
        form.addRow("&User name:", self.user)
        form.addRow("Pass&word:", self.password)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # busy: how long a server takes to answer is unknown
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.status = QLabel()
        self.status.setObjectName("connect_status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.connect_button = QPushButton("&Connect")
        self.connect_button.setDefault(True)
        self.buttons.addButton(self.connect_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.busy)
        layout.addWidget(self.status)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        if self.recent.count() > 1:
            self._fill(str(self.recent.itemData(1)))

    # --- fields -------------------------------------------------------------------

    def address(self) -> TeamAddress:
        return TeamAddress(
            self.host.text().strip(),
            self.port.value(),
            self.database.text().strip(),
            self.user.text().strip(),
        )

    def _recent_chosen(self, index: int) -> None:
        url = str(self.recent.itemData(index) or "")
        if url:
            self._fill(url)
            self.password.clear()
            self.password.setFocus()

    def _fill(self, url: str) -> None:
        address = address_of(url)
        if address is None:
            return
        self.host.setText(address.host)
        self.port.setValue(address.port)
        self.database.setText(address.database)
        self.user.setText(address.user)

    # --- connecting ---------------------------------------------------------------

    @property
    def connecting(self) -> bool:
        return self._busy

    def start(self) -> None:
        address = self.address()
        if not address.database:
            self._show_error("Enter the name of the team's database (ask your administrator).")
            self.database.setFocus()
            return
        url = team_url(address, self.password.text())
        self._attempt += 1
        attempt = self._attempt
        self._set_busy(True)
        self.status.setText(f"Connecting to {address.host or 'this computer'}...")
        self.status.show()
        opener = self._opener
        self._workers.run(
            lambda: opener(url),
            lambda services: self._opened(attempt, url, services),
            lambda exc: self._failed(attempt, address, exc),
        )

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy.setVisible(busy)
        self.connect_button.setEnabled(not busy)
        for widget in (self.recent, self.host, self.port, self.database, self.user, self.password):
            widget.setEnabled(not busy and (widget is not self.recent or self.recent.count() > 1))

    def _opened(self, attempt: int, url: str, services: Any) -> None:
        if attempt != self._attempt:  # cancelled meanwhile: let go of what it opened
            services.close()
            return
        self._set_busy(False)
        remember_url(url)
        self.opened = services
        self.url = without_password(url)
        self.accept()

    def _failed(self, attempt: int, address: TeamAddress, exc: Exception) -> None:
        if attempt != self._attempt:
            return
        self._set_busy(False)
        self._show_error(explain(exc, address))

    def _show_error(self, text: str) -> None:
        self.status.setText(text)
        self.status.show()

    def reject(self) -> None:
        """Cancel (or Esc): while connecting, stop waiting and stay; else close."""
        if self.connecting:  # what the attempt opens is closed when it arrives (_opened)
            self._attempt += 1
            self._set_busy(False)
            self.status.setText("Cancelled: still on the database you had open.")
            return
        super().reject()


def ask_team_database(parent: QWidget, opener: Callable[[str], Any], workers: Workers) -> Any:
    """The Services of the team database the investigator connected to, or None."""
    dialog = ConnectDialog(parent, opener, workers)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.opened
    finally:
        dialog.deleteLater()
