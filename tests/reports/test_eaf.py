"""ELAN export and import: files checked with pympi-ling, a reader we did not write."""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from pathlib import Path

import pympi
import pytest

from annotator.reports.eaf import frame_span_ms, read_eaf, write_eaf
from tests.reports.sample_document import (
    AUDIO,
    AUDIO_SHA,
    AUDIO_UID,
    CHINESE,
    HOSTILE_NOTE,
    IMAGE_UID,
    MOMENT,
    POLYGON,
    RECT,
    RUSSIAN,
    SEGMENT,
    SHOUTED,
    UKRAINIAN,
    UNTAGGED,
    VIDEO_SHA,
    VIDEO_UID,
    annotation,
    sample_document,
)

FIELDS = (
    "uid",
    "kind",
    "start_ms",
    "end_ms",
    "note",
    "title",
    "transcript",
    "transcript_lang",
    "translation",
    "translation_lang",
    "tags",
    "region",
)
FRAME = 33  # floor(1000 / (30000/1001)): one frame of the sample video, in whole ms


def _expected(document: dict[str, object], media_uid: str) -> list[dict[str, object]]:
    wanted = [a for a in document["annotations"] if a["media_uid"] == media_uid]  # type: ignore[attr-defined]
    return [{k: a[k] for k in FIELDS} for a in wanted]


def _fields(records: list[dict[str, object]]) -> list[dict[str, object]]:
    return [{k: r[k] for k in FIELDS} for r in records]


def test_pympi_reads_tag_tiers_times_and_dependent_tiers(tmp_path: Path) -> None:
    out = write_eaf(sample_document(), VIDEO_UID, tmp_path / "captive.eaf")
    eaf = pympi.Elan.Eaf(str(out))

    assert eaf.adocument["VERSION"] == "3.0"
    assert list(eaf.get_tier_names()) == [
        "person/captive",
        "person/captive - transcript [ru]",
        "person/captive - transcript [zh]",
        "person/captive - translation [en]",
        "vehicle",
        "vehicle - transcript [ru]",
        "vehicle - translation [en]",
        "weapon/rifle",
        "(no tag)",
        "(no tag) - transcript",
    ]
    assert sorted(eaf.get_annotation_data_for_tier("person/captive")) == [
        (2002, 5005, HOSTILE_NOTE),
        (20020, 20020 + FRAME, "Face of the second man"),  # a region on one frame
    ]
    assert sorted(eaf.get_annotation_data_for_tier("weapon/rifle")) == [
        (14348, 14348 + FRAME, "Muzzle flash"),  # moment: no note, so the title
        (30030, 33033, "Rifle on the table"),
    ]
    assert eaf.get_annotation_data_for_tier("vehicle") == [(2002, 5005, HOSTILE_NOTE)]
    assert eaf.get_annotation_data_for_tier("(no tag)") == [(40040, 42042, "Shouting off camera")]
    # Dependent tiers: values hang off their parent annotation.
    assert eaf.get_ref_annotation_data_for_tier("person/captive - transcript [ru]") == [
        (2002, 5005, RUSSIAN, HOSTILE_NOTE)
    ]
    assert eaf.get_ref_annotation_data_for_tier("person/captive - transcript [zh]") == [
        (20020, 20020 + FRAME, CHINESE, "Face of the second man")
    ]
    assert sorted(eaf.get_ref_annotation_data_for_tier("person/captive - translation [en]")) == [
        (2002, 5005, "Where are you? We are from Hunan.", HOSTILE_NOTE),
        (20020, 20020 + FRAME, "Are you Chinese?", "Face of the second man"),
    ]
    assert eaf.get_ref_annotation_data_for_tier("(no tag) - transcript") == [
        (40040, 42042, SHOUTED, "Shouting off camera")
    ]
    child = eaf.get_parameters_for_tier("person/captive - transcript [zh]")
    assert child["PARENT_REF"] == "person/captive"
    assert child["LANG_REF"] == "zh"
    assert "LANG_REF" not in eaf.get_parameters_for_tier("(no tag) - transcript")
    ling = eaf.get_parameters_for_linguistic_type(child["LINGUISTIC_TYPE_REF"])
    assert ling["CONSTRAINTS"] == "Symbolic_Association"
    assert ling["TIME_ALIGNABLE"] == "false"
    assert {code: label for code, (_, label) in eaf.languages.items()} == {
        "ru": "ru",
        "zh": "zh",
        "en": "en",
    }


