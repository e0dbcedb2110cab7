"""The HTML report opened in a real browser engine (Chromium, through Qt WebEngine) with
JavaScript switched on: hostile text in the case must not run, load or link anything.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from annotator.reports.html import write_html
from annotator.reports.pdf import prepare_environment
from tests.reports.report_fixtures import sample_document

PAYLOADS = (
    "<script>window.__pwned = 'script'; document.title = 'pwned'</script>",
    '"><img src=x onerror="window.__pwned = \'img\'">',
    "<svg onload=\"window.__pwned = 'svg'\"></svg>",
    "</style><script>window.__pwned = 'style'</script>",
)


def _evaluate(page: object, script: str, timeout_s: float = 20) -> object:
    from PySide6.QtCore import QCoreApplication

    box: list[object] = []
    page.runJavaScript(script, 0, box.append)  # type: ignore[attr-defined]
    deadline = time.monotonic() + timeout_s
    while not box and time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.01)
    assert box, f"no answer from the page for {script!r}"
    return box[0]


def test_hostile_notes_do_not_run_in_a_browser(qtbot: object, tmp_path: Path) -> None:
    prepare_environment()
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    from PySide6.QtCore import QUrl
    from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineSettings

    hostile = " ".join(PAYLOADS)
    texts = {
        key: f"{key} {hostile}"
        for key in ("case_name", "note", "title", "claim_statement", "tag", "transcript")
    }
    texts["claim_source"] = "javascript:window.__pwned='link'"
    out = write_html(sample_document(texts), {}, tmp_path / "report.html")

    page = QWebEnginePage()
    settings = page.settings()
    settings.setAttribute(QWebEngineSettings.WebAttribute.JavascriptEnabled, True)
    with qtbot.waitSignal(page.loadFinished, timeout=30_000) as loaded:  # type: ignore[attr-defined]
        page.load(QUrl.fromLocalFile(str(out)))
    assert loaded.args == [True]
    # The engine runs scripts (ours): the page's own hostile text did not.
    assert _evaluate(page, "1 + 1") == 2
    assert _evaluate(page, "String(window.__pwned)") == "undefined"
    assert _evaluate(page, "document.title") != "pwned"
    assert _evaluate(page, "document.querySelectorAll('script, svg, iframe').length") == 0
    img_sources = _evaluate(
        page, "Array.from(document.images).map(i => i.getAttribute('src')).join(' ')"
    )
    assert "x" not in str(img_sources).split()
    handlers = _evaluate(
        page,
        "Array.from(document.querySelectorAll('*')).filter(e => "
        "Array.from(e.attributes).some(a => a.name.startsWith('on'))).length",
    )
    assert handlers == 0
    links = _evaluate(
        page,
        "Array.from(document.links).map(a => a.protocol).filter(p => p !== 'file:' "
        "&& p !== 'https:' && p !== 'http:').length",
    )
    assert links == 0  # no javascript: link
    # The hostile text is on the page, as text.
    text = str(_evaluate(page, "document.body.innerText"))
    assert "<script>window.__pwned = 'script'" in text
    del page
