"""W3C Web Annotation JSON-LD: structure, Media Fragments selectors and bodies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from annotator.reports.document import Selection, build_document
from annotator.reports.webannotation import CONTEXT, build_w3c, seconds, write_w3c
from tests.reports.sample_document import (
    AUDIO,
    AUTHOR,
    CHINESE,
    CLAIM_CHINESE,
    CLAIM_PLACE,
    HOSTILE_NOTE,
    IMAGE_SHA,
    MOMENT,
    PHOTO,
    POLYGON,
    RECT,
    RUSSIAN,
    SEGMENT,
    UNTAGGED,
    VIDEO_SHA,
    annotation,
    sample_data,
    sample_document,
)

MEDIA_FRAGMENTS = "http://www.w3.org/TR/media-frags/"


def _items(collection: dict[str, object]) -> dict[str, dict[str, object]]:
    page = collection["first"]
    return {item["id"]: item for item in page["items"]}  # type: ignore[index]


def _item(collection: dict[str, object], uid: str) -> dict[str, object]:
    return _items(collection)[f"urn:uuid:{uid}"]


def _fragment(value: str) -> dict[str, object]:
    return {"type": "FragmentSelector", "conformsTo": MEDIA_FRAGMENTS, "value": value}


def test_collection_with_one_page_of_items() -> None:
    collection = build_w3c(sample_document())
    page = collection["first"]
    assert collection["@context"] == CONTEXT == "http://www.w3.org/ns/anno.jsonld"
    assert collection["type"] == "AnnotationCollection"
    assert collection["label"] == "Donetsk captives: annotations"
    assert collection["total"] == 7
    assert collection["generated"] == "2024-04-01T08:00:00.000000Z"
    assert str(collection["id"]).startswith("urn:uuid:")
    assert isinstance(page, dict)
    assert page["type"] == "AnnotationPage" and page["startIndex"] == 0
    assert page["partOf"] == collection["id"] and collection["last"] == page["id"]
    assert page["id"] != collection["id"]
    assert [item["id"] for item in page["items"]] == [  # the document's order
        f"urn:uuid:{uid}" for uid in (SEGMENT, MOMENT, RECT, POLYGON, UNTAGGED, AUDIO, PHOTO)
    ]
    assert all(item["type"] == "Annotation" for item in page["items"])


def test_ids_are_stable_for_the_same_export_only() -> None:
    assert build_w3c(sample_document()) == build_w3c(sample_document())
    later = build_document(sample_data(), Selection(), datetime(2024, 4, 2, tzinfo=UTC))
    assert build_w3c(later)["id"] != build_w3c(sample_document())["id"]
    only_video = sample_document(Selection(media_sha256=(VIDEO_SHA,)))
    assert build_w3c(only_video)["id"] != build_w3c(sample_document())["id"]
    assert build_w3c(only_video)["total"] == 5


def test_annotation_times_and_creator() -> None:
    item = _item(build_w3c(sample_document()), SEGMENT)
    assert item["created"] == "2024-03-05T10:15:30.250000Z"
    assert item["modified"] == "2024-03-05T10:20:30.250000Z"
    assert item["creator"] == {"type": "Person", "name": AUTHOR}


@pytest.mark.parametrize(
    ("uid", "fragment"),
    [
        (SEGMENT, "t=2.002,5.005"),
        (MOMENT, "t=14.348"),
        (RECT, "t=20.020&xywh=pixel:320,360,128,144"),  # 0.25/0.5/0.1/0.2 of 1280x720
        (UNTAGGED, "t=40.040,42.042"),
        (AUDIO, "t=1.000,3601.500"),
        (PHOTO, "xywh=pixel:400,600,1200,1200"),  # 0.30001 x 4000 = 1200.04 -> 1200
    ],
)
def test_media_fragment_selectors(uid: str, fragment: str) -> None:
    target = _item(build_w3c(sample_document()), uid)["target"]
    assert isinstance(target, dict) and target["type"] == "SpecificResource"
    assert target["selector"] == _fragment(fragment)


def test_polygon_is_svg_in_pixels_refining_the_time() -> None:
    target = _item(build_w3c(sample_document()), POLYGON)["target"]
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1280 720">'
        '<polygon points="128,72 640,90 384,432"/></svg>'
    )
    assert target["selector"] == {  # type: ignore[index]
        **_fragment("t=30.030,33.033"),
        "refinedBy": {"type": "SvgSelector", "value": svg},
    }


def test_polygon_on_an_image_is_an_svg_selector_alone() -> None:
    document = sample_document()
    annotation(document, PHOTO)["region"] = {
        "shape": "polygon",
        "points": [[0.0, 0.0], [0.123456, 0.5], [1.0, 0.999999], [0.000125, 0.25]],
    }
    target = _item(build_w3c(document), PHOTO)["target"]
    # Two decimals at most: 493.824 -> 493.82, 2999.997 -> 3000, 0.5 stays 0.5.
    assert target["selector"] == {  # type: ignore[index]
        "type": "SvgSelector",
        "value": '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4000 3000">'
        '<polygon points="0,0 493.82,1500 4000,3000 0.5,750"/></svg>',
    }


def test_rectangles_round_half_up_and_keep_a_pixel_or_fall_back_to_percent() -> None:
    document = sample_document()
    annotation(document, PHOTO)["region"] = {
        "shape": "rect",
        "x": 0.000125,  # 0.5 px: half up, not to even
        "y": 0.0005,  # 1.5 px
        "w": 0.0001,  # 0.4 px: still one pixel wide
        "h": 0.5,
    }
    selector = _item(build_w3c(document), PHOTO)["target"]["selector"]  # type: ignore[index]
    assert selector == _fragment("xywh=pixel:1,2,1,1500")
    for media in document["media"]:  # type: ignore[attr-defined]
        media["width"] = media["height"] = None
    annotation(document, RECT)["region"] = {
        "shape": "rect",
        "x": 0.25,
        "y": 0.5,
        "w": 0.1,
        "h": 0.2,
    }
    selector = _item(build_w3c(document), RECT)["target"]["selector"]  # type: ignore[index]
    assert selector == _fragment("t=20.020&xywh=percent:25,50,10,20")


def test_source_is_the_media_by_hash_with_its_path_and_origin() -> None:
    collection = build_w3c(sample_document())
    video = _item(collection, SEGMENT)["target"]["source"]  # type: ignore[index]
    assert video == {
        "id": f"urn:sha256:{VIDEO_SHA}",
        "type": "Video",
        "label": "captive clip.mp4",
        "format": "video/mp4",
        "via": [
            "file:///evidence/%D0%A2%D0%B5%D0%BB%D0%B5%D0%B3%D1%80%D0%B0%D0%BC/captive%20clip.mp4",
            "https://t.me/example/123",
        ],
    }
    photo = _item(collection, PHOTO)["target"]["source"]  # type: ignore[index]
    assert photo["id"] == f"urn:sha256:{IMAGE_SHA}" and photo["type"] == "Image"
    assert photo["via"] == ["file:///C:/Evidence/photo%201.jpg"]  # written on Windows
    assert _item(collection, AUDIO)["target"]["source"]["type"] == "Sound"  # type: ignore[index]


def test_bodies_for_texts_tags_and_claims() -> None:
    collection = build_w3c(sample_document())
    prefix = f"urn:uuid:{SEGMENT}"
    assert _item(collection, SEGMENT)["body"] == [
        {
            "id": f"{prefix}#note",
            "type": "TextualBody",
            "purpose": "commenting",
            "value": HOSTILE_NOTE,
            "format": "text/plain",
        },
        {
            "id": f"{prefix}#title",
            "type": "TextualBody",
            "purpose": "describing",
            "value": "Asked where they are",
            "format": "text/plain",
        },
        {
            "id": f"{prefix}#transcript",
            "type": "TextualBody",
            "purpose": "describing",
            "value": RUSSIAN,
            "format": "text/plain",
            "language": "ru",
        },
        {
            "id": f"{prefix}#translation",
            "type": "TextualBody",
            "purpose": "describing",
            "value": "Where are you? We are from Hunan.",
            "format": "text/plain",
            "language": "en",
        },
        {"type": "TextualBody", "purpose": "tagging", "value": "person/captive"},
        {"type": "TextualBody", "purpose": "tagging", "value": "vehicle"},
        {
            "id": "urn:uuid:3c000000-0000-4000-8000-0000000000b2",
            "type": "SpecificResource",
            "purpose": "linking",  # context
            "source": {
                "id": f"urn:uuid:{CLAIM_PLACE}",
                "type": "Text",
                "label": "Filmed near Donetsk",
            },
            "relation": "context",
        },
    ]
    rect = _item(collection, RECT)["body"]
    assert isinstance(rect, list)
    assert [b["value"] for b in rect if b.get("language") == "zh"] == [CHINESE]
    assert rect[-1] == {
        "id": "urn:uuid:3c000000-0000-4000-8000-0000000000b1",
        "type": "SpecificResource",
        "purpose": "assessing",  # supports
        "source": {
            "id": f"urn:uuid:{CLAIM_CHINESE}",
            "type": "Text",
            "label": "The two men are Chinese nationals",
        },
        "relation": "supports",
        "rationale": "He answers in Mandarin",
    }
    moment = _item(collection, MOMENT)["body"]
    assert [b["purpose"] for b in moment] == ["describing", "tagging"]  # type: ignore[union-attr,index]


def test_claim_outside_the_selection_is_still_named_by_uid() -> None:
    document = sample_document()
    document["claims"] = []
    body = _item(build_w3c(document), RECT)["body"][-1]  # type: ignore[index]
    assert body["source"] == {"id": f"urn:uuid:{CLAIM_CHINESE}", "type": "Text"}


def test_written_file_is_the_built_collection(tmp_path: Path) -> None:
    document = sample_document()
    out = write_w3c(document, tmp_path / "case.jsonld")
    raw = out.read_bytes()
    assert json.loads(raw) == build_w3c(document)
    assert AUTHOR.encode("utf-8") in raw  # UTF-8 text, not \\u escapes
    assert [p.name for p in tmp_path.iterdir()] == ["case.jsonld"]


def test_empty_export_has_no_pages() -> None:
    document = sample_document()
    document["annotations"] = []
    collection = build_w3c(document)
    assert collection["total"] == 0 and "first" not in collection and "last" not in collection


def test_annotation_of_missing_media_is_refused() -> None:
    document = sample_document()
    document["media"] = []
    with pytest.raises(ValueError, match=f"Annotation {SEGMENT} belongs to media"):
        build_w3c(document)


def test_seconds_keep_milliseconds_exactly() -> None:
    assert [seconds(ms) for ms in (0, 7, 1000, 14348, 3_601_500)] == [
        "0.000",
        "0.007",
        "1.000",
        "14.348",
        "3601.500",
    ]
