"""Resource limits for the spreadsheets and data files people upload, checked before any parser builds them.

Every spreadsheet reader (a plan import, a recommendation set's spreadsheet, ``tracker load``) goes through
``tracker.plans.spreadsheet.reading.read_table``, which calls ``check_csv_row`` / ``check_xlsx`` from here first. An
.xlsx file is a zip of XML parts: a 1 MB upload can hold a 1 GB shared string, which openpyxl would build in
memory before we saw a single row. So, before openpyxl opens it:

1. The zip's directory (``check_zip_parts``, which also guards Office evidence files): how many parts, the
   uncompressed size of each part and of them all, and how much each large part expands. ``zipfile`` never
   yields more than a part's stated size (it stops there and fails the CRC check), so these stated sizes bound
   what any later reader can decompress.
2. Every XML part is streamed through expat in small chunks, keeping only counters: no DTD (so no entity
   expansion), no cell, shared string or text longer than Excel allows, no more shared strings, rows or cells
   in a row than a plan can need, a sheet's stated dimension within the row and column limits, and no more
   text in all of a sheet's cells than MAX_SHEET_CHARS, a shared string counted each time a cell uses it.

YAML data files (tracker.datafiles) are streamed as events first: no anchors or aliases, and at most
MAX_YAML_NODES values nested at most MAX_YAML_DEPTH deep.

Each refusal names the limit, the value found and the limit itself, in one sentence of the interface catalogue
per kind of limit (marked ``N_`` where it is raised, translated into the reader's language as it is raised), so a
Welsh page says it in Welsh, in Welsh word order. The limits are generous for real plans (a
force's plan is a few hundred rows) and well below what would strain the server; the worst file they accept
is measured in tests/security/test_resource_limits.py.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from xml.parsers import expat

from tracker.web.i18n import N_, gettext

MAX_FILE_BYTES = 2 * 1024 * 1024
"""An uploaded spreadsheet or data file, as uploaded (compressed, for an .xlsx)."""
MAX_ROWS = 5_000
"""Rows of data a plan or set may hold."""
MAX_COLUMNS = 100
"""Columns with data a plan or set may hold."""
MAX_SCANNED_ROWS = 50_000
"""Rows a sheet may have at all, counting the formatted but empty rows Excel keeps at the end of a sheet."""
MAX_CELL_CHARS = 32_767
"""Characters in one cell or shared string: Excel's own limit, so no real spreadsheet goes beyond it."""
MAX_SHEET_CHARS = 10_000_000
"""Characters in all the cells of a sheet, a shared string counted each time a cell uses it (a plan of a few
hundred rows holds well under a million): this, not the file's size, bounds the table a reader builds."""
MAX_CELLS_PER_ROW = 16_384
"""Cells in one row of a sheet: Excel's own limit (column XFD)."""
MAX_SHARED_STRINGS = 500_000
"""Distinct texts in a workbook (MAX_ROWS x MAX_COLUMNS, with room to spare for other sheets)."""
MAX_PART_ELEMENTS = 100_000
"""XML elements in one part other than a sheet or the shared strings (styles, workbook, relationships …), each
of which openpyxl builds into an object: Excel's own limit of 64,000 cell formats, with alignments, fits."""
MAX_ATTRIBUTES = 64
"""Attributes on one XML element: SpreadsheetML's elements have a few dozen at most, and openpyxl builds every
attribute it is given (one cell with 600,000 attributes took 20 s and 400 MB)."""
MAX_ZIP_MEMBERS = 1_000
"""Parts in an .xlsx (a workbook of a few sheets has about a dozen)."""
MAX_MEMBER_BYTES = 20 * 1024 * 1024
"""Uncompressed size of one part: a sheet of 5,000 rows of long texts is a few MB."""
MAX_TOTAL_BYTES = 40 * 1024 * 1024
"""Uncompressed size of all the parts together."""
MAX_RATIO = 500
"""How much one part of over RATIO_FLOOR_BYTES may expand. Deflate cannot pass about 1,030 and a bomb sits near
that; sheets compress 5-30 times and even a styles part bloated with near-identical styles about 200 times."""
RATIO_FLOOR_BYTES = 1024 * 1024
EXCEL_MAX_ROWS = 1_048_576

MAX_YAML_NODES = 50_000
"""Values (keys, items, scalars) in one YAML data file: the organisations of England are about 1,300."""
MAX_YAML_DEPTH = 50
"""How deeply one YAML data file may nest (ours nest about six deep). Anchors and aliases are refused
outright (tracker.datafiles): they let a few hundred bytes expand to billions of items."""

