"""Claims under verification, and annotations linked to them as evidence."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from annotator.core.entities import Claim, ClaimLink
from annotator.db.repositories import claims as repo
from annotator.db.repositories.lookup import case_by_uid
from annotator.services.base import Result, Service


@dataclass(frozen=True, slots=True)
class ClaimWithEvidence:
    claim: Claim
    evidence: dict[str, int]  # relation -> number of live annotations


class ClaimService(Service):
    def create(self, case_uid: str, statement: str, **fields: str) -> Result[Claim]:
        with self.write() as unit:
            claim = repo.create(
                unit.session, unit.journal, unit.case(case_uid), {"statement": statement, **fields}
            )
            result = unit.result(claim)
        return result

    def update(
        self,
        case_uid: str,
        uid: str,
        fields: Mapping[str, str],
        expected_version: int | None = None,
    ) -> Result[Claim]:
        """Change statement, claimant, source_url, claimed_at, status or notes."""
        with self.write() as unit:
            claim = repo.update(
                unit.session, unit.journal, unit.case(case_uid), uid, fields, expected_version
            )
            result = unit.result(claim)
        return result

    def delete(
        self, case_uid: str, uid: str, expected_version: int | None = None
    ) -> Result[list[str]]:
        """Delete a claim and its evidence links; returns the removed links' uids."""
        with self.write() as unit:
            links = repo.delete(
                unit.session, unit.journal, unit.case(case_uid), uid, expected_version
            )
            result = unit.result(links)
        return result

    def for_case(self, case_uid: str) -> list[ClaimWithEvidence]:
        with self.read() as session:
            rows = repo.list_for_case(session, case_by_uid(session, case_uid))
        return [ClaimWithEvidence(claim, counts) for claim, counts in rows]

    def link(
        self,
        case_uid: str,
        annotation_uid: str,
        claim_uid: str,
        relation: str,
        rationale: str = "",
    ) -> Result[ClaimLink]:
        with self.write() as unit:
            link = repo.link(
                unit.session,
                unit.journal,
                unit.case(case_uid),
                annotation_uid,
                claim_uid,
                relation,
                rationale,
            )
            result = unit.result(link)
        return result

    def update_link(
        self,
        case_uid: str,
        uid: str,
        *,
        relation: str | None = None,
        rationale: str | None = None,
        expected_version: int | None = None,
    ) -> Result[ClaimLink]:
        with self.write() as unit:
            link = repo.update_link(
                unit.session,
                unit.journal,
                unit.case(case_uid),
                uid,
                relation=relation,
                rationale=rationale,
                expected_version=expected_version,
            )
            result = unit.result(link)
        return result

    def unlink(self, case_uid: str, uid: str) -> Result[None]:
        with self.write() as unit:
            repo.unlink(unit.session, unit.journal, unit.case(case_uid), uid)
            result = unit.result(None)
        return result

    def links(
        self, case_uid: str, *, claim_uid: str | None = None, annotation_uid: str | None = None
    ) -> list[ClaimLink]:
        with self.read() as session:
            return repo.links_for(
                session,
                case_by_uid(session, case_uid),
                claim_uid=claim_uid,
                annotation_uid=annotation_uid,
            )
