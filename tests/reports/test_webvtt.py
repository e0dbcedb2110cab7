"""WebVTT subtitles, read back with webvtt-py: times and texts exactly."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
import webvtt

from annotator.reports.webvtt import cue_text, file_language, write_vtt
from tests.reports.sample_document import (
    AUDIO,
    AUDIO_UID,
    CHINESE,
    IMAGE_UID,
    RUSSIAN,
    SEGMENT,
    SHOUTED,
    UKRAINIAN,
    UNTAGGED,
    VIDEO_UID,
    annotation,
    sample_document,
)


def _cues(path: Path) -> list[tuple[str, str, str, str]]:
    """(identifier, start, end, text) of every cue, the text unescaped as a player shows it."""
    captions = webvtt.read(str(path), strict=True).captions
    return [(c.identifier, c.start, c.end, html.unescape(c.raw_text)) for c in captions]


def test_one_file_per_language_with_exact_times_and_texts(tmp_path: Path) -> None:
    files = write_vtt(sample_document(), VIDEO_UID, tmp_path, "captive")
    assert [f.name for f in files] == ["captive.en.vtt", "captive.ru.vtt", "captive.und.vtt"]
    english, russian, undetermined = files
    assert _cues(russian) == [(SEGMENT, "00:00:02.002", "00:00:05.005", RUSSIAN)]
    assert _cues(english) == [
        (SEGMENT, "00:00:02.002", "00:00:05.005", "Where are you? We are from Hunan.")
    ]
    # Blank lines would end the cue early: they go, everything else stays text.
    shouted = SHOUTED.replace("\n\n", "\n")
    assert _cues(undetermined) == [(UNTAGGED, "00:00:40.040", "00:00:42.042", shouted)]
    assert sorted(tmp_path.iterdir()) == sorted(files)  # nothing else, no temporaries


def test_only_segments_give_cues(tmp_path: Path) -> None:
    """The region on one frame has a zh transcript; a subtitle needs a duration."""
    files = write_vtt(sample_document(), VIDEO_UID, tmp_path, "captive")
    texts = "".join(f.read_text(encoding="utf-8") for f in files)
    assert CHINESE not in texts and "Are you Chinese?" not in texts
    assert not (tmp_path / "captive.zh.vtt").exists()


def test_hours_and_a_second_media(tmp_path: Path) -> None:
    files = write_vtt(sample_document(), AUDIO_UID, tmp_path, "call")
    assert [f.name for f in files] == ["call.en.vtt", "call.uk.vtt"]
    assert _cues(files[1]) == [(AUDIO, "00:00:01.000", "01:00:01.500", UKRAINIAN)]
    caption = webvtt.read(str(files[1])).captions[0]
    assert (caption.start_time.in_milliseconds(), caption.end_time.in_milliseconds()) == (
        1000,
        3_601_500,
    )


def test_cue_text_is_escaped_and_never_holds_an_arrow(tmp_path: Path) -> None:
    document = sample_document()
    segment = annotation(document, SEGMENT)
    segment["transcript"] = "a --> b & <c.loud>shout</c> 1 > 0"
    (path,) = [p for p in write_vtt(document, VIDEO_UID, tmp_path, "x") if ".ru." in p.name]
    raw = path.read_text(encoding="utf-8")
    payload = raw.split("00:00:05.005\n", 1)[1]
    assert "-->" not in payload and "<" not in payload
    assert payload == "a --&gt; b &amp; &lt;c.loud&gt;shout&lt;/c&gt; 1 &gt; 0\n"
    (cue,) = webvtt.read(str(path), strict=True).captions
    assert cue.text == cue.raw_text  # no cue tags seen by a reader
    assert html.unescape(cue.text) == "a --> b & <c.loud>shout</c> 1 > 0"
    assert cue_text("one\r\n\r\n  \ntwo") == "one\ntwo"


def test_transcript_and_translation_in_one_language_share_a_cue(tmp_path: Path) -> None:
    document = sample_document()
    annotation(document, SEGMENT)["translation_lang"] = "ru"
    files = write_vtt(document, VIDEO_UID, tmp_path, "captive")
    russian = next(f for f in files if f.name == "captive.ru.vtt")
    assert _cues(russian) == [
        (SEGMENT, "00:00:02.002", "00:00:05.005", RUSSIAN + "\nWhere are you? We are from Hunan.")
    ]


def test_cues_are_in_time_order_and_languages_made_safe(tmp_path: Path) -> None:
    document = sample_document()
    annotation(document, UNTAGGED).update(transcript_lang="../../etc", start_ms=1000)
    annotation(document, SEGMENT)["transcript_lang"] = "../../etc"
    (path,) = [p for p in write_vtt(document, VIDEO_UID, tmp_path, "c") if "etc" in p.name]
    assert path.parent == tmp_path and path.name == "c.______etc.vtt"
    assert [cue[0] for cue in _cues(path)] == [UNTAGGED, SEGMENT]  # 1.000 s before 2.002 s
    assert file_language("") == "und" and file_language(" zh-Hans ") == "zh-Hans"


def test_media_without_subtitle_text_writes_nothing(tmp_path: Path) -> None:
    assert write_vtt(sample_document(), IMAGE_UID, tmp_path, "photo") == []
    assert list(tmp_path.iterdir()) == []


def test_bad_requests_are_refused(tmp_path: Path) -> None:
    document = sample_document()
    with pytest.raises(ValueError, match="no media item with uid missing"):
        write_vtt(document, "missing", tmp_path, "x")
    with pytest.raises(ValueError, match="without folders"):
        write_vtt(document, VIDEO_UID, tmp_path, "../x")
    annotation(document, SEGMENT)["end_ms"] = 1000
    with pytest.raises(ValueError, match=f"{SEGMENT} ends"):
        write_vtt(document, VIDEO_UID, tmp_path, "x")
