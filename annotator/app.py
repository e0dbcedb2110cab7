"""GUI composition root: QApplication, settings, database, services, main window."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from annotator import APP_ID, APP_NAME, __version__
from annotator.cli import build_parser
from annotator.cli.context import database_target
from annotator.core.errors import AnnotatorError
from annotator.core.logs import configure_logging
from annotator.core.paths import AppPaths
from annotator.core.settings import Settings, SettingsStore


def configure_application() -> QApplication:
    QCoreApplication.setOrganizationName(APP_ID)
    QCoreApplication.setApplicationName(APP_ID)
    QCoreApplication.setApplicationVersion(__version__)
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setApplicationDisplayName(APP_NAME)
    return app


def run(args: list[str]) -> int:
    """Open the main window on ``--db`` (or the default database) and run the event loop."""
    parser = build_parser()
    db_option = None
    if args:
        namespace, _ = parser.parse_known_args([*args, "case", "list"])
        db_option = namespace.db
    app = configure_application()
    paths = AppPaths.from_environment()
    log_file = configure_logging(paths.log_dir)
    from annotator.ui.crash_guard import CrashGuard

    guard = CrashGuard(log_file).install()  # a bug shows a box and is logged, never silent
    try:
        settings = SettingsStore(paths.settings_file)
    except AnnotatorError as exc:
        QMessageBox.warning(None, APP_NAME, f"{exc}\nStarting with default settings.")
        settings = SettingsStore(paths.settings_file, Settings())
    from annotator.services.container import open_services
    from annotator.ui.main_window import MainWindow

    try:
        services = open_services(
            database_target(db_option, paths),
            settings.actor,
            lambda: settings.current,
            paths,
        )
    except AnnotatorError as exc:
        QMessageBox.critical(None, APP_NAME, exc.message)
        return 2
    window = MainWindow(services, settings, paths)
    window.show()
    code = app.exec()
    services.close()
    guard.uninstall()
    return int(code)
