"""Every keyboard shortcut, defined once; menus, tooltips and Help read this table."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QKeySequence


@dataclass(frozen=True, slots=True)
class Shortcut:
    keys: str | QKeySequence.StandardKey
    label: str
    group: str

    def sequence(self) -> QKeySequence:
        return QKeySequence(self.keys)

    def text(self) -> str:
        return self.sequence().toString(QKeySequence.SequenceFormat.NativeText)


SHORTCUTS: dict[str, Shortcut] = {
    "import_files": Shortcut("Ctrl+I", "Import files", "File"),
    "import_folder": Shortcut("Ctrl+Shift+I", "Import folder", "File"),
    "quit": Shortcut(QKeySequence.StandardKey.Quit, "Quit", "File"),
    "preferences": Shortcut(QKeySequence.StandardKey.Preferences, "Preferences", "Edit"),
    "full_screen": Shortcut(QKeySequence.StandardKey.FullScreen, "Full screen", "View"),
    "new_case": Shortcut("Ctrl+Shift+N", "New case", "Case"),
    "switch_case": Shortcut("Ctrl+Shift+O", "Switch case", "Case"),
    "rename_case": Shortcut("Ctrl+Shift+R", "Rename or describe case", "Case"),
    "check_audit": Shortcut("Ctrl+Shift+A", "Check audit trail", "Case"),
    "shortcuts_help": Shortcut("Ctrl+/", "Keyboard shortcuts", "Help"),
}


def shortcut(name: str) -> QKeySequence:
    return SHORTCUTS[name].sequence()


def with_shortcut(tip: str, name: str) -> str:
    """Tooltips name the shortcut (DESIGN.md, UI conventions)."""
    text = SHORTCUTS[name].text()
    return f"{tip} ({text})" if text else tip