def test_media_is_linked_by_path(tmp_path: Path) -> None:
    out = write_eaf(sample_document(), VIDEO_UID, tmp_path / "exports" / "captive.eaf")
    (descriptor,) = pympi.Elan.Eaf(str(out)).media_descriptors
    encoded = "%D0%A2%D0%B5%D0%BB%D0%B5%D0%B3%D1%80%D0%B0%D0%BC/captive%20clip.mp4"
    assert descriptor["MEDIA_URL"] == f"file:///evidence/{encoded}"
    assert descriptor["MIME_TYPE"] == "video/mp4"
    depth = len(tmp_path.parts)  # from <tmp>/exports back to /, then down to the media
    assert descriptor["RELATIVE_MEDIA_URL"] == "../" * depth + f"evidence/{encoded}"


def test_uid_is_kept_in_an_external_reference(tmp_path: Path) -> None:
    out = write_eaf(sample_document(), VIDEO_UID, tmp_path / "captive.eaf")
    eaf = pympi.Elan.Eaf(str(out))
    assert {value for _, value in eaf.external_refs.values()} == {
        f"urn:uuid:{uid}" for uid in (SEGMENT, MOMENT, RECT, POLYGON, UNTAGGED)
    }
    root = ET.parse(out).getroot()
    refs = {e.get("EXT_REF_ID"): e.get("VALUE") for e in root.iter("EXTERNAL_REF")}
    on_tags = {
        refs[a.get("EXT_REF")]
        for tier in root.iter("TIER")
        if tier.get("TIER_ID") in ("person/captive", "vehicle")
        for a in tier.iter("ALIGNABLE_ANNOTATION")
        if a.findtext("ANNOTATION_VALUE") == HOSTILE_NOTE
    }
    assert on_tags == {f"urn:uuid:{SEGMENT}"}  # one annotation, shown on both of its tag tiers
    ids = [a.get("ANNOTATION_ID") for a in root.iter() if a.tag.endswith("_ANNOTATION")]
    assert len(ids) == len(set(ids)) and all(i and i[0] == "a" for i in ids)
    assert dict(eaf.properties)["lastUsedAnnotationId"] == str(len(ids))


@pytest.mark.parametrize("tiers", ["tag", "kind"])
def test_round_trip_keeps_identity_times_and_texts(tmp_path: Path, tiers: str) -> None:
    document = sample_document()
    for media_uid, sha in ((VIDEO_UID, VIDEO_SHA), (AUDIO_UID, AUDIO_SHA)):
        out = write_eaf(document, media_uid, tmp_path / f"{media_uid}.eaf", tiers=tiers)
        back = read_eaf(out)
        assert _fields(back) == _expected(document, media_uid)
        assert {r["media_sha256"] for r in back} == {sha}
    audio = read_eaf(tmp_path / f"{AUDIO_UID}.eaf")
    assert audio[0]["transcript"] == UKRAINIAN and audio[0]["end_ms"] == 3_601_500


