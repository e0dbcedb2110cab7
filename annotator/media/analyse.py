"""Everything ingest learns about one file: the work a pool thread does per file.

Order matters for honesty: the file is stat-ed first and again at the end, so a file that
changed while we read it is reported instead of being recorded with a wrong hash.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from annotator.core.entities import MediaKind, NewMedia
from annotator.core.errors import MediaError
from annotator.core.progress import CancelToken
from annotator.media import detect
from annotator.media.containers import Verdict, judge
from annotator.media.hashing import perceptual_hash, sha256_file
from annotator.media.video import FrameIndex


@dataclass(frozen=True, slots=True)
class Analysis:
    """What was learned about one file, and for video the frame index to cache.

    ``media.location`` is still the plain path: the importer maps it onto a media root.
    """

    media: NewMedia
    frame_index: FrameIndex | None = None


def _stat(path: Path) -> os.stat_result:
    try:
        return path.stat()
    except FileNotFoundError as exc:
        raise MediaError("not_found", f"{path} disappeared before it could be read.") from exc
    except PermissionError as exc:
        raise MediaError("permission_denied", f"No permission to read {path}.") from exc
    except OSError as exc:
        raise MediaError("unreadable", f"{path} cannot be read: {exc.strerror or exc}.") from exc


def _read_header(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(detect.HEADER_BYTES)
    except FileNotFoundError as exc:
        raise MediaError("not_found", f"{path} disappeared before it could be read.") from exc
    except PermissionError as exc:
        raise MediaError("permission_denied", f"No permission to read {path}.") from exc
    except OSError as exc:
        raise MediaError("unreadable", f"{path} cannot be read: {exc.strerror or exc}.") from exc


def metadata_text(metadata: dict[str, Any]) -> str:
    return json.dumps(metadata, sort_keys=True, ensure_ascii=False, default=str)


def _frame_hashes(path: Path, index: FrameIndex | None, cancel: CancelToken | None) -> str | None:
    """The video's perceptual fingerprint, or None (not computed) when it cannot be made.

    The file was already probed, so a failure here is a decoder quirk: the import goes on
    and the duplicates service's backfill can try again (and say why it fails).
    """
    from annotator.media import fingerprint

    try:
        return fingerprint.dumps(fingerprint.video_frame_hashes(path, index, cancel=cancel))
    except MediaError:
        return None


def analyse_file(
    path: Path,
    *,
    max_pixels: int,
    cancel: CancelToken | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> Analysis:
    """Hash, identify and describe one file, read-only. Raises MediaError with a reason."""
    before = _stat(path)
    if not stat.S_ISREG(before.st_mode):
        raise MediaError("unsupported_format", f"{path.name} is not a regular file.")
    if before.st_size == 0:
        raise MediaError("zero_bytes", f"{path.name} is empty (0 bytes). Copy it again.")
    signature = detect.sniff(_read_header(path))
    if signature is None:
        raise MediaError(
            "unsupported_format",
            f"{path.name} is not a picture, video or audio file that this app can read.",
        )
    try:
        digest, read = sha256_file(path, cancel, on_bytes)
    except FileNotFoundError as exc:
        raise MediaError("not_found", f"{path} disappeared while it was read.") from exc
    except PermissionError as exc:
        raise MediaError("permission_denied", f"No permission to read {path}.") from exc
    except OSError as exc:
        raise MediaError("unreadable", f"{path} cannot be read: {exc.strerror or exc}.") from exc

    file_facts = NewMedia(
        original_path=str(path),
        location=str(path),
        file_name=path.name,
        sha256=digest,
        size_bytes=read,
        kind=MediaKind.IMAGE,
        mime=signature.mime,
    )
    try:
        verdict = judge(path, signature.format)
        try:
            media, index = _describe(path, signature, file_facts, max_pixels, cancel, verdict)
        except MediaError as exc:
            if exc.reason in _MAYBE_CUT:
                _raise_if_cut_short(path, signature.format, verdict, exc)
            raise
        # Decoders play a file whose tail is missing; it still is not the file that was made.
        _raise_if_cut_short(path, signature.format, verdict)
    except MediaError as exc:
        # A download still being written looks cut short or broken: say what is happening.
        _raise_if_changed(path, before, read, exc)
        raise
    _raise_if_changed(path, before, read)
    return Analysis(media, index)


def _raise_if_changed(
    path: Path, before: os.stat_result, read: int, cause: MediaError | None = None
) -> None:
    after = _stat(path)
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns) or (
        read != before.st_size
    ):
        raise MediaError(
            "changed_during_import",
            f"{path.name} changed while it was being read (still downloading or syncing?). "
            "Import it again once it is complete.",
        ) from cause


# Reasons a decoder gives for a file that may simply be cut short: its structure decides.
_MAYBE_CUT = frozenset({"decode_error", "unsupported_format", "truncated"})


def _raise_if_cut_short(
    path: Path, fmt: str, verdict: Verdict, cause: MediaError | None = None
) -> None:
    """Raise ``truncated`` when the file's own structure shows that its end is missing.

    With ``cause`` (the decoder's failure), also correct the decoder's guess the other
    way: bytes that are not the structure their signature promises are corrupt, not cut
    short, whatever the decoder's message suggested.
    """
    if verdict.state == "cut":
        raise MediaError(
            "truncated",
            f"{path.name} is cut short (truncated): {verdict.detail}. "
            "Download or copy it again from the source.",
        ) from cause
    if cause is not None and cause.reason == "truncated" and verdict.state == "garbled":
        raise MediaError(
            "decode_error",
            f"{path.name} is damaged: its bytes are not the {fmt.upper()} structure its "
            f"first bytes promise ({cause.message})",
        ) from cause


def _describe(
    path: Path,
    signature: detect.Signature,
    file_facts: NewMedia,
    max_pixels: int,
    cancel: CancelToken | None,
    verdict: Verdict,
) -> tuple[NewMedia, FrameIndex | None]:
    """Probe and describe the file with the decoder its signature calls for."""
    from annotator.media.images import probe_image
    from annotator.media.probe import probe_av
    from annotator.media.thumbnails import jpeg_thumbnail

    if signature.family is detect.Family.IMAGE:
        image = probe_image(path, max_pixels)
        assert image.preview is not None
        media = replace(
            file_facts,
            container=image.format or signature.format,
            width=image.width,
            height=image.height,
            rotation=image.rotation,
            frame_count=image.frames if image.frames > 1 else None,
            captured_at=image.captured_at,
            metadata_json=metadata_text(image.metadata),
            thumbnail=jpeg_thumbnail(image.preview),
            phash=perceptual_hash(image.preview),
        )
        index = None
    else:
        av = probe_av(path, structure_whole=verdict.state == "whole")
        mime = signature.mime
        if av.kind is MediaKind.AUDIO and mime.startswith("video/"):
            mime = "audio/" + mime.split("/", 1)[1]
        poster = av.poster
        frame_hashes = None
        if av.kind is MediaKind.VIDEO:
            frame_hashes = _frame_hashes(path, av.index, cancel)
        media = replace(
            file_facts,
            kind=av.kind,
            mime=mime,
            container=signature.format,
            video_codec=av.video_codec,
            audio_codec=av.audio_codec,
            width=av.width,
            height=av.height,
            rotation=av.rotation,
            duration_ms=av.duration_ms,
            frame_count=av.frame_count,
            avg_fps=av.avg_fps,
            is_vfr=av.is_vfr,
            start_pts_ms=av.start_pts_ms,
            captured_at=av.captured_at,
            metadata_json=metadata_text(av.metadata),
            thumbnail=None if poster is None else jpeg_thumbnail(poster),
            phash="" if poster is None else perceptual_hash(poster),
            frame_hashes=frame_hashes,
        )
        index = av.index
    return media, index
