"""Names shown on one line to a person: nothing in a file name may change what the line says.

Line breaks and other controls split or overwrite a line; bidirectional overrides show
"gpj.exe" as "exe.jpg". Shown text gets them as visible escapes; JSON keeps the exact text.
"""

from __future__ import annotations

import unicodedata

_UNPRINTABLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
_JOINERS = frozenset("\u200c\u200d")  # (non-)joiners inside emoji and Indic words: harmless


def shown(text: str) -> str:
    """``text`` with controls and invisible format characters as visible escapes."""
    if text.isprintable():
        return text
    return "".join(
        ch
        if ch in _JOINERS or unicodedata.category(ch) not in _UNPRINTABLE_CATEGORIES
        else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )
