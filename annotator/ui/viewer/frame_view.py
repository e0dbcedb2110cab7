"""A zoomable, pannable picture: fit, 100%, wheel and +/- zoom, drag to pan, pixel readout.

The picture is painted straight from a QImage, only the part that is on screen, so a
60-megapixel photo costs no full-size QPixmap conversion on the UI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPen, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QWidget,
)

ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.02, 64.0


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


class RegionItem(QGraphicsRectItem):
    """An annotation's rectangle over the picture; drag it to move it."""

    def __init__(self, uid: str, rect: QRectF, colour: str, view: FrameView) -> None:
        super().__init__(rect)
        self.uid, self.view = uid, view
        pen = QPen(QColor(colour), 0)  # cosmetic: the same width at every zoom
        pen.setWidth(2)
        self.setPen(pen)
        self.setBrush(Qt.BrushStyle.NoBrush)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setCursor(Qt.CursorShape.SizeAllCursor)

    def mouseReleaseEvent(self, event: object) -> None:
        super().mouseReleaseEvent(event)  # type: ignore[arg-type]
        if self.pos() != QPointF(0, 0):
            moved = self.rect().translated(self.pos())
            self.view.region_moved.emit(self.uid, self.view.normalised(moved))


class FrameView(QGraphicsView):
    pixel_hovered = Signal(int, int)  # image coordinates under the cursor (-1 when outside)
    zoom_changed = Signal(float)
    region_drawn = Signal(object)  # dict: normalised rectangle
    region_moved = Signal(str, object)  # annotation uid, normalised rectangle

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
        self.drawing = False
        self._draw_origin: QPointF | None = None
        self._rubber: QGraphicsRectItem | None = None
        self._regions: list[RegionItem] = []

    # --- regions ---------------------------------------------------------------------------

    def normalised(self, rect: QRectF) -> dict[str, object]:
        """Scene (image pixel) rectangle -> 0..1 coordinates of the displayed frame."""
        w, h = max(1, self.item.image.width()), max(1, self.item.image.height())
        r = rect.normalized().intersected(QRectF(0, 0, w, h))
        return {
            "shape": "rect",
            "x": r.x() / w,
            "y": r.y() / h,
            "w": r.width() / w,
            "h": r.height() / h,
        }

    def show_regions(self, regions: list[tuple[str, dict[str, object], str]]) -> None:
        """(uid, normalised rect, colour) drawn over the picture; replaces what was shown."""
        for old in self._regions:
            self.scene().removeItem(old)
        self._regions = []
        w, h = self.item.image.width(), self.item.image.height()
        for uid, region, colour in regions:
            if region.get("shape") != "rect":
                continue
            rect = QRectF(
                float(region["x"]) * w,
                float(region["y"]) * h,  # type: ignore[arg-type]
                float(region["w"]) * w,
                float(region["h"]) * h,
            )  # type: ignore[arg-type]
            item = RegionItem(uid, rect, colour, self)
            self.scene().addItem(item)
            self._regions.append(item)

    def start_drawing(self) -> None:
        """The next drag on the picture draws a rectangle (Esc or a click without drag cancels)."""
        if self.item.image.isNull():
            return
        self.drawing = True
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.viewport().setCursor(Qt.CursorShape.CrossCursor)

    def _stop_drawing(self) -> None:
        self.drawing = False
        self._draw_origin = None
        if self._rubber is not None:
            self.scene().removeItem(self._rubber)
            self._rubber = None
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.viewport().unsetCursor()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.drawing and event.button() == Qt.MouseButton.LeftButton:
            self._draw_origin = self.mapToScene(event.position().toPoint())
            self._rubber = QGraphicsRectItem(QRectF(self._draw_origin, self._draw_origin))
            pen = QPen(QColor("#ffeb3b"), 0)
            pen.setWidth(2)
            self._rubber.setPen(pen)
            self.scene().addItem(self._rubber)
            return
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self.drawing and self._draw_origin is not None:
            end = self.mapToScene(event.position().toPoint())
            rect = QRectF(self._draw_origin, end).normalized()
            self._stop_drawing()
            if rect.width() >= 3 and rect.height() >= 3:
                self.region_drawn.emit(self.normalised(rect))
            return
        super().mouseReleaseEvent(event)

    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def set_image(self, image: QImage) -> None:
        size_changed = image.size() != self.item.image.size()
        self.item.set_image(image)
        if size_changed:
            self.scene().setSceneRect(self.item.boundingRect())
            if self.fit_mode:
                self.fit()

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
        if self.drawing and self._draw_origin is not None and self._rubber is not None:
            self._rubber.setRect(QRectF(self._draw_origin, point).normalized())
        else:
            super().mouseMoveEvent(event)
        x, y = int(point.x()), int(point.y())
        inside = 0 <= x < self.item.image.width() and 0 <= y < self.item.image.height()
        self.pixel_hovered.emit(x if inside else -1, y if inside else -1)
