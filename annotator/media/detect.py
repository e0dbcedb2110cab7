"""What a file is, from its first bytes: the extension is never trusted."""

from __future__ import annotations

import enum
from dataclasses import dataclass

HEADER_BYTES = 4096


class Family(enum.StrEnum):
    IMAGE = "image"  # decoded with Pillow
    AV = "av"  # audio or video, demuxed with PyAV; the streams decide which


@dataclass(frozen=True, slots=True)
class Signature:
    family: Family
    format: str
    mime: str


def _ftyp(header: bytes) -> Signature | None:
    if header[4:8] != b"ftyp":
        return None
    brand = header[8:12]
    if brand in (b"avif", b"avis"):
        return Signature(Family.IMAGE, "avif", "image/avif")
    if brand in (b"heic", b"heix", b"mif1", b"msf1"):
        return None  # HEIF stills: Pillow cannot read them without a plugin
    if brand.startswith(b"3g"):
        return Signature(Family.AV, "3gp", "video/3gpp")
    if brand == b"qt  ":
        return Signature(Family.AV, "mov", "video/quicktime")
    if brand in (b"M4A ", b"M4B "):
        return Signature(Family.AV, "m4a", "audio/mp4")
    return Signature(Family.AV, "mp4", "video/mp4")


def _mpeg_audio_frame(header: bytes) -> bool:
    """An MPEG audio frame header: 11 sync bits, a valid layer, bitrate and sample rate."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return False
    version = (header[1] >> 3) & 0x3
    layer = (header[1] >> 1) & 0x3
    bitrate = header[2] >> 4
    rate = (header[2] >> 2) & 0x3
    return version != 1 and layer != 0 and bitrate not in (0, 15) and rate != 3


def sniff(header: bytes) -> Signature | None:
    """The container or image format of a file from its first bytes; None if not media."""
    if header.startswith(b"\xff\xd8\xff"):
        return Signature(Family.IMAGE, "jpeg", "image/jpeg")
    if header.startswith(b"\x89PNG\r\n\x1a\n"):
        return Signature(Family.IMAGE, "png", "image/png")
    if header[:6] in (b"GIF87a", b"GIF89a"):
        return Signature(Family.IMAGE, "gif", "image/gif")
    if header[:4] in (b"II*\x00", b"MM\x00*"):
        return Signature(Family.IMAGE, "tiff", "image/tiff")
    if header.startswith(b"BM") and len(header) >= 26 and header[14] in (12, 40, 52, 56, 108, 124):
        return Signature(Family.IMAGE, "bmp", "image/bmp")
    if header.startswith(b"RIFF") and len(header) >= 12:
        kind = header[8:12]
        if kind == b"WEBP":
            return Signature(Family.IMAGE, "webp", "image/webp")
        if kind == b"AVI ":
            return Signature(Family.AV, "avi", "video/x-msvideo")
        if kind == b"WAVE":
            return Signature(Family.AV, "wav", "audio/wav")
        return None
    if ftyp := _ftyp(header):
        return ftyp
    if header.startswith(b"\x1a\x45\xdf\xa3"):
        webm = b"webm" in header[:64]
        return Signature(
            Family.AV, "webm" if webm else "matroska", "video/webm" if webm else "video/x-matroska"
        )
    if header.startswith(b"OggS"):
        return Signature(Family.AV, "ogg", "audio/ogg")
    if header.startswith(b"fLaC"):
        return Signature(Family.AV, "flac", "audio/flac")
    if header.startswith(b"ID3") or _mpeg_audio_frame(header):
        return Signature(Family.AV, "mp3", "audio/mpeg")
    if len(header) >= 2 and header[0] == 0xFF and header[1] & 0xF6 == 0xF0:
        return Signature(Family.AV, "aac", "audio/aac")  # ADTS
    if len(header) > 376 and header[0] == 0x47 and header[188] == 0x47 and header[376] == 0x47:
        return Signature(Family.AV, "mpegts", "video/mp2t")
    if header.startswith(b"\x00\x00\x01\xba"):
        return Signature(Family.AV, "mpeg", "video/mpeg")
    return None
