"""Container structure checks that tell a cut-short file from a corrupt one.

Decoders disagree about cut files: FFmpeg says "invalid data" for an MP4 cut before its
``moov`` box, Pillow "cannot identify" a PNG cut inside its header, and both happily
decode a file that lost only its last bytes. The file's own structure is the better
witness: each format declares how long its parts are, so a part that runs past the end
of the file proves the file was cut. Each check returns what is missing, in words, or
None when the file is whole *or* is not a structure the check understands (random bytes
behind a valid signature are corrupt, not cut short).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final, Literal

_MAX_PARTS = 1_000_000  # boxes/chunks/segments walked at most: a guard against loops
_ISO_BMFF_AV = frozenset({"mp4", "mov", "3gp", "m4a"})
_MATROSKA = frozenset({"webm", "matroska"})
_RIFF = frozenset({"webp", "avi", "wav"})


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a file's structure says about it.

    ``cut`` (``detail`` says what is missing), ``whole``, ``garbled`` (not the structure
    its signature promises) or ``unknown`` (not judged).
    """

    state: Literal["cut", "whole", "garbled", "unknown"]
    detail: str = ""


UNKNOWN: Final = Verdict("unknown")
_GARBLED: Final = "\0garbled"  # what a check returns for bytes that are not its structure
_UNJUDGED: Final = "\0unknown"  # ... and for a structure that does not say its length


def judge(path: Path, fmt: str) -> Verdict:
    """The structural verdict on the file at ``path`` of the sniffed format ``fmt``.

    Formats without a check, and files that cannot be read, are ``unknown``: the caller
    reports why they fail.
    """
    check = _CHECKS.get(fmt)
    if check is None:
        return UNKNOWN
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            found = check(handle, size)
    except OSError:
        return UNKNOWN
    if found is None:
        return Verdict("whole")
    if found == _GARBLED:
        return Verdict("garbled")
    if found == _UNJUDGED:
        return UNKNOWN
    return Verdict("cut", found)


def cut_short(path: Path, fmt: str) -> str | None:
    """How the file is cut short, in words, or None when it is not (or cannot be told)."""
    verdict = judge(path, fmt)
    return verdict.detail if verdict.state == "cut" else None


def _missing(needed: int, size: int) -> str:
    more = needed - size
    return f"{more:,} more byte{'s' if more != 1 else ''} than the file's {size:,}"


def _iso_bmff(handle: BinaryIO, size: int) -> str | None:
    """Top-level boxes: 32-bit size (1: 64-bit follows, 0: to the end of the file) and type."""
    return _iso_boxes(handle, size, needs_moov=False)


def _iso_bmff_av(handle: BinaryIO, size: int) -> str | None:
    """As ``_iso_bmff``; a video or audio file also needs its ``moov`` box (its index)."""
    return _iso_boxes(handle, size, needs_moov=True)


def _iso_boxes(handle: BinaryIO, size: int, *, needs_moov: bool) -> str | None:
    offset = 0
    seen: set[bytes] = set()
    for _ in range(_MAX_PARTS):
        if offset >= size:
            if needs_moov and b"moov" not in seen:
                return "it ends before its 'moov' box (the index a recorder writes last)"
            return None
        handle.seek(offset)
        header = handle.read(16)
        if len(header) < 8:
            return f"its last box header is incomplete ({len(header)} of 8 bytes)"
        box_size, box_type = struct.unpack(">I4s", header[:8])
        if not all(32 <= b < 127 for b in box_type):
            return _GARBLED  # not a box: corrupt, not cut
        name = box_type.decode("ascii")
        if box_size == 1:
            if len(header) < 16:
                return f"the header of its '{name}' box is incomplete"
            box_size = struct.unpack(">Q", header[8:16])[0]
        elif box_size == 0:  # runs to the end of the file by definition
            box_size = size - offset
        if box_size < 8:
            return _GARBLED  # not a box structure: corrupt, not cut
        if offset + box_size > size:
            return f"its '{name}' box needs {_missing(offset + box_size, size)}"
        seen.add(box_type)
        offset += box_size
    return None


def _vint(data: bytes, at: int, *, keep_marker: bool) -> tuple[int, int, bool] | None:
    """An EBML variable-length integer at ``at``: (value, length, all value bits set)."""
    if at >= len(data) or data[at] == 0:
        return None
    first = data[at]
    length = 1
    while not first & (0x80 >> (length - 1)):
        length += 1
    if at + length > len(data):
        return None
    value = first if keep_marker else first & (0xFF >> length)
    for byte in data[at + 1 : at + length]:
        value = value << 8 | byte
    unknown = not keep_marker and value == (1 << (7 * length)) - 1
    return value, length, unknown


def _matroska(handle: BinaryIO, size: int) -> str | None:
    """The EBML header element, then the Segment: a known Segment size must fit the file.

    Live recorders (MediaRecorder, OBS while recording) write an unknown Segment size:
    such a file cannot be judged from its structure and is left to the decoder.
    """
    data = handle.read(4096)  # the EBML header is a few dozen bytes
    whole = len(data) == size
    offset = 0
    for expected, name in ((0x1A45DFA3, "EBML header"), (0x18538067, "Segment")):
        if offset >= len(data) and whole:
            return f"it ends before its {name}"
        element = _vint(data, offset, keep_marker=True)
        if element is None:
            return f"its {name} is incomplete" if whole and offset + 4 > len(data) else _GARBLED
        if element[0] != expected:
            return _GARBLED
        length = _vint(data, offset + element[1], keep_marker=False)
        if length is None:
            return f"the size of its {name} is incomplete" if whole else _GARBLED
        value, size_length, unknown = length
        if unknown:
            return _UNJUDGED
        end = offset + element[1] + size_length + value
        if end > size:
            return f"its {name} needs {_missing(end, size)}"
        offset = end
    return None


def _riff(handle: BinaryIO, size: int) -> str | None:
    """RIFF (WebP, AVI, WAV): the size after the first 8 bytes; 0 or all ones: not known."""
    header = handle.read(12)
    if len(header) < 8:
        return "its RIFF header is incomplete"
    declared = struct.unpack("<I", header[4:8])[0]
    if declared in (0, 0xFFFFFFFF):
        return _UNJUDGED
    if 8 + declared > size:
        return f"its RIFF data needs {_missing(8 + declared, size)}"
    return None


def _png(handle: BinaryIO, size: int) -> str | None:
    """Chunks (length, type, data, CRC) from IHDR to IEND; all must fit in the file."""
    offset = 8
    for count in range(_MAX_PARTS):
        handle.seek(offset)
        header = handle.read(8)
        if len(header) < 8:
            if count and not header:
                return "it ends before its IEND chunk"
            return "its chunk header is incomplete"
        length, kind = struct.unpack(">I4s", header)
        if count == 0 and (kind != b"IHDR" or length != 13):
            return _GARBLED  # not a PNG's first chunk: corrupt, not cut
        if not kind.isalpha():
            return _GARBLED
        end = offset + 12 + length
        if end > size:
            return f"its '{kind.decode('ascii')}' chunk needs {_missing(end, size)}"
        if kind == b"IEND":
            return None
        offset = end
    return None


_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # markers without a length (TEM, RSTn)
_SOS, _EOI = 0xDA, 0xD9


def _jpeg(handle: BinaryIO, size: int) -> str | None:
    """Marker segments up to the first scan, then an end-of-image marker after it.

    Scan data cannot contain FF D9 (the encoder stuffs every FF byte), so the first
    FF D9 after the scan header ends the image; a thumbnail's own FF D9 lies in an APP1
    segment before it, which is skipped by its length.
    """
    offset = 2
    for _ in range(_MAX_PARTS):
        handle.seek(offset)
        header = handle.read(4)
        if len(header) < 2:
            return "it ends before its picture data"
        if header[0] != 0xFF:
            return _GARBLED
        marker = header[1]
        if marker == 0xFF:  # fill byte
            offset += 1
            continue
        if marker == _EOI:
            return None
        if marker in _STANDALONE:
            offset += 2
            continue
        if len(header) < 4:
            return "a segment header is incomplete"
        length = struct.unpack(">H", header[2:4])[0]
        if length < 2:
            return _GARBLED
        if marker == 0xE0 and not _starts(handle, offset + 4, (b"JFIF\0", b"JFXX\0")):
            return _GARBLED  # an APP0 that is not JFIF: noise behind a JPEG signature
        end = offset + 2 + length
        if end > size:
            return f"a header segment needs {_missing(end, size)}"
        if marker == _SOS:
            return _jpeg_scan_end(handle, end, size)
        offset = end
    return None


def _starts(handle: BinaryIO, at: int, prefixes: tuple[bytes, ...]) -> bool:
    """True when the bytes at ``at`` start with a prefix, or the file ends before showing."""
    handle.seek(at)
    data = handle.read(max(len(p) for p in prefixes))
    return any(p.startswith(data) if len(data) < len(p) else data.startswith(p) for p in prefixes)


_TAIL_CHUNK = 64 * 1024


def _jpeg_scan_end(handle: BinaryIO, start: int, size: int) -> str | None:
    """Any FF D9 after the scan starts is an end-of-image marker: look from the end.

    It is almost always in the last bytes, so a whole 12 MP photo is not scanned (one
    search over megabytes also holds the interpreter lock: the window stutters during an
    import); chunks from the end, overlapping by a byte, stop at the scan's start.
    """
    if start >= size:
        return "it ends before its picture data"
    end = size
    while end > start:
        begin = max(start, end - _TAIL_CHUNK)
        handle.seek(begin)
        chunk = handle.read(min(end + 1, size) - begin)  # one byte past: a marker astride
        if b"\xff\xd9" in chunk:
            return None
        end = begin
    return "it ends before its end-of-image marker: picture data is missing"


_CHECKS = {
    **dict.fromkeys(_ISO_BMFF_AV, _iso_bmff_av),
    "avif": _iso_bmff,
    **dict.fromkeys(_MATROSKA, _matroska),
    **dict.fromkeys(_RIFF, _riff),
    "png": _png,
    "jpeg": _jpeg,
}