# Sentences of limits (each limit's sentence: ``FileTooLarge``) refused in more than one place, or over a limit.
ROWS_OVER = N_("the number of rows is over %(value)s; the limit is %(limit)s")
CELL_OVER = N_("the text of a cell in characters is over %(value)s; the limit is %(limit)s")
ELEMENTS_OVER = N_("the number of XML elements in a part (%(where)s) is over %(value)s; the limit is %(limit)s")
CELLS_OVER = N_("the number of cells in a row (%(where)s) is over %(value)s; the limit is %(limit)s")
STRINGS_OVER = N_("the number of shared strings (%(where)s) is over %(value)s; the limit is %(limit)s")
SHEET_ROWS_OVER = N_("the number of rows (%(where)s) is over %(value)s; the limit is %(limit)s")
PART_SIZE = N_("the uncompressed size of a part (%(where)s) is %(value)s; the limit is %(limit)s")

_CHUNK = 64 * 1024
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


class FileTooLarge(ValueError):
    """A file beyond one of the limits; the message names the limit, the value found and the limit.

    ``what`` is the limit's sentence (English, marked ``N_``), with ``%(value)s`` and ``%(limit)s`` and, where the
    file tells, ``%(where)s`` (a part of the file, a row: ``place``); ``values`` fills any other placeholder. The
    sentence is translated here, as it is raised, into the language of the request (English outside one).
    """

    def __init__(self, what: str, value: int | str, limit: int | str, where: str = "", **values: str) -> None:
        self.what, self.value, self.limit, self.where = what, value, limit, where
        shown = f"{value:,}" if isinstance(value, int) else value
        bound = f"{limit:,}" if isinstance(limit, int) else limit
        self.detail = gettext(what, value=shown, limit=bound, where=where, **values)
        super().__init__(gettext("The file is too large to read: %(detail)s", detail=self.detail))


def place(part: str = "", row: int | None = None, shared_string: int | None = None) -> str:
    """Where in the file a limit was passed, in the reader's language: "xl/worksheets/sheet1.xml, row 2"."""
    if shared_string is not None:
        return gettext("%(part)s, shared string %(number)s", part=part, number=f"{shared_string:,}")
    if row is None:
        return part
    if not part:
        return gettext("row %(row)s", row=row)
    return gettext("%(part)s, row %(row)s", part=part, row=f"{row:,}")


def mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def check_upload_size(size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise FileTooLarge(N_("the file is %(value)s; the limit is %(limit)s"), mb(size), mb(MAX_FILE_BYTES))


def check_csv_row(number: int, cells: list[str]) -> None:
    """One CSV row as read (``number`` counts blank lines too): how many cells, and how long each is."""
    if number > MAX_SCANNED_ROWS:
        raise FileTooLarge(ROWS_OVER, MAX_SCANNED_ROWS, MAX_SCANNED_ROWS)
    row_cells = N_("the number of cells in a row (%(where)s) is %(value)s; the limit is %(limit)s")
    cell_text = N_("the text of a cell in characters (%(where)s) is %(value)s; the limit is %(limit)s")
    sizes = [(row_cells, len(cells), MAX_CELLS_PER_ROW)] + [(cell_text, len(cell), MAX_CELL_CHARS) for cell in cells]
    if over := _first_over(sizes):
        raise FileTooLarge(*over, place(row=number))


def _first_over(sizes: Iterable[tuple[str, int, int]]) -> tuple[str, int, int] | None:
    """The first of ``sizes`` (a limit's sentence, the value found, the limit) over its limit, if any is."""
    return next(((what, value, limit) for what, value, limit in sizes if value > limit), None)


def check_xlsx(data: bytes) -> None:
    """Refuse an .xlsx file beyond any limit, reading only its zip directory and streaming its XML parts.

    A file that is not a readable zip is left to the reader, which refuses it as not an Excel file.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return
    with archive:
        members = check_zip_parts(archive, ".xlsx")
        # Shared strings first: a sheet's cells are counted at the length of the string they point to, as a
        # reader that copies each cell's text (strip, normalise) would build them.
        roots = {info.filename: _root(archive, info) for info in members}
        lengths: list[int] = []
        for info in sorted(members, key=lambda info: roots[info.filename] != "sst"):
            if roots[info.filename]:
                _scan_part(archive, info, lengths, roots[info.filename] in ("worksheet", "sst"))


def check_zip_parts(archive: zipfile.ZipFile, kind: str) -> list[zipfile.ZipInfo]:
    """Refuse a zip-based file (an .xlsx import, an Office evidence file) whose directory states more parts, or
    parts that unpack larger or expand more, than the limits; return its parts (folders left out).

    Only the directory is read: ``zipfile`` never yields more than a part's stated size, so these bound what any
    later reader can unpack.
    """
    members = [info for info in archive.infolist() if not info.is_dir()]
    if len(members) > MAX_ZIP_MEMBERS:
        raise FileTooLarge(
            N_("the number of parts in the %(kind)s file is %(value)s; the limit is %(limit)s"),
            len(members),
            MAX_ZIP_MEMBERS,
            kind=kind,
        )
    total = 0
    for info in members:
        if info.file_size > MAX_MEMBER_BYTES:
            raise FileTooLarge(PART_SIZE, mb(info.file_size), mb(MAX_MEMBER_BYTES), info.filename)
        if info.file_size > RATIO_FLOOR_BYTES:
            ratio = info.file_size // max(info.compress_size, 1)
            if ratio > MAX_RATIO:
                raise FileTooLarge(
                    N_("how much a part expands (%(where)s) is %(value)s times; the limit is %(limit)s times"),
                    ratio,
                    MAX_RATIO,
                    info.filename,
                )
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise FileTooLarge(
            N_("the uncompressed size of all the parts is %(value)s; the limit is %(limit)s"),
            mb(total),
            mb(MAX_TOTAL_BYTES),
        )
    return members


def _root(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str | None:
    """The name of an XML part's root element ("sst", "worksheet" …), or None for a part that is not XML."""
    found: list[str] = []

    def start(name: str, _: object) -> None:
        found.append(_local(name))
        raise _Found

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = lambda *_: _refuse_dtd(info.filename)
    try:
        with archive.open(info) as stream:
            first = stream.read(_CHUNK)
            if not first.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
                return None  # an image or other binary part: openpyxl does not parse it
            chunk = first
            while chunk:
                parser.Parse(chunk, False)
                chunk = stream.read(_CHUNK)
    except _Found:
        return found[0]
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, expat.ExpatError):
        return None  # damaged, encrypted or not XML: the reader refuses the file with its own message
    except ValueError as exc:
        if isinstance(exc, FileTooLarge):
            raise
        return None
    return None


