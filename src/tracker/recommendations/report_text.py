"""A report document as paragraphs of plain text, each with the page or heading it came from.

Three renderings are read: the HTML page saved from the publisher's site (the standard library's
``html.parser``: the page is well-formed, and only headings, paragraphs, list items and table cells matter),
the PDF (``pypdf``), and text pasted from either. PDF text (pasted or extracted) brings page headers, footers
and hard line breaks: page numbers and the lines repeated beside them or at the pages' edges are dropped
("page furniture" below), and the broken lines of a paragraph are joined again ("paragraphs"). A PDF's text
is taken in pypdf's layout mode, which keeps the gap between paragraphs as a blank line (the plain mode drops it,
and the commentary after a recommendation would run on into its wording).

What starts an item (``STARTS_ITEM``; ``tracker.recommendations.report_document`` reads the same rule):
"Recommendation N" (or N.N) followed by ":", ".", ")", a dash or the end of the line, so a cross-reference that
a line break puts first on a line ("Recommendation 5 of our 2022 report …") stays in its sentence; or a bare
number followed by ".", ":", ")", a capitalised word or the end of the line, except a date ("27 March 2025."),
and in broken lines only after a line that ends a sentence or a list's item (``_starts_item``).
"""

from __future__ import annotations

import hashlib
import io
import itertools
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from typing import TYPE_CHECKING

from tracker.inputs import clean_imported, cleaned_for
from tracker.recommendations.models import Recommendation

if TYPE_CHECKING:
    from pypdf import PageObject, PdfReader

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
    left_out: tuple[str, ...] = ()  # running headers and footers left out at a page break inside it
    rejoined: tuple[tuple[str, str], ...] = ()  # words a line break split, joined without the hyphen by a guess
    end_guessed: bool = False  # it ends where a sentence ends near the width: the next paragraph may be its own


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


@dataclass(frozen=True)
class Line:
    """A line of a PDF's or a paste's text: its page (None until a paste's page number tells), and the running
    headers and footers left out just before it (a page break)."""

    text: str
    page: int | None = None
    after: tuple[str, ...] = ()


def _from_pdf(content: bytes) -> tuple[str, list[Paragraph]]:
    from pypdf import PdfReader  # imported only when a PDF is read: most requests and commands never need it
    from pypdf.errors import PdfReadError

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
    lines = [Line(line, n) for n, page in enumerate(pages, 1) for line in _page_lines(page)]
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
    """Pasted text: pages are told apart by form feeds if there are any, else by the page numbers of its footers or
    headers. Its title: its opening paragraph (before any recommendation or heading), else its running header."""
    pages = text.split("\f")
    lines = [Line(line, n if len(pages) > 1 else None) for n, page in enumerate(pages, 1) for line in _page_lines(page)]
    kept = _without_furniture(lines, page_count=len(pages))
    paragraphs = _paragraphs(kept)
    opening = paragraphs[0] if paragraphs else None
    if opening and not opening.is_heading and not STARTS_ITEM.match(opening.text) and len(opening.text) <= 200:
        return opening.text, paragraphs
    headers = Counter(text for line in kept for text in line.after)
    return (headers.most_common(1)[0][0] if headers else _first_words(paragraphs)), paragraphs


def _page_lines(page: str) -> list[str]:
    return page.replace("\r\n", "\n").split("\n")


# --- page furniture ---------------------------------------------------------------------------------------
#
# A running header or footer is told by where it stands, not by its words alone: next to a page's edge (a PDF's
# pages, a paste's form feeds) or next to a line that says it is a page number ("Page 3", "3 of 12"), and the same
# (numbers aside) at several such places. Going out from each edge or page number, a line is furniture while it is
# short and repeated at those places; the first line that is not ends the walk, so a line of the body repeated
# elsewhere ("By 27 March 2025, chief constables should:") is never dropped. A line is never furniture when it
# starts an item, holds a deadline ("by 27 March 2025"), or finishes the sentence of the line before it (a word
# broken at a hyphen, or a line in lower case after one that does not end a sentence). In a paste without form
# feeds, a bare number is a page number only where such a walk meets it.

