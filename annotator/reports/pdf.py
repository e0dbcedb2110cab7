"""The PDF report: the HTML report printed by Qt WebEngine (Chromium), so both look alike.

The one module under ``reports`` that imports PySide6 (DESIGN.md, import-linter contract).
Page numbers come from the stylesheet's ``@page`` margin boxes, which this Chromium
supports; the clickable table of contents comes from the HTML's links (Chromium turns them
into named destinations), and PDF bookmarks are added from the same anchors with pypdf.

Works headless (the CLI: an offscreen QApplication is created when none exists) and inside
the GUI, from the UI thread (a local event loop waits) or from a worker thread (the work is
handed to the UI thread, whose event loop must be running).

Chromium's sandbox is switched off on Linux: it cannot start as root, nor where user
namespaces are restricted (Ubuntu 24.04 by default). The page only ever shows HTML we
generated, with JavaScript off and remote content blocked, and the HTML carries a
Content-Security-Policy allowing nothing but inline style and ``data:`` images.
"""

from __future__ import annotations

import functools
import io
import logging
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from annotator import __version__
from annotator.core.errors import AnnotatorError
from annotator.core.files import atomic_write_bytes

# Left, top, right, bottom in millimetres: the same as report.css's @page margins (Qt's
# page layout wins over CSS, and the page numbers are drawn inside the bottom margin).
MARGINS_MM = (14.0, 16.0, 14.0, 18.0)
_LINUX = sys.platform.startswith("linux")
_APP: Any = None  # the QApplication we created, kept alive for the process


class PdfError(AnnotatorError):
    """The PDF could not be made; the message says why and what to try."""

    reason = "pdf_failed"
    exit_code = 1


def html_to_pdf(html: str, out: Path, *, timeout_s: float | None = None) -> Path:
    """Print ``html`` to an A4 portrait PDF at ``out`` (written atomically) and return ``out``.

    Raises PdfError when Qt WebEngine cannot load or print the page within ``timeout_s``
    (by default two minutes plus two seconds per megabyte of HTML: a report of 1,000 stills
    is about 140 MB and took 95 s to print on a loaded 2-core machine).
    """
    if timeout_s is None:
        timeout_s = 120 + 2 * len(html) / 1_000_000
    out = Path(out)
    data = render_pdf(html, timeout_s=timeout_s)
    data = add_bookmarks(data, html)
    atomic_write_bytes(out, data)
    return out


def prepare_environment() -> None:
    """Set what Chromium reads once at start-up; harmless when called again.

    The GUI may call this before it creates its QApplication; ``html_to_pdf`` calls it too.
    """
    if _LINUX:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "").split()
    wanted = ["--disable-gpu", *(["--no-sandbox"] if _LINUX else [])]
    flags += [flag for flag in wanted if flag not in flags]
    if not any(flag.startswith("--log-level") for flag in flags):
        flags.append("--log-level=3")  # Chromium's own errors only when fatal (no D-Bus noise)
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = " ".join(flags)


def render_pdf(html: str, *, timeout_s: float = 120) -> bytes:
    """The PDF bytes of ``html`` as Chromium prints it (no bookmarks)."""
    prepare_environment()
    app = _application()
    from PySide6.QtCore import QThread

    if QThread.currentThread() == app.thread():
        return _render(html, timeout_s)
    return _render_on_app_thread(app, html, timeout_s)


# --- Qt plumbing ----------------------------------------------------------------------------


def _application() -> Any:
    """The running QApplication, or a new offscreen one when there is none (the CLI)."""
    global _APP
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtGui import QGuiApplication

    app = QCoreApplication.instance()
    if app is None:
        if threading.current_thread() is not threading.main_thread():
            raise PdfError(
                "The PDF report needs Qt started on the main thread; none is running. "
                "Export to PDF from the main thread or from the application."
            )
        # No screen is needed to print: offscreen also works over SSH and in CI.
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        import PySide6.QtWebEngineCore  # noqa: F401  - must load before the application
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QApplication

        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
        _quiet_qt_messages()
        _APP = app = QApplication([sys.argv[0] if sys.argv and sys.argv[0] else "annotator"])
    if not isinstance(app, QGuiApplication):
        raise PdfError(
            "The PDF report needs a Qt GUI application (QGuiApplication or QApplication), "
            "but a plain QCoreApplication is running."
        )
    return app


# What Qt WebEngine says on every headless start; none of it matters for printing, and the
# command line promises one line on stderr per real error.
_HARMLESS = (
    "Sandboxing disabled by user",
    "QRhiGles2: Failed to create",
    "Failed to create RHI for backend",
    "GPUInfo not initialized",
)


