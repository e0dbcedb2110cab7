"""Full-text search across a case: notes, transcripts, translations, claim statements."""

from __future__ import annotations

from annotator.db import search as index
from annotator.db.repositories.lookup import case_by_uid
from annotator.db.search import Hit
from annotator.services.base import Service

__all__ = ["Hit", "SearchService"]


class SearchService(Service):
    def query(self, case_uid: str, text: str, limit: int = 200) -> list[Hit]:
        """Records whose text contains every word of ``text`` (any case, any script)."""
        with self.read() as session:
            case = case_by_uid(session, case_uid)
            return index.search(session, case.uid, text, limit)