class _Found(Exception):
    """Stops a parse at the root element."""


def _refuse_dtd(part: str) -> None:
    # A DTD is how XML entity bombs expand; an .xlsx written by any spreadsheet program has none.
    raise FileTooLarge(
        N_("a document type declaration (DTD) (%(where)s) is present; the limit is none allowed"),
        "present",
        "none allowed",
        part,
    )


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, lengths: list[int], cells: bool) -> None:
    """Stream one XML part, counting what matters in it without keeping any of its text.

    ``cells``: a sheet or shared strings, bounded by their rows, cells and text rather than their elements.
    """
    scanner = _XmlScanner(info.filename, lengths, None if cells else MAX_PART_ELEMENTS)
    read = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                read += len(chunk)
                if read > info.file_size:  # zipfile stops at the stated size; this is a second guard
                    raise FileTooLarge(PART_SIZE, mb(read), mb(info.file_size), info.filename)
                scanner.feed(chunk)
            scanner.feed(b"", final=True)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, expat.ExpatError):
        # Damaged, encrypted or not well-formed: openpyxl parses with the same expat (ElementTree; lxml is not
        # installed), so it stops at the same point, having built no more than was counted up to there.
        return
    except ValueError as exc:
        if isinstance(exc, FileTooLarge):
            raise
        return
    scanner.done()


def _local(name: str) -> str:
    """An element's name without its namespace (expat gives "uri name" with namespace processing on)."""
    return name.rsplit(" ", 1)[-1].rsplit(":", 1)[-1]


