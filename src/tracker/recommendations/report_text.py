"""A report document as paragraphs of plain text, each with the page or heading it came from.

Three renderings are read: the HTML page saved from the publisher's site (the standard library's
``html.parser``: the page is well-formed, and only headings, paragraphs, list items and table cells matter),
the PDF (``pypdf``), and text pasted from either. PDF text (pasted or extracted) brings page headers, footers
and hard line breaks: lines that repeat on many pages and page numbers are dropped, and the broken lines of a
paragraph are joined again. A PDF's text is taken in pypdf's layout mode, which keeps the gap between
paragraphs as a blank line (the plain mode drops it, and the commentary after a recommendation would run on
into its wording).

What starts an item (``STARTS_ITEM``; ``tracker.recommendations.report_document`` reads the same rule):
"Recommendation N" (or N.N) followed by ":", ".", ")", a dash or the end of the line, so a cross-reference that
a line break puts first on a line ("Recommendation 5 of our 2022 report …") stays in its sentence; or a bare
number followed by ".", ":", ")", a capitalised word or the end of the line, except a date ("27 March 2025.").
"""

from __future__ import annotations

import hashlib
import io
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser

from pypdf import PageObject, PdfReader
from pypdf.errors import PdfReadError

from tracker.inputs import clean_imported, cleaned_for
from tracker.recommendations.models import Recommendation

# A published report's PDF, with its pictures and charts, runs to several MB (10 to 20 for a long inspection
# report): far beyond the spreadsheet limit (tracker.filelimits.MAX_FILE_BYTES, 2 MB), so it has its own.
REPORT_MAX_BYTES = 25 * 1024 * 1024
# The longest report runs to a few hundred pages; a PDF with more is not a report, or is made to keep the reader
# busy (every page is parsed for its text; pypdf itself bounds each stream it decompresses, at 75 MB).
REPORT_MAX_PAGES = 500
# The text kept: 500 full pages are about 2 million characters; a PDF whose pages give more is refused rather than
# held in memory.
REPORT_MAX_CHARS = 10_000_000


