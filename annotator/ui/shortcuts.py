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
    "export": Shortcut("Ctrl+E", "Export the case (report, CSV, JSON, ELAN, ...)", "File"),
    "quit": Shortcut("Ctrl+Q", "Quit", "File"),
    "preferences": Shortcut("Ctrl+,", "Preferences", "Edit"),
    "full_screen": Shortcut(QKeySequence.StandardKey.FullScreen, "Full screen", "View"),
    "new_case": Shortcut("Ctrl+Shift+N", "New case", "Case"),
    "switch_case": Shortcut("Ctrl+Shift+O", "Switch case", "Case"),
    "rename_case": Shortcut("Ctrl+Shift+R", "Rename or describe case", "Case"),
    "check_audit": Shortcut("Ctrl+Shift+A", "Check audit trail", "Case"),
    "shortcuts_help": Shortcut("Ctrl+/", "Keyboard shortcuts", "Help"),
    "snapshot": Shortcut("Ctrl+Shift+S", "Save the frame on screen as a snapshot", "Player"),
    "undo": Shortcut(QKeySequence.StandardKey.Undo, "Undo", "Edit"),
    "redo": Shortcut("Ctrl+Shift+Z", "Redo", "Edit"),
    "focus_viewer": Shortcut("Esc", "Return the keyboard to the viewer", "Player"),
}

# Single keys act only while the viewer has the focus, never while typing (DESIGN.md).
PLAYER_SHORTCUTS: dict[str, Shortcut] = {
    "play": Shortcut("Space", "Play or pause", "Player"),
    "step_forward": Shortcut("Right", "One frame forward (also .)", "Player"),
    "step_forward_alt": Shortcut(".", "One frame forward", "Player"),
    "step_back": Shortcut("Left", "One frame back (also ,)", "Player"),
    "step_back_alt": Shortcut(",", "One frame back", "Player"),
    "second_forward": Shortcut("Shift+Right", "One second forward", "Player"),
    "second_back": Shortcut("Shift+Left", "One second back", "Player"),
    "ten_forward": Shortcut("Ctrl+Right", "Ten seconds forward", "Player"),
    "ten_back": Shortcut("Ctrl+Left", "Ten seconds back", "Player"),
    "start": Shortcut("Home", "First frame", "Player"),
    "end": Shortcut("End", "Last frame", "Player"),
    "slower": Shortcut("[", "Slower", "Player"),
    "faster": Shortcut("]", "Faster", "Player"),
    "goto": Shortcut("Ctrl+G", "Go to a time or frame number", "Player"),
    "mark_moment": Shortcut("M", "Mark a moment on the frame on screen", "Annotate"),
    "mark_in": Shortcut("I", "Segment starts here", "Annotate"),
    "mark_region": Shortcut("R", "Draw a rectangle region (then drag on the picture)", "Annotate"),
    "mark_polygon": Shortcut(
        "P", "Draw a polygon region (click corners; Enter or double-click ends)", "Annotate"
    ),
    "mark_redaction": Shortcut(
        "X", "Draw a redaction: an area hidden in published output (then drag)", "Annotate"
    ),
    "mark_out": Shortcut("O", "Segment ends here (saves it)", "Annotate"),
    "delete_annotation": Shortcut("Delete", "Delete the selected annotation", "Annotate"),
    **{
        f"favourite_{n}": Shortcut(str(n), f"Toggle the tag on key {n}", "Annotate")
        for n in range(1, 10)
    },
    "zoom_in": Shortcut("+", "Zoom in", "Viewer"),
    "zoom_in_alt": Shortcut("=", "Zoom in", "Viewer"),
    "zoom_out": Shortcut("-", "Zoom out", "Viewer"),
    "zoom_fit": Shortcut("Ctrl+0", "Fit the picture in the window", "Viewer"),
    "zoom_actual": Shortcut("Ctrl+1", "Actual size (100%)", "Viewer"),
}


ALL_SHORTCUTS = {**SHORTCUTS, **PLAYER_SHORTCUTS}


def shortcut(name: str) -> QKeySequence:
    return ALL_SHORTCUTS[name].sequence()


def with_shortcut(tip: str, name: str) -> str:
    """Tooltips name the shortcut (DESIGN.md, UI conventions)."""
    text = ALL_SHORTCUTS[name].text()
    return f"{tip} ({text})" if text else tip