ZONE = 2  # the lines of a running header or footer on one side of a page edge or page number, at most
SAYS_PAGE = re.compile(r"^(page\s+\d{1,4}(\s+of\s+\d{1,4})?|\d{1,4}\s+of\s+\d{1,4})$", re.IGNORECASE)
DEADLINE = re.compile(r"\bby\s+(\d{1,2}/\d{1,2}/\d{2,4}|\d{1,2}(?:st|nd|rd|th)?\s+[A-Z][a-z]+\s+\d{4})", re.IGNORECASE)
CLOSING = "\"'\u201d\u2019)\\]"  # closing quotes and brackets after a sentence's end
ENDS_SENTENCE = re.compile(rf"[.!?][{CLOSING}]*$")
ENDS_ITEM = re.compile(rf"[.!?:;][{CLOSING}]*$")  # what a list's item or a sentence ends with, before a number


def _shape(line: str) -> str:
    """A line with its numbers hidden, so "Page 3" and "Page 4" of a running footer look alike."""
    return re.sub(r"\d+", "#", line.lower())


def _without_furniture(lines: list[Line], *, page_count: int) -> list[Line]:
    """The lines without page numbers and running headers and footers, each kept line naming those left out just
    before it; in a paste, each line gets the page its footer's (or header's) page number gives."""
    texts = [" ".join(line.text.split()) for line in lines]
    known = all(line.page is not None for line in lines)
    numbers: dict[int, int] = {}
    if known:
        walks = _page_edge_walks(lines)
        repeats = max(2, page_count // 2)
    else:
        numbers = {i: int(re.findall(r"\d+", t)[0]) for i, t in enumerate(texts) if SAYS_PAGE.match(t)}
        walks = _page_number_walks(len(texts), sorted(numbers))
        repeats = max(2, len(numbers) // 2)
    furniture = _furniture(texts, walks, repeats, numbers)
    return _kept(lines, texts, furniture, numbers, known=known)


def _page_edge_walks(lines: list[Line]) -> list[tuple[int, list[int]]]:
    """From each page's first line down and from its last line up: (the page, the indexes in walking order)."""
    by_page: dict[int, list[int]] = {}
    for index, line in enumerate(lines):
        by_page.setdefault(line.page or 0, []).append(index)
    return [(page, walk) for page, indexes in by_page.items() for walk in (indexes, indexes[::-1])]


def _page_number_walks(count: int, numbers: list[int]) -> list[tuple[int, list[int]]]:
    """Out from each page number to either side, as far as the next one, and in from the paste's start and end:
    (which stretch between page numbers the walk is in, the indexes in walking order)."""
    edges = [-1, *numbers, count]
    walks = []
    for stretch, (before, after) in enumerate(itertools.pairwise(edges)):
        walks += [(stretch, list(range(before + 1, after))), (stretch, list(range(after - 1, before, -1)))]
    return walks


def _zone(texts: list[str], walk: list[int], numbers: dict[int, int] | None = None) -> Iterator[int]:
    """The lines a walk meets that may be furniture, at most ZONE of them, skipping blank lines and page numbers
    (a bare number met is one: recorded in ``numbers`` when given)."""
    met = 0
    for index in walk:
        text = texts[index]
        if not text or index in (numbers or {}):
            continue
        if PAGE_NUMBER.match(text):
            if numbers is not None:
                numbers[index] = int(re.findall(r"\d+", text)[0])
            continue
        if met == ZONE:
            return
        met += 1
        yield index


def _furniture(texts: list[str], walks: list[tuple[int, list[int]]], repeats: int, numbers: dict[int, int]) -> set[int]:
    """The running headers' and footers' lines: those met by the walks, on at least ``repeats`` pages (or stretches
    between page numbers); ``numbers`` gains the bare page numbers met."""
    pages: dict[str, set[int]] = {}
    for page, walk in walks:
        for index in _zone(texts, walk):
            pages.setdefault(_shape(texts[index]), set()).add(page)
    furniture: set[int] = set()
    for _, walk in walks:
        for index in _zone(texts, walk, numbers):
            if len(pages[_shape(texts[index])]) < repeats or not _may_be_furniture(texts, index):
                break
            furniture.add(index)
    return furniture


def _may_be_furniture(texts: list[str], index: int) -> bool:
    text = texts[index]
    if len(text) >= 100 or STARTS_ITEM.match(text) or DEADLINE.search(text):
        return False
    before = next((texts[i] for i in range(index - 1, -1, -1) if texts[i]), "")
    broken_word = bool(re.search(r"[a-z]-$", before)) and text[:1].islower()
    goes_on = text[:1].islower() and " " in text and bool(before) and not ENDS_SENTENCE.search(before)
    return not (broken_word or goes_on)


def _kept(
    lines: list[Line], texts: list[str], furniture: set[int], numbers: dict[int, int], *, known: bool
) -> list[Line]:
    """The lines left, naming what was left out before each; blank lines beside a page break go with it. In a paste
    a page number gives its page to the lines before it (a footer), or after it when it comes first (a header)."""
    gone = furniture | set(numbers)
    first = min(numbers, default=len(texts))
    heads = not known and all(i in gone or not texts[i] for i in range(first))
    kept: list[Line] = []
    left_out: list[str] = []
    waiting: list[int] = []  # kept lines waiting for the footer that names their page
    page: int | None = None
    for index, line in enumerate(lines):
        if index in numbers and not known:
            if heads:
                page = numbers[index]
            for w in waiting:
                kept[w] = replace(kept[w], page=numbers[index])
            waiting = []
        if index in gone:
            left_out += [texts[index]] if index in furniture else []
            continue
        if not texts[index]:
            if not _beside(texts, index, gone):
                kept.append(line)
            continue
        if not known and not heads:
            waiting.append(len(kept))
        kept.append(replace(line, page=line.page if known else page, after=tuple(left_out)))
        left_out = []
    return kept


def _beside(texts: list[str], index: int, gone: set[int]) -> bool:
    """Whether the blank line at ``index`` stands next to a page break (its nearest line either side is gone)."""
    for step in (-1, 1):
        i = index + step
        while 0 <= i < len(texts) and not texts[i]:
            i += step
        if i in gone:
            return True
    return False


# --- paragraphs -------------------------------------------------------------------------------------------
#
# A blank line, a heading or an item's number starts a paragraph; so does a line after one that ends a sentence
# well short of the text's width (where the next word would have fitted: the break was the paragraph's end, not
# the layout's). A bare number ("12:") starts an item only after a line that ends a sentence or a list's item
# (".", ":", ";"), as an HTML paragraph would start; after any other line it is in the sentence a line break cut.
# A page break inside a paragraph does not end it.


@dataclass
class _Open:
    """The paragraph being read."""

    lines: list[str] = field(default_factory=list)
    page: int | None = None
    left_out: list[str] = field(default_factory=list)


def _paragraphs(lines: list[Line]) -> list[Paragraph]:
    """Join the hard-broken lines of each paragraph."""
    texts = [" ".join(line.text.split()) for line in lines]
    width = _width(texts)
    words = _vocabulary(texts)
    paragraphs: list[Paragraph] = []
    current = _Open()
    heading: str | None = None

    def close(guessed: bool = False) -> None:
        nonlocal current
        if current.lines:
            text, rejoined = _joined(current.lines, words)
            left_out = tuple(current.left_out)
            paragraphs.append(
                Paragraph(text, current.page, heading, left_out=left_out, rejoined=rejoined, end_guessed=guessed)
            )
        current = _Open()

    for index, (line, text) in enumerate(zip(lines, texts, strict=True)):
        if not text:
            close()
            continue
        if HEADING.match(text) and not STARTS_ITEM.match(text):
            close()
            heading = text.rstrip(":")
            paragraphs.append(Paragraph(heading, page=line.page, heading=heading, is_heading=True))
            continue
        if STARTS_ITEM.match(text) and _starts_item(current.lines, text, width):
            close()
        if current.lines:
            current.left_out += line.after
        else:
            current.page = line.page
        current.lines.append(text)
        if STARTS_ITEM.fullmatch(text) and len(current.lines) == 1:
            close()  # a number alone on its line ("Recommendation 5", a table's "7"): its wording follows
        elif (ends := _ends_paragraph(texts, index, width)) is not None:
            close(guessed=ends)
    close()
    return paragraphs


PAGE_LINE = 160  # characters: no page's line is longer (A4 in a small type holds some 120; a landscape page more)


def _width(texts: list[str]) -> int:
    """The text's width, in characters: what its full lines reach (most of them; a stray long line aside)."""
    lengths = sorted(len(t) for t in texts if t)
    return lengths[int(0.95 * (len(lengths) - 1))] if lengths else 0


def _starts_item(lines: list[str], text: str, width: int) -> bool:
    """Whether a line that starts like an item starts one: first in its paragraph, "Recommendation N", or a bare
    number after a line that ends a sentence or a list's item, or that ends well short of the width (a label)."""
    if not lines or re.match(NAMED_ITEM, text):
        return True
    before = lines[-1]
    return bool(ENDS_ITEM.search(before)) or len(before) + 1 + len(text.split()[0]) <= 0.85 * width


def _ends_paragraph(texts: list[str], index: int, width: int) -> bool | None:
    """Whether the paragraph ends after line ``index``: None when it goes on; else whether that is a guess worth a
    look (the line ends a sentence near the width, so a layout's break and a paragraph's end look much alike)."""
    text = texts[index]
    following = next((t for t in texts[index + 1 :] if t), "")
    if not following or not ENDS_SENTENCE.search(text) or not re.match("[A-Z0-9\"'\u201c\u2018]", following):
        return None
    if len(text) > width or width > PAGE_LINE:
        return False  # the text's lines are not a page's: its paragraphs are not broken into lines
    if len(text) + 1 + len(following.split()[0]) > width:
        return None  # the next word would not have fitted: the layout broke the line
    return len(text) >= 0.8 * width


# A word broken at a hyphen is joined without it when the document writes the joined word elsewhere, or when the
# part after the break is a word ending that cannot stand alone ("improve-" / "ment"); otherwise the hyphen stays
# ("stalking-" / "related", "multi-" / "agency"): reports hyphenate compounds far more often than they split
# words. The second kind is a guess the review names.
_ENDINGS = """ment ments mental tion tions tional sion sions ation ations isation isations ization izations ition
itions ing ings ness nesses ity ities ance ances ence ences ency encies ancy ly ally ible ibly ably ability ise ised
ises ising ize ized izes izing ous ious eous ive ives ively ative al ial ially er ers ist ists ism isms ure ures ful
fully"""
WORD_ENDINGS = frozenset(_ENDINGS.split())


def _vocabulary(texts: list[str]) -> set[str]:
    """The document's words in lower case, hyphenated ones whole ("self-assessment")."""
    return set(re.findall(r"[a-z]+(?:-[a-z]+)*", " ".join(texts).lower()))


def _joined(lines: list[str], words: set[str]) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The paragraph's lines as one text, and the words joined without their hyphen by the word-ending guess."""
    text = lines[0]
    guessed: list[tuple[str, str]] = []
    for line in lines[1:]:
        head, tail = re.search(r"([A-Za-z]*[a-z])-$", text), re.match(r"[a-z]+", line)
        if head and tail:
            whole = (head.group(1) + tail.group(0)).lower()
            hyphenated = f"{head.group(1)}-{tail.group(0)}".lower()
            if whole in words or (hyphenated not in words and tail.group(0) in WORD_ENDINGS):
                if whole not in words:
                    guessed.append((head.group(1), tail.group(0)))
                text = text[:-1] + line
                continue
        text += line if text.endswith("-") and line[:1].islower() else " " + line
    return text, tuple(guessed)


def _first_words(paragraphs: list[Paragraph]) -> str:
    return next((p.text for p in paragraphs if not STARTS_ITEM.match(p.text)), "")[:300]
