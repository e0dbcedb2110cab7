"""Region shapes over the picture: rectangles and polygons, moved by dragging, reshaped by handles.

Geometry is kept in scene coordinates (image pixels) while on screen and leaves as normalised
0..1 coordinates of the displayed frame (DESIGN.md), the form the service layer stores.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPolygonItem,
    QGraphicsRectItem,
    QGraphicsSceneMouseEvent,
)

HANDLE_PX = 9  # handles keep this size on screen at every zoom

Geometry = dict[str, object]
Commit = Callable[[str, Geometry], None]


def to_scene(region: Geometry, width: int, height: int) -> QRectF | QPolygonF | None:
    """Normalised region -> scene shape (None for a shape this version does not know)."""
    shape = region.get("shape")
    if shape == "rect":
        return QRectF(
            float(region["x"]) * width,  # type: ignore[arg-type]
            float(region["y"]) * height,  # type: ignore[arg-type]
            float(region["w"]) * width,  # type: ignore[arg-type]
            float(region["h"]) * height,  # type: ignore[arg-type]
        )
    if shape == "polygon":
        points = region.get("points")
        if not isinstance(points, list):
            return None
        return QPolygonF([QPointF(float(x) * width, float(y) * height) for x, y in points])
    return None


def rect_geometry(rect: QRectF, width: int, height: int) -> Geometry:
    w, h = max(1, width), max(1, height)
    r = rect.normalized().intersected(QRectF(0, 0, w, h))
    return {
        "shape": "rect",
        "x": r.x() / w,
        "y": r.y() / h,
        "w": r.width() / w,
        "h": r.height() / h,
    }


def polygon_geometry(points: list[QPointF], width: int, height: int) -> Geometry:
    w, h = max(1, width), max(1, height)
    clamp = lambda v: min(1.0, max(0.0, v))  # noqa: E731
    return {"shape": "polygon", "points": [[clamp(p.x() / w), clamp(p.y() / h)] for p in points]}


class Handle(QGraphicsRectItem):
    """A square grip on a region's corner, edge or vertex; dragging it reshapes the region."""

    def __init__(self, owner: RegionShape, index: int, cursor: Qt.CursorShape) -> None:
        half = HANDLE_PX / 2
        super().__init__(-half, -half, HANDLE_PX, HANDLE_PX, owner)  # type: ignore[arg-type]
        self.owner, self.index = owner, index
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setBrush(QBrush(QColor("white")))
        self.setPen(QPen(QColor("black"), 0))
        self.setCursor(cursor)
        self.setZValue(1)
        self.dragged = False

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        self.dragged = False
        event.accept()

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        self.dragged = True
        self.owner.drag_handle(self.index, self.owner.mapFromScene(event.scenePos()))

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self.dragged:
            self.owner.commit()


class RegionShape:
    """What rectangle and polygon items share: identity, pen, handles, commit on release."""

    uid: str
    frame_size: tuple[int, int]
    on_commit: Commit
    handles: list[Handle]

    def setup(self, uid: str, colour: str, frame_size: tuple[int, int], on_commit: Commit) -> None:
        item: QGraphicsItem = self  # type: ignore[assignment]
        self.uid, self.frame_size, self.on_commit = uid, frame_size, on_commit
        pen = QPen(QColor(colour), 0)  # cosmetic: the same width at every zoom
        pen.setWidth(2)
        self.setPen(pen)  # type: ignore[attr-defined]
        fill = QColor(colour)
        fill.setAlpha(28)
        self.setBrush(QBrush(fill))  # type: ignore[attr-defined]
        item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable)
        item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        item.setCursor(Qt.CursorShape.SizeAllCursor)
        self.handles = []

    def show_handles(self, visible: bool) -> None:
        for handle in self.handles:
            handle.setVisible(visible)

    def drag_handle(self, index: int, point: QPointF) -> None:
        raise NotImplementedError

    def geometry(self) -> Geometry:
        raise NotImplementedError

    def commit(self) -> None:
        self.on_commit(self.uid, self.geometry())

    def bounded(self, point: QPointF) -> QPointF:
        """Keep a dragged point (item coordinates) inside the frame."""
        item: QGraphicsItem = self  # type: ignore[assignment]
        w, h = self.frame_size
        scene = item.mapToScene(point)
        clamped = QPointF(min(float(w), max(0.0, scene.x())), min(float(h), max(0.0, scene.y())))
        return item.mapFromScene(clamped)


# Rectangle handles: corners then edge midpoints, each naming the edges it moves.
_RECT_HANDLES: list[tuple[str, Qt.CursorShape]] = [
    ("lt", Qt.CursorShape.SizeFDiagCursor),
    ("rt", Qt.CursorShape.SizeBDiagCursor),
    ("rb", Qt.CursorShape.SizeFDiagCursor),
    ("lb", Qt.CursorShape.SizeBDiagCursor),
    ("t", Qt.CursorShape.SizeVerCursor),
    ("r", Qt.CursorShape.SizeHorCursor),
    ("b", Qt.CursorShape.SizeVerCursor),
    ("l", Qt.CursorShape.SizeHorCursor),
]


