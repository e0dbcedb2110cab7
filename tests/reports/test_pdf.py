"""The PDF report: Qt WebEngine prints the HTML report; text, page numbers and bookmarks.

Each render costs about half a second after Qt WebEngine has started, so there are few.
Needs the system packages of scripts/install-system-packages.sh (fonts-noto-cjk for the
Chinese text, poppler-utils for pdftotext).
"""

from __future__ import annotations

import io
import os
import subprocess
import threading
import time
import unicodedata
from pathlib import Path

import cv2
import numpy as np
import pytest
from pypdf import PdfReader

from annotator.core.errors import MediaError
from annotator.reports import pdf
from annotator.reports.html import render_html
from annotator.reports.pdf import PdfError, html_to_pdf
from annotator.reports.stills import still_jpeg
from tests.reports.report_fixtures import (
    AUDIT_EVENTS,
    CHINESE,
    CYRILLIC,
    HEAD_HASH,
    make_sample_media,
    sample_document,
)


def pdftotext(path: Path) -> str:
    # -raw: Chromium embeds the CJK font as Type 3 glyphs, which the layout mode drops.
    result = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return result.stdout.decode("utf-8")


def page_texts(path: Path) -> list[str]:
    # NFKC: a CJK font may map 人 to its Kangxi radical twin in the PDF's text layer.
    reader = PdfReader(path)
    return [unicodedata.normalize("NFKC", page.extract_text() or "") for page in reader.pages]


def outline_titles(reader: PdfReader) -> list[str]:
    titles: list[str] = []

    def walk(items: list) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader.outline)
    return titles


def test_report_prints_with_every_script_page_numbers_and_bookmarks(tmp_path: Path) -> None:
    video, image = make_sample_media(tmp_path / "media")
    document = sample_document(video=video, image=image)
    media = {m["uid"]: m for m in document["media"]}  # type: ignore[union-attr]
    stills: dict[str, bytes | str | None] = {}
    for a in document["annotations"]:  # type: ignore[union-attr]
        item = media[a["media_uid"]]
        try:
            stills[a["uid"]] = still_jpeg(Path(item["location"]), item, a)
        except MediaError as exc:
            stills[a["uid"]] = exc.message
    out = tmp_path / "out" / "report.pdf"

    started = time.monotonic()
    assert html_to_pdf(render_html(document, stills), out) == out
    elapsed = time.monotonic() - started
    assert elapsed < 60, f"rendering took {elapsed:.1f} s"

    assert out.read_bytes().startswith(b"%PDF-")
    assert [p.name for p in out.parent.iterdir()] == ["report.pdf"]  # nothing left behind
    reader = PdfReader(out, strict=True)
    count = len(reader.pages)
    assert count >= 4  # summary, claims, media and annotations each start a page

    pages = page_texts(out)
    everything = "\n".join(pages)
    assert f"Audit trail: {AUDIT_EVENTS:,} events, head hash" in pages[0]
    assert HEAD_HASH in pages[0]
    for number, text in enumerate(pages, 1):
        assert f"Page {number} of {count}" in text
    assert CYRILLIC in everything
    assert CHINESE in everything
    assert "00:00:01.000 – 00:00:01.500" in everything

    raw = pdftotext(out)  # a reader we did not write, the way people copy text out
    for expected in (CYRILLIC, CHINESE, HEAD_HASH, f"Page 1 of {count}", f"Page {count} of"):
        assert expected in raw, expected

    titles = outline_titles(reader)
    for expected in ("Summary", "Claims", "Media inventory", "Annotations", "About this report"):
        assert expected in titles
    assert "#1 00:00:00.500 He states his nationality" in titles
    assert reader.metadata is not None
    assert reader.metadata.title == "Evidence report: Donetsk captives"
    # The clickable contents: links to the sections inside the document.
    annotations = [a.get_object() for a in reader.pages[0].get("/Annots", [])]
    assert sum(1 for a in annotations if "/Dest" in a) >= 10


def noise_jpeg(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, size=(540, 960, 3), dtype=np.uint8)
    ok, data = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return bytes(data)


def test_a_report_over_2_mb_renders_from_a_worker_thread(tmp_path: Path) -> None:
    """setHtml() refuses 2 MB; the GUI exports from a worker while its event loop runs."""
    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

    document = sample_document()
    annotations = document["annotations"]
    assert isinstance(annotations, list)
    stills: dict[str, bytes | str | None] = {
        a["uid"]: noise_jpeg(i) for i, a in enumerate(annotations)
    }
    html = render_html(document, stills)
    assert len(html.encode()) > 2 * 1024 * 1024
    out = tmp_path / "big.pdf"

    html_to_pdf("<p>start Qt on this thread first</p>", tmp_path / "warm.pdf")
    app = QCoreApplication.instance()
    assert app is not None
    outcome: dict[str, object] = {}

    def work() -> None:
        try:
            outcome["path"] = html_to_pdf(html, out)
        except BaseException as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=work)
    worker.start()
    loop = QEventLoop()  # the "GUI" keeps processing events while the worker waits
    poll = QTimer()
    poll.timeout.connect(lambda: None if worker.is_alive() else loop.quit())
    poll.start(20)
    QTimer.singleShot(90_000, loop.quit)
    loop.exec()
    poll.stop()
    worker.join(5)
    assert not worker.is_alive()
    assert outcome == {"path": out}, outcome
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    images = sum(len(page.images) for page in reader.pages)
    assert images == 5  # every still of a picture made it in; the audio has none
    assert "About this report" in reader.pages[-1].extract_text()


def test_timeout_is_a_clear_error_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "never.pdf"
    with pytest.raises(PdfError, match="did not load within"):
        html_to_pdf("<p>x</p>", out, timeout_s=0)
    assert not out.exists()


def test_environment_is_prepared_once_without_duplicates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QTWEBENGINE_CHROMIUM_FLAGS", "--disable-gpu --lang=uk")
    pdf.prepare_environment()
    pdf.prepare_environment()
    flags = os.environ["QTWEBENGINE_CHROMIUM_FLAGS"].split()
    assert flags.count("--disable-gpu") == 1
    assert "--lang=uk" in flags
    if pdf._LINUX:
        assert "--no-sandbox" in flags
        assert os.environ["QTWEBENGINE_DISABLE_SANDBOX"] == "1"
