"""Strict reading of the HTML the app sends, shared by every test that fetches a page.

A browser repairs broken markup silently, so a fault such as ``checkeddata-aria-controls`` (two attributes run
together by a template's whitespace control) shows no error anywhere: the radio is simply never checked. These
checks parse with html5lib, the reference implementation of the WHATWG parsing algorithm, and report its parse
errors (duplicate attributes, unclosed or misnested elements, stray end tags), attribute names HTML does not
define (what two attributes run together become), and ids used more than once.

``form_fields`` reads a form the way a browser submits it (checked radios and boxes, selected options, text), so a
test can "press the button" on a page without JavaScript and see what a person would send.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import html5lib
from html5lib.constants import E as PARSE_ERROR_MESSAGES

from tests.support.demo_cache import cache_folder

# Every attribute the HTML standard defines (the index of attributes, https://html.spec.whatwg.org/#attributes-3),
# plus the few SVG presentation attributes inline icons use. data-*, aria-* and hx-* are checked by pattern.
_ATTRIBUTE_INDEX = """
    abbr accept accept-charset accesskey action allow alt as async autocapitalize autocomplete autocorrect autofocus
    autoplay blocking charset checked cite class color cols colspan content contenteditable controls coords
    crossorigin data datetime decoding default defer dir dirname disabled download draggable enctype enterkeyhint
    fetchpriority for form formaction formenctype formmethod formnovalidate formtarget headers height hidden high
    href hreflang http-equiv id imagesizes imagesrcset inert inputmode integrity is ismap itemid itemprop itemref
    itemscope itemtype kind label lang list loading loop low max maxlength media method min minlength multiple muted
    name nomodule nonce novalidate open optimum pattern ping placeholder playsinline popover popovertarget
    popovertargetaction poster preload readonly referrerpolicy rel required reversed role rows rowspan sandbox scope
    selected shadowrootmode shape size sizes slot span spellcheck src srcdoc srclang srcset start step style tabindex
    target title translate type usemap value width wrap xmlns
    viewbox focusable fill stroke stroke-width d points cx cy r x y x1 x2 y1 y2 transform preserveaspectratio
    xmlns:xlink xlink:href fill-rule clip-rule
"""
KNOWN_ATTRIBUTES = frozenset(_ATTRIBUTE_INDEX.split())
_PATTERNED = re.compile(r"^(data-[a-z0-9][a-z0-9._-]*|aria-[a-z]+|hx-[a-z-]+)$")
# Parse "errors" that are not faults in a document served as HTML.
_TOLERATED = frozenset({"expected-doctype-but-got-chars", "expected-doctype-but-got-start-tag"})


def _parse(html: str, fragment: bool) -> tuple[ET.Element, list[str]]:
    parser = html5lib.HTMLParser(tree=html5lib.getTreeBuilder("etree", ET), namespaceHTMLElements=False)
    root = parser.parseFragment(html) if fragment else parser.parse(html)
    problems = []
    for (line, column), code, data in parser.errors:
        if fragment and code in _TOLERATED:
            continue
        message = PARSE_ERROR_MESSAGES.get(code, code) % (data or {})
        problems.append(f"line {line} column {column}: {message} [{code}]")
    return root, problems


def is_full_document(html: str) -> bool:
    return html.lstrip()[:15].lower().startswith("<!doctype html")


def html_problems(html: str) -> list[str]:
    """What a strict HTML parser finds wrong with a page or an htmx fragment (an empty list when nothing is)."""
    root, problems = _parse(html, fragment=not is_full_document(html))
    ids: dict[str, int] = {}
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments
        for name in element.attrib:
            if name not in KNOWN_ATTRIBUTES and not _PATTERNED.match(name):
                problems.append(f"<{element.tag}> has an attribute HTML does not define: {name!r}")
        if element.get("id") is not None:
            ids[element.get("id")] = ids.get(element.get("id"), 0) + 1
    problems += [f"the id {i!r} is used {n} times" for i, n in ids.items() if n > 1]
    return problems


def csp_hash(script: str) -> str:
    """The Content-Security-Policy source that allows an inline script with exactly this text (CSP level 2)."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


# What changes from one request to the next in an otherwise identical page: the CSRF token (in the hidden form
# field and in htmx's request headers; a nonce too, should a page ever carry one again). Each becomes one fixed
# placeholder, so the same page fetched again has the same digest; a placeholder is as valid HTML as the value.
_PER_REQUEST = re.compile(r'(nonce="|name="_csrf_token" value="|x-csrftoken&#34;: &#34;)[^"&]*')
# A link to a field of the page (an error summary's ``href="#name"``): the form sweeps get the same page once per
# field they fill wrongly, differing in that name only. Letters, digits and "_" make no parse error and no element
# anywhere in a document, and an href is no id, so the verdict is the same whichever name it is.
_FIELD_LINK = re.compile(r'(?<=\shref="#)[A-Za-z0-9_]+(?=")')
# The verdict on every page this worker has read, by the digest of its per-request-free text: the fuzz and route
# tests fetch the same pages thousands of times, and parsing one with html5lib takes milliseconds.
_VERDICTS: dict[bytes, tuple[str, ...]] = {}