class RectRegion(QGraphicsRectItem, RegionShape):
    def __init__(
        self, uid: str, rect: QRectF, colour: str, frame_size: tuple[int, int], on_commit: Commit
    ) -> None:
        QGraphicsRectItem.__init__(self, rect)
        self.setup(uid, colour, frame_size, on_commit)
        self.handles = [Handle(self, i, cursor) for i, (_, cursor) in enumerate(_RECT_HANDLES)]
        self._place_handles()
        self.show_handles(False)

    def _place_handles(self) -> None:
        r = self.rect()
        spots = [
            r.topLeft(),
            r.topRight(),
            r.bottomRight(),
            r.bottomLeft(),
            QPointF(r.center().x(), r.top()),
            QPointF(r.right(), r.center().y()),
            QPointF(r.center().x(), r.bottom()),
            QPointF(r.left(), r.center().y()),
        ]
        for handle, spot in zip(self.handles, spots, strict=True):
            handle.setPos(spot)

    def drag_handle(self, index: int, point: QPointF) -> None:
        p = self.bounded(point)
        r = QRectF(self.rect())
        edges = _RECT_HANDLES[index][0]
        if "l" in edges:
            r.setLeft(p.x())
        if "r" in edges:
            r.setRight(p.x())
        if "t" in edges:
            r.setTop(p.y())
        if "b" in edges:
            r.setBottom(p.y())
        self.setRect(r.normalized())
        self._place_handles()

    def geometry(self) -> Geometry:
        return rect_geometry(self.rect().translated(self.pos()), *self.frame_size)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if self.pos() != QPointF(0, 0):
            self.commit()

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: object) -> object:
        if change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged:
            self.show_handles(bool(value))
        return super().itemChange(change, value)


class PolygonRegion(QGraphicsPolygonItem, RegionShape):
    def __init__(
        self,
        uid: str,
        polygon: QPolygonF,
        colour: str,
        frame_size: tuple[int, int],
        on_commit: Commit,
    ) -> None:
        QGraphicsPolygonItem.__init__(self, polygon)
        self.setup(uid, colour, frame_size, on_commit)
        self.handles = [Handle(self, i, Qt.CursorShape.CrossCursor) for i in range(polygon.count())]
        self._place_handles()
        self.show_handles(False)

    def _place_handles(self) -> None:
        polygon = self.polygon()
        for i, handle in enumerate(self.handles):
            handle.setPos(polygon.at(i))

    def drag_handle(self, index: int, point: QPointF) -> None:
        old = self.polygon()
        points = [old.at(i) for i in range(old.count())]
        points[index] = self.bounded(point)
        self.setPolygon(QPolygonF(points))
        self._place_handles()

    def geometry(self) -> Geometry:
        moved = self.polygon().translated(self.pos())
        return polygon_geometry([moved.at(i) for i in range(moved.count())], *self.frame_size)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        if self.pos() != QPointF(0, 0):
            self.commit()

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: object) -> object:
        if change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged:
            self.show_handles(bool(value))
        return super().itemChange(change, value)


def make_region(
    uid: str,
    region: Geometry,
    colour: str,
    frame_size: tuple[int, int],
    on_commit: Commit,
) -> RectRegion | PolygonRegion | None:
    shape = to_scene(region, *frame_size)
    if isinstance(shape, QRectF):
        return RectRegion(uid, shape, colour, frame_size, on_commit)
    if isinstance(shape, QPolygonF) and shape.count() >= 3:
        return PolygonRegion(uid, shape, colour, frame_size, on_commit)
    return None


REDACTION_COLOUR = "#e040fb"  # magenta, dashed: never mistaken for an annotation's region


class RedactionRegion(RectRegion):
    """A redaction's box on the frame on screen: dashed, drawn as a rectangle or an ellipse.

    Moving or resizing it commits the new box (the controller saves it as a keyframe of
    this frame).
    """

    def __init__(
        self,
        uid: str,
        rect: QRectF,
        shape: str,
        frame_size: tuple[int, int],
        on_commit: Commit,
    ) -> None:
        super().__init__(uid, rect, REDACTION_COLOUR, frame_size, on_commit)
        self.redaction_shape = shape
        pen = self.pen()
        pen.setStyle(Qt.PenStyle.DashLine)
        self.setPen(pen)
        self.setBrush(QBrush(Qt.BrushStyle.NoBrush))  # the preview shows what is hidden
        self.setZValue(2)  # over annotation regions: a redaction is what must be right
        self.setToolTip("Redaction: drag to move, handles to resize (saved on this frame)")

    def paint(self, painter: QPainter, option: object, widget: object = None) -> None:
        if self.redaction_shape == "ellipse":
            painter.setPen(self.pen())
            painter.setBrush(self.brush())
            painter.drawEllipse(self.rect())
            if self.isSelected():
                outline = QPen(self.pen())
                outline.setStyle(Qt.PenStyle.DotLine)
                outline.setWidth(1)
                painter.setPen(outline)
                painter.setBrush(QBrush(Qt.BrushStyle.NoBrush))
                painter.drawRect(self.rect())
            return
        super().paint(painter, option, widget)  # type: ignore[arg-type]


def make_redaction(
    uid: str,
    box: tuple[float, float, float, float],
    shape: str,
    frame_size: tuple[int, int],
    on_commit: Commit,
) -> RedactionRegion:
    x, y, w, h = box
    width, height = frame_size
    rect = QRectF(x * width, y * height, w * width, h * height)
    return RedactionRegion(uid, rect, shape, frame_size, on_commit)
