"""A case's media items: registration (used by ingest) and listing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from annotator.core.entities import Media, NewMedia
from annotator.db.repositories import media as repo
from annotator.db.repositories.lookup import case_by_uid
from annotator.services.base import Result, Service


class MediaService(Service):
    def add(self, case_uid: str, new: NewMedia) -> Result[Media]:
        """Register one analysed file; its record and audit event commit together."""
        with self.write() as unit:
            media = repo.add(unit.session, unit.journal, unit.case(case_uid), new)
            result = unit.result(media)
        return result

    def add_many(self, case_uid: str, items: list[NewMedia]) -> Result[list[Media]]:
        """Register several analysed files in one transaction (each record whole)."""
        with self.write() as unit:
            case = unit.case(case_uid)
            added = [repo.add(unit.session, unit.journal, case, item) for item in items]
            result = unit.result(added)
        return result

    def sha_index(self, case_uid: str) -> dict[str, tuple[str, str]]:
        """sha256 -> (uid, original path) of every media item in the case, in one query."""
        with self.read() as session:
            return repo.sha_index(session, case_by_uid(session, case_uid))

    def get_case(self, case_uid: str) -> None:
        """Raise NotFoundError unless the case exists."""
        with self.read() as session:
            case_by_uid(session, case_uid)

    def annotation_counts(self, case_uid: str) -> dict[str, int]:
        """Live annotations per media uid (media without any are absent)."""
        with self.read() as session:
            return repo.annotation_counts(session, case_by_uid(session, case_uid))

    def thumbnails(self, case_uid: str) -> dict[str, bytes]:
        """Every media item's thumbnail (JPEG bytes) by uid, in one query."""
        with self.read() as session:
            return repo.thumbnails(session, case_by_uid(session, case_uid))

    def get(self, case_uid: str, uid: str) -> Media:
        with self.read() as session:
            return repo.get(session, case_by_uid(session, case_uid), uid)

    def find_by_sha256(self, case_uid: str, sha256: str) -> Media | None:
        with self.read() as session:
            return repo.find_by_sha256(session, case_by_uid(session, case_uid), sha256)

    def for_case(self, case_uid: str) -> list[Media]:
        with self.read() as session:
            return repo.list_for_case(session, case_by_uid(session, case_uid))

    def update(
        self,
        case_uid: str,
        uid: str,
        fields: Mapping[str, str],
        expected_version: int | None = None,
    ) -> Result[Media]:
        """Edit a media item's provenance and place fields (audited)."""
        with self.write() as unit:
            media = repo.update(
                unit.session, unit.journal, unit.case(case_uid), uid, fields, expected_version
            )
            result = unit.result(media)
        return result

    def update_many(
        self, case_uid: str, uids: Iterable[str], fields: Mapping[str, str]
    ) -> Result[list[Media]]:
        """The same provenance for a selection (a folder from one channel): one transaction."""
        with self.write() as unit:
            case = unit.case(case_uid)
            changed = [repo.update(unit.session, unit.journal, case, uid, fields) for uid in uids]
            result = unit.result(changed)
        return result

    def set_graphic(self, case_uid: str, uid: str, graphic: bool) -> Result[Media]:
        """Mark the media item as graphic (shown blurred until revealed), or not."""
        with self.write() as unit:
            changed = repo.set_graphic(
                unit.session, unit.journal, unit.case(case_uid), uid, graphic
            )
            result = unit.result(changed)
        return result

    def relocate(self, case_uid: str, uid: str, location: str) -> Result[Media]:
        """Record where the file is now (relink); audited."""
        with self.write() as unit:
            media = repo.set_location(
                unit.session, unit.journal, unit.case(case_uid), uid, location
            )
            result = unit.result(media)
        return result

    def record_verification(self, case_uid: str, states: Mapping[str, str]) -> Result[list[Media]]:
        """Store each media item's verification outcome (uid -> ok/modified/missing/unreadable)."""
        with self.write() as unit:
            case = unit.case(case_uid)
            done = [
                repo.set_verified(unit.session, unit.journal, case, uid, state)
                for uid, state in states.items()
            ]
            result = unit.result(done)
        return result
