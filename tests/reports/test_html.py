"""The HTML report: complete, self-contained, and inert whatever the investigators typed."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest

from annotator.core.errors import MediaError
from annotator.reports import html as report_html
from annotator.reports.document import Selection
from annotator.reports.html import render_html, write_html
from annotator.reports.stills import still_jpeg
from tests.reports.report_fixtures import (
    AUDIT_EVENTS,
    CHINESE,
    CYRILLIC,
    HEAD_HASH,
    make_sample_media,
    sample_document,
    uid,
)


class Page(HTMLParser):
    """Every element with its attributes, and the visible text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.chunks: list[str] = []
        self._skip = 0
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))
        if tag in ("style", "script"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.chunks.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.chunks).split())

    def ids(self) -> set[str]:
        return {a["id"] for _, a in self.elements if "id" in a}

    def attr_values(self, name: str) -> list[str]:
        return [a[name] for _, a in self.elements if name in a]


@pytest.fixture(scope="module")
def real_stills(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, object], dict]:
    """A document over real files, with the stills an export would make."""
    video, image = make_sample_media(tmp_path_factory.mktemp("html-media"))
    document = sample_document(video=video, image=image)
    media = {m["uid"]: m for m in document["media"]}  # type: ignore[union-attr]
    stills: dict[str, bytes | str | None] = {}
    for a in document["annotations"]:  # type: ignore[union-attr]
        item = media[a["media_uid"]]
        try:
            stills[a["uid"]] = still_jpeg(Path(item["location"]), item, a)
        except MediaError as exc:
            stills[a["uid"]] = exc.message
    return document, stills


def test_report_holds_every_section_count_hash_and_timecode(real_stills) -> None:
    document, stills = real_stills
    html = render_html(document, stills)
    page = Page(html)
    text = page.text

    assert {"summary", "claims", "media", "annotations", "about"} <= page.ids()
    assert f"Audit trail: {AUDIT_EVENTS:,} events, head hash {HEAD_HASH}" in text
    assert text.index(HEAD_HASH) < text.index("Contents")  # on the first page, before the TOC
    for expected in (
        "Donetsk captives",
        "3 media",
        "6 annotations (2 moments, 1 segment, 3 regions)",
        "3 claims",
        "00:00:00.500 frame 12",  # moment: timecode and frame number
        "00:00:01.000 – 00:00:01.500 frames 24–35",  # segment: range and frame range
        "00:00:00.250",  # audio: time only
        "a" * 64,  # full SHA-256 in the inventory
        "Telegram",  # provenance
        "https://example.org/video/123",
        "2025-04-08 14:03:22 UTC by Olena Test",  # imported at / by
        "Transcript (zh) " + CHINESE,
        "Translation (en) I am Chinese",
        CYRILLIC,
        "Changsha, Hunan, China · 28.2282, 112.9388",
        "method: document text; confidence: medium",
        "Event time 2025-04-07",
        "Generated 2025-05-01 09:30:00 UTC with Evidence Annotator 0.1.0",
    ):
        assert expected in text, expected
    assert re.search(r"Size \d+\.\d KB \([\d,]+ bytes\)", text)
    assert "covers a selection" not in text
    # The transcript is marked as Chinese for font selection and screen readers.
    assert any(tag == "dd" and a.get("lang") == "zh" for tag, a in page.elements)
    # Every in-page link lands on an element of the page.
    internal = [h[1:] for h in page.attr_values("href") if h.startswith("#")]
    assert internal and set(internal) <= page.ids()


def test_claims_list_their_evidence_by_relation(real_stills) -> None:
    document, stills = real_stills
    html = render_html(document, stills)
    start = html.index(f'id="claim-{uid("claim1")}"')
    block = Page(html[start : html.index(f'id="claim-{uid("claim2")}"')]).text
    assert block.index("Supporting (1)") < block.index("#1 captive.mp4 · 00:00:00.500 frame 12")
    assert block.index("Contradicting (1)") < block.index("#3 captive.mp4")
    assert block.index("Context (1)") < block.index("#2 captive.mp4 · 00:00:01.000")
    assert "His own statement; may be under duress" in block
    assert "Claimant Telegram channel" in block
    # The https source is a link that sends no referrer; an ftp one is only text.
    links = [a for tag, a in Page(html).elements if tag == "a" and a["href"].startswith(("h", "f"))]
    assert links == [{"href": "https://example.org/post/123", "rel": "noreferrer noopener"}]
    assert "ftp://example.org/not-linked" in Page(html).text