def _quiet_qt_messages() -> None:
    """Drop Qt's known start-up noise in a process we started Qt in; pass the rest on."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(mode: Any, context: Any, message: str) -> None:
        if not message.startswith(_HARMLESS):
            sys.stderr.write(message + "\n")

    qInstallMessageHandler(handler)


class _Wait:
    """Wait in a local event loop for a callback, at most until a deadline."""

    def __init__(self, deadline: float) -> None:
        from PySide6.QtCore import QEventLoop, QTimer

        self.deadline = deadline
        self.loop = QEventLoop()
        self.timer = QTimer()
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.loop.quit)
        self.done = False
        self.value: Any = None

    def __call__(self, value: Any = None) -> None:
        self.done, self.value = True, value
        self.loop.quit()

    def wait(self) -> bool:
        remaining = self.deadline - time.monotonic()
        if not self.done and remaining > 0:
            self.timer.start(max(1, int(remaining * 1000)))
            self.loop.exec()
            self.timer.stop()
        return self.done


def _render(html: str, timeout_s: float) -> bytes:
    from PySide6.QtCore import QMarginsF, QUrl
    from PySide6.QtGui import QPageLayout, QPageSize
    from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineSettings

    deadline = time.monotonic() + timeout_s
    # A file, not setHtml(): setHtml refuses content over 2 MB, and stills make reports big.
    with tempfile.TemporaryDirectory(prefix="annotator-report-") as folder:
        source = Path(folder) / "report.html"
        source.write_text(html, encoding="utf-8")
        page = QWebEnginePage()  # the default profile is off the record: nothing kept on disk
        try:
            attribute = QWebEngineSettings.WebAttribute
            settings = page.settings()
            settings.setAttribute(attribute.JavascriptEnabled, False)
            settings.setAttribute(attribute.LocalContentCanAccessRemoteUrls, False)
            settings.setAttribute(attribute.AutoLoadImages, True)

            loaded = _Wait(deadline)
            page.loadFinished.connect(loaded)
            page.load(QUrl.fromLocalFile(str(source)))
            if not loaded.wait():
                raise PdfError(f"The report did not load within {timeout_s:g} s.")
            if not loaded.value:
                raise PdfError("Qt WebEngine could not load the report's HTML.")

            left, top, right, bottom = MARGINS_MM
            layout = QPageLayout(
                QPageSize(QPageSize.PageSizeId.A4),
                QPageLayout.Orientation.Portrait,
                QMarginsF(left, top, right, bottom),
                QPageLayout.Unit.Millimeter,
            )
            printed = _Wait(deadline)
            page.printToPdf(printed, layout)
            if not printed.wait():
                raise PdfError(
                    f"Printing the report to PDF took longer than {timeout_s:g} s. "
                    "Export a smaller selection, or allow more time."
                )
            data = bytes(printed.value or b"")
        finally:
            del page  # before the profile and the application go, whatever happened
    if not data.startswith(b"%PDF"):
        raise PdfError("Qt WebEngine returned no PDF for the report.")
    return data


@dataclass
class _Handoff:
    html: str
    timeout_s: float
    finished: threading.Event = field(default_factory=threading.Event)
    result: bytes = b""
    error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = _render(self.html, self.timeout_s)
        except BaseException as exc:  # handed back to the waiting thread
            self.error = exc
        finally:
            self.finished.set()


def _render_on_app_thread(app: Any, html: str, timeout_s: float) -> bytes:
    """Run the rendering on the application's thread and wait for it here (a worker)."""
    handoff = _Handoff(html, timeout_s)
    relay = _relay_class()(handoff)
    relay.moveToThread(app.thread())
    relay.setParent(app)  # owned and deleted on the application's thread
    relay.start.emit()  # queued: the relay's slot runs on the application's thread
    if not handoff.finished.wait(timeout_s + 10):
        relay.deleteLater()
        raise PdfError(
            "The application's main thread did not render the PDF in time; "
            "it must keep its event loop running while a worker exports."
        )
    relay.deleteLater()
    if handoff.error is not None:
        raise handoff.error
    return handoff.result


@functools.cache
def _relay_class() -> Any:
    from PySide6.QtCore import QObject, Signal, Slot

    class Relay(QObject):
        start = Signal()

        def __init__(self, handoff: _Handoff) -> None:
            super().__init__()
            self.handoff = handoff
            self.start.connect(self.run)

        @Slot()
        def run(self) -> None:
            self.handoff.run()

    return Relay


# --- bookmarks ------------------------------------------------------------------------------


class _Outline(HTMLParser):
    """Collects ``<... id=ID data-outline=LEVEL data-title=TEXT>`` and the page title."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.entries: list[tuple[int, str, str]] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        level, anchor, text = values.get("data-outline"), values.get("id"), values.get("data-title")
        if level and level.isdigit() and anchor and text:
            self.entries.append((int(level), anchor, " ".join(text.split())))
        self._in_title = tag == "title" and not self.title

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def add_bookmarks(pdf: bytes, html: str) -> bytes:
    """Add PDF bookmarks for the report's sections and its metadata (title, creator).

    Bookmarks point where Chromium put each linked anchor (its named destinations). Without
    pypdf the PDF is returned as printed: the clickable contents page still works.
    """
    try:
        import pypdf  # noqa: F401
    except ImportError:
        return pdf
    parser = _Outline()
    parser.feed(html)
    parser.close()
    log = logging.getLogger("pypdf")
    saved = log.level
    log.setLevel(logging.ERROR)  # Skia's trailer counts one object short: harmless, but logged
    try:
        return _bookmarked(pdf, parser)
    finally:
        log.setLevel(saved)


def _bookmarked(pdf: bytes, parser: _Outline) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import Fit

    reader = PdfReader(io.BytesIO(pdf))
    destinations = reader.named_destinations
    writer = PdfWriter(clone_from=reader)
    parents: dict[int, Any] = {}
    for level, anchor, text in parser.entries:
        dest = destinations.get("/" + anchor) or destinations.get(anchor)
        if dest is None:
            continue
        page = reader.get_destination_page_number(dest)
        parent = next((parents[n] for n in range(level - 1, 0, -1) if n in parents), None)
        top = dest.top if isinstance(dest.top, int | float) else None
        parents[level] = writer.add_outline_item(
            title=text, page_number=page, parent=parent, fit=Fit.xyz(top=top), is_open=level < 2
        )
        for deeper in [n for n in parents if n > level]:
            del parents[deeper]
    if parents:
        writer.page_mode = "/UseOutlines"
    metadata = {"/Creator": f"Evidence Annotator {__version__}", "/Producer": "Qt WebEngine"}
    if parser.title.strip():
        metadata["/Title"] = " ".join(parser.title.split())
    writer.add_metadata(metadata)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