def test_kind_tiers_carry_tags_in_a_child_tier(tmp_path: Path) -> None:
    out = write_eaf(sample_document(), VIDEO_UID, tmp_path / "kind.eaf", tiers="kind")
    eaf = pympi.Elan.Eaf(str(out))
    parents = [
        t for t in eaf.get_tier_names() if not eaf.get_parameters_for_tier(t).get("PARENT_REF")
    ]
    assert parents == ["moment", "segment", "region"]
    assert eaf.get_annotation_data_for_tier("moment") == [(14348, 14348 + FRAME, "Muzzle flash")]
    assert sorted(eaf.get_annotation_data_for_tier("segment")) == [
        (2002, 5005, HOSTILE_NOTE),
        (40040, 42042, "Shouting off camera"),
    ]
    assert sorted(eaf.get_ref_annotation_data_for_tier("segment - tags")) == [
        (2002, 5005, "person/captive; vehicle", HOSTILE_NOTE)
    ]
    assert sorted(v for _, _, v, _ in eaf.get_ref_annotation_data_for_tier("region - tags")) == [
        "person/captive",
        "weapon/rifle",
    ]


def test_moment_spans_its_frame_only_on_constant_rate_video() -> None:
    video = {"kind": "video", "avg_fps_rational": "30000/1001", "is_vfr": False}
    assert frame_span_ms(video) == 33
    assert frame_span_ms({**video, "avg_fps_rational": "25/1"}) == 40
    assert frame_span_ms({**video, "avg_fps_rational": "1000/1"}) == 1
    assert frame_span_ms({**video, "is_vfr": True}) == 1  # the next frame could come sooner
    assert frame_span_ms({**video, "avg_fps_rational": None}) == 1
    assert frame_span_ms({**video, "avg_fps_rational": "0/0"}) == 1
    assert frame_span_ms({"kind": "audio"}) == 1


def test_moment_on_audio_lasts_one_millisecond(tmp_path: Path) -> None:
    document = sample_document()
    audio = annotation(document, AUDIO)
    audio.update(kind="moment", end_ms=None)
    out = write_eaf(document, AUDIO_UID, tmp_path / "call.eaf")
    eaf = pympi.Elan.Eaf(str(out))
    assert eaf.get_annotation_data_for_tier("person/captive") == [
        (1000, 1001, "Caller asks for the captive")
    ]
    (back,) = read_eaf(out)
    assert (back["kind"], back["start_ms"], back["end_ms"]) == ("moment", 1000, None)


def test_special_characters_in_tags_texts_and_languages(tmp_path: Path) -> None:
    document = sample_document()
    segment = annotation(document, SEGMENT)
    segment.update(
        tags=["особа/полонений", 'a&b <"c">'],
        title="",
        note="",
        transcript="<script>&amp;</script>",
        transcript_lang="zh Hant 1",  # not an XML name: needs a made-up LANG_ID
        translation_lang="a1",  # an XML name, but also an ANNOTATION_ID of ours
    )
    out = write_eaf(document, VIDEO_UID, tmp_path / "odd.eaf")
    eaf = pympi.Elan.Eaf(str(out))
    assert 'a&b <"c">' in eaf.get_tier_names()
    assert eaf.get_annotation_data_for_tier("особа/полонений") == [(2002, 5005, "")]
    (back,) = [r for r in read_eaf(out) if r["uid"] == SEGMENT]
    assert back["tags"] == ['a&b <"c">', "особа/полонений"]
    assert (back["note"], back["title"]) == ("", "")
    assert (back["transcript"], back["transcript_lang"]) == ("<script>&amp;</script>", "zh Hant 1")
    assert back["translation_lang"] == "a1"
    assert {label: code for code, (_, label) in eaf.languages.items()} == {
        "zh Hant 1": "lang1",
        "a1": "lang2",
        "zh": "zh",
        "en": "en",
    }