def test_stills_are_embedded_and_nothing_is_fetched(real_stills) -> None:
    document, stills = real_stills
    html = render_html(document, stills)
    page = Page(html)
    sources = page.attr_values("src")
    assert len(sources) == 5  # three video annotations and two image regions; audio has none
    for src in sources:
        assert src.startswith("data:image/jpeg;base64,")
        assert base64.b64decode(src.split(",", 1)[1]) in stills.values()
    tags = {tag for tag, _ in page.elements}
    assert not tags & {"script", "link", "iframe", "object", "embed", "base", "form"}
    assert "No still" not in page.text  # every picture could be made
    # No http(s) resource anywhere but the claim's source link; no CSS url() either.
    http = [v for _, a in page.elements for v in a.values() if re.search(r"(?i)https?:", v)]
    assert http == ["https://example.org/post/123"]
    assert "url(" not in html
    csp = [
        a["content"] for tag, a in page.elements if a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert csp and "default-src 'none'" in csp[0] and "img-src data:" in csp[0]


def test_missing_stills_show_their_reason() -> None:
    document = sample_document()
    annotations = document["annotations"]
    assert isinstance(annotations, list)
    first = annotations[0]["uid"]
    html = render_html(document, {first: "captive.mp4 is not at /evidence. Relink the media."})
    text = Page(html).text
    assert "No still: captive.mp4 is not at /evidence. Relink the media." in text
    # The others (no entry at all) get the general placeholder; the audio moment gets none.
    assert text.count("No still:") == 5
    assert "<img" not in html


def test_selection_is_stated() -> None:
    html = render_html(sample_document(selection=Selection(tag_path="document")), {})
    text = Page(html).text
    assert "This report covers a selection, not the whole case." in text
    assert "Tag document (and the tags under it)" in text
    assert "3 annotations" in text


HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'


def test_hostile_text_stays_inert_everywhere() -> None:
    texts = {
        key: f"{key} {HOSTILE}"
        for key in (
            "case_name",
            "case_description",
            "video_name",
            "image_name",
            "claim_statement",
            "claimant",
            "note",
            "title",
            "tag",
            "transcript",
            "translation",
            "rationale",
            "place_name",
            "provenance_url",
        )
    }
    texts["claim_source"] = "javascript:alert(1)"
    html = render_html(sample_document(texts), {})
    page = Page(html)

    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    )
    assert html.count("</style>") == 1  # the case name in the page footer cannot close it
    tags = {tag for tag, _ in page.elements}
    assert "script" not in tags and "img" not in tags
    for _, attrs in page.elements:
        assert not any(name.startswith("on") for name in attrs)
        assert not any(v.strip().lower().startswith("javascript:") for v in attrs.values())
    # The text is all there, shown as text.
    for key in texts:
        if key != "claim_source":
            assert f"{key} {HOSTILE}" in page.text, key
    assert "javascript:alert(1)" in page.text  # shown, not linked


@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ("https://example.org/a?b=1&c=2", True),
        ("HTTP://EXAMPLE.ORG/", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        (" javascript:alert(1)", False),
        ("java\nscript:alert(1)", False),
        ('https://example.org/"onmouseover=alert(1)', False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("//example.org/", False),
        ("", False),
    ],
)
def test_only_plain_web_urls_become_links(url: str, linked: bool) -> None:
    assert (report_html.web_url(url) is not None) is linked


def test_environment_escapes_and_is_strict() -> None:
    env = report_html._environment()
    assert env.undefined is jinja2.StrictUndefined
    assert env.autoescape(report_html.TEMPLATE) is True
    with pytest.raises(jinja2.UndefinedError):
        env.get_template(report_html.TEMPLATE).render(view={}, css="")


def test_write_html_writes_utf8_atomically(tmp_path: Path) -> None:
    out = write_html(sample_document(), {}, tmp_path / "report.html")
    assert out == tmp_path / "report.html"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert CYRILLIC in text and CHINESE in text
