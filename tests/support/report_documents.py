"""A fictional report document in its three renderings (HTML page, PDF, text pasted from the PDF), for the small
test set (tests.support.factories.SMALL_SET: recommendations 1 with 1.1 and 1.2, 2 and 3). Every word is invented.
"""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

TITLE = "Fictional report on widgets"
CC = "Recommendations for chief constables"
PCC = "Recommendations for police and crime commissioners"
# (heading, paragraph) in the document's order; a heading paragraph is None.
CONTENT: list[tuple[str, str | None]] = [
    (CC, None),
    (CC, "Recommendation 1: By 27 March 2025, chief constables should test the fictional widget in every station."),
    (CC, "1.1 Chief constables should make sure staff use the fictional widget for every report of a fictional kind."),
    (CC, "1.2 Until the widget works, staff should keep a fictional paper list that can be searched."),
    (CC, "Recommendation 2: Every fictional force should paint its fictional shed green by 27/03/25."),
    (PCC, None),
    (PCC, "Recommendation 3: Police and crime commissioners and the Home Office should fund the fictional helpline."),
]
TEXT_1 = "By 27 March 2025, chief constables should test the fictional widget in every station."
TEXT_2 = "Every fictional force should paint its fictional shed green by 27/03/25."
TEXT_3 = "Police and crime commissioners and the Home Office should fund the fictional helpline."


def html_document(content: list[tuple[str, str | None]] = CONTENT) -> bytes:
    parts = [f"<!doctype html><html><head><title>{TITLE}</title></head><body>"]
    parts.append("<nav><p>Recommendation 9: a menu link, not a recommendation</p></nav><main>")
    for heading, paragraph in content:
        parts.append(f"<h2>{heading}</h2>" if paragraph is None else f"<p>{paragraph}</p>")
    parts.append("</main><footer>Crown copyright (fictional)</footer></body></html>")
    return "\n".join(parts).encode()


def _broken(paragraph: str, width: int = 48) -> list[str]:
    """The paragraph in hard-broken lines, as a PDF lays it out."""
    lines, line = [], ""
    for word in paragraph.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line]


def _pages(content: list[tuple[str, str | None]]) -> list[list[str]]:
    """The body lines on two pages: recommendations 1 to 1.2 on page 1, the rest on page 2."""
    pages: list[list[str]] = [[], []]
    for heading, paragraph in content:
        page = pages[0] if heading == CC and "Recommendation 2" not in (paragraph or "") else pages[1]
        page.extend([heading] if paragraph is None else _broken(paragraph))
        page.append("")
    return pages


def pdf_document(content: list[tuple[str, str | None]] = CONTENT, *, with_text: bool = True) -> bytes:
    return pdf_of_lines(_pages(content), with_text=with_text)


def pdf_of_lines(pages: list[list[str]], *, with_text: bool = True) -> bytes:
    """A PDF of the given lines (a blank line leaves a gap, which pypdf does not give back), each page under a
    running header and over a "Page N of M" footer, as a report's PDF is laid out."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setTitle(TITLE)
    for number, lines in enumerate(pages, 1):
        if with_text:
            pdf.drawString(72, 800, TITLE)
            y = 760
            for line in lines:
                if line:
                    pdf.drawString(72, y, line)
                y -= 16
            pdf.drawString(280, 40, f"Page {number} of {len(pages)}")
        else:
            pdf.rect(72, 400, 300, 300, fill=1)  # a scanned page: a picture, no text
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def pasted_text(content: list[tuple[str, str | None]] = CONTENT) -> str:
    """What copying the PDF's text gives: the running header and the footer of every page among the lines."""
    pages = _pages(content)
    out: list[str] = []
    for number, lines in enumerate(pages, 1):
        out += [TITLE, "", *lines, f"Page {number} of {len(pages)}"]
    out += [TITLE, "Annex: fictional glossary", f"Page 3 of {len(pages) + 1}"]
    return "\n".join(out)


PANEL = "Recommendations for the fictional panel"
# Recommendation 1 as a document that names nobody, gives no deadline and no sub-recommendations.
SPARSE_TEXT_1 = "The fictional widget is to be tested in every station."
SPARSE_CONTENT: list[tuple[str, str | None]] = [(PANEL, None), (PANEL, f"Recommendation 1: {SPARSE_TEXT_1}")]