class ReportDocumentError(Exception):
    """The document cannot be used: every reason, in words a person can act on."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Paragraph:
    text: str
    page: int | None = None  # the PDF page (or the page a pasted text's footer names)
    heading: str | None = None  # the section heading it stands under
    is_heading: bool = False
    index: int = 0  # its place among the document's paragraphs, from 1 (where neither page nor heading tells)


@dataclass
class DocumentText:
    """What the document says, in order, and what identifies it (named in the provenance)."""

    title: str
    file_name: str
    sha256: str
    paragraphs: list[Paragraph] = field(default_factory=list)


HEADING = re.compile(r"^(recommendations? (for|to|made to) .{3,120}|for .{3,80}:?)$", re.IGNORECASE)
PAGE_NUMBER = re.compile(r"^(page\s+)?(\d{1,4})(\s+of\s+\d{1,4})?$", re.IGNORECASE)
# What starts a new paragraph in broken lines: a recommendation's number, or a heading.
# Capital R only: "recommendation 7" at the start of a broken line is the middle of a sentence.
MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b"
NAMED_ITEM = r"Recommendation\s+\d{1,3}(?:\.\d{1,2})?(?=\s*(?:[.:)\-\u2013\u2014]|$))"
STARTS_ITEM = re.compile(
    rf"^({NAMED_ITEM}|\d{{1,3}}(\.\d{{1,2}})?([.:)]|\s+(?!(?i:{MONTH}))[A-Z])|\d{{1,3}}(\.\d{{1,2}})?$)"
)


def read_document(content: bytes, file_name: str) -> DocumentText:
    """The paragraphs of an uploaded document, chosen by its name (``.html``/``.htm``, ``.pdf``, else text)."""
    if len(content) > REPORT_MAX_BYTES:
        raise ReportDocumentError([f"The document is larger than {REPORT_MAX_BYTES // (1024 * 1024)} MB"])
    digest = hashlib.sha256(content).hexdigest()
    lowered = file_name.lower()
    if lowered.endswith((".html", ".htm")):
        title, paragraphs = _from_html(_decode(content))
    elif lowered.endswith(".pdf") or content.startswith(b"%PDF"):
        title, paragraphs = _from_pdf(content)
    else:
        title, paragraphs = _from_text(_decode(content))
    kept = [kept for paragraph in paragraphs if (kept := _as_kept(paragraph)).text]
    paragraphs = [replace(paragraph, index=index) for index, paragraph in enumerate(kept, 1)]
    if not paragraphs:
        raise ReportDocumentError(["The document has no text to read"])
    return DocumentText(title=_line(title)[:300], file_name=_line(file_name), sha256=digest, paragraphs=paragraphs)


def _line(text: str) -> str:
    """A single line of the document (its title, a heading, the file's name) as a short field keeps it: without
    control characters or any direction control (``inputs.clean_imported``, the rule of a spreadsheet's cells)."""
    return " ".join(clean_imported(text, short=True).split())


def _as_kept(paragraph: Paragraph) -> Paragraph:
    """A paragraph as the tracker keeps it: a heading as a line, the wording as the wording's field keeps imported
    text (without control characters or direction overrides; tracker.inputs)."""
    text = _line(paragraph.text) if paragraph.is_heading else cleaned_for(Recommendation, "text", paragraph.text)
    heading = _line(paragraph.heading) if paragraph.heading else None
    return replace(paragraph, text=" ".join(text.split()), heading=heading)


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


# --- HTML -------------------------------------------------------------------------------------------------

_BLOCKS = {"p", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "div", "dt", "dd", "caption", "br"}
_SKIPPED = {"script", "style", "nav", "header", "footer", "noscript", "template"}


class _HtmlBlocks(HTMLParser):
    """Collects the text of block elements, marking headings; skips navigation, scripts and page furniture."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, bool]] = []
        self.title = ""
        self._text: list[str] = []
        self._skip = 0
        self._in_title = False
        self._heading = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag in _BLOCKS:
            self._flush()
            self._heading = tag in {"h1", "h2", "h3", "h4", "h5", "h6"}

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in _BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip:
            self._text.append(data)

    def _flush(self) -> None:
        text = " ".join("".join(self._text).split())
        if text:
            self.blocks.append((text, self._heading))
        self._text, self._heading = [], False


def _from_html(text: str) -> tuple[str, list[Paragraph]]:
    parser = _HtmlBlocks()
    parser.feed(text)
    parser.close()
    parser._flush()
    paragraphs: list[Paragraph] = []
    heading: str | None = None
    for block, is_heading in parser.blocks:
        if is_heading:
            heading = block
        paragraphs.append(Paragraph(block, heading=heading, is_heading=is_heading))
    title = " ".join(parser.title.split()) or next((b for b, h in parser.blocks if h), "")
    return title, paragraphs


# --- PDF and pasted text ----------------------------------------------------------------------------------


def _from_pdf(content: bytes) -> tuple[str, list[Paragraph]]:
    try:
        reader = PdfReader(io.BytesIO(content))
        pages = _pdf_pages(reader)
        title = str(reader.metadata.title or "") if reader.metadata else ""
    except (PdfReadError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise ReportDocumentError([f"The PDF could not be read ({exc})"]) from None
    if not any(p.strip() for p in pages):
        raise ReportDocumentError(
            ["The PDF has no text (a scanned document?): paste the report's text or upload its HTML page instead"]
        )
    lines: list[tuple[str, int | None]] = [(line, n) for n, page in enumerate(pages, 1) for line in _page_lines(page)]
    paragraphs = _paragraphs(_without_furniture(lines, page_count=len(pages)))
    return title or _first_words(paragraphs), paragraphs


def _pdf_pages(reader: PdfReader) -> list[str]:
    """Each page's text; refuses a PDF of more pages or more text than any report (``ReportDocumentError``)."""
    count = len(reader.pages)
    if count > REPORT_MAX_PAGES:
        raise ReportDocumentError(
            [f"The PDF has {count:,} pages, more than the {REPORT_MAX_PAGES} a report document may have"]
        )
    pages: list[str] = []
    chars = 0
    for page in reader.pages:
        pages.append(_page_text(page))
        chars += len(pages[-1])
        if chars > REPORT_MAX_CHARS:
            raise ReportDocumentError(
                [f"The PDF's text is longer than {REPORT_MAX_CHARS:,} characters, more than any report document"]
            )
    return pages


def _page_text(page: PageObject) -> str:
    """The page's lines with a blank line where the layout leaves a gap; the plain text where layout fails."""
    try:
        text = page.extract_text(extraction_mode="layout") or ""
    except Exception:  # layout mode is newer and stricter about odd fonts: the plain text still serves
        return page.extract_text() or ""
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def _from_text(text: str) -> tuple[str, list[Paragraph]]:
    """Pasted text: pages are told apart by form feeds if there are any, else by the page numbers of footers."""
    pages = text.split("\f")
    lines: list[tuple[str, int | None]] = []
    for number, page in enumerate(pages, 1):
        lines += [(line, number if len(pages) > 1 else None) for line in page.splitlines()]
    kept = _without_furniture(lines, page_count=len(pages))
    paragraphs = _paragraphs(kept)
    header = Counter(" ".join(line.split()) for line, _ in lines if line.strip())
    header.subtract(" ".join(line.split()) for line, _ in kept if line.strip())  # what was dropped, how often
    header_lines = [text for text, n in header.most_common() if n > 0 and not PAGE_NUMBER.match(text)]
    return (header_lines[0] if header_lines else _first_words(paragraphs)), paragraphs


def _page_lines(page: str) -> list[str]:
    return page.replace("\r\n", "\n").split("\n")


def _shape(line: str) -> str:
    """A line with its numbers hidden, so "Page 3" and "Page 4" of a running footer look alike."""
    return re.sub(r"\d+", "#", " ".join(line.split()).lower())


def _without_furniture(lines: list[tuple[str, int | None]], *, page_count: int) -> list[tuple[str, int | None]]:
    """Drop page numbers and the running headers and footers (short lines repeated on several pages); where no
    page is known (pasted text), a footer's page number gives the page of the lines before it."""
    texts = [" ".join(line.split()) for line, _ in lines]
    edges = _page_edges(lines, texts)
    # On known pages only the first and last lines can be furniture, and twice is enough; in pasted text, anywhere.
    shapes = Counter(_shape(t) for i, t in enumerate(texts) if t and (edges is None or i in edges))
    repeats = 3 if edges is None else max(2, page_count // 2)
    furniture = [
        bool(t)
        and len(t) < 100
        and (edges is None or i in edges)
        and shapes[_shape(t)] >= repeats
        and not STARTS_ITEM.match(t)
        for i, t in enumerate(texts)
    ]
    kept: list[tuple[str, int | None]] = []
    pending: list[int] = []  # kept lines still waiting for a footer to name their page
    for index, (line, page) in enumerate(lines):
        number = PAGE_NUMBER.match(texts[index])
        if number and _is_page_number(index, texts, furniture, lines):
            for waiting in pending:
                kept[waiting] = (kept[waiting][0], kept[waiting][1] or int(number.group(2)))
            pending = []
            continue
        if furniture[index]:
            continue
        if page is None and texts[index]:
            pending.append(len(kept))
        kept.append((line, page))
    return kept


def _page_edges(lines: list[tuple[str, int | None]], texts: list[str]) -> set[int] | None:
    """The indexes of the first two and last two non-empty lines of each page; None when pages are not known."""
    if any(page is None for _, page in lines):
        return None
    by_page: dict[int | None, list[int]] = {}
    for index, (_, page) in enumerate(lines):
        if texts[index]:
            by_page.setdefault(page, []).append(index)
    return {i for indexes in by_page.values() for i in indexes[:2] + indexes[-2:]}


def _is_page_number(index: int, texts: list[str], furniture: list[bool], lines: list[tuple[str, int | None]]) -> bool:
    """A line of digits is a page number when it says "Page", stands first or last on its page, or stands next to a
    running header or footer; elsewhere ("7" alone in a table) it is a recommendation's number."""
    if not texts[index].isdigit():
        return True
    near = [i for i in (index - 1, index + 1) if 0 <= i < len(texts)]
    page = lines[index][1]
    if (page is not None and any(lines[i][1] != page for i in near)) or len(near) < 2:
        return True
    for step in (-1, 1):
        i = index + step
        while 0 <= i < len(texts) and not texts[i] and lines[i][1] == page:
            i += step
        if not 0 <= i < len(texts) or furniture[i] or (page is not None and lines[i][1] != page):
            return True
    return False


def _paragraphs(lines: list[tuple[str, int | None]]) -> list[Paragraph]:
    """Join the hard-broken lines of each paragraph; a blank line, a heading or a numbered item starts a new one."""
    paragraphs: list[Paragraph] = []
    current: list[str] = []
    page: int | None = None
    heading: str | None = None

    def close() -> None:
        nonlocal current
        if current:
            paragraphs.append(Paragraph(_joined(current), page=page, heading=heading))
        current = []

    for line, line_page in lines:
        stripped = " ".join(line.split())
        if not stripped:
            close()
            continue
        if HEADING.match(stripped) and not STARTS_ITEM.match(stripped):
            close()
            heading = stripped.rstrip(":")
            paragraphs.append(Paragraph(heading, page=line_page, heading=heading, is_heading=True))
            continue
        if STARTS_ITEM.match(stripped):
            close()
        if not current:
            page = line_page
        current.append(stripped)
        if STARTS_ITEM.fullmatch(stripped):
            close()  # a number alone on its line ("Recommendation 5", a table's "7"): its wording follows
    close()
    return paragraphs


def _joined(lines: list[str]) -> str:
    text = lines[0]
    for line in lines[1:]:
        # A word broken at a hyphen ("multi-" / "agency") keeps its hyphen and loses the break.
        text += line if text.endswith("-") and line[:1].islower() else " " + line
    return text


def _first_words(paragraphs: list[Paragraph]) -> str:
    return next((p.text for p in paragraphs if not STARTS_ITEM.match(p.text)), "")[:300]
