"""The application shell: menus, case switcher, status bar. Wiring only; panels do the work."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from annotator import APP_NAME
from annotator.core.audit_chain import AuditReport
from annotator.core.changes import Changes
from annotator.core.entities import Media, MediaKind
from annotator.core.errors import AnnotatorError
from annotator.core.locations import resolve_location
from annotator.core.paths import AppPaths
from annotator.core.settings import SettingsStore
from annotator.media.video import FrameIndex
from annotator.services.base import Result
from annotator.services.connecting import short_location
from annotator.services.container import Services, open_services
from annotator.services.demo import DemoCase, build_or_reuse_demo
from annotator.services.frames import FrameFile
from annotator.services.importing import ImportReport
from annotator.services.watching import CaseChanged, WatchMode
from annotator.ui import custody_flow, import_flow
from annotator.ui import help as help_ui
from annotator.ui.annotations.controller import AnnotationWorkspace
from annotator.ui.case_overview import CaseOverview
from annotator.ui.change_watcher import ChangeWatcher
from annotator.ui.clip_flow import ClipFlow
from annotator.ui.custody_flow import CustodyFlow
from annotator.ui.dialogs import case_dialog, connect_dialog, duplicates_dialog, preferences
from annotator.ui.export_flow import ExportFlow
from annotator.ui.graphic_shield import GraphicShield
from annotator.ui.import_flow import ImportFlow
from annotator.ui.media_browser import MediaBrowser
from annotator.ui.package_flow import PackageFlow
from annotator.ui.panels.history import HistoryPanel
from annotator.ui.panels.properties import PropertiesPanel
from annotator.ui.panels.provenance import BatchProvenanceDialog
from annotator.ui.preload import preload_native_modules
from annotator.ui.read_only_banner import install_read_only_banner
from annotator.ui.redaction_controller import RedactionController
from annotator.ui.shortcuts import shortcut, with_shortcut
from annotator.ui.viewer.media_viewer import MediaViewer
from annotator.ui.workers import Workers

LAST_CASE_KEY = "session/last_case_uid"


class MainWindow(QMainWindow):
    changed = Signal(object)  # Changes: every panel refreshes what concerns it
    case_opened = Signal(str)  # case uid, or "" when none

    def __init__(self, services: Services, settings: SettingsStore, paths: AppPaths) -> None:
        super().__init__()
        self.services = services
        self.settings = settings
        self.paths = paths
        self.workers = Workers(self)
        self.case_uid: str | None = None
        #: The open case's audit head as this window last showed it: a change notified with
        #: the same head is this window's own.
        self._seen_head: tuple[int, str] | None = None
        #: A change by someone else waits here while a dialog is open (see _remote_change).
        self._pending_remote: CaseChanged | None = None
        #: Closing this window closes ``services`` (it opened them: a team database).
        self.owns_services = False
        #: The window that took over when another database was opened (File > Connect).
        self.successor: MainWindow | None = None
        self.watcher = ChangeWatcher(services, self)
        self.watcher.case_changed.connect(self._remote_change)
        self.watcher.other_case_changed.connect(lambda _uid: self._refresh_cases())
        self.watcher.mode_changed.connect(self._watch_mode_changed)
        self._remote_timer = QTimer(self)
        self._remote_timer.setSingleShot(True)
        self._remote_timer.setInterval(1000)
        self._remote_timer.timeout.connect(self._apply_pending_remote)
        self.setObjectName("MainWindow")
        self.setWindowTitle(APP_NAME)

        self.overview = CaseOverview()
        self.overview.new_case_requested.connect(self.new_case)
        current = settings.current
        self.viewer = MediaViewer(
            cache_bytes=current.frame_cache_mb << 20,
            max_pixels=current.max_image_megapixels * 1_000_000,
        )
        self.viewer.message.connect(lambda text: self.statusBar().showMessage(text, 10000))
        self.center = QStackedWidget()
        self.center.addWidget(self.overview)
        self.center.addWidget(self.viewer)
        self.setCentralWidget(self.center)
        self.media_browser = MediaBrowser()
        self.media_dock = QDockWidget("Media", self)
        self.media_dock.setObjectName("media_dock")
        self.media_dock.setWidget(self.media_browser)
        self.media_browser.media_selected.connect(self.open_media)
        self.media_browser.provenance_requested.connect(self.edit_provenance)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.media_dock)
        self.workspace = AnnotationWorkspace(
            services, self.viewer, self.changed.emit, self, self.workers
        )
        self.workspace.message.connect(lambda text: self.statusBar().showMessage(text, 10000))
        self.workspace.jump_media = self.media_browser.select
        self.inspector_dock = self._dock("Inspector", "inspector_dock", self.workspace.inspector)
        self.claims_dock = self._dock("Claims", "claims_dock", self.workspace.claims_panel)
        self.tags_dock = self._dock("Tags", "tags_dock", self.workspace.tags_panel)
        self.properties = PropertiesPanel()
        self.properties.provenance.save_requested.connect(self._save_provenance)
        self.properties_dock = self._dock("Properties", "properties_dock", self.properties)
        self.tabifyDockWidget(self.inspector_dock, self.claims_dock)
        self.tabifyDockWidget(self.claims_dock, self.tags_dock)
        self.tabifyDockWidget(self.tags_dock, self.properties_dock)
        self.shield = GraphicShield(self.viewer, self)
        self.shield.changed.connect(self._refresh_media)
        self.shield.changed.connect(self._update_reveal)
        self.workspace.shown.connect(self._graphic_spans_changed)
        self.viewer.player.position_changed.connect(lambda *_: self._update_reveal())
        self._graphic: set[str] = set()
        self.media_browser.model.hide = lambda uid: (
            uid in self._graphic and (self.shield.blur_enabled and uid not in self.shield.revealed)
        )
        self.redactions = RedactionController(
            services.redactions, self.viewer, self.changed.emit, self
        )
        self.redactions.message.connect(lambda text: self.statusBar().showMessage(text, 10000))
        self.history = HistoryPanel()
        self.history_dock = self._dock("History", "history_dock", self.history)
        self.tabifyDockWidget(self.properties_dock, self.history_dock)
        self.redactions_dock = self._dock("Redactions", "redactions_dock", self.redactions.panel)
        self.tabifyDockWidget(self.history_dock, self.redactions_dock)
        self.history.scope_changed.connect(self.refresh_history)
        self.history.restore_requested.connect(self._restore_annotation)
        self.history_dock.visibilityChanged.connect(lambda shown: shown and self.refresh_history())
        self.workspace.list.selected.connect(
            lambda _: self.history.annotation_scope and self.refresh_history()
        )
        self.inspector_dock.raise_()
        self.timeline_dock = self._dock(
            "Timeline",
            "timeline_dock",
            self.workspace.timeline_panel,
            Qt.DockWidgetArea.BottomDockWidgetArea,
        )
        self.list_dock = self._dock(
            "Annotations",
            "annotations_dock",
            self.workspace.list,
            Qt.DockWidgetArea.BottomDockWidgetArea,
        )
        # The timeline spans the width above the list, as in ELAN and BORIS.
        self.splitDockWidget(self.timeline_dock, self.list_dock, Qt.Orientation.Vertical)
        self.imports = ImportFlow(self, services)
        self.imports.finished.connect(self._import_finished)
        self.exports = ExportFlow(self, services, self.workers)
        self.exports.restored.connect(lambda report: self.changed.emit(report.changes))
        self.clip_flow = ClipFlow(self, services)
        self.clip_flow.attach(self.workspace.list, lambda: self.workspace.case_uid)
        self.clip_flow.finished.connect(lambda _: self.changed.emit(Changes(audit=True)))
        self.packages = PackageFlow(self, services.packaging)
        self.packages.finished.connect(lambda _: self.changed.emit(Changes(audit=True)))
        self.custody_flow = CustodyFlow(self, services.custody)
        self.custody_flow.finished.connect(lambda report: self.changed.emit(report.changes))
        self.exports.finished.connect(lambda _: self.changed.emit(Changes(audit=True)))
        self.setAcceptDrops(True)
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self.read_only_banner = (
            install_read_only_banner(self, services.read_only_message)
            if services.read_only
            else None
        )
        self.db_label = QLabel(self._location_text())
        self.db_label.setObjectName("db_label")
        self.db_label.setToolTip(f"The case data lives in {services.location}")
        self.db_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.statusBar().addPermanentWidget(self.db_label)

        self.changed.connect(self._on_changed)
        preload_native_modules()  # before any worker thread exists (see ui/preload.py)
        self._restore_ui_state()
        self._refresh_cases()
        last = str(QSettings().value(self._last_case_key(), "") or "")
        self.open_case(last if self._case_index(last) >= 0 else self._first_case_uid())

    # --- construction -------------------------------------------------------------

    def _dock(
        self,
        title: str,
        name: str,
        widget: QWidget,
        area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea,
    ) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _action(self, text: str, slot: object, name: str | None = None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if name is not None:
            action.setShortcut(shortcut(name))
            action.setToolTip(with_shortcut(tip or text.rstrip("."), name))
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        self.import_files_action = self._action(
            "&Import files...", self.import_files, "import_files", "Import media files"
        )
        self.import_folder_action = self._action(
            "Import &folder...",
            self.import_folder,
            "import_folder",
            "Import a folder with its subfolders",
        )
        self.export_action = self._action(
            "&Export...",
            self.export_case,
            "export",
            "Export the case as a report (HTML, PDF) or for other tools (CSV, JSON, ELAN, ...)",
        )
        self.package_action = self._action(
            "Export evidence &package...",
            self.export_package,
            None,
            "Write the case as a BagIt evidence package: original media, report, JSON "
            "and audit trail",
        )
        self.import_annotations_action = self._action(
            "Import &annotations...",
            self.import_annotations,
            None,
            "Restore a JSON export of this app, or an ELAN .eaf file onto the selected media",
        )
        self.snapshot_action = self._action(
            "Save &snapshot", self.save_snapshot, "snapshot", "Save the frame on screen as a PNG"
        )
        self.overview_action = self._action("Case &overview", self.show_overview)
        self.focus_viewer_action = self._action(
            "Focus the viewer", self.viewer.focus_picture, "focus_viewer"
        )
        self.addAction(self.focus_viewer_action)
        self.quit_action = self._action("&Quit", self.close, "quit")
        self.connect_action = self._action(
            "&Connect to team database...",
            self.connect_team_database,
            None,
            "Open the cases on your team's PostgreSQL server",
        )
        self.preferences_action = self._action(
            "&Preferences...", self.edit_preferences, "preferences"
        )
        self.full_screen_action = self._action(
            "&Full screen", self.toggle_full_screen, "full_screen"
        )
        self.full_screen_action.setCheckable(True)
        self.new_case_action = self._action(
            "&New case...", self.new_case, "new_case", "Create a new case"
        )
        self.switch_case_action = self._action(
            "&Switch case...", self.focus_case_switcher, "switch_case"
        )
        self.rename_case_action = self._action(
            "&Rename or describe case...", self.edit_case, "rename_case"
        )
        self.check_audit_action = self._action(
            "&Check audit trail",
            self.check_audit,
            "check_audit",
            "Verify that no record or event was altered",
        )
        self.verify_action = self._action(
            "&Verify integrity...",
            self.verify_integrity,
            None,
            "Re-hash every media file and check the audit trail",
        )
        self.relink_action = self._action(
            "Re&link media...",
            self.relink_media,
            None,
            "Find moved media files in a folder (by size and SHA-256)",
        )
        self.graphic_action = self._action(
            "Mark as &graphic",
            self.toggle_graphic,
            None,
            "Distressing content: shown blurred until revealed (View > Blur graphic media)",
        )
        self.graphic_action.setCheckable(True)
        self.graphic_action.setEnabled(False)
        self.reveal_action = self._action(
            "&Reveal graphic media",
            self.reveal_graphic,
            None,
            "Show this item (and the graphic segment on screen) unblurred for this session",
        )
        self.reveal_action.setEnabled(False)
        self.blur_graphic_action = self._action(
            "&Blur graphic media",
            self.shield.set_blur,
            None,
            "Media marked graphic show blurred until you reveal them (this session)",
        )
        self.blur_graphic_action.setCheckable(True)
        self.blur_graphic_action.setChecked(self.shield.blur_enabled)
        self.grayscale_action = self._action(
            "&Grayscale", self.shield.set_grayscale, None, "Show pictures without colour"
        )
        self.grayscale_action.setCheckable(True)
        self.grayscale_action.setChecked(self.shield.grayscale_enabled)
        self.find_duplicates_action = self._action(
            "Find &near-duplicates...",
            self.find_duplicates,
            None,
            "Re-uploads, re-encodes and excerpts of the same footage",
        )
        self.shortcuts_action = self._action(
            "&Keyboard shortcuts", self.show_shortcuts, "shortcuts_help"
        )
        self.about_action = self._action(f"&About {APP_NAME}", self.show_about)
        self.log_folder_action = self._action(
            "Open &log folder",
            lambda: help_ui.open_log_folder(self, self.paths),
            None,
            "The log files, with details of any problem (for a report)",
        )
        self.demo_action = self._action("Open &demo case", self.open_demo)
        self.demo_action.setToolTip("A worked example: builds it the first time (a few seconds)")

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.import_files_action)
        file_menu.addAction(self.import_folder_action)
        file_menu.addSeparator()
        file_menu.addAction(self.import_annotations_action)
        file_menu.addAction(self.export_action)
        file_menu.addAction(self.package_action)
        file_menu.addAction(self.snapshot_action)
        file_menu.addSeparator()
        file_menu.addAction(self.connect_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = bar.addMenu("&Edit")
        stack = self.workspace.undo_stack
        self.undo_action = stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(shortcut("undo"))
        self.redo_action = stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcut(shortcut("redo"))
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.preferences_action)
        self.view_menu = bar.addMenu("&View")
        self.view_menu.addAction(self.overview_action)
        self.view_menu.addAction(self.full_screen_action)
        case_menu = bar.addMenu("&Case")
        case_menu.addAction(self.new_case_action)
        case_menu.addAction(self.switch_case_action)
        self.recent_menu = case_menu.addMenu("Open &case")
        self.recent_menu.aboutToShow.connect(self._fill_case_menu)
        case_menu.addSeparator()
        case_menu.addAction(self.rename_case_action)
        case_menu.addAction(self.check_audit_action)
        case_menu.addAction(self.verify_action)
        case_menu.addAction(self.relink_action)
        media_menu = bar.addMenu("&Media")
        media_menu.addAction(self.find_duplicates_action)
        media_menu.addSeparator()
        media_menu.addAction(self.graphic_action)
        media_menu.addAction(self.reveal_action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.demo_action)
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self.log_folder_action)
        help_menu.addAction(self.about_action)

    def _build_toolbar(self) -> None:
        toolbar = QToolBar("Case")
        toolbar.setObjectName("case_toolbar")
        toolbar.addWidget(QLabel(" Case: "))
        self.case_combo = QComboBox()
        self.case_combo.setObjectName("case_switcher")
        self.case_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.case_combo.setMinimumContentsLength(24)
        self.case_combo.setToolTip(with_shortcut("Switch to another case", "switch_case"))
        self.case_combo.activated.connect(self._combo_activated)
        toolbar.addWidget(self.case_combo)
        toolbar.addAction(self.new_case_action)
        self.addToolBar(toolbar)
        self.case_toolbar = toolbar
        self.view_menu.addAction(toolbar.toggleViewAction())
        self.view_menu.addAction(self.media_dock.toggleViewAction())
        self.view_menu.addAction(self.inspector_dock.toggleViewAction())
        self.view_menu.addAction(self.history_dock.toggleViewAction())
        self.view_menu.addAction(self.redactions_dock.toggleViewAction())
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.blur_graphic_action)
        self.view_menu.addAction(self.grayscale_action)
        self.view_menu.addAction(self.claims_dock.toggleViewAction())
        self.view_menu.addAction(self.tags_dock.toggleViewAction())
        self.view_menu.addAction(self.properties_dock.toggleViewAction())
        self.view_menu.addAction(self.timeline_dock.toggleViewAction())
        self.view_menu.addAction(self.list_dock.toggleViewAction())

    # --- cases --------------------------------------------------------------------

    def _refresh_cases(self) -> None:
        self.case_combo.blockSignals(True)
        self.case_combo.clear()
        for summary in self.services.cases.summaries():
            self.case_combo.addItem(summary.case.name, summary.case.uid)
        self.case_combo.setPlaceholderText("No cases yet")
        index = self._case_index(self.case_uid)
        self.case_combo.setCurrentIndex(index)
        self.case_combo.blockSignals(False)

    def _case_index(self, uid: str | None) -> int:
        return -1 if not uid else self.case_combo.findData(uid)

    def _first_case_uid(self) -> str | None:
        return self.case_combo.itemData(0) if self.case_combo.count() else None

    def _combo_activated(self, index: int) -> None:
        self.open_case(self.case_combo.itemData(index))

    def _fill_case_menu(self) -> None:
        self.recent_menu.clear()
        for index in range(self.case_combo.count()):
            uid = self.case_combo.itemData(index)
            action = self.recent_menu.addAction(self.case_combo.itemText(index))
            action.setCheckable(True)
            action.setChecked(uid == self.case_uid)
            action.triggered.connect(lambda _=False, u=uid: self.open_case(u))
        if not self.case_combo.count():
            self.recent_menu.addAction("No cases yet").setEnabled(False)

    def open_case(self, uid: str | None) -> None:
        self.case_uid = uid or None
        self.case_combo.setCurrentIndex(self._case_index(self.case_uid))
        for action in (
            self.rename_case_action,
            self.check_audit_action,
            self.import_files_action,
            self.import_folder_action,
        ):
            action.setEnabled(self.case_uid is not None)
        self._refresh_media()
        self.show_overview()
        self.workspace.set_case(self.case_uid)
        self.redactions.set_case(self.case_uid)
        self._pending_remote = None
        if self.case_uid is None:
            self._seen_head = None
            self.setWindowTitle(APP_NAME)
            self.overview.show_empty()
        else:
            QSettings().setValue(self._last_case_key(), self.case_uid)
            self._show_case()
        self.watcher.watch(self.case_uid, self._seen_head)
        self.case_opened.emit(self.case_uid or "")

    def _last_case_key(self) -> str:
        """Per database: a laptop's file and the team server each reopen their own last case."""
        digest = hashlib.sha256(self.services.location.encode()).hexdigest()[:16]
        return f"{LAST_CASE_KEY}/{digest}"

    def _show_case(self) -> None:
        assert self.case_uid is not None
        summary = next(s for s in self.services.cases.summaries() if s.case.uid == self.case_uid)
        events, head = self.services.audit.head(self.case_uid)
        self._seen_head = (events, head)
        self.setWindowTitle(f"{summary.case.name} - {APP_NAME}")
        self.overview.show_case(summary, events, head)

    def new_case(self) -> None:
        created: list[str] = []

        def submit(name: str, description: str) -> None:
            result = self.services.cases.create(name, description)
            created.append(result.value.uid)
            self.changed.emit(result.changes)

        if case_dialog.ask_case(self, title="New case", submit=submit) and created:
            self.open_case(created[0])
            self.statusBar().showMessage(f"Created case '{self.case_combo.currentText()}'", 5000)

    def edit_case(self) -> None:
        if self.case_uid is None:
            return
        case = self.services.cases.get(self.case_uid)

        def submit(name: str, description: str) -> None:
            result = self.services.cases.update(
                case.uid, name=name, description=description, expected_version=case.version
            )
            self.changed.emit(result.changes)

        if case_dialog.ask_case(
            self,
            title="Rename or describe case",
            submit=submit,
            name=case.name,
            description=case.description,
            ok_text="Save",
        ):
            self.statusBar().showMessage("Case saved", 5000)

    def focus_case_switcher(self) -> None:
        self.case_combo.setFocus()
        self.case_combo.showPopup()

    def _on_changed(self, changes: Changes) -> None:
        if changes.cases:
            self._refresh_cases()
        if changes.media:
            self._refresh_media()
        elif changes.annotations and self.case_uid is not None:
            # Only the counts moved: no need to reload the list and decode every thumbnail.
            self.media_browser.set_counts(self.services.media.annotation_counts(self.case_uid))
        self.workspace.refresh(changes)
        self.redactions.refresh(changes)
        if self.case_uid is not None and changes.any:
            self._show_case()
            self.refresh_history()

    # --- changes saved by others ---------------------------------------------------------

    def _remote_change(self, change: CaseChanged) -> None:
        """Someone else saved a change to the open case: show it as after our own edits."""
        if change.case_uid != self.case_uid or change.head == self._seen_head:
            return  # another case by now, or this window's own change (already shown)
        self._pending_remote = change
        self._apply_pending_remote()

    @staticmethod
    def _dialog_open() -> bool:
        """A dialog or popup is open: an edit may be in progress there."""
        return (
            QApplication.activeModalWidget() is not None
            or QApplication.activePopupWidget() is not None
        )

    @property
    def _own_work_running(self) -> bool:
        flows = (self.imports, self.exports, self.clip_flow, self.packages, self.custody_flow)
        return self.workers.busy or any(flow.busy for flow in flows)

    def _apply_pending_remote(self) -> None:
        change = self._pending_remote
        if change is None or change.case_uid != self.case_uid:
            self._pending_remote = None
            return
        if self._dialog_open():
            # Not under an open dialog: it may be editing what would change. Try again
            # shortly; a save from the dialog meets the conflict check if it collides.
            self._remote_timer.start()
            return
        self._pending_remote = None
        try:
            self._refresh_everything()
        except AnnotatorError as exc:  # e.g. the case was deleted, the server went away
            self.statusBar().showMessage(f"Could not show the latest changes: {exc.message}", 10000)
            return
        self.statusBar().showMessage(
            # This window's own background work may be what moved the head.
            "Updated with the latest saved changes"
            if self._own_work_running
            else "Updated: changes by another investigator",
            10000,
        )

    def _refresh_everything(self) -> None:
        """Read every view again; selection, playhead and a field being typed in stay."""
        self._refresh_cases()
        self._refresh_media()
        if self.case_uid is not None:
            media = self.workspace.media
            if media is not None:
                fresh = {m.uid: m for m in self.services.media.for_case(self.case_uid)}
                current = fresh.get(media.uid)
                if current is not None and not self.properties.isAncestorOf(
                    QApplication.focusWidget()
                ):
                    self.properties.show_media(current)
        self.workspace.refresh()
        self.redactions.refresh()
        if self.case_uid is not None:
            self._show_case()
            self.refresh_history()

    def _watch_mode_changed(self, mode: WatchMode) -> None:
        how = (
            "the server reports changes by others as they are saved"
            if mode is WatchMode.LISTENING
            else "checked for changes by others every few seconds"
        )
        self.db_label.setToolTip(f"The case data lives in {self.services.location}: {how}.")

    def _location_text(self) -> str:
        login = self.services.server_login
        where = short_location(self.services.location)
        if login is None:
            return f"Database: {where}"
        return f"Team database {where} · signed in as {login}"

    # --- databases ----------------------------------------------------------------------

    def connect_team_database(self) -> None:
        settings, paths = self.settings, self.paths

        def opener(url: str) -> Services:
            return open_services(url, settings.actor, lambda: settings.current, paths)

        opened = connect_dialog.ask_team_database(self, opener, self.workers)
        if opened is not None:
            self.switch_database(opened)

    def switch_database(self, services: Services) -> MainWindow | None:
        """Show ``services`` in a new window in place of this one, which closes.

        Every panel and flow holds its services: a fresh window is the one way to be sure
        none still reads the previous database. Geometry and dock layout carry over.
        """
        if self.exports.busy or self.imports.busy or self.packages.busy:
            show_information(
                self,
                "Work still running",
                "Wait for the import or export to finish (or cancel it), then connect again.",
            )
            services.close()
            return None
        self._save_ui_state()
        successor = MainWindow(services, self.settings, self.paths)
        successor.owns_services = True
        successor.show()
        successor.statusBar().showMessage(f"Opened {services.location}", 10000)
        self.successor = successor
        self.close()
        return successor

    # --- media ------------------------------------------------------------------------

    def _refresh_media(self) -> None:
        if self.case_uid is None:
            self.media_browser.set_media([], {}, case_open=False)
            return
        media = self.services.media.for_case(self.case_uid)
        self._graphic = {m.uid for m in media if m.graphic}
        self.media_browser.set_media(
            media,
            self.services.media.thumbnails(self.case_uid),
            counts=self.services.media.annotation_counts(self.case_uid),
        )

    def open_media(self, media: Media) -> None:
        path = resolve_location(media.location, self.settings.current.media_roots)
        index = None
        if media.kind is MediaKind.VIDEO:
            index = FrameIndex.load(self.paths.frame_index_dir / f"{media.sha256}.npz")
        waveforms = self.paths.cache_dir / "waveform"
        self.shield.set_media(media)
        self._update_graphic_actions(media)
        self.viewer.show_media(media, path, index, waveforms / f"{media.sha256}.npz")
        self.workspace.set_media(media)
        self.redactions.set_media(media)
        self.properties.show_media(media)
        self.center.setCurrentWidget(self.viewer)
        self.snapshot_action.setEnabled(media.kind is MediaKind.VIDEO and path.is_file())
        self.statusBar().showMessage(f"{media.file_name}: {media.original_path}", 5000)

    HISTORY_LIMIT = 2000

    def refresh_history(self) -> None:
        """Reload the History panel, only while it is on screen (a big trail costs)."""
        panel = self.history
        if self.case_uid is None or self.history_dock.visibleRegion().isEmpty():
            if self.case_uid is None:
                panel.show_events([])
            return
        case_uid = self.case_uid
        deleted = [
            a
            for a in self.services.annotations.for_case(case_uid, include_deleted=True)
            if a.deleted_at is not None
        ]
        panel.set_deleted(deleted)
        if panel.deleted_only.isChecked():
            events = sorted(
                (e for a in deleted for e in self.services.audit.history(case_uid, a.uid)),
                key=lambda e: e.seq,
            )
            note = f"{len(deleted)} deleted annotation(s); select one of its events to restore it."
            panel.show_events(events, note if deleted else "No deleted annotations.")
            return
        if panel.annotation_scope:
            current = self.workspace.list.current()
            if current is None:
                panel.show_events([], "Select an annotation to see its history.")
                return
            panel.show_events(self.services.audit.history(case_uid, current.uid))
            return
        events = self.services.audit.latest(case_uid, self.HISTORY_LIMIT)
        total, _ = self.services.audit.head(case_uid)
        note = (
            f"The latest {len(events):,} of {total:,} events; the whole trail is checked by "
            "Case > Check audit trail."
            if total > len(events)
            else ""
        )
        panel.show_events(events, note)

    def _restore_annotation(self, uid: str) -> None:
        if self.case_uid is None:
            return
        try:
            result = self.services.annotations.restore(self.case_uid, uid)
        except AnnotatorError as exc:
            self.statusBar().showMessage(f"Not restored: {exc.message}", 10000)
            return
        self.statusBar().showMessage("Annotation restored; recorded in the audit trail", 10000)
        self.changed.emit(result.changes)

    def _update_graphic_actions(self, media: Media | None) -> None:
        self.graphic_action.setEnabled(media is not None)
        self.graphic_action.setChecked(bool(media and media.graphic))
        self._update_reveal()

    def _graphic_spans_changed(self) -> None:
        media = self.workspace.media
        self.shield.set_spans(media.uid if media else "", self.workspace.graphic_spans())
        self._update_reveal()

    def _update_reveal(self) -> None:
        """Reveal is offered while the shield blurs what is on screen, and says so once."""
        hiding = self.shield.hides_now()
        if hiding and not self.reveal_action.isEnabled():
            self.statusBar().showMessage(
                "Marked graphic: shown blurred. Media > Reveal graphic media to see it.", 10000
            )
        self.reveal_action.setEnabled(hiding)

    def toggle_graphic(self, on: bool) -> None:
        media = self.shield.media
        if self.case_uid is None or media is None:
            return
        try:
            result = self.services.media.set_graphic(self.case_uid, media.uid, on)
        except AnnotatorError as exc:
            self.statusBar().showMessage(f"Not changed: {exc.message}", 10000)
            return
        self.shield.set_media(result.value)
        self._update_graphic_actions(result.value)
        self.changed.emit(result.changes)

    def reveal_graphic(self) -> None:
        self.shield.reveal_now()
        self._update_reveal()

    def find_duplicates(self) -> None:
        if self.case_uid is None:
            show_information(self, "No case open", "Open or create a case first.")
            return
        dialog = duplicates_dialog.show_duplicates(
            self,
            self.services.duplicates,
            self.case_uid,
            self.services.media.thumbnails(self.case_uid),
        )
        dialog.media_chosen.connect(self.media_browser.select)
        dialog.changed.connect(self.changed.emit)

    def export_package(self) -> None:
        if self.case_uid is None:
            show_information(self, "No case open", "Open or create a case first.")
            return
        self.packages.export(self.case_uid, self.services.cases.get(self.case_uid).name)

    def verify_integrity(self) -> None:
        if self.case_uid is None:
            show_information(self, "No case open", "Open or create a case first.")
            return
        self.custody_flow.verify(self.case_uid)

    def relink_media(self) -> None:
        if self.case_uid is None:
            show_information(self, "No case open", "Open or create a case first.")
            return
        folder = custody_flow.ask_relink_folder(self, self.custody_flow.folder)
        if folder is not None:
            self.custody_flow.relink(self.case_uid, folder)

    def edit_provenance(self, uids: list[str]) -> None:
        """One item: the Properties panel's form. Several: the same fields on all of them."""
        if self.case_uid is None or not uids:
            return
        if len(uids) == 1:
            self.media_browser.select(uids[0])
            self.properties_dock.raise_()
            self.properties.tabs.setCurrentIndex(1)
            return
        dialog = BatchProvenanceDialog(self, len(uids))
        if dialog.exec() != BatchProvenanceDialog.DialogCode.Accepted or not dialog.values():
            return
        try:
            result = self.services.media.update_many(self.case_uid, uids, dialog.values())
        except AnnotatorError as exc:
            QMessageBox.warning(self, "Provenance not saved", exc.message)
            return
        self.statusBar().showMessage(f"Provenance saved on {len(uids)} media items", 10000)
        self.changed.emit(result.changes)

    def _save_provenance(self, uid: str, fields: dict[str, str]) -> None:
        if self.case_uid is None:
            return
        panel = self.properties.provenance
        try:
            result = self.services.media.update(self.case_uid, uid, fields)
        except AnnotatorError as exc:
            panel.status.setText(f"Not saved: {exc.message}")
            return
        panel.show_media(result.value)
        panel.status.setText("Saved; recorded in the audit trail.")
        self.changed.emit(result.changes)

    def show_overview(self) -> None:
        self.viewer.close_media()
        self.workspace.set_media(None)
        self.redactions.set_media(None)
        self.shield.set_media(None)
        self._update_graphic_actions(None)
        self.properties.show_media(None)
        self.center.setCurrentWidget(self.overview)
        self.snapshot_action.setEnabled(False)

    def save_snapshot(self) -> None:
        media, path = self.viewer.media, self.viewer.path
        frame = self.viewer.player.current_frame
        if self.case_uid is None or media is None or path is None or frame < 0:
            return
        case_uid = self.case_uid
        self.statusBar().showMessage(f"Saving frame {frame}...")
        self.workers.run(
            lambda: self.services.snapshots.save(case_uid, media.uid, path, frame),
            self._snapshot_saved,
            lambda exc: show_warning(self, "Snapshot not saved", str(exc)),
        )

    def _snapshot_saved(self, result: Result[FrameFile]) -> None:
        record = result.value.record
        self.statusBar().showMessage(
            f"Saved frame {record['frame']} at {record['timecode']} to {result.value.out}", 10000
        )
        self.changed.emit(result.changes)

    def import_files(self) -> None:
        if self.case_uid is not None:
            self.import_paths(import_flow.ask_files(self))

    def import_folder(self) -> None:
        if self.case_uid is not None and (folder := import_flow.ask_folder(self)):
            self.import_paths([folder])

    def export_case(self) -> None:
        if self.case_uid is None:
            show_information(self, "No case open", "Open or create a case first.")
            return
        request = self.exports.ask(self.case_uid)
        if request is not None:
            self.exports.start(self.case_uid, request)

    def import_annotations(self) -> None:
        if self.case_uid is None:
            show_information(self, "No case open", "Open or create a case first.")
            return
        name, _ = QFileDialog.getOpenFileName(
            self,
            "Import annotations",
            str(self.exports.folder),
            "JSON export or ELAN file (*.json *.eaf);;All files (*)",
        )
        if name:
            media = self.workspace.media
            self.exports.restore(self.case_uid, Path(name), media.sha256 if media else None)

    def import_paths(self, paths: list[Path]) -> None:
        if self.case_uid is None:
            show_information(
                self,
                "No case open",
                "Create or open a case first: imported media always belong to a case.",
            )
            return
        if self.imports.start(self.case_uid, paths):
            self.statusBar().showMessage(f"Importing {len(paths)} item(s)...")

    def _import_finished(self, report: ImportReport) -> None:
        imported = frozenset(f.media_uid for f in report.files if f.outcome == "imported")
        self.statusBar().showMessage(
            f"Import finished: {report.summary['imported']} imported, "
            f"{len(report.not_imported)} not imported",
            10000,
        )
        self.changed.emit(Changes(media=imported, audit=bool(imported)))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.import_paths(paths)

    # --- audit --------------------------------------------------------------------

    def check_audit(self) -> None:
        if self.case_uid is None:
            return
        uid = self.case_uid
        self.check_audit_action.setEnabled(False)
        self.statusBar().showMessage("Checking the audit trail...")
        self.workers.run(
            lambda: self.services.audit.verify(uid), self._audit_checked, self._audit_failed
        )

    def _audit_checked(self, report: AuditReport) -> None:
        self.check_audit_action.setEnabled(self.case_uid is not None)
        detail = f"{report.message}\n\nEvents: {report.events}\nHead hash: {report.head_hash}"
        self.statusBar().showMessage(
            "Audit trail intact" if report.ok else "Audit trail problem found", 10000
        )
        if report.ok:
            show_information(self, "Audit trail intact", detail)
        else:
            show_warning(self, "Audit trail problem", detail)

    def _audit_failed(self, exc: Exception) -> None:
        self.check_audit_action.setEnabled(self.case_uid is not None)
        self.statusBar().clearMessage()
        show_warning(self, "Could not check the audit trail", str(exc))

    def open_demo(self) -> None:
        self.demo_action.setEnabled(False)
        self.statusBar().showMessage("Preparing the demo case...")
        folder = self.paths.data_dir / "demo"
        self.workers.run(
            lambda: build_or_reuse_demo(self.services, folder), self._demo_ready, self._demo_failed
        )

    def _demo_ready(self, demo: DemoCase) -> None:
        self.demo_action.setEnabled(True)
        self._refresh_cases()
        self.open_case(demo.uid)
        self.statusBar().showMessage(f"Opened {demo.name}", 10000)

    def _demo_failed(self, exc: Exception) -> None:
        self.demo_action.setEnabled(True)
        self.statusBar().clearMessage()
        show_warning(self, "Demo case not ready", f"{exc}\nDetails are in the log folder.")

    # --- other menus -----------------------------------------------------------------

    def edit_preferences(self) -> None:
        login = self.services.server_login
        if login is None:
            new = preferences.ask_preferences(self, self.settings.current)
        else:
            new = preferences.ask_preferences(self, self.settings.current, login)
        if new is None:
            return
        try:
            self.settings.update(new)
        except (AnnotatorError, OSError) as exc:
            show_warning(self, "Preferences not saved", f"{exc}\nCheck {self.paths.config_dir}.")
            return
        self.statusBar().showMessage(f"Changes will be recorded as {login or new.actor}", 5000)

    def toggle_full_screen(self, on: bool) -> None:
        self.showFullScreen() if on else self.showNormal()

    def show_shortcuts(self) -> None:
        help_ui.ShortcutsDialog(self).exec()

    def show_about(self) -> None:
        help_ui.show_about(self, self.services.location, self.paths)

    # --- state ------------------------------------------------------------------------

    def _restore_ui_state(self) -> None:
        state = QSettings()
        geometry = state.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self._default_geometry()
        layout = state.value("window/state")
        if isinstance(layout, QByteArray) and not layout.isEmpty():
            self.restoreState(layout)
        else:
            QTimer.singleShot(0, self._default_dock_sizes)  # once laid out on screen

    def _default_dock_sizes(self) -> None:
        """First start: room for names in the media list and for the inspector's fields."""
        width, height = self.width(), self.height()
        self.resizeDocks(
            [self.media_dock, self.inspector_dock],
            [max(260, width // 5), max(320, width // 4)],
            Qt.Orientation.Horizontal,
        )
        self.resizeDocks([self.list_dock], [max(140, height // 5)], Qt.Orientation.Vertical)

    def _default_geometry(self) -> None:
        """First start: 1280x800 where it fits, else most of the screen (1366x768 laptops)."""
        screen = self.screen().availableGeometry()
        width = min(1280, int(screen.width() * 0.94))
        height = min(800, int(screen.height() * 0.9))
        self.resize(width, height)
        self.move(screen.center() - self.rect().center())

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.exports.busy:  # its PDF step needs this window's thread: let it finish
            show_information(
                self, "Export running", "Wait for the export to finish, or cancel it first."
            )
            event.ignore()
            return
        self._save_ui_state()
        self.watcher.stop()
        self._remote_timer.stop()
        self.viewer.close_media()
        if self.imports.busy:
            self.imports.cancel()  # keep what was imported; stop promptly
            self.imports.wait()
        if self.clip_flow.busy:
            self.clip_flow.cancel()
            self.clip_flow.wait()
        if self.packages.busy:
            self.packages.cancel()  # nothing half-written is left; the case is unchanged
            self.packages.wait()
        if self.custody_flow.busy:
            self.custody_flow.cancel()  # states and relinks recorded so far are kept
            self.custody_flow.wait()
        self.workers.wait_all()
        if self.owns_services or self.successor is not None:
            self.services.close()  # the app closes the services it opened itself at exit
        super().closeEvent(event)

    def _save_ui_state(self) -> None:
        state = QSettings()
        state.setValue("window/geometry", self.saveGeometry())
        state.setValue("window/state", self.saveState())


def show_information(parent: QWidget, title: str, text: str) -> None:
    QMessageBox.information(parent, title, text)


def show_warning(parent: QWidget, title: str, text: str) -> None:
    QMessageBox.warning(parent, title, text)
