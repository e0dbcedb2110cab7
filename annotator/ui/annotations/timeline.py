"""The timeline: lanes of annotations in tag colours, and the playhead.

Lanes are by kind (moment, segment, region) or by tag, one lane per tag in use, as ELAN's
tiers; an annotation with several tags shows in each of their lanes. Click to seek, drag on
an empty stretch to mark a new segment, Ctrl+wheel to zoom, wheel to scroll, drag a
segment's edge to move it (the workspace snaps the new times to frames).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPixmap,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from annotator.core.entities import Annotation, AnnotationKind
from annotator.core.timecode import format_ms

LANE_KINDS = (AnnotationKind.MOMENT, AnnotationKind.SEGMENT, AnnotationKind.REGION)
UNTAGGED = "(no tag)"
EDGE_GRAB_PX = 5
NEW_SEGMENT_PX = 4  # a press that moves further than this draws a new segment
MIN_SPAN_MS = 200
DEFAULT_COLOUR = "#607d8b"


@dataclass(frozen=True, slots=True)
class _Placed:
    """One annotation drawn in one lane (an annotation with two tags is placed twice)."""

    annotation: Annotation
    lane: int
    colour: str


@dataclass
class _Drag:
    uid: str
    edge: str  # "start" or "end"
    ms: int


class Timeline(QWidget):
    seek_ms = Signal(int)
    selected = Signal(str)  # annotation uid
    edge_moved = Signal(str, str, int)  # uid, "start"/"end", new time in ms
    segment_drawn = Signal(int, int)  # start and end in ms of a span dragged on empty lanes

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.annotations: list[Annotation] = []
        self._placed: list[_Placed] = []
        self._starts: list[int] = []
        self.colours: dict[str, str] = {}  # annotation uid -> colour
        self.tags: dict[str, tuple[str, str]] = {}  # tag uid -> (path, colour)
        self.lane_mode = "kind"  # or "tag"
        self.lanes: list[str] = [kind.value for kind in LANE_KINDS]
        self._press: tuple[float, int] | None = None  # x and ms of a press on empty lanes
        self._new: tuple[int, int] | None = None  # span of a segment being drawn
        self.duration_ms = 0
        self.position_ms = 0
        self.view_start = 0
        self.view_span = 0  # 0 = whole media
        self.selected_uid: str | None = None
        self._drag: _Drag | None = None
        self._version = 0  # bumped when the annotations change: the drawn layer is stale
        self._cache: QPixmap | None = None
        self._cache_key: tuple[object, ...] | None = None
        self.lane_height = self.fontMetrics().height() + 6
        self._fit_height()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self.setToolTip(
            "Click to go there; Ctrl+wheel to zoom, wheel to scroll; "
            "drag a segment's end to move it"
        )

    # --- data ------------------------------------------------------------------------------

    def set_data(
        self,
        annotations: list[Annotation],
        colours: dict[str, str],
        duration_ms: int,
        tags: dict[str, tuple[str, str]] | None = None,
    ) -> None:
        """Annotations of the media, each one's colour, and the case's tags (path, colour)."""
        timed = [a for a in annotations if a.start_ms is not None]
        self.annotations = sorted(timed, key=lambda a: a.start_ms or 0)
        self.colours, self.duration_ms = colours, duration_ms
        self.tags = tags or {}
        if self.view_span == 0 or self.view_span > duration_ms:
            self.view_start, self.view_span = 0, duration_ms
        self._place()

    def set_lane_mode(self, mode: str) -> None:
        """Lanes by "kind" (moment, segment, region) or by "tag" (one per tag in use)."""
        if mode not in ("kind", "tag"):
            raise ValueError(f"unknown lane mode {mode!r}")
        if mode != self.lane_mode:
            self.lane_mode = mode
            self._place()

    def _place(self) -> None:
        placed: list[_Placed] = []
        if self.lane_mode == "kind":
            self.lanes = [kind.value for kind in LANE_KINDS]
            for a in self.annotations:
                colour = self.colours.get(a.uid, DEFAULT_COLOUR)
                placed.append(_Placed(a, LANE_KINDS.index(a.kind), colour))
        else:
            used = sorted(
                {uid for a in self.annotations for uid in a.tag_uids if uid in self.tags},
                key=lambda uid: self.tags[uid][0].casefold(),
            )
            lane_of = {uid: i for i, uid in enumerate(used)}
            self.lanes = [self.tags[uid][0] for uid in used]
            untagged = len(self.lanes)
            if any(not (set(a.tag_uids) & lane_of.keys()) for a in self.annotations):
                self.lanes.append(UNTAGGED)
            for a in self.annotations:
                lanes = sorted(lane_of[uid] for uid in a.tag_uids if uid in lane_of)
                for lane in lanes:
                    placed.append(_Placed(a, lane, self.tags[used[lane]][1]))
                if not lanes:
                    placed.append(_Placed(a, untagged, DEFAULT_COLOUR))
        self._placed = placed  # already in time order: annotations are sorted by start
        self._starts = [p.annotation.start_ms or 0 for p in placed]
        self._version += 1
        self._fit_height()
        self.update()

    def _fit_height(self) -> None:
        self.setFixedHeight(self.lane_height * (max(1, len(self.lanes)) + 1) + 4)

    def set_position(self, ms: int) -> None:
        self.position_ms = ms
        if self.view_span and not self.view_start <= ms <= self.view_start + self.view_span:
            self.view_start = max(
                0, min(ms - self.view_span // 4, self.duration_ms - self.view_span)
            )
        self.update()

    # --- geometry -------------------------------------------------------------------------

    def _x(self, ms: float) -> float:
        span = self.view_span or 1
        return (ms - self.view_start) / span * self.width()

    def _ms(self, x: float) -> int:
        return int(self.view_start + x / max(1, self.width()) * (self.view_span or 1))

    def _lane_rect(self, lane: int) -> QRectF:
        top = self.lane_height * (lane + 1)
        return QRectF(0, top + 2, self.width(), self.lane_height - 4)

    def _visible(self) -> list[_Placed]:
        """Placements that can touch the visible span (bisect on start: fast at 10,000)."""
        end = self.view_start + self.view_span
        stop = bisect_left(self._starts, end + 1)
        return [
            p
            for p in self._placed[:stop]
            if (p.annotation.end_ms or p.annotation.start_ms or 0) >= self.view_start
        ]

    # --- painting -------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        text = palette.color(QPalette.ColorRole.Text)
        if not self.duration_ms:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(
                self.rect(),
                Qt.AlignmentFlag.AlignCenter,
                "Open a video or sound to see its timeline.",
            )
            return
        painter.drawPixmap(0, 0, self._layer(text))
        if self._new is not None:
            x0, x1 = self._x(self._new[0]), self._x(self._new[1])
            band = QColor(palette.color(QPalette.ColorRole.Highlight))
            band.setAlpha(90)
            painter.fillRect(QRectF(x0, self.lane_height, x1 - x0, self.height()), band)
        x = self._x(self.position_ms)
        painter.setPen(QColor("#d32f2f"))
        painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))

    def _layer(self, text: QColor) -> QPixmap:
        """Ruler, lanes and annotations, drawn once per change of data, view or selection.

        Playback moves only the playhead: repainting 10,000 markers 30 times a second
        would take most of the UI thread.
        """
        key = (
            self._version,
            self.view_start,
            self.view_span,
            self.width(),
            self.height(),
            self.selected_uid,
            self.devicePixelRatioF(),
        )
        if self._cache is not None and self._cache_key == key:
            return self._cache
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(int(self.width() * ratio), int(self.height() * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        self._paint_ruler(painter, text)
        for lane, label in enumerate(self.lanes):
            rect = self._lane_rect(lane)
            if lane % 2:
                painter.fillRect(rect, self.palette().color(QPalette.ColorRole.AlternateBase))
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(rect.adjusted(4, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, label)
        for placed in self._visible():
            self._paint_annotation(painter, placed)
        painter.end()
        self._cache, self._cache_key = pixmap, key
        return pixmap

    def _paint_ruler(self, painter: QPainter, colour: QColor) -> None:
        painter.setPen(colour)
        span = self.view_span or 1
        step = next(
            (
                s
                for s in (
                    100,
                    250,
                    500,
                    1000,
                    2000,
                    5000,
                    10_000,
                    30_000,
                    60_000,
                    300_000,
                    600_000,
                    1_800_000,
                    3_600_000,
                )
                if span / s <= max(2, self.width() // 110)
            ),
            3_600_000,
        )
        first = (self.view_start // step) * step
        for ms in range(first, self.view_start + span + step, step):
            x = self._x(ms)
            painter.drawLine(QPointF(x, self.lane_height - 4), QPointF(x, self.lane_height))
            painter.drawText(QPointF(x + 2, self.lane_height - 6), format_ms(ms)[3:])

    def _paint_annotation(self, painter: QPainter, placed: _Placed) -> None:
        a = placed.annotation
        rect = self._lane_rect(placed.lane)
        colour = QColor(placed.colour)
        x0 = self._x(a.start_ms or 0)
        selected = a.uid == self.selected_uid
        painter.setPen(QColor("#000000") if selected else colour.darker(140))
        painter.setBrush(colour)
        if a.kind is AnnotationKind.SEGMENT and a.end_ms is not None:
            x1 = max(x0 + 2, self._x(a.end_ms))
            painter.drawRect(QRectF(x0, rect.top(), x1 - x0, rect.height()))
        else:
            mid = rect.center().y()
            half = rect.height() / 2
            points = [
                QPointF(x0, mid - half),
                QPointF(x0 + half * 0.7, mid),
                QPointF(x0, mid + half),
                QPointF(x0 - half * 0.7, mid),
            ]
            painter.drawPolygon(points)

    # --- interaction ----------------------------------------------------------------------

    def _hit(self, pos: QPointF) -> tuple[Annotation | None, str | None]:
        lane = int(pos.y() // self.lane_height) - 1
        if not 0 <= lane < len(self.lanes):
            return None, None
        for placed in reversed(self._visible()):
            if placed.lane != lane:
                continue
            a = placed.annotation
            x0 = self._x(a.start_ms or 0)
            if a.kind is AnnotationKind.SEGMENT and a.end_ms is not None:
                x1 = self._x(a.end_ms)
                if abs(pos.x() - x0) <= EDGE_GRAB_PX:
                    return a, "start"
                if abs(pos.x() - x1) <= EDGE_GRAB_PX:
                    return a, "end"
                if x0 <= pos.x() <= x1:
                    return a, None
            elif abs(pos.x() - x0) <= self.lane_height / 2:
                return a, None
        return None, None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if not self.duration_ms:
            return
        pos = event.position()
        annotation, edge = self._hit(pos)
        if annotation is None:
            ms = self._clamp(self._ms(pos.x()))
            self._press = (pos.x(), ms)
            self.seek_ms.emit(ms)
            return
        self.selected_uid = annotation.uid
        self.selected.emit(annotation.uid)
        if edge is not None:
            start = annotation.start_ms if edge == "start" else annotation.end_ms
            self._drag = _Drag(annotation.uid, edge, start or 0)
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._drag is not None:
            self._drag.ms = max(0, min(self._ms(pos.x()), self.duration_ms))
            self.setCursor(Qt.CursorShape.SizeHorCursor)
            self.update()
            return
        if self._press is not None and event.buttons() & Qt.MouseButton.LeftButton:
            x, ms = self._press
            if self._new is not None or abs(pos.x() - x) > NEW_SEGMENT_PX:
                here = self._clamp(self._ms(pos.x()))
                self._new = (min(ms, here), max(ms, here))
                self.update()
            return
        _, edge = self._hit(pos)
        self.setCursor(Qt.CursorShape.SizeHorCursor if edge else Qt.CursorShape.ArrowCursor)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None:
            drag, self._drag = self._drag, None
            self.edge_moved.emit(drag.uid, drag.edge, drag.ms)
        new, self._new, self._press = self._new, None, None
        if new is not None:
            self.update()
            if new[1] > new[0]:
                self.segment_drawn.emit(*new)

    def _clamp(self, ms: int) -> int:
        return max(0, min(ms, self.duration_ms))

    def zoom_around_playhead(self, factor: float) -> None:
        """Scale the visible span by factor around the playhead; 0 shows the whole media."""
        if not self.duration_ms:
            return
        if factor <= 0:
            self.view_start, self.view_span = 0, self.duration_ms
        else:
            span = max(MIN_SPAN_MS, min(self.duration_ms, int(self.view_span * factor)))
            self.view_span = span
            start = self.position_ms - span // 2
            self.view_start = max(0, min(start, self.duration_ms - span))
        self.update()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if not self.duration_ms:
            return
        steps = event.angleDelta().y() / 120
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            anchor = self._ms(event.position().x())
            span = int(self.view_span * (0.8**steps))
            span = max(MIN_SPAN_MS, min(self.duration_ms, span))
            fraction = event.position().x() / max(1, self.width())
            self.view_start = int(anchor - fraction * span)
            self.view_span = span
        else:
            self.view_start -= int(steps * self.view_span / 10)
        self.view_start = max(0, min(self.view_start, self.duration_ms - self.view_span))
        self.update()
        event.accept()
