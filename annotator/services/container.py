"""Opening a case database and the services over it: what the GUI and the CLI share."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from annotator.core.paths import AppPaths
from annotator.core.settings import Settings
from annotator.db import migrate
from annotator.db.engine import Database
from annotator.services.annotating import AnnotationService
from annotator.services.audit import AuditService
from annotator.services.cases import CaseService
from annotator.services.claims import ClaimService
from annotator.services.clips import ClipService
from annotator.services.copying import CopyService
from annotator.services.custody import CustodyService
from annotator.services.duplicates import DuplicateService
from annotator.services.exporting import ExportService
from annotator.services.importing import ImportService
from annotator.services.media import MediaService
from annotator.services.packaging import PackageService
from annotator.services.redactions import RedactionService
from annotator.services.restoring import RestoreService
from annotator.services.searching import SearchService
from annotator.services.snapshots import SnapshotService
from annotator.services.tags import TagService
from annotator.services.watching import WatchService


class Services:
    """All services over one open database, acting as ``actor()``."""

    def __init__(
        self,
        db: Database,
        actor: Callable[[], str],
        settings: Callable[[], Settings] = Settings,
        paths: AppPaths | None = None,
    ) -> None:
        self._db = db
        login = db.server_login
        if login is not None:
            # On a team server the audit trail names who the server authenticated, not a
            # name anyone may type into the settings.
            actor = lambda: login  # noqa: E731
        self.paths = paths or AppPaths.from_environment()
        self.settings = settings
        self.cases = CaseService(db, actor)
        self.media = MediaService(db, actor)
        self.tags = TagService(db, actor)
        self.claims = ClaimService(db, actor)
        self.annotations = AnnotationService(db, actor)
        self.audit = AuditService(db, actor)
        self.watching = WatchService(db, actor)
        self.search = SearchService(db, actor)
        self.importing = ImportService(self.media, settings, self.paths.frame_index_dir)
        self.snapshots = SnapshotService(db, actor, settings, self.paths.data_dir / "snapshots")
        self.exporting = ExportService(db, actor, settings)
        self.restoring = RestoreService(db, actor, settings)
        self.custody = CustodyService(db, actor, settings)
        self.clips = ClipService(db, actor, settings)
        self.redactions = RedactionService(db, actor)
        self.copying = CopyService(db, actor)
        self.duplicates = DuplicateService(db, actor, settings)
        self.packaging = PackageService(db, actor, settings, self.exporting)

    @property
    def read_only(self) -> bool:
        """The database was opened read-only (read-only disk, no permission): no changes."""
        return self._db.read_only

    @property
    def read_only_mode(self) -> str | None:
        """Why read-only: "ro", "immutable" (SQLite) or "no_write_grant" (team server)."""
        return self._db.read_only_mode

    @property
    def read_only_message(self) -> str:
        return self._db.read_only_message

    @property
    def server_login(self) -> str | None:
        """The database login on a team server (the audit actor there); None for a file."""
        return self._db.server_login

    @property
    def location(self) -> str:
        """Where the case data lives (file path, or URL without password)."""
        return self._db.display_location

    def close(self) -> None:
        self._db.dispose()


def open_services(
    target: str | Path,
    actor: Callable[[], str],
    settings: Callable[[], Settings] = Settings,
    paths: AppPaths | None = None,
) -> Services:
    """Open (creating if needed) and migrate the database at ``target``."""
    db = Database(target)
    try:
        migrate.upgrade(db)
        db.check_write_grant()
    except BaseException:
        db.dispose()
        raise
    return Services(db, actor, settings, paths)
