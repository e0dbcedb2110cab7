"""Hierarchical tags with colours and number-key favourites."""

from __future__ import annotations

from annotator.core.entities import Tag
from annotator.db.repositories import tags as repo
from annotator.db.repositories.lookup import case_by_uid
from annotator.services.base import Result, Service


class TagService(Service):
    def create(
        self, case_uid: str, path: str, *, colour: str | None = None, description: str = ""
    ) -> Result[Tag]:
        """Create ``path``; missing parents (``person`` for ``person/captive``) come too."""
        with self.write() as unit:
            tag = repo.create(
                unit.session, unit.journal, unit.case(case_uid), path, colour, description
            )
            result = unit.result(tag)
        return result

    def rename(
        self, case_uid: str, uid: str, new_path: str, expected_version: int | None = None
    ) -> Result[list[Tag]]:
        """Rename (or move) a tag; its whole subtree follows."""
        with self.write() as unit:
            tags = repo.rename(
                unit.session, unit.journal, unit.case(case_uid), uid, new_path, expected_version
            )
            result = unit.result(tags)
        return result

    def update(
        self,
        case_uid: str,
        uid: str,
        *,
        colour: str | None = None,
        description: str | None = None,
        expected_version: int | None = None,
    ) -> Result[Tag]:
        with self.write() as unit:
            tag = repo.update(
                unit.session,
                unit.journal,
                unit.case(case_uid),
                uid,
                colour=colour,
                description=description,
                expected_version=expected_version,
            )
            result = unit.result(tag)
        return result

    def set_favourite(self, case_uid: str, uid: str, slot: int | None) -> Result[Tag]:
        with self.write() as unit:
            tag = repo.set_favourite(unit.session, unit.journal, unit.case(case_uid), uid, slot)
            result = unit.result(tag)
        return result

    def delete(
        self, case_uid: str, uid: str, expected_version: int | None = None
    ) -> Result[list[str]]:
        """Delete the tag and its subtree; returns the deleted uids."""
        with self.write() as unit:
            gone = repo.delete(
                unit.session, unit.journal, unit.case(case_uid), uid, expected_version
            )
            result = unit.result(gone)
        return result

    def for_case(self, case_uid: str) -> list[Tag]:
        with self.read() as session:
            return repo.list_for_case(session, case_by_uid(session, case_uid))
