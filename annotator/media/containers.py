"""Container structure checks that tell a cut-short file from a corrupt one."""

from __future__ import annotations

import struct
from pathlib import Path

_MAX_BOXES = 10_000


def iso_bmff_truncated(path: Path) -> bool:
    """True when an MP4/MOV/3GP file's top-level boxes run past the end of the file.

    A download that stopped early keeps its ``ftyp`` and part of ``mdat``; FFmpeg then
    only says "invalid data", but the box sizes prove the file was cut.
    """
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            offset = 0
            for _ in range(_MAX_BOXES):
                if offset >= size:
                    return False
                handle.seek(offset)
                header = handle.read(16)
                if len(header) < 8:
                    return True
                box_size, _box_type = struct.unpack(">I4s", header[:8])
                if box_size == 1:
                    if len(header) < 16:
                        return True
                    box_size = struct.unpack(">Q", header[8:16])[0]
                elif box_size == 0:  # runs to the end of the file by definition
                    return False
                if box_size < 8:
                    return False  # not a box structure we understand: not "truncated"
                offset += box_size
                if offset > size:
                    return True
            return False
    except OSError:
        return False
