"""Walk the files and folders an investigator chose: recursive, hidden skipped, loops survived."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from annotator.core.errors import MediaError
from annotator.core.paths import is_text_path, path_text
from annotator.core.progress import CancelToken

_HIDDEN_ATTRIBUTE = 0x2  # FILE_ATTRIBUTE_HIDDEN on Windows


@dataclass(frozen=True, slots=True)
class Found:
    """A file to import, or a path that could not be walked (``error`` says why)."""

    path: Path
    size: int = 0
    error: MediaError | None = None


def _hidden(entry: os.DirEntry[str]) -> bool:
    if entry.name.startswith("."):
        return True
    try:
        attrs = getattr(entry.stat(follow_symlinks=False), "st_file_attributes", 0)
    except OSError:
        return False
    return bool(attrs & _HIDDEN_ATTRIBUTE)


def _os_error(path: Path, exc: OSError) -> MediaError:
    shown = path_text(path)
    if isinstance(exc, PermissionError):
        return MediaError("permission_denied", f"No permission to read {shown}.")
    if isinstance(exc, FileNotFoundError):
        return MediaError("not_found", f"{shown} does not exist (moved or deleted?).")
    if exc.errno == errno.ENAMETOOLONG:
        return MediaError(
            "path_too_long",
            f"{shown} cannot be reached: its path is {len(os.fsencode(path)):,} bytes, longer "
            "than this system allows. Move the folder to a shorter path and import it from "
            "there.",
        )
    return MediaError("unreadable", f"{shown} cannot be read: {exc.strerror or exc}.")


def scan(paths: Iterable[Path], cancel: CancelToken | None = None) -> Iterator[Found]:
    """Every regular file under ``paths``, in a stable order; each problem as a Found.error.

    Paths are made absolute without resolving symlinks, so the stored original path is
    the one the investigator chose. A folder reached twice (symlink loop) is walked once.
    """
    seen_dirs: set[tuple[int, int]] = set()
    for raw in paths:
        path = Path(os.path.abspath(raw))
        try:
            info = path.stat()
        except OSError as exc:
            yield Found(path, error=_os_error(path, exc))
            continue
        if stat.S_ISDIR(info.st_mode):
            yield from _walk(path, seen_dirs, cancel)
        else:
            yield _file(path, info)


def _file(path: Path, info: os.stat_result) -> Found:
    if not is_text_path(path):
        return Found(
            path,
            error=MediaError(
                "invalid_name",
                f"{path_text(path.name)}: its name is not valid UTF-8 text (it was made on a "
                "system with another encoding), so the case could not record where it is. "
                "Copy it under a new name and import the copy; the original stays as it is.",
            ),
        )
    if not stat.S_ISREG(info.st_mode):
        return Found(
            path,
            error=MediaError(
                "unsupported_format", f"{path.name} is not a regular file (device, pipe or socket)."
            ),
        )
    return Found(path, size=info.st_size)


def _walk(root: Path, seen: set[tuple[int, int]], cancel: CancelToken | None) -> Iterator[Found]:
    stack = [root]
    while stack:
        if cancel is not None:
            cancel.raise_if_cancelled()
        folder = stack.pop()
        try:
            info = folder.stat()
            key = (info.st_dev, info.st_ino)
            if key in seen:
                continue  # a symlink loop, or the same folder chosen twice
            seen.add(key)
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            yield Found(folder, error=_os_error(folder, exc))
            continue
        subfolders = []
        for entry in entries:
            if _hidden(entry):
                continue
            path = folder / entry.name
            try:
                if entry.is_dir():
                    subfolders.append(path)
                    continue
                yield _file(path, entry.stat())
            except OSError as exc:
                yield Found(path, error=_os_error(path, exc))
        stack.extend(reversed(subfolders))