class _XmlScanner:
    """Counts, for one XML part, what could make a reader build something huge; refuses it at the first excess.

    Shared strings (``<si>``) append their lengths to ``lengths``; a sheet's cells that point to one count
    at that length towards the sheet's total text.
    """

    def __init__(self, part: str, lengths: list[int], max_elements: int | None) -> None:
        self.part = part
        self.max_elements = max_elements
        self.elements = 0
        self.lengths = lengths
        self.strings_seen = len(lengths) if lengths else 0
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.buffer_text = True
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._text
        self.parser.StartDoctypeDeclHandler = lambda *_: _refuse_dtd(part)
        self.parser.EntityDeclHandler = lambda *_: _refuse_dtd(part)
        self.rows = 0
        self.row = 0  # the current row's number, for messages
        self.cells_in_row = 0
        self.strings = 0  # <si> elements in this part
        self.text = 0  # characters in the current element's text
        self.run_text = 0  # characters in the current inline (<is>) or shared string (<si>), across its runs
        self.in_string = False
        self.shared_cell = False  # in a <c t="s">: its <v> is an index into the shared strings
        self.index = ""
        self.sheet_chars = 0  # the text of every cell, shared strings counted at each use

    def feed(self, chunk: bytes, final: bool = False) -> None:
        self.parser.Parse(chunk, final)

    def done(self) -> None:
        if self.strings and self.strings_seen:  # a second table of shared strings: keep the longer of each pair
            first, second = self.lengths[: self.strings_seen], self.lengths[self.strings_seen :]
            self.lengths[:] = [max(a, b) for a, b in zip(first, second, strict=False)] + (
                first[len(second) :] or second[len(first) :]
            )

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        local = _local(name)
        self.text = 0
        self.elements += 1
        if len(attributes) > MAX_ATTRIBUTES:
            raise FileTooLarge(
                N_(
                    "the number of attributes of an XML element <%(element)s> (%(where)s) is %(value)s; "
                    "the limit is %(limit)s"
                ),
                len(attributes),
                MAX_ATTRIBUTES,
                self.part,
                element=local,
            )
        if self.max_elements is not None and self.elements > self.max_elements:
            raise _over(ELEMENTS_OVER, self.max_elements, self.part)
        if local == "row":
            self._row(attributes)
        elif local == "c":
            self.cells_in_row += 1
            if self.cells_in_row > MAX_CELLS_PER_ROW:
                raise _over(CELLS_OVER, MAX_CELLS_PER_ROW, self._at())
            self.shared_cell = attributes.get("t") == "s"
        elif local == "v":
            self.index = ""
        elif local in ("is", "si"):  # an inline or shared string: its text may be split into runs
            self.in_string, self.run_text = True, 0
            if local == "si":
                self.strings += 1
                if self.strings > MAX_SHARED_STRINGS:
                    raise _over(STRINGS_OVER, MAX_SHARED_STRINGS, self.part)
        elif local == "dimension":
            self._dimension(attributes.get("ref", ""))

    def _row(self, attributes: dict[str, str]) -> None:
        self.rows += 1
        if self.rows > MAX_SCANNED_ROWS:
            raise _over(SHEET_ROWS_OVER, MAX_SCANNED_ROWS, self.part)
        self.row = _int(attributes.get("r")) or self.row + 1
        if self.row > EXCEL_MAX_ROWS:
            raise FileTooLarge(
                N_("a row number (%(where)s) is %(value)s; the limit is %(limit)s"), self.row, EXCEL_MAX_ROWS, self.part
            )
        self.cells_in_row = 0

    def _end(self, name: str) -> None:
        local = _local(name)
        if local in ("is", "si"):
            self.in_string = False
            if local == "si":
                self.lengths.append(self.run_text)
        elif local == "c":
            self.shared_cell = False
        elif local == "v" and self.shared_cell:
            index = _int(self.index.strip())
            self._count(self.lengths[index] if 0 <= index < len(self.lengths) else 0)
        self.text = 0

    def _text(self, data: str) -> None:
        self.text += len(data)
        if self.in_string:
            self.run_text += len(data)
        if max(self.text, self.run_text if self.in_string else 0) > MAX_CELL_CHARS:
            what = (
                N_("the text of a cell in characters (%(where)s) is over %(value)s; the limit is %(limit)s")
                if self.rows or not self.strings
                else N_("a shared string's length (%(where)s) is over %(value)s; the limit is %(limit)s")
            )
            raise FileTooLarge(what, MAX_CELL_CHARS, MAX_CELL_CHARS, self._at())
        if self.shared_cell:
            if len(self.index) < 12:
                self.index += data
        elif self.rows:
            self._count(len(data))

    def _count(self, chars: int) -> None:
        self.sheet_chars += chars
        if self.sheet_chars > MAX_SHEET_CHARS:
            raise _over(
                N_("the text of all the cells in characters (%(where)s) is over %(value)s; the limit is %(limit)s"),
                MAX_SHEET_CHARS,
                self._at(),
            )

    def _at(self) -> str:
        if self.strings and not self.rows:
            return place(self.part, shared_string=self.strings)
        return place(self.part, row=self.row or None)

    def _dimension(self, ref: str) -> None:
        """The sheet's stated extent ("A1:P400"): refuse one larger than any sheet we would read."""
        corners = [_CELL_REF.match(part) for part in ref.split(":")]
        if not all(corners):
            return  # a malformed dimension: openpyxl ignores it too
        rows = [int(m.group(2)) for m in corners if m]
        columns = [_column_number(m.group(1)) for m in corners if m]
        stated_rows = N_("the sheet's stated number of rows (%(where)s) is %(value)s; the limit is %(limit)s")
        stated_columns = N_("the sheet's stated number of columns (%(where)s) is %(value)s; the limit is %(limit)s")
        if over := _first_over(
            [(stated_rows, max(rows), MAX_SCANNED_ROWS), (stated_columns, max(columns), MAX_CELLS_PER_ROW)]
        ):
            raise FileTooLarge(*over, self.part)


def _over(what: str, limit: int, where: str) -> FileTooLarge:
    """A limit passed as soon as the count went one over it: the value found is reported as over the limit."""
    return FileTooLarge(what, limit, limit, where)


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _int(text: str | None) -> int:
    try:
        return int(text) if text else 0
    except ValueError:
        return 0
