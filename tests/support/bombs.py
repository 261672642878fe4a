"""Builders of hostile files for tests/security/test_resource_limits.py and the evidence uploads: spreadsheets, Word
packages and YAML that expand when parsed.

Each big part is streamed into the zip in chunks, so building a 1 GB shared string never holds 1 GB; ``cached``
builds the big files once for every worker and both legs.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import os
import random
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

MB = 1024 * 1024

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Plan" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>'
)
SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
STRINGS_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
WORD_TYPES = (  # a Word package's content types (tests/web/test_evidence.py builds real ones with it too)
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)


def column(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def shared(ref: str, index: int) -> str:
    return f'<c r="{ref}" t="s"><v>{index}</v></c>'


def repeated(piece: bytes, size: int, chunk: int = 4 * MB) -> Iterator[bytes]:
    """``size`` bytes of ``piece`` over and over, in chunks."""
    block = piece * (chunk // len(piece))
    left = size
    while left > 0:
        out = block[: min(left, len(block))]
        left -= len(out)
        yield out


STYLES_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
STYLES_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"


def write_xlsx(
    path: Path, sheet: Iterable[bytes | str], strings: Iterable[bytes | str] = (), styles: str = "", **extra: str
) -> Path:
    """A minimal .xlsx that openpyxl reads, its sheet and shared strings streamed in from iterables."""
    content_types, workbook_rels = CONTENT_TYPES, WORKBOOK_RELS
    if styles:
        content_types = content_types.replace(
            "</Types>", f'<Override PartName="/xl/styles.xml" ContentType="{STYLES_TYPE}"/></Types>'
        )
        workbook_rels = workbook_rels.replace(
            "</Relationships>", f'<Relationship Id="rId3" Type="{STYLES_REL}" Target="styles.xml"/></Relationships>'
        )
        extra["xl/styles.xml"] = styles
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in (
            ("[Content_Types].xml", content_types),
            ("_rels/.rels", ROOT_RELS),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", workbook_rels),
            *extra.items(),
        ):
            archive.writestr(name, text)
        for name, parts in (("xl/worksheets/sheet1.xml", sheet), ("xl/sharedStrings.xml", strings)):
            with archive.open(name, "w", force_zip64=True) as out:
                for part in parts or [STRINGS_START, "</sst>"]:
                    out.write(part.encode() if isinstance(part, str) else part)
    return path


def rows_xml(rows: list[list[str]], start: int = 1) -> str:
    """Plain sheet rows of inline strings (a header and a few plan rows), numbered from ``start``."""
    out = []
    for r, cells in enumerate(rows, start=start):
        out.append(f'<row r="{r}">' + "".join(inline(f"{column(c)}{r}", t) for c, t in enumerate(cells, 1)) + "</row>")
    return "".join(out)


HEADER = ["Recommendation", "Action"]


def shared_string_bomb(path: Path, size: int = 1024 * MB) -> Path:
    """A plan whose one action is a shared string of ``size`` bytes (about 1 MB compressed for 1 GB)."""
    sheet = [SHEET_START, "<sheetData>", rows_xml([HEADER]), '<row r="2">', inline("A2", "1.1"), shared("B2", 0)]
    strings = [STRINGS_START, "<si><t>", *repeated(b"A", size), "</t></si></sst>"]
    return write_xlsx(path, [*sheet, "</row></sheetData></worksheet>"], strings)


def inline_cell_bomb(path: Path, size: int = 200 * MB) -> Path:
    """A plan whose one action is an inline cell of ``size`` bytes."""
    start = f'{SHEET_START}<sheetData>{rows_xml([HEADER])}<row r="2">{inline("A2", "1.1")}'
    start += '<c r="B2" t="inlineStr"><is><t>'
    return write_xlsx(path, [start, *repeated(b"A", size), "</t></is></c></row></sheetData></worksheet>"])


def lying_directory_xlsx(path: Path) -> Path:
    """A 100 MB shared string whose zip directory says it is 1,000 bytes."""
    shared_string_bomb(path, size=100 * MB)
    data = bytearray(path.read_bytes())
    name = b"xl/sharedStrings.xml"
    at = data.rfind(b"PK\x01\x02", 0, data.rfind(name))  # its entry in the central directory
    assert data[at + 46 : at + 46 + len(name)] == name
    data[at + 24 : at + 28] = (1000).to_bytes(4, "little")  # the uncompressed size
    path.write_bytes(bytes(data))
    return path


def billion_laughs_yaml() -> str:
    """A recommendation set of about 550 bytes whose aliases expand ten-fold at each of nine levels."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 9):
        lines.append(f"a{level}: &a{level} [" + ",".join([f"*a{level - 1}"] * 10) + "]")
    head = "set:\n  slug: laughs\n  title: Laughs\n  short_title: Laughs\n"
    return head + "\n".join(lines) + "\nrecommendations: *a8\n"