class SharedVerdicts:
    """The verdicts of every worker and both legs, in an SQLite file in the tests' cache folder, under a name that
    changes with this file and with html5lib (what a verdict is a function of, with the page's text).

    Parsing a page takes 13 ms on a quiet machine and 30-50 ms on a loaded one; the other worker and the
    PostgreSQL leg fetch many of the same pages (on the crawl and fuzz tests, 63% of the pages the PostgreSQL leg
    parsed had been parsed by the SQLite leg). A verdict read here is html5lib's on the same text; if the file
    cannot be used, each worker parses for itself as before."""

    def __init__(self, folder: Path) -> None:
        code = hashlib.sha256(Path(__file__).read_bytes() + html5lib.__version__.encode()).hexdigest()[:16]
        self.path = folder / f"html-verdicts-{code}.sqlite"
        self.db: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self.db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=OFF")  # a cache: a page lost in a crash is parsed again
            self.db.execute("CREATE TABLE IF NOT EXISTS verdict (digest BLOB PRIMARY KEY, problems TEXT NOT NULL)")
        return self.db

    def get(self, key: bytes) -> tuple[str, ...] | None:
        try:
            row = self._connection().execute("SELECT problems FROM verdict WHERE digest = ?", (key,)).fetchone()
        except sqlite3.Error:
            return None
        return tuple(json.loads(row[0])) if row else None

    def put(self, key: bytes, problems: tuple[str, ...]) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._connection().execute("INSERT OR IGNORE INTO verdict VALUES (?, ?)", (key, json.dumps(problems)))


_SHARED = SharedVerdicts(cache_folder())


def page_digest(html: str) -> bytes:
    """The digest of ``html`` with its per-request values (the CSRF token) and the names its field links point at
    taken out."""
    text = _FIELD_LINK.sub("-", _PER_REQUEST.sub(r"\1-", html))
    return hashlib.blake2b(text.encode(errors="surrogatepass"), digest_size=16).digest()


def known_html_problems(html: str) -> tuple[str, ...]:
    """``html_problems``, read once for each page by all workers and both legs (the same page with another token
    counts as one)."""
    key = page_digest(html)
    if key not in _VERDICTS:
        verdict = _SHARED.get(key)
        if verdict is None:
            verdict = tuple(html_problems(html))
            _SHARED.put(key, verdict)
        _VERDICTS[key] = verdict
    return _VERDICTS[key]


def assert_strict_html(html: str, where: str = "the page") -> None:
    problems = known_html_problems(html)
    assert not problems, f"{where} is not well-formed HTML:\n  " + "\n  ".join(problems)


def form_fields(html: str, action_ends_with: str) -> dict[str, str]:
    """What a browser would submit from the form whose action ends with ``action_ends_with`` (one value a name)."""
    return dict(_submitted(html, action_ends_with))


def form_submission(html: str, action_ends_with: str) -> dict[str, str | list[str]]:
    """Every value a browser would submit from that form: a name given more than once (ticked checkboxes) as a
    list of its values."""
    values: dict[str, str | list[str]] = {}
    for name, value in _submitted(html, action_ends_with):
        earlier = values.get(name)
        values[name] = value if earlier is None else [*([earlier] if isinstance(earlier, str) else earlier), value]
    return values


def _submitted(html: str, action_ends_with: str) -> Iterator[tuple[str, str]]:
    root, _ = _parse(html, fragment=not is_full_document(html))
    forms = [f for f in root.iter("form") if (f.get("action") or "").endswith(action_ends_with)]
    assert forms, f"no form whose action ends with {action_ends_with}"
    for element in forms[0].iter():
        name = element.get("name")
        if not name or element.get("disabled") is not None:
            continue
        if element.tag == "input":
            kind = (element.get("type") or "text").lower()
            if kind in ("radio", "checkbox"):
                if element.get("checked") is not None:
                    yield name, element.get("value", "on")
            elif kind not in ("submit", "button", "file", "image", "reset"):
                yield name, element.get("value") or ""
        elif element.tag == "textarea":
            yield name, element.text or ""
        elif element.tag == "select":
            options = list(element.iter("option"))
            chosen = [o for o in options if o.get("selected") is not None] or options[:1]
            if chosen:
                yield name, chosen[0].get("value", chosen[0].text or "")
