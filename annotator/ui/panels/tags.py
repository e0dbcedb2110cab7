"""Tags of the case as a tree: colours, number-key favourites, rename, delete, filter by tag."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QColorDialog,
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.core.entities import Tag
from annotator.ui.empty_state import EmptyState

TagRole = Qt.ItemDataRole.UserRole + 1


def ask_text(parent: QWidget, title: str, label: str, text: str = "") -> str | None:
    value, ok = QInputDialog.getText(parent, title, label, text=text)
    return value if ok and value.strip() else None


def ask_colour(parent: QWidget, current: str) -> str | None:
    colour = QColorDialog.getColor(QColor(current), parent, "Tag colour")
    return colour.name() if colour.isValid() else None


def swatch(colour: str) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)


class TagsPanel(QWidget):
    create = Signal(str)  # path
    rename = Signal(str, str)  # uid, new path
    recolour = Signal(str, str)  # uid, colour
    favourite = Signal(str, object)  # uid, slot or None
    delete = Signal(str)  # uid
    filter_by = Signal(str)  # path: show annotations with this tag (or below it)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Tag", "Key"])
        self.tree.itemDoubleClicked.connect(self._filter)
        self.tree.currentItemChanged.connect(self._current_changed)
        self.key = QComboBox()
        self.key.addItem("no key", None)
        for slot in range(1, 10):
            self.key.addItem(f"key {slot}", slot)
        self.key.setToolTip("Number key that puts this tag on the selected annotation")
        self.key.activated.connect(self._key_chosen)
        buttons: list[tuple[str, Callable[[], None]]] = [
            ("New...", self._new),
            ("Rename...", self._rename),
            ("Colour...", self._colour),
            ("Delete", self._delete),
        ]
        row = QHBoxLayout()
        for text, slot in buttons:
            button = QPushButton(text)
            button.clicked.connect(slot)
            row.addWidget(button)
        row.addWidget(self.key)
        self.stack = EmptyState(
            self.tree, "No tags yet.\n\nType them on an annotation (person/captive) or press New..."
        )
        self.empty = self.stack.empty
        hint = QLabel("Double-click a tag to list its annotations.")
        hint.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.stack, 1)
        layout.addWidget(hint)

    def show_tags(self, tags: list[Tag]) -> None:
        current = self.selected()
        self.tree.clear()
        items: dict[str, QTreeWidgetItem] = {}
        for tag in sorted(tags, key=lambda t: t.path.casefold()):
            item = QTreeWidgetItem([tag.name, str(tag.favourite_slot or "")])
            item.setIcon(0, swatch(tag.colour))
            item.setData(0, TagRole, tag)
            item.setToolTip(0, tag.description or tag.path)
            parent = items.get(tag.parent_path or "")
            if parent is None:
                self.tree.addTopLevelItem(item)
            else:
                parent.addChild(item)
            items[tag.path] = item
        self.tree.expandAll()
        self.tree.resizeColumnToContents(1)
        self.stack.show_content(bool(tags))
        if current is not None and current.path in items:
            self.tree.setCurrentItem(items[current.path])

    def selected(self) -> Tag | None:
        item = self.tree.currentItem()
        return None if item is None else item.data(0, TagRole)

    def _current_changed(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        tag = None if current is None else current.data(0, TagRole)
        self.key.setCurrentIndex(self.key.findData(tag.favourite_slot) if tag else 0)

    def _new(self) -> None:
        base = self.selected()
        path = ask_text(
            self,
            "New tag",
            "Tag (use / for levels, e.g. person/captive):",
            f"{base.path}/" if base else "",
        )
        if path:
            self.create.emit(path)

    def _rename(self) -> None:
        tag = self.selected()
        if tag is not None and (path := ask_text(self, "Rename tag", "New name:", tag.path)):
            self.rename.emit(tag.uid, path)

    def _colour(self) -> None:
        tag = self.selected()
        if tag is not None and (colour := ask_colour(self, tag.colour)):
            self.recolour.emit(tag.uid, colour)

    def _delete(self) -> None:
        tag = self.selected()
        if tag is not None:
            self.delete.emit(tag.uid)

    def _key_chosen(self, _index: int) -> None:
        tag = self.selected()
        if tag is not None:
            self.favourite.emit(tag.uid, self.key.currentData())

    def _filter(self, item: QTreeWidgetItem, _column: int) -> None:
        self.filter_by.emit(item.data(0, TagRole).path)
