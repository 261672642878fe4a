"""The PDFs' typeface: DejaVu Sans Condensed, embedded, so every letter Welsh needs (ŵ, ŷ, ẁ, ỳ ...) is drawn.

reportlab's standard Helvetica has no glyph for ŵ or ŷ and draws a black box instead. DejaVu (a free licence:
``fonts/dejavu/LICENSE``, from the ``dejavu-fonts-ttf`` npm package 2.37.3) covers them; its condensed cut is about
as wide as Helvetica, so tables keep their widths. reportlab embeds a subset of it, named by a counter, so the same
report still gives the same bytes.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from xml.sax.saxutils import escape

from tracker.settings import FONTS_DIR

FONT = "DejaVuSansCondensed"
FONT_BOLD = "DejaVuSansCondensed-Bold"
_FILES = {
    FONT: "DejaVuSansCondensed.ttf",
    FONT_BOLD: "DejaVuSansCondensed-Bold.ttf",
    "DejaVuSansCondensed-Oblique": "DejaVuSansCondensed-Oblique.ttf",
    "DejaVuSansCondensed-BoldOblique": "DejaVuSansCondensed-BoldOblique.ttf",
}
# Paragraph markup's <b> and <i> pick the family's face by (bold, italic).
_FACES = {
    (0, 0): FONT,
    (1, 0): FONT_BOLD,
    (0, 1): "DejaVuSansCondensed-Oblique",
    (1, 1): "DejaVuSansCondensed-BoldOblique",
}


@cache
def register() -> str:
    """Register the family with reportlab (once per process) and give the regular face's name. reportlab is
    imported here: the text helpers below serve pages that draw no PDF."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for name, file in _FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(FONTS_DIR / "dejavu" / file)))
    for (bold, italic), name in _FACES.items():
        addMapping(FONT, bold, italic, name)
    return FONT


def printable(text: str) -> str:
    """``text`` without invisible format and control characters (direction marks and isolates, zero-width
    characters, byte-order marks): on paper they are nothing, and in the font some are boxes. Line breaks stay."""
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c) not in ("Cf", "Cc"))


def pdf_text(text: str | None) -> str:
    """``text`` for reportlab's Paragraph markup: printable and escaped."""
    return escape(printable(text or ""))
