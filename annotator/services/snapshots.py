"""Snapshots: the frame on screen saved as evidence, into the case's snapshot folder."""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Callable
from pathlib import Path

from annotator.core.settings import Settings
from annotator.db.engine import Database
from annotator.db.repositories import media as media_repo
from annotator.db.repositories.lookup import case_by_uid
from annotator.services.base import Result, Service
from annotator.services.frames import FrameFile, read_frame, write_frame


def _safe(name: str) -> str:
    """A file-name-safe version of a case or media name (keeps letters of any script)."""
    cleaned = re.sub(r"[^\w.-]+", "_", name, flags=re.UNICODE).strip("._")
    return cleaned[:80] or "untitled"


class SnapshotService(Service):
    def __init__(
        self,
        db: Database,
        actor: Callable[[], str],
        settings: Callable[[], Settings],
        default_dir: Path,
    ) -> None:
        super().__init__(db, actor)
        self._settings = settings
        self._default_dir = default_dir

    def folder(self, case_name: str) -> Path:
        root = self._settings().snapshot_dir
        return (Path(root) if root else self._default_dir) / _safe(case_name)

    def save(
        self, case_uid: str, media_uid: str, media_path: Path, frame: int
    ) -> Result[FrameFile]:
        """Save frame ``frame`` as a snapshot and record the act in the audit trail.

        The frame is decoded again from the original: full resolution, without the
        display adjustments the investigator may be looking through.
        """
        with self.read() as session:
            case = case_by_uid(session, case_uid)
            media = media_repo.get(session, case, media_uid)
            case_name, sha256, stem = case.name, media.sha256, Path(media.file_name).stem
        decoded = read_frame(media_path, frame=frame)
        out = self.folder(case_name) / f"{_safe(stem)}_frame{decoded.number:06d}.png"
        snapshot_uid = str(uuid.uuid4())
        saved = write_frame(
            media_path,
            decoded,
            out,
            sha256=sha256,
            extra={
                "snapshot_uid": snapshot_uid,
                "case": case_name,
                "case_uid": case_uid,
                "media_uid": media_uid,
                "actor": self._actor(),
            },
        )
        try:
            with self.write() as unit:
                unit.journal.append(
                    unit.case(case_uid),
                    "snapshot.save",
                    "snapshot",
                    snapshot_uid,
                    None,
                    {k: v for k, v in saved.record.items() if k != "out"} | {"file": out.name},
                )
                result = unit.result(saved)
        except BaseException:
            for path in (saved.out, saved.sidecar):  # not audited: not kept
                with contextlib.suppress(OSError):
                    path.unlink()
            raise
        return result
