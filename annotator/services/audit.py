"""The audit trail: verification of chain and state, history, and the head to publish."""

from __future__ import annotations

from annotator.core.audit_chain import AuditReport
from annotator.core.entities import AuditEvent
from annotator.db.repositories import audit as repo
from annotator.db.repositories.lookup import case_by_uid
from annotator.services.base import Service


class AuditService(Service):
    def verify(self, case_uid: str) -> AuditReport:
        """Check every hash and link, then that every record equals its latest event.

        Runs in one read transaction, so a concurrent writer cannot make a consistent
        case look tampered with.
        """
        with self.read() as session:
            return repo.verify(session, case_by_uid(session, case_uid))

    def history(self, case_uid: str, entity_uid: str | None = None) -> list[AuditEvent]:
        """Events of the case, or of one record, oldest first."""
        with self.read() as session:
            case = case_by_uid(session, case_uid)
            return list(repo.iter_events(session, case, entity_uid=entity_uid))

    def latest(self, case_uid: str, limit: int = 2000) -> list[AuditEvent]:
        """The newest ``limit`` events of the case, oldest first."""
        with self.read() as session:
            return repo.latest(session, case_by_uid(session, case_uid), limit)

    def head(self, case_uid: str) -> tuple[int, str]:
        """(event count, head hash): what reports print so a later rewrite shows."""
        with self.read() as session:
            return repo.head(session, case_by_uid(session, case_uid))
