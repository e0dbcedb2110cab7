"""Wires the annotation workspace: keys on the player, list, inspector, undo, subtitles."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QUndoStack
from PySide6.QtWidgets import QLabel

from annotator.core.changes import Changes
from annotator.core.entities import Annotation, AnnotationKind, Claim, Media, MediaKind, Tag
from annotator.core.errors import AnnotatorError, NotFoundError
from annotator.core.timecode import format_ms
from annotator.services.base import Result
from annotator.services.claims import ClaimWithEvidence
from annotator.services.container import Services
from annotator.ui import conflicts
from annotator.ui.annotations.inspector import Inspector
from annotator.ui.annotations.list_panel import AnnotationList
from annotator.ui.annotations.timeline import Timeline
from annotator.ui.annotations.timeline_panel import TimelinePanel
from annotator.ui.annotations.undo import (
    CreateAnnotation,
    DeleteAnnotation,
    EditAnnotation,
    MarkGraphic,
    TagAnnotation,
    Versions,
    fields_of,
)
from annotator.ui.panels import claims as claims_panel
from annotator.ui.panels.claims import ClaimsPanel
from annotator.ui.panels.tags import TagsPanel
from annotator.ui.shortcuts import shortcut
from annotator.ui.viewer.frame_view import FrameView
from annotator.ui.viewer.media_viewer import MediaViewer
from annotator.ui.workers import Workers


class Subtitles(QLabel):
    """Transcript and translation of the segment playing, over the bottom of the picture."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom)
        self.setWordWrap(True)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setStyleSheet(
            "color: white; background: rgba(0, 0, 0, 150); padding: 4px;font-size: 14pt;"
        )
        self.hide()

    def show_lines(self, lines: list[str]) -> None:
        self.setText("\n".join(lines))
        self.setVisible(bool(lines))
        if lines and self.parentWidget() is not None:
            area = self.parentWidget().rect()
            self.adjustSize()
            width = min(area.width() - 20, max(self.sizeHint().width(), area.width() // 2))
            self.setFixedWidth(max(50, width))
            self.adjustSize()
            self.move((area.width() - self.width()) // 2, area.height() - self.height() - 10)
            self.raise_()


class AnnotationWorkspace(QObject):
    message = Signal(str)
    shown = Signal()  # the annotations of the media on screen were (re)displayed

    def __init__(
        self,
        services: Services,
        viewer: MediaViewer,
        notify: Callable[[Changes], None],
        parent: QObject | None = None,
        workers: Workers | None = None,
    ) -> None:
        super().__init__(parent)
        self.services, self.viewer, self._notify = services, viewer, notify
        self.workers = workers or Workers(self)
        self._generation = 0  # bumped by every load: a slower, older load is dropped
        self.loading = False
        self.undo_stack = QUndoStack(self)
        self.list = AnnotationList()
        self.inspector = Inspector()
        self.claims_panel = ClaimsPanel()
        self.claims_panel.new_claim.connect(self.new_claim)
        self.claims_panel.status_changed.connect(self.set_claim_status)
        self.claims_panel.jump_requested.connect(self.jump_to)
        self.tags_panel = TagsPanel()
        tp, tags = self.tags_panel, self.services.tags
        # Changes to an existing tag carry the version on screen (``uid`` given).
        tp.create.connect(lambda path: self._tag_op(lambda c, v: tags.create(c, path)))
        tp.rename.connect(
            lambda uid, path: self._tag_op(lambda c, v: tags.rename(c, uid, path, v), uid)
        )
        tp.recolour.connect(
            lambda uid, colour: self._tag_op(
                lambda c, v: tags.update(c, uid, colour=colour, expected_version=v), uid
            )
        )
        tp.favourite.connect(
            lambda uid, slot: self._tag_op(lambda c, v: tags.set_favourite(c, uid, slot))
        )
        tp.delete.connect(lambda uid: self._tag_op(lambda c, v: tags.delete(c, uid, v), uid))
        tp.filter_by.connect(self.list.filter_edit.setText)
        self.timeline = Timeline()
        self.timeline.seek_ms.connect(self._timeline_seek)
        self.timeline.selected.connect(self.list.select)
        self.timeline.edge_moved.connect(self.move_edge)
        self.timeline.segment_drawn.connect(self.add_segment_ms)
        self.timeline_panel = TimelinePanel(self.timeline)
        self.case_uid: str | None = None
        self.media: Media | None = None
        self.in_point: int | None = None
        self.annotations: list[Annotation] = []
        self.tag_paths: dict[str, str] = {}
        self.tag_colours: dict[str, str] = {}
        self.tag_info: dict[str, tuple[str, str]] = {}
        self.media_names: dict[str, str] = {}
        # The version of each record as shown here: edits send it, so a change made
        # meanwhile by another window or process is detected, not overwritten.
        self.versions = Versions()
        self.versions.failed = lambda exc: self.message.emit(f"Not applied: {exc.message}")
        self.tag_versions: dict[str, int] = {}
        self.claim_versions: dict[str, int] = {}
        self.subtitles = Subtitles(viewer.player.view.viewport())
        viewer.player.position_changed.connect(self._position)
        self.list.selected.connect(self._selected)
        self.list.jump_requested.connect(self.jump_to)
        self.list.search_case.connect(self._search)
        self.inspector.edited.connect(self.edit)
        self.inspector.tags_edited.connect(self.set_tags)
        self.inspector.graphic_toggled.connect(self.set_graphic)
        self.inspector.link_requested.connect(self.link)
        self.inspector.unlink_requested.connect(self.unlink)
        self.inspector.delete_requested.connect(self.delete)
        self.inspector.done.connect(viewer.focus_picture)
        self._install_keys()
        for view in (viewer.player.view, viewer.image_viewer.view):
            view.region_drawn.connect(self._region_drawn)
            view.region_moved.connect(lambda uid, rect: self.edit(uid, {"region": rect}))
            view.region_selected.connect(self.list.select)
        viewer.image_viewer.loaded.connect(self._show_regions)
        self.jump_media: Callable[[str], None] | None = None  # set by the window

    # --- keys on the player --------------------------------------------------------------

    def _install_keys(self) -> None:
        for owner in (self.viewer.player, self.viewer.image_viewer):
            for name, shape in (("mark_region", "rect"), ("mark_polygon", "polygon")):
                item = QShortcut(QKeySequence(shortcut(name)), owner)
                item.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                item.activated.connect(lambda shape=shape: self.start_region(shape))
        player = self.viewer.player
        bindings: dict[str, Callable[[], None]] = {
            "mark_moment": self.mark_moment,
            "mark_in": self.mark_in,
            "mark_out": self.mark_out,
            "delete_annotation": self.delete_selected,
        }
        for slot in range(1, 10):
            bindings[f"favourite_{slot}"] = lambda s=slot: self.apply_favourite(s)
        for name, handler in bindings.items():
            item = QShortcut(QKeySequence(shortcut(name)), player)
            item.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            item.activated.connect(handler)

    # --- state ---------------------------------------------------------------------------

    def set_case(self, case_uid: str | None) -> None:
        self.case_uid, self.media, self.in_point = case_uid, None, None
        self.undo_stack.clear()  # undo is per case: never undo into another case
        self.versions.clear()
        self.refresh()

    def set_media(self, media: Media | None) -> None:
        """Open a media's annotations; they are read off the UI thread.

        A media with 10,000 annotations takes a fifth of a second to read: the window
        shows the picture at once and fills the list and timeline when they arrive.
        """
        self.media, self.in_point = media, None
        if media is None or self.case_uid is None:
            self.refresh()
            return
        self._generation += 1
        generation, case_uid, media_uid = self._generation, self.case_uid, media.uid
        self.annotations = []
        self.loading = True
        self.list.empty.setText("Reading the annotations...")
        self._show_annotations()
        self.workers.run(
            lambda: self.services.annotations.for_case(case_uid, media_uid=media_uid),
            lambda rows: self._loaded(generation, rows),
            lambda exc: self._load_failed(generation, exc),
        )

    def _loaded(self, generation: int, rows: list[Annotation]) -> None:
        if generation != self._generation:
            return  # another media was opened, or a full refresh ran meanwhile
        self.loading = False
        self.list.empty.setText(self.list.empty_text)
        self.annotations = rows
        self.versions.saw(rows)
        self._show_annotations()

    def _load_failed(self, generation: int, exc: Exception) -> None:
        if generation == self._generation:
            self.loading = False
            self.list.empty.setText(self.list.empty_text)
            self.message.emit(f"The annotations could not be read: {exc}")

    def refresh(self, changes: Changes | None = None) -> None:
        if changes is not None and not (
            changes.annotations
            or changes.tags
            or changes.claims
            or changes.claim_links
            or changes.media
        ):
            return
        if self.case_uid is None:
            self.annotations = []
            self.list.show_rows([], {}, {}, {})
            self.inspector.show_annotation(None, [], [])
            return
        if changes is not None and self._patchable(changes):
            self._patch(changes)
            return
        self._generation += 1  # this full read supersedes a media load still under way
        if self.loading:
            self.loading = False
            self.list.empty.setText(self.list.empty_text)
        self.media_names = {m.uid: m.file_name for m in self.services.media.for_case(self.case_uid)}
        self._refresh_tags_and_claims()
        media_uid = self.media.uid if self.media else None
        self.annotations = (
            self.services.annotations.for_case(self.case_uid, media_uid=media_uid)
            if media_uid
            else []
        )
        self.versions.saw(self.annotations)
        self._show_annotations()

    def _patchable(self, changes: Changes) -> bool:
        """Only annotations (or their claim links) changed, on the open media's list."""
        return (
            self.media is not None
            and not self.loading
            and not (changes.tags or changes.claims or changes.media)
            and not self.list.whole_case.isChecked()
        )

    def _patch(self, changes: Changes) -> None:
        """Reload just the annotations that changed.

        An edit on a media with 10,000 annotations must not read all of them again.
        """
        assert self.case_uid is not None and self.media is not None
        changed = set(changes.annotations)
        fresh = self.services.annotations.get_many(self.case_uid, sorted(changed))
        self.versions.saw(fresh)
        kept = [a for a in self.annotations if a.uid not in changed]
        kept += [a for a in fresh if a.media_uid == self.media.uid and a.deleted_at is None]
        kept.sort(key=lambda a: (a.start_ms or 0, a.id))  # the order the service lists them
        self.annotations = kept
        self._refresh_tags_and_claims()
        self._show_annotations()

    def _refresh_tags_and_claims(self) -> None:
        """Read tags and claims again; they are few.

        Another window or investigator may have added one since the last refresh.
        """
        assert self.case_uid is not None
        tags = self.services.tags.for_case(self.case_uid)
        self.tag_versions = {t.uid: t.version for t in tags}
        self.tag_paths = {t.uid: t.path for t in tags}
        self.tag_colours = {t.uid: t.colour for t in tags}
        self.tag_info = {t.uid: (t.path, t.colour) for t in tags}
        with_evidence = self.services.claims.for_case(self.case_uid)
        self.claim_versions = {c.claim.uid: c.claim.version for c in with_evidence}
        self.inspector.set_choices([t.path for t in tags], [c.claim for c in with_evidence])
        self._refresh_claims(with_evidence)
        self.tags_panel.show_tags(tags)

    def _show_annotations(self) -> None:
        colours = self.tag_colours
        self.list.show_rows(self.annotations, self.tag_paths, colours, self.media_names)
        first_colour = {
            a.uid: colours[sorted(a.tag_uids)[0]]
            for a in self.annotations
            if a.tag_uids and sorted(a.tag_uids)[0] in colours
        }
        duration = (self.media.duration_ms or 0) if self.media else 0
        self.timeline.set_data(self.annotations, first_colour, duration, self.tag_info)
        self._show_regions()
        self._selected(self.list.current())
        self._position(self.viewer.player.current_frame, self.viewer.player.current_ms)
        self.shown.emit()

    def graphic_spans(self) -> list[tuple[str, int | None, int | None]]:
        """(uid, first frame, last frame) of the moments and segments marked graphic."""
        return [(a.uid, a.start_frame, a.end_frame) for a in self.annotations if a.graphic]

    def _tag_op(self, action: Callable[[str, int | None], object], uid: str | None = None) -> None:
        if self.case_uid is None:
            return
        case_uid = self.case_uid
        if uid is None:
            result = self._run(lambda: action(case_uid, None))
        else:
            outcome = self._checked(
                "tag",
                self.tag_versions.get(uid),
                lambda v: action(case_uid, v),
                lambda: _find(self.services.tags.for_case(case_uid), uid, "tag"),
            )
            result = outcome.result if outcome else None
        if result is not None:
            self._after(result.changes)  # type: ignore[attr-defined]

    def _refresh_claims(self, with_evidence: list[ClaimWithEvidence]) -> None:
        assert self.case_uid is not None
        case_uid = self.case_uid
        names = self.media_names
        links = self.services.claims.links(case_uid)
        linked = {
            a.uid: a
            for a in self.services.annotations.get_many(
                case_uid, sorted({link.annotation_uid for link in links})
            )
        }
        evidence: dict[str, list[tuple[str, Annotation, str]]] = {}
        for link in links:
            annotation = linked.get(link.annotation_uid)
            if annotation is not None and annotation.deleted_at is None:
                evidence.setdefault(link.claim_uid, []).append(
                    (link.relation.value, annotation, names.get(annotation.media_uid, ""))
                )
        self.claims_panel.show_claims(with_evidence, evidence)

    def new_claim(self) -> None:
        if self.case_uid is None:
            return
        case_uid = self.case_uid

        def submit(fields: dict[str, str]) -> None:
            statement = fields.pop("statement")
            result = self.services.claims.create(case_uid, statement, **fields)
            self._after(result.changes)

        claims_panel.ask_new_claim(self.claims_panel, submit)

    def set_claim_status(self, claim_uid: str, status: str) -> None:
        if self.case_uid is None:
            return
        case_uid = self.case_uid
        claims = self.services.claims
        outcome = self._checked(
            "claim",
            self.claim_versions.get(claim_uid),
            lambda v: claims.update(case_uid, claim_uid, {"status": status}, v),
            lambda: _find([c.claim for c in claims.for_case(case_uid)], claim_uid, "claim"),
        )
        if outcome is not None:
            self._after(outcome.result.changes)
            self.message.emit(f"Claim marked {status}")

    def _selected(self, annotation: Annotation | None, *, discard_typing: bool = False) -> None:
        self.timeline.selected_uid = annotation.uid if annotation else None
        self._picture().select_region(annotation.uid if annotation else None)
        self.timeline.update()
        if annotation is not None and self.case_uid is not None:
            annotation = self.services.annotations.get(self.case_uid, annotation.uid)
            self.versions.saw([annotation])
            statements = {
                c.claim.uid: c.claim.statement for c in self.services.claims.for_case(self.case_uid)
            }
            links = [
                (link, statements.get(link.claim_uid, "?"))
                for link in self.services.claims.links(self.case_uid, annotation_uid=annotation.uid)
            ]
            paths = sorted(self.tag_paths.get(uid, "?") for uid in annotation.tag_uids)
            self.inspector.show_annotation(annotation, paths, links, discard_typing=discard_typing)
        else:
            self.inspector.show_annotation(None, [], [])

    def _search(self, text: str) -> None:
        if self.case_uid is None:
            return
        if not text.strip():
            self.refresh()
            return
        hits = self.services.search.query(self.case_uid, text)
        wanted = [h.entity_uid for h in hits if h.entity_type == "annotation"]
        found = [
            a
            for a in self.services.annotations.get_many(self.case_uid, wanted)
            if a.deleted_at is None
        ]
        names = {m.uid: m.file_name for m in self.services.media.for_case(self.case_uid)}
        tags = self.services.tags.for_case(self.case_uid)
        self.list.show_rows(
            found,
            {t.uid: t.path for t in tags},
            {t.uid: t.colour for t in tags},
            names,
            across_media=True,
        )
        self.message.emit(f"{len(found)} annotation(s) found for '{text}'")

    def _timeline_seek(self, ms: int) -> None:
        self.viewer.player.pause()
        self.viewer.player.seek_ms(ms)

    def move_edge(self, uid: str, edge: str, ms: int) -> None:
        """A segment edge dragged on the timeline: snap to a frame, save (undoable)."""
        index = self.viewer.player.index
        if self.case_uid is None or index is None:
            return
        current = self.services.annotations.get(self.case_uid, uid)
        if edge == "start":
            first = index.frame_at_ms(ms)
            self.edit(uid, {"start_frame": first, "start_ms": index.ms(first)})
            return
        last = max(current.start_frame or 0, index.frame_at_ms(max(0, ms - 1)))
        end = index.ms(last + 1) if last + 1 < index.frame_count else index.duration_ms
        self.edit(uid, {"end_frame": last, "end_ms": end})

    def start_region(self, shape: str = "rect") -> None:
        """R or P: draw a rectangle or polygon region on the picture (on a video, this frame)."""
        if self.media is None or self.media.kind is MediaKind.AUDIO:
            return
        self.viewer.player.pause()
        view = self._picture()
        view.start_drawing(shape)
        if shape == "polygon":
            self.message.emit(
                "Click each corner; Enter, a double-click or the first corner ends it; Esc cancels"
            )
        else:
            self.message.emit("Drag a rectangle over what matters; Esc cancels")

    def _picture(self) -> FrameView:
        if self.media is not None and self.media.kind is MediaKind.IMAGE:
            return self.viewer.image_viewer.view
        return self.viewer.player.view

    def _region_drawn(self, region: dict[str, object]) -> None:
        if self.media is None:
            return
        fields: dict[str, object] = {"kind": "region", "region": region}
        if self.media.kind is MediaKind.VIDEO:
            position = self._video_position()
            if position is None:
                return
            fields.update(start_frame=position[0], start_ms=position[1])
        if self._create(fields):
            self.message.emit("Saved region")
            self.inspector.focus_note()

    def _show_regions(self) -> None:
        frame = self.viewer.player.current_frame
        image = self.media is not None and self.media.kind is MediaKind.IMAGE
        shown = []
        for a in self.annotations:
            if a.region is None:
                continue
            first = a.start_frame if a.start_frame is not None else -1
            last = a.end_frame if a.end_frame is not None else first
            if image or first <= frame <= last:
                colour = self.timeline.colours.get(a.uid, "#ffeb3b")
                shown.append((a.uid, a.region, colour))
        self._picture().show_regions(shown)

    def _position(self, frame: int, ms: int) -> None:
        self.timeline.set_position(ms)
        self._show_regions()
        lines: list[str] = []
        for a in self.annotations:
            playing = (
                a.start_ms is not None and a.end_ms is not None and a.start_ms <= ms < a.end_ms
            )
            if a.kind is AnnotationKind.SEGMENT and playing:
                lines += [text for text in (a.transcript, a.translation) if text]
        self.subtitles.show_lines(lines)

    # --- edits ---------------------------------------------------------------------------

    def _run(self, action: Callable[[], object]) -> object | None:
        try:
            return action()
        except AnnotatorError as exc:
            self.message.emit(exc.message)
            return None

    def _after(self, changes: Changes) -> None:
        self._notify(changes)

    def _checked(
        self,
        what: str,
        expected: int | None,
        attempt: Callable[[int | None], conflicts.R],
        latest: Callable[[], conflicts.E],
    ) -> conflicts.Outcome[conflicts.R, conflicts.E] | None:
        """Write with the version on screen; on a conflict the investigator chooses."""
        try:
            return conflicts.write_checked(
                self.inspector, what, expected, attempt, latest, self._reload_theirs
            )
        except AnnotatorError as exc:
            self.message.emit(exc.message)
            return None

    def _annotation_write(
        self, uid: str, attempt: Callable[[int | None], Result[Annotation]]
    ) -> conflicts.Outcome[Result[Annotation], Annotation] | None:
        """A write of one annotation with the version on screen; the version it leaves is seen."""
        assert self.case_uid is not None
        case_uid, service = self.case_uid, self.services.annotations
        outcome = self._checked(
            "annotation", self.versions.expected(uid), attempt, lambda: service.get(case_uid, uid)
        )
        if outcome is not None:
            self.versions.saw([outcome.result.value])
        return outcome

    def _reload_theirs(self) -> None:
        self.refresh()
        self._selected(self.list.current(), discard_typing=True)  # drop what was typed
        self.message.emit(
            "Reloaded: showing the version saved elsewhere; your change was not saved"
        )

    def _shown(self, uid: str) -> Annotation:
        """The annotation as this window shows it (the inspector's, else the list's)."""
        if self.inspector.annotation is not None and self.inspector.annotation.uid == uid:
            return self.inspector.annotation
        for a in self.annotations:
            if a.uid == uid:
                return a
        assert self.case_uid is not None
        found = self.services.annotations.get(self.case_uid, uid)
        self.versions.saw([found])
        return found

    def _create(self, fields: dict[str, object]) -> Annotation | None:
        if self.case_uid is None or self.media is None:
            return None
        case_uid, media_uid = self.case_uid, self.media.uid
        result = self._run(lambda: self.services.annotations.create(case_uid, media_uid, fields))
        if result is None:
            return None
        created: Annotation = result.value  # type: ignore[attr-defined]
        self.versions.saw([created])
        self.undo_stack.push(
            CreateAnnotation(
                self.services.annotations, case_uid, created, self._after, self.versions
            )
        )
        self._after(result.changes)  # type: ignore[attr-defined]
        self.list.select(created.uid)
        return created is not None

    def _video_position(self) -> tuple[int, int] | None:
        player = self.viewer.player
        if self.media is None or self.media.kind is not MediaKind.VIDEO or player.index is None:
            return None
        if player.current_frame < 0:
            return None
        return player.current_frame, player.current_ms

    def mark_moment(self) -> None:
        """M: a moment on the frame on screen; the note takes the keyboard."""
        position = self._video_position()
        if position is None:
            return
        frame, ms = position
        if self._create({"kind": "moment", "start_frame": frame, "start_ms": ms}):
            self.message.emit(f"Saved moment at {format_ms(ms)}, frame {frame}")
            self.inspector.focus_note()

    def mark_in(self) -> None:
        position = self._video_position()
        if position is not None:
            self.in_point = position[0]
            self.message.emit(
                f"Segment starts at frame {position[0]} ({format_ms(position[1])});"
                " press O at its last frame"
            )

    def mark_out(self) -> None:
        position = self._video_position()
        if position is None or self.in_point is None:
            if position is not None:
                self.message.emit("Press I at the segment's first frame first.")
            return
        first, last = sorted((self.in_point, position[0]))
        if self._add_segment_frames(first, last):
            self.in_point = None

    def _add_segment_frames(self, first: int, last: int) -> bool:
        player = self.viewer.player
        index = player.index
        if index is None:
            return False
        end_ms = index.ms(last + 1) if last + 1 < index.frame_count else index.duration_ms
        created = self._create(
            {
                "kind": "segment",
                "start_frame": first,
                "end_frame": last,
                "start_ms": index.ms(first),
                "end_ms": end_ms,
            }
        )
        if created:
            player.set_loop_range(first, last)
            self.message.emit(
                f"Saved segment {format_ms(index.ms(first))} to "
                f"{format_ms(end_ms)} (frames {first}-{last})"
            )
            self.inspector.focus_note()
        return created is not None

    def add_segment_ms(self, start_ms: int, end_ms: int) -> None:
        """A span dragged on the timeline: on a video it snaps to whole frames."""
        if self.media is None:
            return
        index = self.viewer.player.index
        if self.media.kind is MediaKind.VIDEO and index is not None:
            first = index.frame_at_ms(start_ms)
            last = max(first, index.frame_at_ms(max(0, end_ms - 1)))
            self._add_segment_frames(first, last)
        elif self.media.kind is MediaKind.AUDIO and self._create(
            {"kind": "segment", "start_ms": start_ms, "end_ms": end_ms}
        ):
            self.message.emit(f"Saved segment {format_ms(start_ms)} to {format_ms(end_ms)}")
            self.inspector.focus_note()

    def edit(self, uid: str, after: dict[str, object]) -> None:
        if self.case_uid is None:
            return
        case_uid, service = self.case_uid, self.services.annotations
        shown = self._shown(uid)
        outcome = self._annotation_write(uid, lambda v: service.update(case_uid, uid, after, v))
        if outcome is None:
            return
        result = outcome.result
        # Undo goes back to what was overwritten: theirs after a conflict, else what I saw.
        before = fields_of(outcome.theirs or shown, after)
        if result.changes.any:
            self.undo_stack.push(
                EditAnnotation(service, case_uid, uid, before, after, self._after, self.versions)
            )
            self._after(result.changes)

    def set_graphic(self, uid: str, graphic: bool) -> None:
        """Mark the moment or segment as graphic (blurred until revealed), or not; undoable."""
        if self.case_uid is None:
            return
        case_uid, service = self.case_uid, self.services.annotations
        outcome = self._annotation_write(
            uid, lambda v: service.set_graphic(case_uid, uid, graphic, v)
        )
        if outcome is None:
            return
        result = outcome.result
        if result.changes.any:
            self.undo_stack.push(
                MarkGraphic(service, case_uid, uid, graphic, self._after, self.versions)
            )
            self._after(result.changes)

    def set_tags(self, uid: str, paths: list[str]) -> None:
        if self.case_uid is None:
            return
        case_uid, service = self.case_uid, self.services.annotations
        before = sorted(self.tag_paths.get(t, "") for t in self._shown(uid).tag_uids)
        if sorted(p.casefold() for p in paths) == [p.casefold() for p in before]:
            return
        outcome = self._annotation_write(uid, lambda v: service.set_tags(case_uid, uid, paths, v))
        if outcome is None:
            return
        if outcome.theirs is not None:
            before = sorted(self.tag_paths.get(t, "") for t in outcome.theirs.tag_uids)
        self.undo_stack.push(
            TagAnnotation(service, case_uid, uid, before, paths, self._after, self.versions)
        )
        self._after(outcome.result.changes)

    def apply_favourite(self, slot: int) -> None:
        """1-9: add (or remove) the favourite tag on that key to the selected annotation."""
        selected = self.list.current()
        if self.case_uid is None or selected is None:
            return
        tag = next(
            (t for t in self.services.tags.for_case(self.case_uid) if t.favourite_slot == slot),
            None,
        )
        if tag is None:
            self.message.emit(f"No tag on key {slot} yet.")
            return
        paths = sorted(self.tag_paths.get(t, "") for t in selected.tag_uids)
        paths = (
            [p for p in paths if p != tag.path]
            if tag.uid in selected.tag_uids
            else [*paths, tag.path]
        )
        self.set_tags(selected.uid, paths)

    def delete(self, uid: str) -> None:
        if self.case_uid is None:
            return
        case_uid, service = self.case_uid, self.services.annotations
        outcome = self._annotation_write(uid, lambda v: service.delete(case_uid, uid, v))
        if outcome is not None:
            deleted = outcome.result.value
            self.undo_stack.push(
                DeleteAnnotation(service, case_uid, deleted, self._after, self.versions)
            )
            self._after(outcome.result.changes)
            self.message.emit("Annotation deleted (Ctrl+Z brings it back)")

    def delete_selected(self) -> None:
        selected = self.list.current()
        if selected is not None:
            self.delete(selected.uid)

    def link(self, annotation_uid: str, claim_uid: str, relation: str) -> None:
        if self.case_uid is None:
            return
        case_uid = self.case_uid
        result = self._run(
            lambda: self.services.claims.link(case_uid, annotation_uid, claim_uid, relation)
        )
        if result is not None:
            self._after(result.changes)  # type: ignore[attr-defined]

    def unlink(self, link_uid: str) -> None:
        if self.case_uid is None:
            return
        case_uid = self.case_uid
        result = self._run(lambda: self.services.claims.unlink(case_uid, link_uid))
        if result is not None:
            self._after(result.changes)  # type: ignore[attr-defined]

    def jump_to(self, annotation: Annotation) -> None:
        """Open the annotation's media and show its frame."""
        other_media = self.media is None or self.media.uid != annotation.media_uid
        if other_media and self.jump_media is not None:
            self.jump_media(annotation.media_uid)
        player = self.viewer.player
        if annotation.start_frame is not None:
            if player.index is None:
                player.pending_seek = annotation.start_frame
            else:
                player.pause()
                player.seek(annotation.start_frame)
        self.list.select(annotation.uid)


def _find(records: list[Tag] | list[Claim], uid: str, what: str) -> Tag | Claim:
    """The record as saved now (another window may have changed it), by uid."""
    for record in records:
        if record.uid == uid:
            return record
    raise NotFoundError(f"The {what} was removed in another window; refresh the view.")
