"""Printing for people and for scripts: JSON on stdout, errors as one line on stderr."""

from __future__ import annotations

import json
import sys
import unicodedata
from collections.abc import Sequence
from datetime import datetime

from annotator.core.audit_chain import format_at
from annotator.core.printable import shown

__all__ = ["emit_json", "error", "iso", "shown", "table"]


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 UTC with ``Z``, as CLI.md requires for every timestamp."""
    return None if moment is None else format_at(moment)


def emit_json(document: object) -> None:
    json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Aligned columns; cells are ``shown``, so a name with a line break stays one row."""
    rows = [[shown(cell) for cell in row] for row in rows]
    widths = [_width(h) for h in headers]
    for row in rows:
        widths = [max(w, _width(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True))

    out = [line(headers), line(["-" * w for w in widths])]
    out += [line(row) for row in rows]
    return "\n".join(s.rstrip() for s in out)