def test_edits_made_in_elan_are_read(tmp_path: Path) -> None:
    """ELAN keeps EXT_REF and header properties; changed times and new annotations come back."""
    out = write_eaf(sample_document(), VIDEO_UID, tmp_path / "captive.eaf")
    tree = ET.parse(out)
    root = tree.getroot()
    slots = {s.get("TIME_SLOT_ID"): s for s in root.iter("TIME_SLOT")}
    rifle = next(t for t in root.iter("TIER") if t.get("TIER_ID") == "weapon/rifle")
    flash = next(
        a
        for a in rifle.iter("ALIGNABLE_ANNOTATION")
        if a.findtext("ANNOTATION_VALUE") == "Muzzle flash"
    )
    slots[flash.get("TIME_SLOT_REF2")].set("TIME_VALUE", "15000")  # the moment became longer
    flash.find("ANNOTATION_VALUE").text = "Muzzle flash, two shots"  # type: ignore[union-attr]
    ET.SubElement(root.find("TIME_ORDER"), "TIME_SLOT", TIME_SLOT_ID="ts90", TIME_VALUE="50000")  # type: ignore[arg-type]
    ET.SubElement(root.find("TIME_ORDER"), "TIME_SLOT", TIME_SLOT_ID="ts91", TIME_VALUE="51000")  # type: ignore[arg-type]
    added = ET.SubElement(
        ET.SubElement(rifle, "ANNOTATION"),
        "ALIGNABLE_ANNOTATION",
        ANNOTATION_ID="a90",
        TIME_SLOT_REF1="ts90",
        TIME_SLOT_REF2="ts91",
    )
    ET.SubElement(added, "ANNOTATION_VALUE").text = "Third shot"
    tree.write(out, encoding="utf-8", xml_declaration=True)

    back = {r["uid"]: r for r in read_eaf(out)}
    moment = back[MOMENT]
    assert (moment["start_ms"], moment["end_ms"]) == (14348, 15000)
    assert (moment["note"], moment["title"]) == ("Muzzle flash, two shots", "Muzzle flash")
    new = back[None]
    assert {k: new[k] for k in ("kind", "start_ms", "end_ms", "note", "tags")} == {
        "kind": "segment",
        "start_ms": 50000,
        "end_ms": 51000,
        "note": "Third shot",
        "tags": ["weapon/rifle"],
    }


