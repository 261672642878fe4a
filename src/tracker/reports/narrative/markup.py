"""The small, safe markup analysts write a report in, parsed once to a tree and rendered to HTML and to reportlab.

What it knows: paragraphs (separated by a blank line), bulleted lists (lines starting "- "), **bold**,
[link text](https://address) (http and https addresses only) and figures ({complete:7}, see ``figures``).
Everything else is text: it is HTML-escaped on the way out, so no input can ever produce a tag or an attribute
of its own (tests/unit/reports/test_report_markup.py tries with Hypothesis).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit
from xml.sax.saxutils import quoteattr

from tracker.reports.fonts import pdf_text


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Figure:
    """A figure placeholder, by what is written between its braces (e.g. ``complete:7``)."""

    key: str


@dataclass(frozen=True)
class Bold:
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Link:
    children: tuple[Inline, ...]
    href: str


Inline = Text | Figure | Bold | Link


@dataclass(frozen=True)
class Paragraph:
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class BulletList:
    items: tuple[tuple[Inline, ...], ...]


Block = Paragraph | BulletList

# A link, bold text or a figure; whichever starts first wins, and what they enclose is parsed again.
_INLINE = re.compile(
    r"(?P<link>\[(?P<link_text>[^\[\]\n]+)\]\((?P<href>[^()\s]*)\))"
    r"|(?P<bold>\*\*(?P<bold_text>.+?)\*\*)"
    r"|(?P<figure>\{(?P<key>[^{}\n]*)\})"
)
# The characters of an address that need no escaping anywhere (RFC 3986 without quotes and parentheses).
_URL_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&*+,;=%]+")
BULLET = "- "


def safe_href(href: str) -> bool:
    """An address a link may point to: http or https, with a host, nothing that needs escaping."""
    if not _URL_CHARACTERS.fullmatch(href):
        return False
    try:
        parts = urlsplit(href)
    except ValueError:
        return False
    # No user name before the host: "https://good.example@evil.example" goes to evil.example.
    return parts.scheme in ("http", "https") and bool(parts.hostname) and "@" not in parts.netloc


def parse(text: str) -> list[Block]:
    """The blocks of ``text``: a run of "- " lines is a list, other lines make paragraphs (blank lines part them)."""
    blocks: list[Block] = []
    paragraph: list[str] = []
    items: list[str] = []

    def close() -> None:
        if paragraph:
            blocks.append(Paragraph(inline(" ".join(paragraph))))
            paragraph.clear()
        if items:
            blocks.append(BulletList(tuple(inline(item) for item in items)))
            items.clear()

    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if not line:
            close()
        elif line.startswith(BULLET) or line == "-":
            if paragraph:
                close()
            items.append(line[2:].strip())
        else:
            if items:
                close()
            paragraph.append(line)
    close()
    return blocks


def inline(text: str, *, in_bold: bool = False, in_link: bool = False) -> tuple[Inline, ...]:
    """The inline pieces of one paragraph or list item (no bold inside bold, no link inside a link)."""
    out: list[Inline] = []
    position = 0
    for found in _INLINE.finditer(text):
        kind = found.lastgroup or ""
        if kind == "link" and (in_link or not safe_href(found["href"])):
            continue  # written as it was typed, as text
        if kind == "bold" and in_bold:
            continue
        if found.start() > position:
            out.append(Text(text[position : found.start()]))
        if kind == "link":
            out.append(Link(inline(found["link_text"], in_bold=in_bold, in_link=True), found["href"]))
        elif kind == "bold":
            out.append(Bold(inline(found["bold_text"], in_bold=True, in_link=in_link)))
        else:
            out.append(Figure(found["key"]))
        position = found.end()
    if position < len(text):
        out.append(Text(text[position:]))
    return _merged(out)


def _merged(pieces: list[Inline]) -> tuple[Inline, ...]:
    """Adjacent text pieces as one (a skipped match leaves its text between two others)."""
    out: list[Inline] = []
    for piece in pieces:
        if isinstance(piece, Text) and out and isinstance(out[-1], Text):
            out[-1] = Text(out[-1].text + piece.text)
        else:
            out.append(piece)
    return tuple(out)


def figures_in(blocks: list[Block]) -> list[str]:
    """Every figure's key, in order."""
    found: list[str] = []

    def walk(pieces: tuple[Inline, ...]) -> None:
        for piece in pieces:
            if isinstance(piece, Figure):
                found.append(piece.key)
            elif isinstance(piece, Bold | Link):
                walk(piece.children)

    for block in blocks:
        for pieces in block.items if isinstance(block, BulletList) else (block.children,):
            walk(pieces)
    return found


