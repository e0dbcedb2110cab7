"""The redactions of the open media: list, method, shape, span, label, delete, preview toggle."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.core.entities import Redaction
from annotator.ui.empty_state import EmptyState
from annotator.ui.shortcuts import with_shortcut

UidRole = Qt.ItemDataRole.UserRole + 1
METHODS = (
    ("blur", "Blur", "A soft blur of a few average colours"),
    ("pixelate", "Pixelate", "Large blocks"),
    ("fill", "Solid fill", "Solid black: hides even the average colour; best for text and numbers"),
)
SHAPES = (("rect", "Rectangle"), ("ellipse", "Ellipse"))
EMPTY_TEXT = (
    "No redactions on this media.\n\nPress X on the picture (or Draw) and drag over a face, "
    "a name or a number to hide it in published reports and clips."
)


def span_text(r: Redaction) -> str:
    if r.start_frame is None or r.end_frame is None:
        return "whole picture"
    return f"frames {r.start_frame:,}–{r.end_frame:,}"


class RedactionsPanel(QWidget):
    draw_requested = Signal(str)  # shape
    edited = Signal(str, object)  # uid, fields
    span_edited = Signal(str, int, int)  # uid, first frame, last frame
    delete_requested = Signal(str)  # uid
    jump_requested = Signal(str)  # uid
    selected = Signal(object)  # uid or None
    preview_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Label", "Method", "Shape", "Span", "Keyframes"])
        self.tree.setRootIsDecorated(False)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.currentItemChanged.connect(self._current_changed)
        self.tree.itemDoubleClicked.connect(lambda item, _: self._jump())
        self.stack = EmptyState(self.tree, EMPTY_TEXT)
        self.empty = self.stack.empty

        self.method = QComboBox()
        for value, text, tip in METHODS:
            self.method.addItem(text, value)
            self.method.setItemData(self.method.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.method.setToolTip("How the area is hidden; new redactions use it too")
        self.method.activated.connect(lambda _: self._edit({"method": self.method.currentData()}))
        self.shape = QComboBox()
        for value, text in SHAPES:
            self.shape.addItem(text, value)
        self.shape.setToolTip("The shape drawn next, and the selected redaction's shape")
        self.shape.activated.connect(lambda _: self._edit({"shape": self.shape.currentData()}))
        self.label = QLineEdit()
        self.label.setPlaceholderText("What is hidden (e.g. face of the second man)")
        self.label.editingFinished.connect(self._label_done)
        self.first = QSpinBox()
        self.last = QSpinBox()
        for box in (self.first, self.last):
            box.setRange(0, 10_000_000)
            box.setKeyboardTracking(False)
            box.valueChanged.connect(lambda _: self._span_done())
        span = QHBoxLayout()
        span.addWidget(self.first)
        span.addWidget(QLabel("to"))
        span.addWidget(self.last)
        self.default_seconds = QSpinBox()
        self.default_seconds.setRange(1, 600)
        self.default_seconds.setValue(2)
        self.default_seconds.setSuffix(" s")
        self.default_seconds.setToolTip(
            "How long a new redaction on a video lasts from the frame it is drawn on "
            "(a selected segment's end wins when the frame is inside it)"
        )
        form = QFormLayout()
        form.addRow("Method", self.method)
        form.addRow("Shape", self.shape)
        form.addRow("Label", self.label)
        form.addRow("Frames", span)
        form.addRow("New ones last", self.default_seconds)

        self.draw = QPushButton("Draw")
        self.draw.setToolTip(with_shortcut("Draw a redaction on the picture", "mark_redaction"))
        self.draw.clicked.connect(lambda: self.draw_requested.emit(self.shape.currentData()))
        self.jump = QPushButton("Go to start")
        self.jump.setToolTip("Show the redaction's first frame")
        self.jump.clicked.connect(self._jump)
        self.delete = QPushButton("Delete")
        self.delete.clicked.connect(self._delete)
        self.preview = QCheckBox("Preview redactions")
        self.preview.setChecked(True)
        self.preview.setToolTip(
            "Show the picture as published: the areas hidden. Off: see what is under them."
        )
        self.preview.toggled.connect(self.preview_toggled)
        buttons = QHBoxLayout()
        for button in (self.draw, self.jump, self.delete):
            buttons.addWidget(button)
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.addWidget(self.stack, 1)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.preview)
        self.tree.setMinimumHeight(self.fontMetrics().height() * 4)
        # The dock shares a column with five others: scroll rather than make the window tall.
        scroller = QScrollArea()
        scroller.setWidget(content)
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QScrollArea.Shape.NoFrame)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroller)
        self.redactions: list[Redaction] = []
        self._filling = False
        self._show_current(None)

    # --- showing -------------------------------------------------------------------------

    def show_redactions(self, redactions: list[Redaction], *, has_media: bool = True) -> None:
        current = self.current_uid()
        self.redactions = list(redactions)
        self._filling = True
        self.tree.clear()
        for r in redactions:
            item = QTreeWidgetItem(
                [
                    r.label or "(no label)",
                    dict((v, t) for v, t, _ in METHODS).get(r.method.value, r.method.value),
                    dict(SHAPES).get(r.shape.value, r.shape.value),
                    span_text(r),
                    str(len(r.keyframes)),
                ]
            )
            item.setData(0, UidRole, r.uid)
            item.setToolTip(0, f"By {r.author}")
            self.tree.addTopLevelItem(item)
        self._filling = False
        self.stack.show_content(bool(redactions))
        self.empty.setText(EMPTY_TEXT if has_media else "Open a video or picture to redact it.")
        self.draw.setEnabled(has_media)
        self.select(current)

    def current_uid(self) -> str | None:
        item = self.tree.currentItem()
        return None if item is None else str(item.data(0, UidRole))

    def current(self) -> Redaction | None:
        uid = self.current_uid()
        return next((r for r in self.redactions if r.uid == uid), None)

    def select(self, uid: str | None) -> None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item is not None and item.data(0, UidRole) == uid:
                if self.tree.currentItem() is not item:
                    self.tree.setCurrentItem(item)
                else:
                    self._show_current(self.current())
                return
        self.tree.setCurrentItem(None)  # type: ignore[arg-type]
        self._show_current(None)

    def _current_changed(self, *_: object) -> None:
        if self._filling:
            return
        redaction = self.current()
        self._show_current(redaction)
        self.selected.emit(redaction.uid if redaction else None)

    def _show_current(self, r: Redaction | None) -> None:
        self._filling = True
        try:
            for widget in (self.label, self.first, self.last, self.jump, self.delete):
                widget.setEnabled(r is not None)
            if r is None:
                self.label.clear()
                return
            self.method.setCurrentIndex(max(0, self.method.findData(r.method.value)))
            self.shape.setCurrentIndex(max(0, self.shape.findData(r.shape.value)))
            self.label.setText(r.label)
            video = r.start_frame is not None and r.end_frame is not None
            for box in (self.first, self.last):
                box.setEnabled(video)
            self.jump.setEnabled(video)
            if video:
                self.first.setValue(r.start_frame or 0)
                self.last.setValue(r.end_frame or 0)
        finally:
            self._filling = False

    # --- editing -------------------------------------------------------------------------

    def _edit(self, fields: dict[str, object]) -> None:
        if self._filling:
            return
        uid = self.current_uid()
        if uid is not None:
            self.edited.emit(uid, fields)

    def _label_done(self) -> None:
        current = self.current()
        if current is not None and self.label.text().strip() != current.label:
            self._edit({"label": self.label.text()})

    def _span_done(self) -> None:
        current = self.current()
        if self._filling or current is None or current.start_frame is None:
            return
        first, last = self.first.value(), self.last.value()
        if (first, last) != (current.start_frame, current.end_frame):
            self.span_edited.emit(current.uid, first, last)

    def _delete(self) -> None:
        uid = self.current_uid()
        if uid is not None:
            self.delete_requested.emit(uid)

    def _jump(self) -> None:
        uid = self.current_uid()
        if uid is not None:
            self.jump_requested.emit(uid)

    def method_value(self) -> str:
        return str(self.method.currentData())

    def shape_value(self) -> str:
        return str(self.shape.currentData())
