"""A zoomable, pannable picture: fit, 100%, wheel and +/- zoom, drag to pan, pixel readout.

The picture is painted straight from a QImage, only the part that is on screen, so a
60-megapixel photo costs no full-size QPixmap conversion on the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QWidget,
)

from annotator.ui.viewer.regions import (
    HANDLE_PX,
    PolygonRegion,
    RectRegion,
    make_region,
    polygon_geometry,
    rect_geometry,
)

ZOOM_STEP = 1.25
_DRAWING_KEYS = (Qt.Key.Key_Escape, Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Backspace)
MIN_ZOOM, MAX_ZOOM = 0.02, 64.0
# Changes the picture for display only (the redaction preview): (image, frame or None) -> image.
PictureFilter = Callable[[QImage, int | None], QImage]


class ImageItem(QGraphicsItem):
    def __init__(self) -> None:
        super().__init__()
        self.image = QImage()

    def set_image(self, image: QImage) -> None:
        if image.size() != self.image.size():
            self.prepareGeometryChange()
        self.image = image
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, self.image.width(), self.image.height())

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionGraphicsItem,
        widget: QWidget | None = None,
    ) -> None:
        if self.image.isNull():
            return
        exposed = option.exposedRect.intersected(self.boundingRect())  # type: ignore[attr-defined]
        smooth = painter.worldTransform().m11() < 1.0  # show pixels as pixels when zoomed in
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
        painter.drawImage(exposed, self.image, exposed)


class FrameView(QGraphicsView):
    pixel_hovered = Signal(int, int)  # image coordinates under the cursor (-1 when outside)
    zoom_changed = Signal(float)
    region_drawn = Signal(object)  # dict: normalised rectangle or polygon
    region_moved = Signal(str, object)  # annotation uid, its new normalised geometry
    region_selected = Signal(str)  # annotation uid of a region clicked on the picture
    redaction_drawn = Signal(object)  # dict: normalised rectangle drawn for a redaction
    drawing = ""  # "", "rect" or "polygon"; a class default because Qt sends events during init
    purpose = "region"  # what the drawing makes: "region" (an annotation) or "redaction"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.item = ImageItem()
        self.item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self.scene().addItem(self.item)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setBackgroundBrush(Qt.GlobalColor.black)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.fit_mode = True
        self._draw_origin: QPointF | None = None
        self._points: list[QPointF] = []
        self._rubber: QGraphicsRectItem | None = None
        self._outline: QGraphicsPathItem | None = None
        self._regions: list[RectRegion | PolygonRegion] = []
        self._retired: list[RectRegion | PolygonRegion] = []
        self.raw_image = QImage()  # as decoded, before the display filter
        self.frame_number: int | None = None  # the frame raw_image shows (None: an image)
        self.picture_filter: PictureFilter | None = None
        # Applied last, to what is shown only (graphic-content shield, grayscale).
        self.shield: Callable[[QImage, int | None], QImage] | None = None
        self.scene().selectionChanged.connect(self._selection_changed)

    # --- regions ---------------------------------------------------------------------------

    @property
    def frame_size(self) -> tuple[int, int]:
        return self.item.image.width(), self.item.image.height()

    def normalised(self, rect: QRectF) -> dict[str, object]:
        """Scene (image pixel) rectangle -> 0..1 coordinates of the displayed frame."""
        return rect_geometry(rect, *self.frame_size)

    def show_regions(self, regions: list[tuple[str, dict[str, object], str]]) -> None:
        """(uid, normalised geometry, colour) drawn over the picture; replaces what was shown."""
        selected = self.selected_region()
        # A region may be replaced from inside its own mouse handler (a drag saves, the save
        # redraws): keep the old items alive until the next redraw so Qt never calls into a
        # deleted object.
        self._retired = self._regions
        for old in self._retired:
            self.scene().removeItem(old)
        self._regions = []
        for uid, region, colour in regions:
            item = make_region(uid, region, colour, self.frame_size, self._commit)
            if item is None:
                continue
            self.scene().addItem(item)
            self._regions.append(item)
            if uid == selected:
                item.setSelected(True)

    def _commit(self, uid: str, geometry: dict[str, object]) -> None:
        self.region_moved.emit(uid, geometry)

    def selected_region(self) -> str | None:
        # isValid: a scene being destroyed deletes its items before it reports the selection.
        return next((r.uid for r in self._regions if shiboken6.isValid(r) and r.isSelected()), None)

    def select_region(self, uid: str | None) -> None:
        for item in self._regions:
            item.setSelected(item.uid == uid)

    def _selection_changed(self) -> None:
        uid = self.selected_region()
        if uid is not None:
            self.region_selected.emit(uid)

    def start_drawing(self, shape: str = "rect", purpose: str = "region") -> None:
        """The next drag draws a rectangle; for a polygon, each click adds a corner.

        A polygon ends with Enter, a double-click or a click on its first corner;
        Backspace takes back the last corner; Esc cancels either. ``purpose`` "redaction"
        sends the rectangle on ``redaction_drawn`` instead of ``region_drawn``.
        """
        if self.item.image.isNull():
            return
        self._stop_drawing()
        self.purpose = purpose
        self.drawing = shape
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.viewport().setCursor(Qt.CursorShape.CrossCursor)
        self.setFocus()

    def _stop_drawing(self) -> None:
        self.drawing = ""
        self.purpose = "region"
        self._draw_origin = None
        self._points = []
        for item in (self._rubber, self._outline):
            if item is not None:
                self.scene().removeItem(item)
        self._rubber, self._outline = None, None
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.viewport().unsetCursor()

    def _pen(self) -> QPen:
        pen = QPen(QColor("#ffeb3b"), 0)
        pen.setWidth(2)
        return pen

    def _finish_polygon(self) -> None:
        points = list(self._points)
        self._stop_drawing()
        if len(points) >= 3:
            self.region_drawn.emit(polygon_geometry(points, *self.frame_size))

    def _update_outline(self, cursor: QPointF | None) -> None:
        path = QPainterPath()
        points = self._points + ([cursor] if cursor is not None else [])
        if points:
            path.addPolygon(QPolygonF(points))
        if self._outline is None:
            self._outline = QGraphicsPathItem()
            self._outline.setPen(self._pen())
            self.scene().addItem(self._outline)
        self._outline.setPath(path)

    def _near_first_point(self, point: QPointF) -> bool:
        if len(self._points) < 3:
            return False
        first = self.mapFromScene(self._points[0])
        here = self.mapFromScene(point)
        return (first - here).manhattanLength() <= HANDLE_PX

    def _bounded(self, point: QPointF) -> QPointF:
        w, h = self.frame_size
        return QPointF(min(float(w), max(0.0, point.x())), min(float(h), max(0.0, point.y())))

    def event(self, event: QEvent) -> bool:
        # Esc, Enter and Backspace belong to the drawing while it lasts, not to window shortcuts.
        if self.drawing and event.type() == QEvent.Type.ShortcutOverride:
            key = event.key()  # type: ignore[attr-defined]
            if key in _DRAWING_KEYS:
                event.accept()
                return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if self.drawing and key == Qt.Key.Key_Escape:
            self._stop_drawing()
        elif self.drawing == "polygon" and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._finish_polygon()
        elif self.drawing == "polygon" and key == Qt.Key.Key_Backspace:
            if self._points:
                self._points.pop()
            self._update_outline(None)
        else:
            super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.drawing and event.button() == Qt.MouseButton.LeftButton:
            point = self._bounded(self.mapToScene(event.position().toPoint()))
            if self.drawing == "polygon":
                if self._near_first_point(point):
                    self._finish_polygon()
                else:
                    self._points.append(point)
                    self._update_outline(None)
                return
            self._draw_origin = point
            self._rubber = QGraphicsRectItem(QRectF(point, point))
            self._rubber.setPen(self._pen())
            self.scene().addItem(self._rubber)
            return
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self.drawing == "polygon":
            self._finish_polygon()
            return
        super().mouseDoubleClickEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self.drawing == "rect" and self._draw_origin is not None:
            end = self._bounded(self.mapToScene(event.position().toPoint()))
            rect = QRectF(self._draw_origin, end).normalized()
            purpose = self.purpose
            self._stop_drawing()
            if rect.width() >= 3 and rect.height() >= 3:
                if purpose == "redaction":
                    self.redaction_drawn.emit(self.normalised(rect))
                else:
                    self.region_drawn.emit(self.normalised(rect))
            return
        if self.drawing == "polygon":
            return
        super().mouseReleaseEvent(event)

    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def set_image(self, image: QImage, frame: int | None = None) -> None:
        """Show ``image`` (frame ``frame`` of a video; None for a picture), filtered for display."""
        self.raw_image, self.frame_number = image, frame
        if self.picture_filter is not None and not image.isNull():
            image = self.picture_filter(image, frame)
        if self.shield is not None and not image.isNull():
            image = self.shield(image, frame)
        size_changed = image.size() != self.item.image.size()
        self.item.set_image(image)
        if size_changed:
            self.scene().setSceneRect(self.item.boundingRect())
            if self.fit_mode:
                self.fit()

    def refilter(self) -> None:
        """Apply the display filter again to the picture on screen (its settings changed)."""
        if not self.raw_image.isNull():
            self.set_image(self.raw_image, self.frame_number)

    def fit(self) -> None:
        self.fit_mode = True
        if not self.item.image.isNull():
            self.fitInView(self.item, Qt.AspectRatioMode.KeepAspectRatio)
            self.zoom_changed.emit(self.zoom)

    def actual_size(self) -> None:
        self.fit_mode = False
        self.resetTransform()
        self.zoom_changed.emit(self.zoom)

    def zoom_by(self, factor: float) -> None:
        self.fit_mode = False
        target = min(MAX_ZOOM, max(MIN_ZOOM, self.zoom * factor))
        self.scale(target / self.zoom, target / self.zoom)
        self.zoom_changed.emit(self.zoom)

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_by(ZOOM_STEP**steps)
        event.accept()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.fit_mode:
            self.fit()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        point: QPointF = self.mapToScene(event.position().toPoint())
        if self.drawing == "rect" and self._draw_origin is not None and self._rubber is not None:
            self._rubber.setRect(QRectF(self._draw_origin, point).normalized())
        elif self.drawing == "polygon":
            if self._points:
                self._update_outline(self._bounded(point))
        else:
            super().mouseMoveEvent(event)
        x, y = int(point.x()), int(point.y())
        inside = 0 <= x < self.item.image.width() and 0 <= y < self.item.image.height()
        self.pixel_hovered.emit(x if inside else -1, y if inside else -1)
