"""Redaction geometry (keyframe interpolation) and pixels (nothing readable leaks)."""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, datetime

import cv2
import numpy as np
import pytest

from annotator.core.entities import Keyframe, Redaction, RedactionMethod, RedactionShape
from annotator.media import redaction as rd
from tests import media_factory as mf

NOW = datetime(2025, 1, 1, tzinfo=UTC)
METHODS = ("blur", "pixelate", "fill")


def moving(
    *keys: tuple[int, float, float, float, float], span: tuple[int, int] = (0, 60)
) -> Redaction:
    return Redaction(
        id=1,
        uid="r",
        case_uid="c",
        media_uid="m",
        shape=RedactionShape.RECT,
        method=RedactionMethod.BLUR,
        start_frame=span[0],
        end_frame=span[1],
        start_ms=0,
        end_ms=1000,
        keyframes=tuple(Keyframe(f, f * 40, x, y, w, h) for f, x, y, w, h in keys),
        author="t",
        created_at=NOW,
        updated_at=NOW,
    )


def test_two_keyframes_30_frames_apart_interpolate_linearly() -> None:
    r = moving((0, 0.1, 0.2, 0.1, 0.2), (30, 0.4, 0.5, 0.4, 0.3))
    assert rd.box_at(r, 0) == pytest.approx((0.1, 0.2, 0.1, 0.2))
    assert rd.box_at(r, 10) == pytest.approx((0.2, 0.3, 0.2, 0.2 + 0.1 / 3))
    assert rd.box_at(r, 15) == pytest.approx((0.25, 0.35, 0.25, 0.25))
    assert rd.box_at(r, 30) == pytest.approx((0.4, 0.5, 0.4, 0.3))
    assert rd.box_at(r, 45) == pytest.approx((0.4, 0.5, 0.4, 0.3))  # held after the last
    assert rd.box_at(r, 61) is None and rd.box_at(r, None) is None  # outside the span


def test_a_third_keyframe_refines_the_path() -> None:
    two = moving((0, 0.0, 0.0, 0.2, 0.2), (30, 0.6, 0.0, 0.2, 0.2))
    three = moving((0, 0.0, 0.0, 0.2, 0.2), (10, 0.5, 0.1, 0.3, 0.3), (30, 0.6, 0.0, 0.2, 0.2))
    assert rd.box_at(two, 10) == pytest.approx((0.2, 0.0, 0.2, 0.2))
    assert rd.box_at(three, 10) == pytest.approx((0.5, 0.1, 0.3, 0.3))  # exactly the keyframe
    assert rd.box_at(three, 5) == pytest.approx((0.25, 0.05, 0.25, 0.25))
    assert rd.box_at(three, 20) == pytest.approx((0.55, 0.05, 0.25, 0.25))


def test_before_the_first_keyframe_the_box_waits_there() -> None:
    r = moving((20, 0.3, 0.3, 0.1, 0.1), (40, 0.5, 0.3, 0.1, 0.1), span=(10, 50))
    assert rd.box_at(r, 9) is None
    assert rd.box_at(r, 10) == pytest.approx((0.3, 0.3, 0.1, 0.1))
    assert rd.box_at(r, 30) == pytest.approx((0.4, 0.3, 0.1, 0.1))


def test_document_records_and_images_work_too() -> None:
    record = {
        "shape": "ellipse",
        "method": "fill",
        "start_frame": None,
        "end_frame": None,
        "keyframes": [{"frame": None, "ms": None, "x": 0.1, "y": 0.1, "w": 0.5, "h": 0.5}],
    }
    assert rd.box_at(record, None) == (0.1, 0.1, 0.5, 0.5)
    assert rd.areas_at([record], None) == [((0.1, 0.1, 0.5, 0.5), "ellipse", "fill")]
    video = {**record, "start_frame": 5, "end_frame": 9}
    video["keyframes"] = [{"frame": 5, "ms": 200, "x": 0.0, "y": 0.0, "w": 0.5, "h": 0.5}]
    assert rd.areas_at([video], 4) == [] and len(rd.areas_at([video], 9)) == 1


def text_picture(lines: list[str], size: tuple[int, int] = (640, 160)) -> np.ndarray:
    width, height = size
    img = np.full((height, width, 3), 255, np.uint8)
    for i, line in enumerate(lines):
        cv2.putText(img, line, (10, 40 + i * 50), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (0, 0, 0), 2)
    return img


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    x, y = a.astype(np.float64).ravel(), b.astype(np.float64).ravel()
    if x.std() == 0 or y.std() == 0:
        return 0.0
    return float(np.corrcoef(x, y)[0, 1])


ID_CARD = ["4417 2290 8812 0091", "IVANOV PETR 1987-03-14", "PASSPORT ZX 556172"]
OTHER = ["9053 6671 3348 7725", "SIDOROV OLEG 1962-11-02", "PASSPORT KM 904381"]
BOX = (0.0, 0.05, 1.0, 0.9)  # the three lines of text


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("shape", ["rect", "ellipse"])
def test_redacted_text_cannot_be_read_back(method: str, shape: str) -> None:
    """What is left under the box does not depend on which text was there.

    Two cards with the same layout and different numbers and names: the difference between
    their redacted pictures is uncorrelated with the difference between the texts (a
    reader comparing candidate texts against the redacted picture learns nothing).
    """
    a, b = text_picture(ID_CARD), text_picture(OTHER)
    ra = rd.apply(a, [(BOX, shape, method)])
    rb = rd.apply(b, [(BOX, shape, method)])
    x0, y0, x1, y1 = rd.pixel_box(BOX, 640, 160)
    inside = np.s_[y0:y1, x0:x1]
    hidden = np.ones((y1 - y0, x1 - x0), bool)
    if shape == "ellipse":  # the box's corners are outside the ellipse, and not hidden
        hidden = rd.ellipse_mask(x1 - x0, y1 - y0)
    content = a[inside][hidden].astype(np.int32) - b[inside][hidden].astype(np.int32)
    shown = ra[inside][hidden].astype(np.int32) - rb[inside][hidden].astype(np.int32)
    assert abs(correlation(shown, content)) < 0.15
    # And within the text block the strokes are gone: no correlation with the original.
    core = np.s_[y0 + 10 : y0 + 60, 10:330]  # inside the first line of digits
    if shape == "rect":
        assert abs(correlation(ra[core], a[core])) < 0.2
    outside = np.ones(a.shape[:2], bool)
    outside[inside] = ~hidden
    assert np.array_equal(ra[outside], a[outside])  # not one pixel outside the shape changed


