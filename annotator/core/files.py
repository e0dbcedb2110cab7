"""Writing our own files safely: a temporary name in the same folder, then an atomic rename."""

from __future__ import annotations

import contextlib
import glob
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from annotator.core.errors import DiskFullError, is_disk_full

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]


def _read_umask() -> int:
    mask = os.umask(0o022)  # the only way to read it; read once, at import, and put back
    os.umask(mask)
    return mask


_UMASK = _read_umask()


@contextlib.contextmanager
def atomic_writer(path: Path, mode: str = "wb") -> Iterator[IO[bytes]]:
    """Yield a file that replaces ``path`` only once fully written and flushed to disk.

    On any error the temporary file is removed and ``path`` keeps its previous content.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(path)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise _disk_full(path) if is_disk_full(exc) else exc from exc
    tmp = Path(tmp_name)
    _hold(fd)
    try:
        # mkstemp makes the file private (0600); a report or export is made to be shared,
        # so it gets the permissions any new file of the user gets.
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        if isinstance(exc, OSError) and not isinstance(exc, DiskFullError) and is_disk_full(exc):
            raise _disk_full(path) from exc
        raise


def _disk_full(path: Path) -> DiskFullError:
    return DiskFullError(
        f"The disk is full: {path} could not be written. Free some space or choose a folder "
        "on another disk, then try again. Nothing was written there; the case is unchanged."
    )


def _hold(fd: int) -> None:
    """Lock our temporary file while we write it: the kernel drops the lock if we are killed."""
    if fcntl is not None:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def remove_stale_parts(path: Path) -> list[Path]:
    """Delete the temporary files a killed writer of ``path`` left behind; return them.

    A ``.NAME.xxxxxxxx.part`` file is stale when nobody holds its lock: a live writer in
    any process holds it until it renames the file. Without ``fcntl`` (Windows) nothing is
    removed, as a live writer cannot be told from a dead one.
    """
    if fcntl is None:
        return []
    removed = []
    try:
        candidates = list(path.parent.glob(f".{glob.escape(path.name)}.*.part"))
    except OSError:
        return []
    for part in candidates:
        try:
            fd = os.open(part, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # held: another writer is busy with it
        else:
            with contextlib.suppress(OSError):
                part.unlink()
                removed.append(part)
        finally:
            os.close(fd)
    return removed


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with atomic_writer(path) as handle:
        handle.write(data)
