"""Undo and redo through the service layer, so undoing is itself a saved, audited edit.

Each command has already been carried out once by the caller (so a refused edit raises
where the user is told, before anything enters the stack); pushing it records it.

Undo and redo are edits like any other: they carry the version this window last saw of
the annotation (``Versions``), so undoing over someone else's newer change is refused
and reported instead of silently replacing it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from PySide6.QtGui import QUndoCommand

from annotator.core.changes import Changes
from annotator.core.entities import ANNOTATION_FIELDS, Annotation
from annotator.core.errors import AnnotatorError
from annotator.services.annotating import AnnotationService
from annotator.services.base import Result

Notify = Callable[[Changes], None]


class Versions:
    """The version of each annotation as this window last read or wrote it.

    An edit sends it as the expected version: the write is refused if the row has moved
    on since (another window or process changed it), instead of overwriting unseen work.
    """

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}
        self.failed: Callable[[AnnotatorError], None] = lambda exc: None

    def saw(self, annotations: Iterable[Annotation]) -> None:
        for a in annotations:
            self._seen[a.uid] = a.version

    def expected(self, uid: str) -> int | None:
        return self._seen.get(uid)

    def clear(self) -> None:
        self._seen.clear()


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
    def __init__(self, text: str, notify: Notify, versions: Versions) -> None:
        super().__init__(text)
        self._notify = notify
        self._versions = versions
        self._done_once = False

    def _apply(self, call: Callable[[int | None], Result[Annotation]], uid: str) -> None:
        try:
            result = call(self._versions.expected(uid))
        except AnnotatorError as exc:  # e.g. changed elsewhere meanwhile: say so, keep theirs
            self._versions.failed(exc)
            return
        self._versions.saw([result.value])
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
        self,
        service: AnnotationService,
        case_uid: str,
        created: Annotation,
        notify: Notify,
        versions: Versions,
    ) -> None:
        super().__init__(f"Add {created.kind.value}", notify, versions)
        self.service, self.case_uid, self.uid = service, case_uid, created.uid

    def _delete(self) -> None:
        self._apply(lambda v: self.service.delete(self.case_uid, self.uid, v), self.uid)

    def _restore(self) -> None:
        self._apply(lambda v: self.service.restore(self.case_uid, self.uid, v), self.uid)

    def undo(self) -> None:
        self._delete()

    def _do(self) -> None:
        self._restore()


class DeleteAnnotation(CreateAnnotation):
    def __init__(
        self,
        service: AnnotationService,
        case_uid: str,
        deleted: Annotation,
        notify: Notify,
        versions: Versions,
    ) -> None:
        super().__init__(service, case_uid, deleted, notify, versions)
        self.setText(f"Delete {deleted.kind.value}")

    def undo(self) -> None:
        self._restore()

    def _do(self) -> None:
        self._delete()


class EditAnnotation(_ServiceCommand):
    def __init__(
        self,
        service: AnnotationService,
        case_uid: str,
        uid: str,
        before: dict[str, object],
        after: dict[str, object],
        notify: Notify,
        versions: Versions,
    ) -> None:
        super().__init__("Edit " + ", ".join(sorted(after)).replace("_", " "), notify, versions)
        self.service, self.case_uid, self.uid = service, case_uid, uid
        self.before, self.after = before, after

    def undo(self) -> None:
        self._apply(
            lambda v: self.service.update(self.case_uid, self.uid, self.before, v), self.uid
        )

    def _do(self) -> None:
        self._apply(lambda v: self.service.update(self.case_uid, self.uid, self.after, v), self.uid)


class MarkGraphic(_ServiceCommand):
    def __init__(
        self,
        service: AnnotationService,
        case_uid: str,
        uid: str,
        graphic: bool,
        notify: Notify,
        versions: Versions,
    ) -> None:
        super().__init__("Mark graphic" if graphic else "Unmark graphic", notify, versions)
        self.service, self.case_uid, self.uid, self.graphic = service, case_uid, uid, graphic

    def _set(self, graphic: bool) -> None:
        self._apply(
            lambda v: self.service.set_graphic(self.case_uid, self.uid, graphic, v), self.uid
        )

    def undo(self) -> None:
        self._set(not self.graphic)

    def _do(self) -> None:
        self._set(self.graphic)


class TagAnnotation(_ServiceCommand):
    def __init__(
        self,
        service: AnnotationService,
        case_uid: str,
        uid: str,
        before: list[str],
        after: list[str],
        notify: Notify,
        versions: Versions,
    ) -> None:
        super().__init__("Change tags", notify, versions)
        self.service, self.case_uid, self.uid = service, case_uid, uid
        self.before, self.after = before, after

    def undo(self) -> None:
        self._apply(
            lambda v: self.service.set_tags(self.case_uid, self.uid, self.before, v), self.uid
        )

    def _do(self) -> None:
        self._apply(
            lambda v: self.service.set_tags(self.case_uid, self.uid, self.after, v), self.uid
        )