@pytest.mark.parametrize("method", METHODS)
def test_frame_index_under_the_box_cannot_be_recovered(method: str) -> None:
    """The whole 16-bit frame-index code under one box, for 300 random indices.

    Reading it back fails every time, both with the code's own reader and with the best
    per-bit attacker (each block's mean against that block's median over all samples).
    Blur and pixelate keep at most eight average colours, so what survives is how many of
    the bits under each cell are set: per bit a little better than a coin toss (measured
    0.69; chance is 0.5), never the index. A fill keeps nothing: a coin toss exactly.
    """
    rng = np.random.default_rng(8)
    indices = [int(i) for i in rng.integers(0, 1 << 16, size=300)]
    whole_code = (0.0, 0.0, 1.0, 0.5)
    bits = np.array([[i >> (15 - b) & 1 for b in range(16)] for i in indices])
    means = []
    for index in indices:
        out = rd.apply(mf.encode_index(index, 384, 216), [(whole_code, "rect", method)])
        with suppress(ValueError):  # blocks neither black nor white: unreadable, as wanted
            assert mf.decode_index(out) != index
        means.append(mf.index_block_means(out))
    guesses = (np.array(means) > np.median(means, axis=0)).astype(int)
    assert not (guesses == bits).all(axis=1).any()  # not one index read back
    accuracy = float((guesses == bits).mean())
    if method == "fill":
        assert accuracy == pytest.approx(1 - bits.mean(), abs=1e-9)  # guesses are all 0
    else:
        assert accuracy < 0.75


@pytest.mark.parametrize("method", METHODS)
def test_frame_index_pattern_under_the_box_is_gone(method: str) -> None:
    """A box over the frame-index code of a generated frame: the fine detail inside it is gone.

    The code's blocks are large and flat, so a blur or mosaic over the whole code keeps
    their average brightness (a fill hides it completely): the test hides a part of the
    frame spanning several bits and checks that no stroke of the pattern is left.
    """
    frame = mf.encode_index(0b1010_0101_1100_0011, 384, 216)
    box = (0.1, 0.05, 0.5, 0.4)
    out = rd.apply(frame, [(box, "rect", method)])
    x0, y0, x1, y1 = rd.pixel_box(box, 384, 216)
    edges_before = cv2.Canny(cv2.cvtColor(frame[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY), 50, 150)
    edges_after = cv2.Canny(cv2.cvtColor(out[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY), 50, 150)
    assert edges_before.mean() > 1  # the pattern has edges there
    if method == "pixelate":  # block edges remain, but none of the pattern's own
        assert correlation(edges_after, edges_before) < 0.2
    else:
        assert edges_after.max() == 0
    outside = np.ones(frame.shape[:2], bool)
    outside[y0:y1, x0:x1] = False
    assert np.array_equal(out[outside], frame[outside])


def test_pixelate_blocks_are_at_least_an_eighth_and_12_px() -> None:
    assert rd.pixelate_block(40, 30) == 12
    assert rd.pixelate_block(800, 400) == 50
    rng = np.random.default_rng(3)
    noise = rng.integers(0, 256, (200, 400, 3), dtype=np.uint8)
    out = rd.apply(noise, [((0.0, 0.0, 1.0, 1.0), "rect", "pixelate")])
    block = rd.pixelate_block(400, 200)
    first = out[:block, :block]
    assert (first == first[0, 0]).all()  # one flat block


def test_fill_is_black_and_ellipse_keeps_the_corners() -> None:
    img = np.full((100, 100, 3), 200, np.uint8)
    out = rd.apply(img, [((0.0, 0.0, 1.0, 1.0), "ellipse", "fill")])
    assert (out[50, 50] == 0).all() and (out[0, 0] == 200).all() and (out[99, 99] == 200).all()
    assert rd.apply(img, []) is img  # nothing to hide: no copy
    assert (img == 200).all()  # the input is never changed


def test_frame_redactor_is_the_clip_hook() -> None:
    r = moving((0, 0.0, 0.0, 0.5, 0.5), span=(2, 3))
    hook = rd.frame_redactor([r])
    img = np.full((40, 40, 3), 255, np.uint8)
    assert hook(1, img) is img
    assert np.array_equal(hook(2, img), img)  # blurred white stays white
    filled = rd.frame_redactor([{**_record(r), "method": "fill"}])
    assert (filled(3, img)[:20, :20] == 0).all() and (filled(3, img)[20:, 20:] == 255).all()


def _record(r: Redaction) -> dict[str, object]:
    return {
        "shape": r.shape.value,
        "method": r.method.value,
        "start_frame": r.start_frame,
        "end_frame": r.end_frame,
        "keyframes": [k.as_record() for k in r.keyframes],
    }


def test_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="method"):
        rd.apply(np.zeros((10, 10, 3), np.uint8), [((0, 0, 1, 1), "rect", "smudge")])