# Anything written as a link, whatever its address (up to the first closing parenthesis).
_LINK_LIKE = re.compile(r"\[[^\[\]\n]+\]\(([^)\s]*)")


def unsafe_links(text: str) -> list[str]:
    """The addresses of what is written as a link but may not be one (not http or https, or with characters an
    address does not hold), to be refused on saving: shown as typed, it would not be the link its writer meant."""
    return [m.group(1) for m in _LINK_LIKE.finditer(text) if not safe_href(m.group(1))]


def stray_braces(text: str) -> bool:
    """A brace outside a figure: "{" and "}" are kept for figures, so a lone one is a figure mistyped."""
    return bool(re.search(r"[{}]", re.sub(r"\{[^{}\n]*\}", "", text)))


# --- rendering ------------------------------------------------------------------------------------------------

FigureValue = Callable[[str], str]


def to_html(blocks: list[Block], figure: FigureValue) -> str:
    """HTML of GOV.UK Frontend's classes: p, ul, li, strong, a (http/https) and span (a figure), all escaped."""
    out = []
    for block in blocks:
        if isinstance(block, Paragraph):
            out.append(f'<p class="govuk-body">{_html_inline(block.children, figure)}</p>')
        else:
            items = "".join(f"<li>{_html_inline(item, figure)}</li>" for item in block.items)
            out.append(f'<ul class="govuk-list govuk-list--bullet">{items}</ul>')
    return "\n".join(out)


def _html_inline(pieces: tuple[Inline, ...], figure: FigureValue) -> str:
    out = []
    for piece in pieces:
        if isinstance(piece, Text):
            out.append(html.escape(piece.text))
        elif isinstance(piece, Figure):
            out.append(f'<span data-figure="{html.escape(piece.key)}">{html.escape(figure(piece.key))}</span>')
        elif isinstance(piece, Bold):
            out.append(f"<strong>{_html_inline(piece.children, figure)}</strong>")
        else:
            out.append(
                f'<a class="govuk-link" href="{html.escape(piece.href)}">{_html_inline(piece.children, figure)}</a>'
            )
    return "".join(out)


def to_reportlab(blocks: list[Block], figure: FigureValue) -> list[tuple[str, bool]]:
    """Each paragraph or list item as reportlab Paragraph markup (escaped; <b> and <a href> only), and whether it
    is a list item (drawn with a bullet)."""
    out: list[tuple[str, bool]] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            out.append((_reportlab_inline(block.children, figure), False))
        else:
            out += [(_reportlab_inline(item, figure), True) for item in block.items]
    return out


def _reportlab_inline(pieces: tuple[Inline, ...], figure: FigureValue) -> str:
    out = []
    for piece in pieces:
        if isinstance(piece, Text):
            out.append(pdf_text(piece.text))
        elif isinstance(piece, Figure):
            out.append(pdf_text(figure(piece.key)))
        elif isinstance(piece, Bold):
            out.append(f"<b>{_reportlab_inline(piece.children, figure)}</b>")
        else:
            label = _reportlab_inline(piece.children, figure)
            out.append(f'<a href={quoteattr(piece.href)} color="#1d70b8">{label}</a>')
    return "".join(out)


def to_text(blocks: list[Block], figure: FigureValue) -> str:
    """Plain text (figures filled in), for the history and for searching."""

    def flat(pieces: tuple[Inline, ...]) -> str:
        parts = []
        for piece in pieces:
            if isinstance(piece, Text):
                parts.append(piece.text)
            elif isinstance(piece, Figure):
                parts.append(figure(piece.key))
            else:
                parts.append(flat(piece.children))
        return "".join(parts)

    lines = []
    for block in blocks:
        if isinstance(block, Paragraph):
            lines.append(flat(block.children))
        else:
            lines += [f"- {flat(item)}" for item in block.items]
    return "\n\n".join(lines)
