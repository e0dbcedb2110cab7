"""Create, rename and list cases."""

from __future__ import annotations

from annotator.core import validation
from annotator.core.entities import Case, CaseSummary
from annotator.db.repositories import cases as repo
from annotator.services.base import Result, Service


class CaseService(Service):
    def create(self, name: str, description: str = "") -> Result[Case]:
        clean_name = validation.case_name(name)
        clean_description = validation.clean_text(description, "case description")
        with self.write() as unit:
            case = repo.create(unit.session, unit.journal, clean_name, clean_description)
            result = unit.result(case)
        return result

    def update(
        self,
        uid: str,
        *,
        name: str | None = None,
        description: str | None = None,
        expected_version: int | None = None,
    ) -> Result[Case]:
        with self.write() as unit:
            case = repo.update(
                unit.session,
                unit.journal,
                uid,
                name=None if name is None else validation.case_name(name),
                description=None
                if description is None
                else validation.clean_text(description, "case description"),
                expected_version=expected_version,
            )
            result = unit.result(case)
        return result

    def rename(self, uid: str, name: str, expected_version: int | None = None) -> Result[Case]:
        return self.update(uid, name=name, expected_version=expected_version)

    def get(self, uid: str) -> Case:
        with self.read() as session:
            return repo.get(session, uid)

    def get_by_name(self, name: str) -> Case:
        with self.read() as session:
            return repo.get_by_name(session, name)

    def summaries(self) -> list[CaseSummary]:
        with self.read() as session:
            return repo.summaries(session)
