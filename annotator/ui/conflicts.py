"""When someone else changed a record since this window showed it: reload theirs or overwrite.

Two windows, or two investigators, may have the same case open. Every edit carries the
version of the record on screen; the database refuses it when that version has moved on
(``ConflictError``), and the investigator decides here, never the program silently.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Generic, Protocol, TypeVar

from PySide6.QtWidgets import QMessageBox, QWidget

from annotator.core.errors import ConflictError

log = logging.getLogger(__name__)


class Choice(Enum):
    RELOAD = "reload"  # discard my change, show theirs
    OVERWRITE = "overwrite"  # apply my change on top of theirs (audited like any edit)


def ask_conflict(parent: QWidget | None, what: str, message: str) -> Choice:
    """Ask what to do with a refused edit; closing the box keeps theirs (nothing is lost)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Changed elsewhere")
    box.setText(f"This {what} was changed in another window or by another investigator.")
    box.setInformativeText(
        f"{message}\n\nReload shows their version and discards your change. "
        "Overwrite applies your change on top of theirs; the audit trail keeps both."
    )
    reload = box.addButton("Reload", QMessageBox.ButtonRole.RejectRole)
    overwrite = box.addButton("Overwrite", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(reload)
    box.setEscapeButton(reload)
    box.exec()
    return Choice.OVERWRITE if box.clickedButton() is overwrite else Choice.RELOAD


class _Versioned(Protocol):
    version: int


R = TypeVar("R")
E = TypeVar("E", bound=_Versioned)


@dataclass(frozen=True, slots=True)
class Outcome(Generic[R, E]):
    """A write that went through; ``theirs`` is the record overwritten after a conflict."""

    result: R
    theirs: E | None = None


def write_checked(
    parent: QWidget | None,
    what: str,
    expected: int | None,
    attempt: Callable[[int | None], R],
    latest: Callable[[], E],
    reload: Callable[[], None],
) -> Outcome[R, E] | None:
    """``attempt(expected)``; if someone else changed the record meanwhile, ask.

    Reload: ``reload()`` shows theirs, nothing of mine is written (None). Overwrite: mine
    is written on top of ``latest()`` (their version), an ordinary audited edit whose
    audit event keeps theirs as "before". Other refusals propagate to the caller.
    """
    try:
        return Outcome(attempt(expected))
    except ConflictError as exc:
        choice = ask_conflict(parent, what, exc.message)
        log.info("%s changed elsewhere (expected version %s): %s", what, expected, choice.value)
        if choice is Choice.RELOAD:
            reload()
            return None
    theirs = latest()
    return Outcome(attempt(theirs.version), theirs)
