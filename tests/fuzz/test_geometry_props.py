"""Properties of region and redaction geometry: interpolation, pixels, validation."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from annotator.core import validation
from annotator.core.errors import ValidationError
from annotator.media.redaction import METHODS, SHAPES, apply, box_at, pixel_box

UNIT = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
Box = tuple[float, float, float, float]


@st.composite
def boxes(draw: st.DrawFn) -> Box:
    """A box inside the frame, normalised 0..1, with a size."""
    corner = st.floats(min_value=0.0, max_value=1.0 - 1e-6)
    x, y = draw(corner), draw(corner)
    w = draw(st.floats(min_value=1e-6, max_value=1.0 - x))
    h = draw(st.floats(min_value=1e-6, max_value=1.0 - y))
    assume(w > 0 and h > 0)
    return (x, y, w, h)


def redaction(keys: list[tuple[int, Box]], start: int, end: int) -> dict[str, object]:
    return {
        "start_frame": start,
        "end_frame": end,
        "keyframes": [
            {"frame": f, "ms": f * 40, "x": b[0], "y": b[1], "w": b[2], "h": b[3]} for f, b in keys
        ],
    }


@given(
    boxes(),
    boxes(),
    st.integers(0, 10_000),
    st.integers(1, 10_000),
    st.integers(0, 500),
    st.integers(0, 500),
    st.data(),
)
def test_between_two_keyframes_the_box_moves_linearly_and_stays_in_the_span(
    b0: Box, b1: Box, f0: int, length: int, before: int, after: int, data: st.DataObject
) -> None:
    f1 = f0 + length
    start, end = max(0, f0 - before), f1 + after
    red = redaction([(f1, b1), (f0, b0)], start, end)  # order of keyframes does not matter
    frame = data.draw(st.integers(start - 50, end + 50))
    box = box_at(red, frame)
    if not start <= frame <= end:
        assert box is None
        return
    assert box is not None
    if frame <= f0:
        assert box == pytest.approx(b0)
    elif frame >= f1:
        assert box == pytest.approx(b1)
    else:
        t = (frame - f0) / (f1 - f0)
        expected = [a + (b - a) * t for a, b in zip(b0, b1, strict=True)]
        assert box == pytest.approx(expected, abs=1e-12)
    # Between keyframes inside the frame, the box stays inside the frame.
    x, y, w, h = box
    eps = 1e-9
    assert -eps <= x and -eps <= y and w > 0 and h > 0
    assert x + w <= 1 + eps and y + h <= 1 + eps
    for value, a, b in zip(box, b0, b1, strict=True):
        assert min(a, b) - eps <= value <= max(a, b) + eps


@given(boxes(), st.integers(1, 4000), st.integers(1, 4000))
def test_pixel_box_is_inside_the_frame_and_covers_the_box(
    box: Box, width: int, height: int
) -> None:
    x0, y0, x1, y1 = pixel_box(box, width, height)
    assert 0 <= x0 <= x1 <= width
    assert 0 <= y0 <= y1 <= height
    x, y, w, h = box
    # Rounded outwards: every pixel the box touches is inside (1e-9 is the edge slack).
    assert x0 <= x * width + 1e-6
    assert y0 <= y * height + 1e-6
    assert x1 >= (x + w) * width - 1e-6
    assert y1 >= (y + h) * height - 1e-6


@given(
    arrays(np.uint8, st.tuples(st.integers(1, 40), st.integers(1, 40), st.just(3))),
    st.lists(st.tuples(boxes(), st.sampled_from(SHAPES), st.sampled_from(METHODS)), max_size=4),
)
def test_apply_never_changes_a_pixel_outside_every_box(
    rgb: np.ndarray, areas: list[tuple[Box, str, str]]
) -> None:
    original = rgb.copy()
    out = apply(rgb, areas)
    assert np.array_equal(rgb, original)  # the input is never written to
    assert out.shape == rgb.shape and out.dtype == np.uint8
    height, width = rgb.shape[:2]
    outside = np.ones((height, width), dtype=bool)
    for box, _, _ in areas:
        x0, y0, x1, y1 = pixel_box(box, width, height)
        outside[y0:y1, x0:x1] = False
    assert np.array_equal(out[outside], original[outside])


@given(boxes())
def test_a_rect_inside_the_frame_is_accepted_within_a_millionth(box: Box) -> None:
    x, y, w, h = box
    assume(round(w, 6) > 0 and round(h, 6) > 0)
    text = validation.region({"shape": "rect", "x": x, "y": y, "w": w, "h": h})
    assert text is not None
    clean = json.loads(text)
    assert clean["shape"] == "rect"
    for name, value in zip("xywh", box, strict=True):
        assert abs(clean[name] - value) <= 5e-7


OUT_OF_RANGE = st.one_of(
    st.floats(max_value=-1e-9, allow_nan=False),
    st.floats(min_value=1.000001, allow_nan=False),
    st.just(math.nan),
    st.just(math.inf),
    st.booleans(),
    st.text(max_size=3),
    st.none(),
)


@given(boxes(), st.sampled_from("xywh"), OUT_OF_RANGE)
def test_a_rect_with_any_field_out_of_range_is_refused(box: Box, name: str, bad: object) -> None:
    value: dict[str, object] = dict(zip("xywh", box, strict=True))
    value[name] = bad
    with pytest.raises(ValidationError):
        validation.region({"shape": "rect", **value})


@given(st.lists(st.tuples(UNIT, UNIT), min_size=3, max_size=12))
def test_a_polygon_inside_the_frame_is_accepted(points: list[tuple[float, float]]) -> None:
    text = validation.region({"shape": "polygon", "points": [list(p) for p in points]})
    assert text is not None
    assert len(json.loads(text)["points"]) == len(points)


@given(st.lists(st.tuples(UNIT, UNIT), min_size=3, max_size=12), st.data())
def test_a_polygon_with_a_point_out_of_range_is_refused(
    points: list[tuple[float, float]], data: st.DataObject
) -> None:
    raw = [list(p) for p in points]
    i = data.draw(st.integers(0, len(raw) - 1))
    raw[i][data.draw(st.integers(0, 1))] = data.draw(OUT_OF_RANGE)
    with pytest.raises(ValidationError):
        validation.region({"shape": "polygon", "points": raw})


@given(st.dictionaries(st.integers(0, 100_000), boxes(), min_size=1, max_size=8))
def test_video_keyframes_in_range_are_accepted_and_sorted(keys: dict[int, Box]) -> None:
    raw = [
        {"frame": f, "ms": f * 33, "x": b[0], "y": b[1], "w": b[2], "h": b[3]}
        for f, b in keys.items()
    ]
    assume(all(round(b[2], 6) > 0 and round(b[3], 6) > 0 for b in keys.values()))
    clean = json.loads(validation.redaction_keyframes(raw, image=False))
    assert [k["frame"] for k in clean] == sorted(keys)


@given(
    boxes(),
    st.sampled_from(["frame", "ms"]),
    st.one_of(st.integers(max_value=-1), st.floats(allow_nan=True), st.booleans(), st.text()),
)
def test_video_keyframes_with_a_bad_frame_or_time_are_refused(
    box: Box, name: str, bad: object
) -> None:
    raw: dict[str, object] = {"frame": 3, "ms": 120, "x": box[0], "y": box[1]}
    raw.update(w=box[2], h=box[3])
    raw[name] = bad
    with pytest.raises(ValidationError):
        validation.redaction_keyframes([raw], image=False)


@given(boxes(), st.integers(0, 1000))
def test_two_keyframes_on_one_frame_are_refused(box: Box, frame: int) -> None:
    key = {"frame": frame, "ms": frame * 40, "x": box[0], "y": box[1], "w": box[2], "h": box[3]}
    with pytest.raises(ValidationError):
        validation.redaction_keyframes([key, dict(key)], image=False)
