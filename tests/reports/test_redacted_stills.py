"""Redacted stills and reports: the hidden area is gone, the rest of the picture untouched."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from annotator.core.progress import drain
from annotator.media.redaction import pixel_box
from annotator.reports import stills
from annotator.services.container import Services
from annotator.services.redactions import RedactionService
from tests.conftest import INVESTIGATOR
from tests.reports.report_fixtures import make_sample_media

VIDEO = {"kind": "video", "file_name": "captive.mp4"}
IMAGE = {"kind": "image", "file_name": "id-card.jpg"}
METHODS = ("blur", "pixelate", "fill")
# Over the frame-index code (top half of the frame): it moves right from frame 10 to 30.
CODE_BOX = {"x": 0.0, "y": 0.0, "w": 0.75, "h": 0.5}


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    video, image = make_sample_media(tmp_path_factory.mktemp("redacted"))  # 192x108, 48 frames
    return {"video": video, "image": image}


def redaction(method: str) -> dict[str, object]:
    return {
        "uid": "r1",
        "shape": "rect",
        "method": method,
        "start_frame": 10,
        "end_frame": 30,
        "keyframes": [
            {"frame": 10, "ms": 417, **CODE_BOX},
            {"frame": 30, "ms": 1250, **{**CODE_BOX, "x": 0.25}},
        ],
    }


def moment(frame: int, **extra: object) -> dict[str, object]:
    return {"uid": f"a{frame}", "kind": "moment", "start_frame": frame, **extra}


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    x, y = a.astype(np.float64).ravel(), b.astype(np.float64).ravel()
    return 0.0 if x.std() == 0 or y.std() == 0 else float(np.corrcoef(x, y)[0, 1])


@pytest.mark.parametrize("method", METHODS)
def test_redacted_stills_hide_the_box_on_every_frame_of_the_span(
    media: dict[str, Path], method: str
) -> None:
    frames = [5, 10, 17, 20, 30, 31]
    records = [moment(f) for f in frames]
    plain = dict((r["uid"], p) for r, p in stills.stills_in_order(media["video"], VIDEO, records))
    hidden = dict(
        (r["uid"], p)
        for r, p in stills.stills_in_order(
            media["video"], VIDEO, records, redactions=[redaction(method)]
        )
    )
    for frame in frames:
        before, after = plain[f"a{frame}"], hidden[f"a{frame}"]
        assert isinstance(before, np.ndarray) and isinstance(after, np.ndarray)
        if not 10 <= frame <= 30:
            assert np.array_equal(before, after)  # outside the span: untouched
            continue
        x = 0.0 + 0.25 * (frame - 10) / 20  # where the box is on this frame
        x0, y0, x1, y1 = pixel_box((x, 0.0, 0.75, 0.5), 192, 108)
        outside = np.ones(before.shape[:2], bool)
        outside[y0:y1, x0:x1] = False
        assert np.array_equal(before[outside], after[outside])  # the rest: identical pixels
        inside = np.s_[y0:y1, x0:x1]
        gray = [cv2.cvtColor(p[inside], cv2.COLOR_RGB2GRAY) for p in (before, after)]
        edges = [cv2.Canny(g, 50, 150) for g in gray]
        assert edges[0].mean() > 1  # block edges of the code were there
        if method == "fill":
            assert (after[inside] == 0).all()
            assert correlation(after[inside], before[inside]) == 0.0
        elif method == "blur":
            assert edges[1].max() == 0  # not one edge of the pattern left
        else:  # a mosaic has its own block edges, none of the pattern's
            assert correlation(edges[1], edges[0]) < 0.3


def test_redaction_is_applied_before_the_region_is_drawn(media: dict[str, Path]) -> None:
    region = {"shape": "rect", "x": 0.1, "y": 0.1, "w": 0.3, "h": 0.3}
    annotation = moment(20, kind="region", region=region)
    rgb = stills.stills_in_order(
        media["video"], VIDEO, [annotation], max_width=None, redactions=[redaction("fill")]
    )
    [(_, picture)] = list(rgb)
    assert isinstance(picture, np.ndarray)
    top_edge = picture[round(0.1 * 108), round(0.2 * 192)]
    assert top_edge[0] >= 200 and top_edge[2] <= 110  # amber outline drawn over the fill


def test_redacted_jpeg_and_png_stills_of_an_image(media: dict[str, Path], tmp_path: Path) -> None:
    record = {
        "shape": "ellipse",
        "method": "fill",
        "start_frame": None,
        "end_frame": None,
        "keyframes": [{"frame": None, "ms": None, "x": 0.25, "y": 0.25, "w": 0.5, "h": 0.5}],
    }
    annotation = {"uid": "i", "kind": "region", "region": None}
    out = stills.write_still_png(
        media["image"], IMAGE, annotation, tmp_path / "still.png", redactions=[record]
    )
    rgb = cv2.cvtColor(cv2.imread(str(out)), cv2.COLOR_BGR2RGB)
    plain = stills.frame_rgb(media["image"], IMAGE, annotation)
    height, width = plain.shape[:2]
    assert (rgb[height // 2, width // 2] == 0).all()
    assert np.array_equal(rgb[0, 0], plain[0, 0])  # the ellipse's corner stays
    jpeg = stills.still_jpeg(media["image"], IMAGE, annotation, redactions=[record])
    decoded = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert decoded[height // 2, width // 2] < 20


# --- the export service and the HTML report ------------------------------------------------


@pytest.fixture
def published(services: Services, media: dict[str, Path]) -> tuple[Services, str, str]:
    case = services.cases.create("Publication").value
    drain(services.importing.run(case.uid, [media["video"]]))
    [video] = services.media.for_case(case.uid)
    services.media.update(case.uid, video.uid, {"uploader": "@secret_account", "platform": "X"})
    services.annotations.create(
        case.uid, video.uid, {"kind": "moment", "start_frame": 20, "start_ms": 834, "title": "T"}
    )
    redactions = RedactionService(services._db, lambda: INVESTIGATOR)
    record = redaction("fill")
    made = redactions.create(
        case.uid,
        video.uid,
        {
            "method": "fill",
            "shape": "rect",
            "keyframes": record["keyframes"],
            "start_frame": 10,
            "end_frame": 30,
            "start_ms": 417,
            "end_ms": 1292,
        },
    ).value
    return services, case.uid, made.uid


def test_redacted_html_report_says_so_and_omits_fields(
    published: tuple[Services, str, str], tmp_path: Path
) -> None:
    services, case_uid, _ = published
    out = tmp_path / "report.html"
    result = drain(
        services.exporting.run(
            case_uid, "html", out, redacted=True, omit_fields=["uploader", "original_path"]
        )
    )
    assert result.redacted and result.omitted_fields == ("original_path", "uploader")
    html = out.read_text(encoding="utf-8")
    cover = html[: html.index('id="claims"')]
    assert "Redacted for publication" in cover
    assert "covered with solid black" in cover and "1 area hidden" in cover
    assert "Fields left out of this report:</strong> Original path, Uploader." in cover
    assert "@secret_account" not in html and "Original path</dt>" not in html
    assert "Platform</dt>" in html  # only the chosen fields are left out
    assert "· redacted" in html  # the still's caption says it was redacted
    event = services.audit.history(case_uid)[-1]
    assert event.action == "export.write" and event.after is not None
    assert event.after["redacted"] is True
    assert event.after["omitted_fields"] == ["original_path", "uploader"]
    assert services.audit.verify(case_uid).ok


def test_unredacted_report_warns_that_it_shows_the_areas(
    published: tuple[Services, str, str], tmp_path: Path
) -> None:
    services, case_uid, _ = published
    out = tmp_path / "report.html"
    drain(services.exporting.run(case_uid, "html", out))
    html = out.read_text(encoding="utf-8")
    assert "Not redacted." in html and "Redacted for publication" not in html
    assert "@secret_account" in html


def test_redacted_stills_export_and_json(
    published: tuple[Services, str, str], tmp_path: Path
) -> None:
    services, case_uid, redaction_uid = published
    result = drain(services.exporting.run(case_uid, "stills", tmp_path / "s", redacted=True))
    [png] = result.files
    rgb = cv2.cvtColor(cv2.imread(str(png)), cv2.COLOR_BGR2RGB)
    x0, y0, x1, y1 = pixel_box((0.125, 0.0, 0.75, 0.5), 192, 108)  # frame 20: halfway
    assert (rgb[y0:y1, x0:x1] == 0).all()
    out = tmp_path / "case.json"
    drain(services.exporting.run(case_uid, "json", out, omit_fields=["uploader"]))
    document = json.loads(out.read_text(encoding="utf-8"))
    assert [r["uid"] for r in document["redactions"]] == [redaction_uid]
    assert "uploader" not in document["media"][0]["provenance"]
    assert document["publication"]["omitted_fields"] == ["uploader"]


def test_unknown_omit_field_is_refused(
    published: tuple[Services, str, str], tmp_path: Path
) -> None:
    from annotator.core.errors import ValidationError

    services, case_uid, _ = published
    with pytest.raises(ValidationError, match="can be left out"):
        drain(services.exporting.run(case_uid, "html", tmp_path / "r.html", omit_fields=["sha"]))


def test_cli_export_redacted_with_omit(
    published: tuple[Services, str, str],
    tmp_path: Path,
    db_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import annotator.cli as cli

    del published  # the case "Publication", made through the services
    out = tmp_path / "cli.html"
    args = ["--db", str(db_path), "export", "--case", "Publication", "--format", "html"]
    code = cli.run_cli([*args, "--out", str(out), "--redacted", "--omit", "uploader", "--json"])
    printed = json.loads(capsys.readouterr().out)
    assert code == 0 and printed["redacted"] is True and printed["omitted_fields"] == ["uploader"]
    assert "@secret_account" not in out.read_text(encoding="utf-8")
    code = cli.run_cli([*args, "--out", str(out), "--omit", "nonsense"])
    assert code == 2 and "can be left out" in capsys.readouterr().err
