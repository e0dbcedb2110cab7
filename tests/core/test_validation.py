import json

import pytest

from annotator.core import validation
from annotator.core.errors import ValidationError


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (" person / captive ", "person/captive"),
        ("document/ID  card", "document/ID card"),
        ("мова/китайська", "мова/китайська"),
    ],
)
def test_tag_paths_are_normalised(raw: str, clean: str) -> None:
    assert validation.tag_path(raw) == clean


@pytest.mark.parametrize("raw", ["", "/", "a//b", "a/", "/a", "a/b/c/d/e/f/g/h/i"])
def test_bad_tag_paths_are_refused(raw: str) -> None:
    with pytest.raises(ValidationError):
        validation.tag_path(raw)


def test_parents_and_colours() -> None:
    assert validation.parents_of("a/b/c") == ["a", "a/b"]
    assert validation.default_colour("person/captive") == validation.default_colour("person/x")
    assert validation.colour("#ABCDEF") == "#abcdef"
    with pytest.raises(ValidationError):
        validation.colour("red")


def test_case_name_and_control_characters() -> None:
    assert validation.case_name("  Донецьк  ") == "Донецьк"
    for bad in ["", "   ", "two\nlines", "bell\x07"]:
        with pytest.raises(ValidationError):
            validation.case_name(bad)


def test_region_is_canonical_text() -> None:
    text = validation.region({"shape": "rect", "x": 0.1, "y": 0.2, "w": 0.30000001, "h": 0.4})
    assert text is not None
    assert json.loads(text) == {"shape": "rect", "x": 0.1, "y": 0.2, "w": 0.3, "h": 0.4}
    poly = validation.region({"shape": "polygon", "points": [[0, 0], [1, 0], [0.5, 1]]})
    assert poly is not None and json.loads(poly)["points"][2] == [0.5, 1.0]


@pytest.mark.parametrize(
    "region",
    [
        {"shape": "rect", "x": 0.9, "y": 0, "w": 0.2, "h": 0.1},
        {"shape": "rect", "x": -0.1},
        {"shape": "circle"},
        {"shape": "polygon", "points": [[0, 0], [1, 1]]},
        {"shape": "rect", "x": float("nan"), "y": 0, "w": 0.1, "h": 0.1},
    ],
)
def test_bad_regions_are_refused(region: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        validation.region(region)


def test_coordinates_keep_what_was_typed() -> None:
    assert validation.coordinate(" 48.015883 ", "latitude", 90) == "48.015883"
    with pytest.raises(ValidationError):
        validation.coordinate("91", "latitude", 90)
    with pytest.raises(ValidationError):
        validation.coordinate("north", "latitude", 90)


def test_a_rectangle_never_ends_past_the_frame_after_rounding() -> None:
    """Found by fuzzing: rounding to 6 decimals carried the far edge past 1 (x + w = 1.000001)."""
    import json

    from annotator.core import validation

    stored = json.loads(
        validation.region({"shape": "rect", "x": 0.4999996, "y": 0.0, "w": 0.5000009, "h": 0.5})
        or "{}"
    )
    assert stored["x"] + stored["w"] <= 1.0 and stored["w"] == pytest.approx(0.5)
    stored = json.loads(
        validation.region({"shape": "rect", "x": 0.0, "y": 0.5, "w": 0.5, "h": 0.5 + 1.7e-7})
        or "{}"
    )
    assert stored["y"] + stored["h"] <= 1.0
    with pytest.raises(ValidationError):
        validation.region({"shape": "rect", "x": 0.5, "y": 0.0, "w": 0.51, "h": 0.5})