ELAN_MADE = """<?xml version="1.0" encoding="UTF-8"?>
<ANNOTATION_DOCUMENT AUTHOR="" DATE="2024-02-01T10:00:00+01:00" FORMAT="3.0" VERSION="3.0"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:noNamespaceSchemaLocation="http://www.mpi.nl/tools/elan/EAFv3.0.xsd">
  <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds">
    <MEDIA_DESCRIPTOR MEDIA_URL="file:///C:/Users/analyst/clip.mp4" MIME_TYPE="video/mp4"
        RELATIVE_MEDIA_URL="./clip.mp4"/>
    <PROPERTY NAME="URN">urn:nl-mpi-tools-elan-eaf:0b5f8c4e-0000-4000-8000-000000000000</PROPERTY>
    <PROPERTY NAME="lastUsedAnnotationId">7</PROPERTY>
  </HEADER>
  <TIME_ORDER>
    <TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="1200"/>
    <TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="3400"/>
    <TIME_SLOT TIME_SLOT_ID="ts3" TIME_VALUE="5000"/>
    <TIME_SLOT TIME_SLOT_ID="ts4" TIME_VALUE="6250"/>
    <TIME_SLOT TIME_SLOT_ID="ts5" TIME_VALUE="500"/>
    <TIME_SLOT TIME_SLOT_ID="ts6" TIME_VALUE="900"/>
  </TIME_ORDER>
  <TIER LINGUISTIC_TYPE_REF="utterance" PARTICIPANT="A" TIER_ID="Speaker A" LANG_REF="rus">
    <ANNOTATION>
      <ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2">
        <ANNOTATION_VALUE>Кто вы?</ANNOTATION_VALUE>
      </ALIGNABLE_ANNOTATION>
    </ANNOTATION>
    <ANNOTATION>
      <ALIGNABLE_ANNOTATION ANNOTATION_ID="a2" TIME_SLOT_REF1="ts3" TIME_SLOT_REF2="ts4">
        <ANNOTATION_VALUE>我们是中国人 &amp; 朋友</ANNOTATION_VALUE>
      </ALIGNABLE_ANNOTATION>
    </ANNOTATION>
  </TIER>
  <TIER LINGUISTIC_TYPE_REF="Translation" PARENT_REF="Speaker A" TIER_ID="Speaker A - eng"
      LANG_REF="eng">
    <ANNOTATION>
      <REF_ANNOTATION ANNOTATION_ID="a3" ANNOTATION_REF="a1">
        <ANNOTATION_VALUE>Who are you?</ANNOTATION_VALUE>
      </REF_ANNOTATION>
    </ANNOTATION>
  </TIER>
  <TIER LINGUISTIC_TYPE_REF="words" PARENT_REF="Speaker A" TIER_ID="Transcription words">
    <ANNOTATION>
      <REF_ANNOTATION ANNOTATION_ID="a4" ANNOTATION_REF="a2">
        <ANNOTATION_VALUE>women</ANNOTATION_VALUE>
      </REF_ANNOTATION>
    </ANNOTATION>
    <ANNOTATION>
      <REF_ANNOTATION ANNOTATION_ID="a5" ANNOTATION_REF="a2" PREVIOUS_ANNOTATION="a4">
        <ANNOTATION_VALUE>shi zhongguoren</ANNOTATION_VALUE>
      </REF_ANNOTATION>
    </ANNOTATION>
  </TIER>
  <TIER LINGUISTIC_TYPE_REF="utterance" TIER_ID="Gesture">
    <ANNOTATION>
      <ALIGNABLE_ANNOTATION ANNOTATION_ID="a7" TIME_SLOT_REF1="ts5" TIME_SLOT_REF2="ts6">
        <ANNOTATION_VALUE>points at camera</ANNOTATION_VALUE>
      </ALIGNABLE_ANNOTATION>
    </ANNOTATION>
  </TIER>
  <LINGUISTIC_TYPE GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="utterance" TIME_ALIGNABLE="true"/>
  <LINGUISTIC_TYPE CONSTRAINTS="Symbolic_Association" GRAPHIC_REFERENCES="false"
      LINGUISTIC_TYPE_ID="Translation" TIME_ALIGNABLE="false"/>
  <LINGUISTIC_TYPE CONSTRAINTS="Symbolic_Subdivision" GRAPHIC_REFERENCES="false"
      LINGUISTIC_TYPE_ID="words" TIME_ALIGNABLE="false"/>
  <LOCALE COUNTRY_CODE="US" LANGUAGE_CODE="en"/>
  <LANGUAGE LANG_DEF="http://cdb.iso.org/lg/CDB-00131321-001" LANG_ID="rus"
      LANG_LABEL="Russian (rus)"/>
  <LANGUAGE LANG_DEF="http://cdb.iso.org/lg/CDB-00138502-001" LANG_ID="eng"
      LANG_LABEL="English (eng)"/>
  <CONSTRAINT DESCRIPTION="1-1 association with a parent annotation"
      STEREOTYPE="Symbolic_Association"/>
</ANNOTATION_DOCUMENT>
"""


def test_reads_a_file_made_by_elan(tmp_path: Path) -> None:
    path = tmp_path / "elan.eaf"
    path.write_text(ELAN_MADE, encoding="utf-8")
    assert len(pympi.Elan.Eaf(str(path)).get_tier_names()) == 4  # a sane file for pympi too
    gesture, who, chinese = read_eaf(path)
    assert gesture == {
        "uid": None,
        "kind": "segment",
        "start_ms": 500,
        "end_ms": 900,
        "note": "points at camera",
        "title": "",
        "region": None,
        "media_sha256": None,
        "tags": ["Gesture"],
        "transcript": "",
        "transcript_lang": "",
        "translation": "",
        "translation_lang": "",
    }
    assert (who["note"], who["tags"]) == ("Кто вы?", ["Speaker A"])
    assert (who["translation"], who["translation_lang"]) == ("Who are you?", "eng")
    assert (chinese["start_ms"], chinese["end_ms"], chinese["note"]) == (
        5000,
        6250,
        "我们是中国人 & 朋友",
    )
    # A symbolic subdivision's words join into one transcript.
    assert (chinese["transcript"], chinese["transcript_lang"]) == ("women shi zhongguoren", "")
    assert chinese["translation"] == ""


