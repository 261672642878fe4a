"""The written report's markup (tracker.reports.narrative.markup): what it makes of text, and that nothing typed can
become a tag, an attribute or a link other than the few it allows, in HTML and in the PDF's markup."""

from __future__ import annotations

from html.parser import HTMLParser
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph

from tracker.reports.narrative import markup
from tracker.reports.narrative.figures import ReportFigures

ALLOWED = {
    "p": {"class"},
    "ul": {"class"},
    "li": set(),
    "strong": set(),
    "a": {"class", "href"},
    "span": {"data-figure"},
}
XSS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html,<script>alert(1)</script>)",
    '[x](https://example.org/" onmouseover="alert(1))',
    "**<b>bold</b>**",
    "{<script>}",
    '=HYPERLINK("https://evil.example","x")',
    "&lt;script&gt;",
]


def figure(key: str) -> str:
    return "7"


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(html)
    return parser.found


def test_paragraphs_lists_bold_links_and_figures():
    text = "First **bold** line\ncontinues.\n\n- one {complete:7}\n- [two](https://example.org/a?b=c)\n\nLast"
    html = markup.to_html(markup.parse(text), figure)
    assert html == (
        '<p class="govuk-body">First <strong>bold</strong> line continues.</p>\n'
        '<ul class="govuk-list govuk-list--bullet"><li>one <span data-figure="complete:7">7</span></li>'
        '<li><a class="govuk-link" href="https://example.org/a?b=c">two</a></li></ul>\n'
        '<p class="govuk-body">Last</p>'
    )


def test_a_link_to_anything_but_http_or_https_stays_text_and_is_refused_on_saving():
    text = "[click](javascript:alert(1)) and [ok](http://example.org)"
    html = markup.to_html(markup.parse(text), figure)
    assert "javascript" not in [attrs.get("href", "") for _, attrs in tags_of(html)]
    assert "[click](javascript:alert(1))" in html
    assert markup.unsafe_links(text) == ["javascript:alert(1"]
    figures = ReportFigures({"complete": 1}, {})
    assert "Links must be to an address starting http:// or https://" in (figures.problem(text) or "")


def test_unknown_figures_and_lone_braces_are_refused():
    figures = ReportFigures({"complete": 3}, {"7": {"complete": 2}})
    assert figures.problem("{complete} and {complete:7}") is None
    assert "There is no figure {complet}, {complete:8}" in (figures.problem("{complet} {complete:8}") or "")
    assert "Use { and } only around a figure" in (figures.problem("a { b") or "")
    assert figures.render("nope") == "[no such figure: nope]"


def test_a_figure_is_written_exactly_as_listed():
    """No spaces inside the braces and no empty recommendation number: they are not on the list, so refused."""
    figures = ReportFigures({"complete": 3}, {"7": {"complete": 2}})
    for text in ("{ complete }", "{complete:}", "{complete: 7}", "{ complete:7}"):
        assert "There is no figure" in (figures.problem(text) or ""), text


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab <>\"'&=/:[](){}*-\n\\jshtpx.")), max_size=120) | st.text(max_size=80))
@example('[x](https://a.b/"><script>)')
@example("**[a](http://x.y)**")
def test_no_input_makes_a_tag_attribute_or_link_of_its_own(text):
    html = markup.to_html(markup.parse(text), figure)
    for tag, attrs in tags_of(html):
        assert tag in ALLOWED, (text, html)
        assert set(attrs) <= ALLOWED[tag], (text, html)
        if tag == "a":
            assert (attrs["href"] or "").startswith(("http://", "https://")), (text, html)
    # The PDF's markup: reportlab parses it (so it is well formed) and shows the same words, no more.
    style = getSampleStyleSheet()["BodyText"]
    for piece, _ in markup.to_reportlab(markup.parse(text), figure):
        assert "<script" not in piece and "<img" not in piece
        Paragraph(piece, style)


def test_xss_and_formula_payloads_are_inert_in_html_and_pdf_markup():
    for payload in XSS:
        html = markup.to_html(markup.parse(payload), figure)
        assert {tag for tag, _ in tags_of(html)} <= {"p", "strong", "span"}, html
        for piece, _ in markup.to_reportlab(markup.parse(payload), figure):
            assert "<script" not in piece and "<img" not in piece and "<a " not in piece, piece
            Paragraph(piece, getSampleStyleSheet()["BodyText"])
    assert escape("<b>") in markup.to_reportlab(markup.parse("<b>"), figure)[0][0]


def test_a_link_with_a_user_name_before_its_host_is_refused():
    """ "https://good.example@evil.example" reads as good.example but goes to evil.example."""
    assert not markup.safe_href("https://good.example@evil.example")
    assert markup.safe_href("https://good.example/a@b")


def test_link_messages_say_what_is_wrong_and_never_echo_a_huge_address():
    figures = ReportFigures({"complete": 1}, {})
    message = figures.problem("[a](" + "x" * 20_000 + ")") or ""
    assert "Links must be" in message and len(message) < 300
    assert "straight after the ( with no space" in (figures.problem("[x]( javascript:alert(1))") or "")
    assert "brackets" in (figures.problem("[x](https://example.org/a_(b))") or "")
