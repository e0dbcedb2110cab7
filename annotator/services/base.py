"""What every service shares: the database, who is acting, and how a change is saved."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

from annotator.core.changes import Changes
from annotator.db.engine import Database
from annotator.db.journal import Journal
from annotator.db.repositories.lookup import case_by_uid
from annotator.db.schema import CaseRow
from annotator.db.uow import unit_of_work

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Result(Generic[T]):
    """A mutation's outcome: the new value and what changed, for the views to refresh."""

    value: T
    changes: Changes


class Unit:
    """An open write: session, journal and the case being changed."""

    def __init__(self, session: Session, journal: Journal) -> None:
        self.session = session
        self.journal = journal

    def case(self, uid: str) -> CaseRow:
        return case_by_uid(self.session, uid)

    def result(self, value: T) -> Result[T]:
        return Result(value, self.journal.changes)


class Service:
    def __init__(self, db: Database, actor: Callable[[], str]) -> None:
        self.db = db
        self._actor = actor

    @contextlib.contextmanager
    def write(self) -> Iterator[Unit]:
        """One user action: everything inside commits together, or nothing does."""
        with unit_of_work(self.db, write=True) as session:
            yield Unit(session, Journal(session, self._actor()))

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        with unit_of_work(self.db, write=False) as session:
            yield session
