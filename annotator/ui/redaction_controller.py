"""Wires redactions into the window: the X key, boxes on the picture, the panel, the preview.

Like the annotation workspace, it owns its panel and listens to the viewer; the window
only docks the panel and tells it which case and media are open and what changed.
The preview runs the same ``annotator.media.redaction`` functions as redacted exports, so
the investigator sees exactly what will be published.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QShortcut

from annotator.core.changes import Changes
from annotator.core.entities import Media, MediaKind, Redaction
from annotator.core.errors import AnnotatorError
from annotator.core.timecode import format_ms
from annotator.media.redaction import apply, areas_at, box_at
from annotator.services.redactions import RedactionService
from annotator.ui.panels.redactions import RedactionsPanel
from annotator.ui.shortcuts import shortcut
from annotator.ui.viewer.frame_view import FrameView
from annotator.ui.viewer.media_viewer import MediaViewer
from annotator.ui.viewer.qimage import to_qimage, to_rgb
from annotator.ui.viewer.regions import RedactionRegion, make_redaction


class RedactionController(QObject):
    message = Signal(str)

    def __init__(
        self,
        redactions: RedactionService,
        viewer: MediaViewer,
        notify: Callable[[Changes], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.service, self.viewer, self._notify = redactions, viewer, notify
        self.panel = RedactionsPanel()
        self.case_uid: str | None = None
        self.media: Media | None = None
        self.redactions: list[Redaction] = []
        self.preview = True
        self._drawing_shape = "rect"
        self._items: list[RedactionRegion] = []
        self._retired: list[RedactionRegion] = []
        for view in self._views():
            view.picture_filter = self._filter
            view.redaction_drawn.connect(self._drawn)
            view.scene().selectionChanged.connect(lambda v=view: self._picture_selected(v))
        viewer.player.position_changed.connect(lambda _frame, _ms: self._show_items())
        viewer.image_viewer.loaded.connect(self._show_items)
        p = self.panel
        p.draw_requested.connect(self.start)
        p.edited.connect(self.edit)
        p.span_edited.connect(self.set_span)
        p.delete_requested.connect(self.delete)
        p.jump_requested.connect(self.jump_to)
        p.selected.connect(self._panel_selected)
        p.preview_toggled.connect(self.set_preview)
        for owner in (viewer.player, viewer.image_viewer):
            key = QShortcut(QKeySequence(shortcut("mark_redaction")), owner)
            key.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            key.activated.connect(lambda: self.start(self.panel.shape_value()))
        self.panel.show_redactions([], has_media=False)

    def _views(self) -> tuple[FrameView, FrameView]:
        return self.viewer.player.view, self.viewer.image_viewer.view

    # --- state ---------------------------------------------------------------------------

    def set_case(self, case_uid: str | None) -> None:
        self.case_uid, self.media = case_uid, None
        self.refresh()

    def set_media(self, media: Media | None) -> None:
        self.media = media
        self.refresh()

    def refresh(self, changes: Changes | None = None) -> None:
        """Read the open media's redactions again (after ``changes`` naming any, or media)."""
        if changes is not None and not (changes.redactions or changes.media or changes.cases):
            return
        media = self.media
        pictured = media is not None and media.kind is not MediaKind.AUDIO
        self.redactions = []
        if self.case_uid is not None and media is not None and pictured:
            try:
                self.redactions = self.service.for_case(self.case_uid, media_uid=media.uid)
            except AnnotatorError as exc:  # e.g. the media was removed meanwhile
                self.message.emit(exc.message)
        self.panel.show_redactions(self.redactions, has_media=pictured)
        for view in self._views():
            view.refilter()
        self._show_items()

    # --- preview -------------------------------------------------------------------------

    def set_preview(self, on: bool) -> None:
        self.preview = on
        for view in self._views():
            view.refilter()

    def _shown_redactions(self) -> list[Redaction]:
        shown = self.viewer.media
        if shown is None:
            return []
        return [r for r in self.redactions if r.media_uid == shown.uid]

    def _filter(self, image: QImage, frame: int | None) -> QImage:
        """The picture as published: every redaction on this frame applied."""
        if not self.preview:
            return image
        areas = areas_at(self._shown_redactions(), frame)
        if not areas:
            return image
        return to_qimage(apply(to_rgb(image), areas))

    # --- boxes on the picture ------------------------------------------------------------

    def _picture(self) -> FrameView:
        if self.media is not None and self.media.kind is MediaKind.IMAGE:
            return self.viewer.image_viewer.view
        return self.viewer.player.view

    def _frame(self) -> int | None:
        if self.media is not None and self.media.kind is MediaKind.IMAGE:
            return None
        return self.viewer.player.current_frame

    def _live_items(self) -> list[RedactionRegion]:
        """The items still alive: a scene being destroyed deletes them before it says so."""
        return [item for item in self._items if shiboken6.isValid(item)]

    def _show_items(self) -> None:
        # Replaced items may still be in their own mouse handler (a drag saves, the save
        # redraws): keep them alive until the next redraw, as FrameView does for regions.
        for item in self._retired:
            if shiboken6.isValid(item) and item.scene() is not None:
                item.scene().removeItem(item)
        self._retired = self._live_items()
        for item in self._retired:
            item.hide()
        self._items = []
        view = self._picture()
        if view.item.image.isNull() or self.media is None:
            return
        frame = self._frame()
        selected = self.panel.current_uid()
        for r in self._shown_redactions():
            box = box_at(r, frame)
            if box is None:
                continue
            item = make_redaction(r.uid, box, r.shape.value, view.frame_size, self._moved)
            view.scene().addItem(item)
            self._items.append(item)
            if r.uid == selected:
                item.setSelected(True)

    def _picture_selected(self, view: FrameView) -> None:
        for item in self._live_items():
            if item.isSelected() and item.scene() is view.scene():
                self.panel.select(item.uid)
                return

    def _panel_selected(self, uid: str | None) -> None:
        for item in self._live_items():
            item.setSelected(item.uid == uid)

    # --- edits ---------------------------------------------------------------------------

    def _run(self, action: Callable[[], object]) -> object | None:
        try:
            return action()
        except AnnotatorError as exc:
            self.message.emit(exc.message)
            return None

    def _after(self, result: object | None) -> Redaction | None:
        if result is None:
            return None
        changes: Changes = result.changes  # type: ignore[attr-defined]
        value: Redaction = result.value  # type: ignore[attr-defined]
        self.refresh()
        self._notify(changes)
        return value

    def start(self, shape: str = "rect") -> None:
        """X: drag a rectangle (or the ellipse inside it) over what must be hidden."""
        if self.case_uid is None or self.media is None or self.media.kind is MediaKind.AUDIO:
            return
        self.viewer.player.pause()
        self._picture().start_drawing("rect", purpose="redaction")
        self._drawing_shape = shape
        self.message.emit(
            f"Drag over what must be hidden ({self.panel.method_value()}); Esc cancels"
        )

    def _drawn(self, geometry: dict[str, object]) -> None:
        if self.case_uid is None or self.media is None:
            return
        keyframe = self._keyframe(geometry)
        fields: dict[str, object] = {
            "shape": self._drawing_shape,
            "method": self.panel.method_value(),
        }
        if self.media.kind is MediaKind.VIDEO:
            span = self._default_span()
            if span is None or keyframe["frame"] is None:
                return
            fields.update(span)
        fields["keyframes"] = [keyframe]
        case_uid, media_uid = self.case_uid, self.media.uid
        made = self._after(self._run(lambda: self.service.create(case_uid, media_uid, fields)))
        if made is not None:
            self.panel.select(made.uid)
            self._panel_selected(made.uid)
            where = (
                f"frames {made.start_frame}-{made.end_frame}"
                if made.start_frame is not None
                else "the picture"
            )
            self.message.emit(f"Redaction saved on {where}; move it on other frames to follow")

    def _keyframe(self, geometry: dict[str, object]) -> dict[str, object]:
        box = {k: geometry[k] for k in ("x", "y", "w", "h")}
        if self.media is not None and self.media.kind is MediaKind.IMAGE:
            return {"frame": None, "ms": None, **box}
        player = self.viewer.player
        if player.current_frame < 0:
            return {"frame": None, "ms": None, **box}
        return {"frame": player.current_frame, "ms": player.current_ms, **box}

    def _span_fields(self, first: int, last: int) -> dict[str, object] | None:
        index = self.viewer.player.index
        if index is None:
            return None
        last = min(max(first, last), index.frame_count - 1)
        end_ms = index.ms(last + 1) if last + 1 < index.frame_count else index.duration_ms
        return {
            "start_frame": first,
            "end_frame": last,
            "start_ms": index.ms(first),
            "end_ms": end_ms,
        }

    def _default_span(self) -> dict[str, object] | None:
        """From the frame on screen: to the end of the looped segment around it, or N seconds."""
        player = self.viewer.player
        index = player.index
        if index is None or player.current_frame < 0:
            return None
        first = player.current_frame
        loop = player.loop_range
        if loop is not None and loop[0] <= first <= loop[1]:
            last = loop[1]
        else:
            seconds = self.panel.default_seconds.value()
            last = index.frame_at_ms(index.ms(first) + seconds * 1000) - 1
        return self._span_fields(first, last)

    def _current(self, uid: str) -> Redaction | None:
        return next((r for r in self.redactions if r.uid == uid), None)

    def _moved(self, uid: str, geometry: dict[str, object]) -> None:
        """A box moved or resized on the picture: that is its keyframe on this frame."""
        current = self._current(uid)
        if self.case_uid is None or current is None:
            return
        keyframe = self._keyframe(geometry)
        case_uid = self.case_uid
        changed = self._after(
            self._run(lambda: self.service.set_keyframe(case_uid, uid, keyframe, current.version))
        )
        if changed is not None:
            frame = keyframe["frame"]
            self.message.emit(
                "Redaction moved"
                if frame is None
                else f"Keyframe {len(changed.keyframes)} of the redaction set on frame {frame}"
            )

    def edit(self, uid: str, fields: dict[str, object]) -> None:
        current = self._current(uid)
        if self.case_uid is None or current is None:
            return
        case_uid = self.case_uid
        self._after(self._run(lambda: self.service.update(case_uid, uid, fields, current.version)))

    def set_span(self, uid: str, first: int, last: int) -> None:
        fields = self._span_fields(first, last)
        if fields is not None:
            self.edit(uid, fields)
            index = self.viewer.player.index
            if index is not None:
                self.message.emit(
                    f"Redaction runs from {format_ms(index.ms(first))} (frames {first}-{last})"
                )

    def delete(self, uid: str) -> None:
        current = self._current(uid)
        if self.case_uid is None or current is None:
            return
        case_uid = self.case_uid
        if self._after(self._run(lambda: self.service.delete(case_uid, uid, current.version))):
            self.message.emit("Redaction deleted (its history stays in the audit trail)")

    def jump_to(self, uid: str) -> None:
        current = self._current(uid)
        if current is None or current.start_frame is None:
            return
        player = self.viewer.player
        player.pause()
        player.seek(current.start_frame)
