"""Moments, segments and regions: create, edit, tag, delete and restore."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from annotator.core.entities import Annotation
from annotator.db.repositories import annotations as repo
from annotator.db.repositories.lookup import case_by_uid
from annotator.services.base import Result, Service


class AnnotationService(Service):
    def create(
        self,
        case_uid: str,
        media_uid: str,
        fields: Mapping[str, object],
        tags: Iterable[str] = (),
    ) -> Result[Annotation]:
        """Create a moment, segment or region on one media item.

        ``fields``: kind, start_ms/end_ms, start_frame/end_frame (from the displayed
        frame), region, title, note, transcript(+_lang), translation(+_lang), confidence,
        place fields. New tags in ``tags`` are created inline.
        """
        with self.write() as unit:
            ann = repo.create(
                unit.session, unit.journal, unit.case(case_uid), media_uid, fields, tags
            )
            result = unit.result(ann)
        return result

    def update(
        self,
        case_uid: str,
        uid: str,
        fields: Mapping[str, object],
        expected_version: int | None = None,
    ) -> Result[Annotation]:
        with self.write() as unit:
            ann = repo.update(
                unit.session, unit.journal, unit.case(case_uid), uid, fields, expected_version
            )
            result = unit.result(ann)
        return result

    def set_tags(
        self, case_uid: str, uid: str, tags: Iterable[str], expected_version: int | None = None
    ) -> Result[Annotation]:
        with self.write() as unit:
            ann = repo.set_tags(
                unit.session, unit.journal, unit.case(case_uid), uid, tags, expected_version
            )
            result = unit.result(ann)
        return result

    def set_graphic(
        self, case_uid: str, uid: str, graphic: bool, expected_version: int | None = None
    ) -> Result[Annotation]:
        """Mark the moment or segment as graphic (shown blurred until revealed), or not."""
        with self.write() as unit:
            ann = repo.set_graphic(
                unit.session, unit.journal, unit.case(case_uid), uid, graphic, expected_version
            )
            result = unit.result(ann)
        return result

    def delete(
        self, case_uid: str, uid: str, expected_version: int | None = None
    ) -> Result[Annotation]:
        """Soft delete: the annotation leaves every view but stays in history."""
        return self._set_deleted(case_uid, uid, True, expected_version)

    def restore(
        self, case_uid: str, uid: str, expected_version: int | None = None
    ) -> Result[Annotation]:
        return self._set_deleted(case_uid, uid, False, expected_version)

    def _set_deleted(
        self, case_uid: str, uid: str, deleted: bool, expected_version: int | None
    ) -> Result[Annotation]:
        with self.write() as unit:
            ann = repo.set_deleted(
                unit.session, unit.journal, unit.case(case_uid), uid, deleted, expected_version
            )
            result = unit.result(ann)
        return result

    def get(self, case_uid: str, uid: str) -> Annotation:
        with self.read() as session:
            return repo.get(session, case_by_uid(session, case_uid), uid)

    def get_many(self, case_uid: str, uids: list[str]) -> list[Annotation]:
        """Several annotations by uid in one query (e.g. the hits of a search)."""
        with self.read() as session:
            return repo.get_many(session, case_by_uid(session, case_uid), uids)

    def for_case(
        self, case_uid: str, *, media_uid: str | None = None, include_deleted: bool = False
    ) -> list[Annotation]:
        with self.read() as session:
            return repo.list_for_case(
                session,
                case_by_uid(session, case_uid),
                media_uid=media_uid,
                include_deleted=include_deleted,
            )