def words(rng: random.Random, count: int) -> str:
    """Text that compresses like prose, not like a bomb (about 3 to 1)."""
    vocabulary = ["plan", "force", "review", "victim", "stalking", "training", "officer", "order", "risk", "data"]
    return " ".join(rng.choice(vocabulary) + str(rng.randrange(100)) for _ in range(count))


def worst_accepted_xlsx(path: Path, seed: int = 14) -> Path:
    """A plan just under the limits at once (tracker.filelimits), in just under 2 MB.

    Shared strings of nearly 20 MB, each nearly 32,767 characters; a header and 5,000 rows of 100 cells; cells
    holding nearly 10 million characters in all (a long text in every row, and the first rows pointing to the
    long shared strings); a sheet of nearly 20 MB.
    """
    from tracker import filelimits as fl

    rng = random.Random(seed)
    string_chars = 32_700
    strings_count = fl.MAX_MEMBER_BYTES // (string_chars + 20) - 1
    strings = [STRINGS_START]
    for i in range(strings_count):
        head = f"{i} " + words(rng, 250)
        strings += ["<si><t>", head, *repeated(b"lorem ipsum ", string_chars - len(head), chunk=32_700), "</t></si>"]
    strings.append("</sst>")
    width, data_rows = fl.MAX_COLUMNS, fl.MAX_ROWS
    header = rows_xml([HEADER + [f"Column {c}" for c in range(3, width + 1)]])
    numbers = sum(len(str(c)) for c in range(3, width + 1))
    pointing = 90  # rows whose third cell is a long shared string
    budget = fl.MAX_SHEET_CHARS - 10_000 - sum(len(c) for c in header) - pointing * string_chars
    text_chars = budget // data_rows - len("1.1") - numbers
    sheet = [SHEET_START, "<sheetData>", header]
    for r in range(2, data_rows + 2):
        text = (f"{r} " + words(rng, 10) + " " + "lorem ipsum " * (text_chars // 12 + 1))[:text_chars]
        cells = [inline(f"A{r}", "1.1"), inline(f"B{r}", text)]
        cells += [f'<c r="{column(c)}{r}"><v>{c}</v></c>' for c in range(3, width + 1)]
        if r < pointing + 2:
            cells[2] = shared(f"C{r}", r % strings_count)
        sheet.append(f'<row r="{r}">' + "".join(cells) + "</row>")
    sheet.append("</sheetData></worksheet>")
    return write_xlsx(path, sheet, strings)


def worst_accepted_yaml() -> str:
    """A recommendation set just under the YAML limits: nearly 50,000 values in nearly 2 MB."""
    from tracker import filelimits as fl

    items = (fl.MAX_YAML_NODES - 3) // 5  # a mapping, two keys and two values each
    text = "w" * (fl.MAX_FILE_BYTES // items - 30)
    return "recommendations:\n" + "".join(f"- number: '{i}'\n  text: {text}\n" for i in range(items))


def styles_xml(formats: int) -> str:
    """A styles part with ``formats`` cell formats, each with an alignment (two elements each)."""
    xfs = "".join(
        f'<xf numFmtId="{i % 50}" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
        f'<alignment wrapText="1" indent="{i % 15}"/></xf>'
        for i in range(formats)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="{formats}">{xfs}</cellXfs></styleSheet>'
    )


def worst_accepted_styles_xlsx(path: Path) -> Path:
    """A plan whose styles part is just under the element limit (about 50,000 cell formats)."""
    from tracker import filelimits as fl

    formats = (fl.MAX_PART_ELEMENTS - 20) // 2
    sheet = [SHEET_START, "<sheetData>", rows_xml([HEADER, ["1.1", "Train staff"]]), "</sheetData></worksheet>"]
    return write_xlsx(path, sheet, styles=styles_xml(formats))


def bomb_docx_bytes(document_bytes: int = 25 * 1024 * 1024) -> bytes:
    """A real-looking Word package whose document.xml unpacks to ``document_bytes`` (25 MB from about 25 KB)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", WORD_TYPES)
        archive.writestr("_rels/.rels", "<Relationships/>")
        with archive.open("word/document.xml", "w") as part:
            block = b" " * (1024 * 1024)
            for _ in range(document_bytes // len(block)):
                part.write(block)
    return buffer.getvalue()


def cached(name: str, build: Callable[[Path], Path]) -> Path:
    """The file ``build(path)`` writes, built once for every worker and both legs (deflating the 1 GB bomb alone
    takes seconds) into the demo's cache folder (tests/support/demo_cache.py), under a key of this module's source
    and the limits'. Touched at each use, so the cache's removal of earlier days' builds leaves it."""
    from tests.support.demo_cache import cache_folder
    from tracker import filelimits

    key = hashlib.sha256(Path(__file__).read_bytes() + Path(filelimits.__file__).read_bytes()).hexdigest()[:16]
    folder = cache_folder() / f"bombs-{key}"
    folder.mkdir(parents=True, exist_ok=True)
    os.utime(folder)
    path = folder / name
    with open(folder / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():  # built under another name and renamed: its presence means the build finished
            build(folder / f"building-{name}").replace(path)
    return path
