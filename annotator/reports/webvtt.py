"""WebVTT subtitles of one media item's transcripts and translations, one file per language.

Players, editors and browsers show ``.vtt`` next to the video, so a reviewer can watch the
evidence with what was said in it. Rules, and why:

- Files are ``<stem>.<lang>.vtt``; ``lang`` is the annotation's transcript_lang or
  translation_lang, ``und`` (undetermined, BCP 47) when it is empty. Characters other than
  letters, digits and ``-`` become ``_`` so a typed code cannot leave the folder.
- Cues come from **segments** only: a moment has no duration to show text for, and a region
  marks a place on the picture, not speech. An annotation whose transcript and translation
  share a language gives one cue holding both (cue identifiers must be unique in a file).
- The cue identifier is the annotation uid, so a subtitle leads back to its record; times are
  ``HH:MM:SS.mmm`` straight from start_ms/end_ms (end exclusive, as WebVTT's).
- Cue text escapes ``&``, ``<`` and ``>`` (so ``-->`` can never appear) and drops blank lines,
  which would end the cue early.
- No cues in a language, no file: a media item without segment text writes nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

from annotator.core.files import atomic_write_bytes
from annotator.core.timecode import format_ms
from annotator.reports.eaf import ROLES, Record, find_media, media_annotations, opt_int, text

UNDETERMINED = "und"
_UNSAFE = re.compile(r"[^A-Za-z0-9-]")


def file_language(code: str) -> str:
    """The language part of a subtitle file name: the code made safe, ``und`` when empty."""
    return _UNSAFE.sub("_", code.strip()) or UNDETERMINED


def cue_text(value: str) -> str:
    """Text escaped for a WebVTT cue payload, without the blank lines that would end it."""
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "\n".join(line for line in escaped.splitlines() if line.strip())


def _note(value: str) -> str:
    """A line safe inside a NOTE block: one line, no ``-->``."""
    return " ".join(value.split()).replace("-->", "->")


def write_vtt(document: Record, media_uid: str, folder: Path, stem: str) -> list[Path]:
    """Write one subtitle file per language into ``folder``; return the files, by language."""
    if not stem or Path(stem).name != stem or "\\" in stem:
        raise ValueError(f"'{stem}' cannot name subtitle files: give a file name without folders.")
    media = find_media(document, media_uid)
    cues: dict[str, dict[str, tuple[int, int, list[str]]]] = {}  # lang -> uid -> cue
    for record in media_annotations(document, media_uid):
        start, end = opt_int(record, "start_ms"), opt_int(record, "end_ms")
        if text(record, "kind") != "segment" or start is None or end is None:
            continue
        uid = text(record, "uid")
        if end <= start:
            raise ValueError(f"Annotation {uid} ends ({end} ms) before it starts ({start} ms).")
        for role in ROLES:
            payload = cue_text(text(record, role))
            if payload:
                lang = file_language(text(record, f"{role}_lang"))
                cues.setdefault(lang, {}).setdefault(uid, (start, end, []))[2].append(payload)
    written = []
    for lang in sorted(cues):
        blocks = [
            "WEBVTT",
            f"NOTE\nMedia: {_note(text(media, 'file_name'))}\n"
            f"SHA-256: {_note(text(media, 'sha256'))}\nLanguage: {lang}",
        ]
        ordered = sorted(cues[lang].items(), key=lambda item: (item[1][0], item[1][1], item[0]))
        for uid, (start, end, payloads) in ordered:
            timing = f"{format_ms(start)} --> {format_ms(end)}"
            blocks.append(f"{_note(uid)}\n{timing}\n" + "\n".join(payloads))
        path = folder / f"{stem}.{lang}.vtt"
        atomic_write_bytes(path, ("\n\n".join(blocks) + "\n").encode("utf-8"))
        written.append(path)
    return written
