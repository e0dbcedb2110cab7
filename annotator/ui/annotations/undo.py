"""Undo and redo through the service layer, so undoing is itself a saved, audited edit.

Each command has already been carried out once by the caller (so a refused edit raises
where the user is told, before anything enters the stack); pushing it records it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtGui import QUndoCommand

from annotator.core.changes import Changes
from annotator.core.entities import ANNOTATION_FIELDS, Annotation
from annotator.services.annotating import AnnotationService
from annotator.services.base import Result

Notify = Callable[[Changes], None]


def fields_of(
    annotation: Annotation, names: Mapping[str, object] | None = None
) -> dict[str, object]:
    """The current values of the fields an edit touches (for its undo)."""
    keys = list(names) if names is not None else list(ANNOTATION_FIELDS)
    values: dict[str, object] = {}
    for key in keys:
        # Place fields (place_name, latitude, ...) live on annotation.place.
        source = annotation if hasattr(annotation, key) else annotation.place
        value = getattr(source, key)
        values[key] = value.value if hasattr(value, "value") else value
    return values


class _ServiceCommand(QUndoCommand):
    def __init__(self, text: str, notify: Notify) -> None:
        super().__init__(text)
        self._notify = notify
        self._done_once = False

    def _apply(self, result: Result[object]) -> None:
        self._notify(result.changes)

    def redo(self) -> None:
        if not self._done_once:
            self._done_once = True  # the caller did it already
            return
        self._do()

    def _do(self) -> None:
        raise NotImplementedError


class CreateAnnotation(_ServiceCommand):
    def __init__(
        self, service: AnnotationService, case_uid: str, created: Annotation, notify: Notify
    ) -> None:
        super().__init__(f"Add {created.kind.value}", notify)
        self.service, self.case_uid, self.uid = service, case_uid, created.uid

    def undo(self) -> None:
        self._apply(self.service.delete(self.case_uid, self.uid))

    def _do(self) -> None:
        self._apply(self.service.restore(self.case_uid, self.uid))


class DeleteAnnotation(CreateAnnotation):
    def __init__(
        self, service: AnnotationService, case_uid: str, deleted: Annotation, notify: Notify
    ) -> None:
        super().__init__(service, case_uid, deleted, notify)
        self.setText(f"Delete {deleted.kind.value}")

    def undo(self) -> None:
        self._apply(self.service.restore(self.case_uid, self.uid))

    def _do(self) -> None:
        self._apply(self.service.delete(self.case_uid, self.uid))


class EditAnnotation(_ServiceCommand):
    def __init__(
        self,
        service: AnnotationService,
        case_uid: str,
        uid: str,
        before: dict[str, object],
        after: dict[str, object],
        notify: Notify,
    ) -> None:
        super().__init__("Edit " + ", ".join(sorted(after)).replace("_", " "), notify)
        self.service, self.case_uid, self.uid = service, case_uid, uid
        self.before, self.after = before, after

    def undo(self) -> None:
        self._apply(self.service.update(self.case_uid, self.uid, self.before))

    def _do(self) -> None:
        self._apply(self.service.update(self.case_uid, self.uid, self.after))


class MarkGraphic(_ServiceCommand):
    def __init__(
        self, service: AnnotationService, case_uid: str, uid: str, graphic: bool, notify: Notify
    ) -> None:
        super().__init__("Mark graphic" if graphic else "Unmark graphic", notify)
        self.service, self.case_uid, self.uid, self.graphic = service, case_uid, uid, graphic

    def undo(self) -> None:
        self._apply(self.service.set_graphic(self.case_uid, self.uid, not self.graphic))

    def _do(self) -> None:
        self._apply(self.service.set_graphic(self.case_uid, self.uid, self.graphic))


class TagAnnotation(_ServiceCommand):
    def __init__(
        self,
        service: AnnotationService,
        case_uid: str,
        uid: str,
        before: list[str],
        after: list[str],
        notify: Notify,
    ) -> None:
        super().__init__("Change tags", notify)
        self.service, self.case_uid, self.uid = service, case_uid, uid
        self.before, self.after = before, after

    def undo(self) -> None:
        self._apply(self.service.set_tags(self.case_uid, self.uid, self.before))

    def _do(self) -> None:
        self._apply(self.service.set_tags(self.case_uid, self.uid, self.after))
