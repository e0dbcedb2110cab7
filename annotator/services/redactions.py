"""Redactions: areas of a video or image hidden in published output (issue 8).

Each is a case record with a uid, an author and audit events, like an annotation. On a
video it spans frames ``start_frame..end_frame`` and moves between keyframes (see
``annotator.media.redaction.box_at``); on an image it is one box.
"""

from __future__ import annotations

from collections.abc import Mapping

from annotator.core.entities import Redaction
from annotator.core.errors import ValidationError
from annotator.db.repositories import media as media_repo
from annotator.db.repositories import redactions as repo
from annotator.db.repositories.lookup import case_by_uid
from annotator.services.base import Result, Service


def keyframe_dicts(redaction: Redaction) -> list[dict[str, object]]:
    return [k.as_record() for k in redaction.keyframes]


class RedactionService(Service):
    def create(
        self, case_uid: str, media_uid: str, fields: Mapping[str, object]
    ) -> Result[Redaction]:
        """A new redaction on one media item.

        ``fields``: shape (rect/ellipse), method (blur/pixelate/fill), keyframes (list of
        ``{"frame", "ms", "x", "y", "w", "h"}``, normalised box of the displayed frame),
        label and, on a video, start_frame/end_frame/start_ms/end_ms (end_ms exclusive: the
        time the last frame stops being shown).
        """
        with self.write() as unit:
            made = repo.create(unit.session, unit.journal, unit.case(case_uid), media_uid, fields)
            result = unit.result(made)
        return result

    def update(
        self,
        case_uid: str,
        uid: str,
        fields: Mapping[str, object],
        expected_version: int | None = None,
    ) -> Result[Redaction]:
        """Change method, shape, label, span or the whole keyframe list."""
        with self.write() as unit:
            changed = repo.update(
                unit.session, unit.journal, unit.case(case_uid), uid, fields, expected_version
            )
            result = unit.result(changed)
        return result

    def set_keyframe(
        self,
        case_uid: str,
        uid: str,
        keyframe: Mapping[str, object],
        expected_version: int | None = None,
    ) -> Result[Redaction]:
        """Add the box on ``keyframe["frame"]``, or replace the one already there.

        On an image (frame None) the one box is replaced.
        """
        with self.write() as unit:
            case = unit.case(case_uid)
            current = repo.get(unit.session, case, uid)
            frame = keyframe.get("frame")
            if current.start_frame is None:  # an image: one box
                kept: list[dict[str, object]] = []
            else:
                kept = [k for k in keyframe_dicts(current) if k["frame"] != frame]
            changed = repo.update(
                unit.session,
                unit.journal,
                case,
                uid,
                {"keyframes": [*kept, dict(keyframe)]},
                expected_version,
                action="redaction.keyframe",
            )
            result = unit.result(changed)
        return result

    def remove_keyframe(
        self, case_uid: str, uid: str, frame: int, expected_version: int | None = None
    ) -> Result[Redaction]:
        with self.write() as unit:
            case = unit.case(case_uid)
            current = repo.get(unit.session, case, uid)
            kept = [k for k in keyframe_dicts(current) if k["frame"] != frame]
            if not kept:
                raise ValidationError(
                    "This is the redaction's only keyframe: delete the redaction instead."
                )
            changed = repo.update(
                unit.session,
                unit.journal,
                case,
                uid,
                {"keyframes": kept},
                expected_version,
                action="redaction.keyframe",
            )
            result = unit.result(changed)
        return result

    def delete(
        self, case_uid: str, uid: str, expected_version: int | None = None
    ) -> Result[Redaction]:
        """Remove the redaction; the audit trail keeps its last state."""
        with self.write() as unit:
            gone = repo.delete(
                unit.session, unit.journal, unit.case(case_uid), uid, expected_version
            )
            result = unit.result(gone)
        return result

    def get(self, case_uid: str, uid: str) -> Redaction:
        with self.read() as session:
            return repo.get(session, case_by_uid(session, case_uid), uid)

    def for_case(self, case_uid: str, *, media_uid: str | None = None) -> list[Redaction]:
        with self.read() as session:
            return repo.list_for_case(session, case_by_uid(session, case_uid), media_uid=media_uid)

    def records(self, case_uid: str, media_uid: str) -> list[dict[str, object]]:
        """One media's redactions as export-document records (what clips and stills apply)."""
        from annotator.reports.document import redaction_record

        with self.read() as session:
            case = case_by_uid(session, case_uid)
            sha = media_repo.get(session, case, media_uid).sha256
            rows = repo.list_for_case(session, case, media_uid=media_uid)
        return [redaction_record(r, sha) for r in rows]
