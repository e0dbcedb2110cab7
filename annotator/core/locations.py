"""Where a media file is: relative to a named media root when under one, else absolute.

Roots are mapped per machine in the settings, so a team's shared evidence folder can sit
at a different path on each laptop and the case still finds its files.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

SEPARATOR = ":"


def to_location(path: Path, roots: Mapping[str, str]) -> str:
    absolute = Path(os.path.abspath(path))
    for name, root in sorted(roots.items(), key=lambda kv: -len(kv[1])):
        base = Path(os.path.abspath(root))
        try:
            relative = absolute.relative_to(base)
        except ValueError:
            continue
        return f"{name}{SEPARATOR}{PurePosixPath(*relative.parts)}"
    return str(absolute)


def resolve_location(location: str, roots: Mapping[str, str]) -> Path:
    """The path of a stored location on this machine (roots from this machine's settings)."""
    name, sep, rest = location.partition(SEPARATOR)
    if sep and name in roots and not Path(location).is_absolute():
        return Path(roots[name]).joinpath(*PurePosixPath(rest).parts)
    return Path(location)
