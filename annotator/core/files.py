"""Writing our own files safely: a temporary name in the same folder, then an atomic rename."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from annotator.core.errors import DiskFullError

#: Errors that mean "no space left": the disk, or the user's quota on it.
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})

# Our temporary names: ".<target name>.<writer pid>-<mkstemp's 8 random chars>.part".
# Names of the older form without the pid (".<name>.<8 chars>.part") are ours too.
_TEMP_NAME = re.compile(r"^\..+\.(?:(?P<pid>\d+)-)?[a-z0-9_]{8}\.part$")
_STARTED = time.time()  # a temporary file older than this one's start is not being written now
_swept: set[Path] = set()
_sweep_lock = threading.Lock()


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
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        sweep_stale_temporaries(path.parent)
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{path.name}.{os.getpid()}-", suffix=".part", dir=path.parent
        )
    except OSError as exc:
        raise _disk_full(path, exc) from exc
    tmp = Path(tmp_name)
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
        if isinstance(exc, OSError):
            raise _disk_full(path, exc) from exc
        raise


def _disk_full(path: Path, exc: OSError) -> OSError | DiskFullError:
    """``DiskFullError`` naming the file when the disk is full; any other error as it was."""
    if exc.errno in DISK_FULL_ERRNOS:
        return DiskFullError(path, exc.strerror or "")
    return exc


def is_stale_temporary(path: Path) -> bool:
    """One of our temporary names, left by a writer that is gone (killed, crashed, power cut).

    Only names of our own pattern, older than this process, and not of a writer still
    running: another app writing into the same folder keeps its file.
    """
    match = _TEMP_NAME.match(path.name)
    if match is None:
        return False
    try:
        if not path.is_file() or path.stat().st_mtime >= _STARTED:
            return False
    except OSError:
        return False
    pid = match["pid"]
    if pid is not None and int(pid) != os.getpid():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except OSError:  # alive, but another user's: not ours to judge
            return False
        return False  # its writer still runs
    return True


def sweep_stale_temporaries(folder: Path) -> list[Path]:
    """Remove our stale temporary files from ``folder``, once per folder and process."""
    folder = folder.resolve()
    with _sweep_lock:
        if folder in _swept:
            return []
        _swept.add(folder)
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        if is_stale_temporary(entry):
            with contextlib.suppress(OSError):
                entry.unlink()
                removed.append(entry)
    return removed


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with atomic_writer(path) as handle:
        handle.write(data)
