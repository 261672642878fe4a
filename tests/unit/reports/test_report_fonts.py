"""Every letter of Welsh is drawn in every PDF the tracker makes, and invisible direction characters are not.

reportlab's standard Helvetica had no ŵ or ŷ and drew a black box for each; the PDFs now embed DejaVu Sans
Condensed (tracker.reports.fonts), whose faces are read back here through reportlab's own TTFont.
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Paragraph, SimpleDocTemplate

from tracker.reports.fonts import pdf_text, printable, register
from tracker.reports.pdf import BODY, H1, SMALL

# The Welsh alphabet's accented letters (circumflex, diaeresis, grave, acute), small and capital.
WELSH_SMALL = "âêîôûŵŷäëïöüẁẃẅỳýÿáéíóúàèìòù"
WELSH = WELSH_SMALL + WELSH_SMALL.upper()
FACES = ("DejaVuSansCondensed", "DejaVuSansCondensed-Bold", "DejaVuSansCondensed-Oblique")


@pytest.mark.parametrize("face", FACES)
def test_each_face_has_a_glyph_for_every_welsh_letter(face):
    register()
    font = pdfmetrics.getFont(face)
    missing = [c for c in WELSH + "Ww Yy" if ord(c) not in font.face.charToGlyph]
    assert not missing, f"{face} has no glyph for {missing}"


def _pdf(paragraphs: list[Paragraph]) -> bytes:
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, invariant=1).build(paragraphs)
    return buffer.getvalue()


def test_welsh_letters_drawn_in_the_report_styles_come_back_from_the_pdf():
    """The report's own styles (body, small, heading, bold) draw each letter in the embedded font, and text
    extraction gives each letter back (a missing glyph came back as a black square)."""
    pdf = _pdf(
        [
            Paragraph(pdf_text(WELSH), BODY),
            Paragraph(pdf_text(WELSH), SMALL),
            Paragraph(pdf_text(WELSH), H1),
            Paragraph(f"<b>{pdf_text(WELSH)}</b>", BODY),
        ]
    )
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    text = page.extract_text()
    assert text.replace("\n", "").count(WELSH) == 4, text  # the heading wraps
    assert "\u25a0" not in text
    faces: set[str] = set()
    page.extract_text(visitor_text=lambda t, cm, tm, font, size: faces.add(str(font["/BaseFont"])) if t.strip() else 0)
    assert {face.split("+")[-1] for face in faces} == {"DejaVuSansCondensed", "DejaVuSansCondensed-Bold"}
    assert _pdf([Paragraph(pdf_text(WELSH), BODY)]) == _pdf([Paragraph(pdf_text(WELSH), BODY)]), "same bytes"


DIRECTION_AND_INVISIBLE = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u200b\u200d\ufeff"


def test_direction_and_invisible_characters_are_not_drawn():
    """Direction controls (U+202A-E, U+2066-9), marks, zero-width characters and the BOM that some fields accept
    are nothing on paper: the PDF's text has the words without them (they were black boxes)."""
    typed = f"Rhagair {DIRECTION_AND_INVISIBLE}ynysu ŵyr\nail linell"
    assert printable(typed) == "Rhagair ynysu ŵyr\nail linell"
    assert pdf_text("<b>\u2067a & b\u2069</b>") == "&lt;b&gt;a &amp; b&lt;/b&gt;"
    text = PdfReader(io.BytesIO(_pdf([Paragraph(pdf_text(typed), BODY)]))).pages[0].extract_text()
    assert "Rhagair ynysu ŵyr" in text
    assert not set(DIRECTION_AND_INVISIBLE) & set(text)