def test_reads_a_file_written_by_pympi(tmp_path: Path) -> None:
    eaf = pympi.Elan.Eaf()
    eaf.add_tier("Interview")
    eaf.add_linguistic_type(
        "transcription", constraints="Symbolic_Association", timealignable=False
    )
    eaf.add_language("ukr", lang_label="Ukrainian (ukr)")
    eaf.add_tier(
        "Interview transcription", ling="transcription", parent="Interview", language="ukr"
    )
    eaf.add_annotation("Interview", 100, 2100, "first answer")
    eaf.add_ref_annotation("Interview transcription", "Interview", 1000, "Я не знаю")
    path = tmp_path / "pympi.eaf"
    pympi.Elan.to_eaf(str(path), eaf)
    (record,) = read_eaf(path)
    assert (record["start_ms"], record["end_ms"], record["note"]) == (100, 2100, "first answer")
    assert (record["transcript"], record["transcript_lang"]) == ("Я не знаю", "ukr")
    assert record["tags"] == ["Interview"] and record["uid"] is None


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>
<ANNOTATION_DOCUMENT><HEADER/>&lol2;</ANNOTATION_DOCUMENT>
"""


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_refuses_doctype_and_entities(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "laughs.eaf"
    path.write_bytes(
        BILLION_LAUGHS.replace(
            '<?xml version="1.0"?>', f'<?xml version="1.0" encoding="{encoding}"?>'
        ).encode(encoding)
    )
    with pytest.raises(ValueError, match="DOCTYPE or entities") as caught:
        read_eaf(path)
    assert str(path) in str(caught.value)
    external = tmp_path / "external.eaf"
    external.write_text('<!DOCTYPE x SYSTEM "file:///etc/passwd"><ANNOTATION_DOCUMENT/>')
    with pytest.raises(ValueError, match="DOCTYPE"):
        read_eaf(external)


def _with(replace: str, by: str) -> str:
    assert replace in ELAN_MADE
    return ELAN_MADE.replace(replace, by)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("", "XML is broken at line 1"),
        ("not xml at all", "XML is broken"),
        (ELAN_MADE[:900], "XML is broken"),
        ("<TranscriptionDocument/>", "starts with <TranscriptionDocument>"),
        (_with('TIME_VALUE="3400"', 'TIME_VALUE="3.4 s"'), "not a number: '3.4 s'"),
        (_with('TIME_SLOT_REF2="ts2"', 'TIME_SLOT_REF2="ts99"'), "time slot ts99"),
        (
            _with(
                '<TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="3400"/>',
                '<TIME_SLOT TIME_SLOT_ID="ts2"/>',
            ),
            "has no time",
        ),
        (_with('TIME_VALUE="900"', 'TIME_VALUE="400"'), "ends before it starts"),
        (_with('ANNOTATION_REF="a1"', 'ANNOTATION_REF="a42"'), "a42, which does not exist"),
        (_with(' ANNOTATION_ID="a7"', ""), "has no ANNOTATION_ID"),
    ],
)
def test_malformed_files_name_the_file_and_the_reason(
    tmp_path: Path, content: str, reason: str
) -> None:
    path = tmp_path / "broken notes.eaf"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=reason) as caught:
        read_eaf(path)
    assert str(path) in str(caught.value)


def test_bad_requests_are_refused_in_plain_words(tmp_path: Path) -> None:
    document = sample_document()
    with pytest.raises(ValueError, match=r"no media item with uid nope\..*captive clip\.mp4"):
        write_eaf(document, "nope", tmp_path / "x.eaf")
    with pytest.raises(ValueError, match=r"photo 1\.jpg is an image"):
        write_eaf(document, IMAGE_UID, tmp_path / "x.eaf")
    with pytest.raises(ValueError, match="per 'tag' or per 'kind', not 'speaker'"):
        write_eaf(document, VIDEO_UID, tmp_path / "x.eaf", tiers="speaker")
    broken = copy.deepcopy(document)
    annotation(broken, SEGMENT)["end_ms"] = 2002
    with pytest.raises(ValueError, match=f"{SEGMENT} ends"):
        write_eaf(broken, VIDEO_UID, tmp_path / "x.eaf")
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_rewrite_replaces_the_file_atomically(tmp_path: Path) -> None:
    out = tmp_path / "captive.eaf"
    out.write_text("old")
    document = sample_document()
    write_eaf(document, VIDEO_UID, out)
    assert [p.name for p in tmp_path.iterdir()] == ["captive.eaf"]  # no temporary left over
    assert out.read_bytes().startswith(
        b'<?xml version="1.0" encoding="UTF-8"?>\n<ANNOTATION_DOCUMENT'
    )


def test_media_without_timed_annotations_gives_an_empty_but_valid_file(tmp_path: Path) -> None:
    document = sample_document()
    document["annotations"] = []
    out = write_eaf(document, VIDEO_UID, tmp_path / "empty.eaf")
    assert list(pympi.Elan.Eaf(str(out)).get_tier_names()) == []
    assert read_eaf(out) == []


@pytest.mark.parametrize("tiers", ["tag", "kind"])
def test_structure_every_reference_resolves(tmp_path: Path, tiers: str) -> None:
    """What ELAN itself relies on: slots resolve and are ordered, types and parents exist."""
    out = write_eaf(sample_document(), VIDEO_UID, tmp_path / "v.eaf", tiers=tiers)
    root = ET.parse(out).getroot()
    assert root.get("VERSION") == "3.0"
    slots = {s.get("TIME_SLOT_ID"): s.get("TIME_VALUE") for s in root.iter("TIME_SLOT")}
    values = [int(v) for v in slots.values() if v is not None]
    assert values == sorted(values)  # TIME_ORDER lists slots in time order
    types = {t.get("LINGUISTIC_TYPE_ID") for t in root.iter("LINGUISTIC_TYPE")}
    tier_ids = {t.get("TIER_ID") for t in root.iter("TIER")}
    languages = {lang.get("LANG_ID") for lang in root.iter("LANGUAGE")}
    annotation_ids: set[str | None] = set()
    for tier in root.iter("TIER"):
        assert tier.get("LINGUISTIC_TYPE_REF") in types
        if tier.get("PARENT_REF") is not None:
            assert tier.get("PARENT_REF") in tier_ids
        if tier.get("LANG_REF") is not None:
            assert tier.get("LANG_REF") in languages
        for aligned in tier.iter("ALIGNABLE_ANNOTATION"):
            start = slots[aligned.get("TIME_SLOT_REF1")]
            end = slots[aligned.get("TIME_SLOT_REF2")]
            assert start is not None and end is not None and int(start) < int(end)
            annotation_ids.add(aligned.get("ANNOTATION_ID"))
    for ref in root.iter("REF_ANNOTATION"):
        assert ref.get("ANNOTATION_REF") in annotation_ids
    ids = [a.get("ANNOTATION_ID") for a in root.iter() if a.tag.endswith("_ANNOTATION")]
    assert len(ids) == len(set(ids))  # unique ids
    last = max(
        int(n.text or 0) for n in root.iter("PROPERTY") if n.get("NAME") == "lastUsedAnnotationId"
    )
    assert last >= len(ids)
