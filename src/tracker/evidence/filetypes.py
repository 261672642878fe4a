"""Which evidence files are accepted: the type is decided from the file's content and its name, which must agree.

Accepted: PDF, Word (.docx), Excel (.xlsx), CSV, plain text, PNG and JPEG. Refused, with a message saying why:

* an empty (zero-byte) file;
* any other name ending, including archives (.zip and the like) and executables;
* content that does not match the name (a ``.pdf`` that is really a PNG, a ``.docx`` that is any other zip or
  not a whole Word package, with its content types, relationships and main document, a ``.txt`` holding binary
  data);
* a .docx or .xlsx whose parts unpack beyond the limits the spreadsheet import uses (a zip bomb: a few hundred
  KB that unpack to hundreds of MB), checked from the zip's directory by ``tracker.filelimits.check_zip_parts``;
* old Word and Excel files (.doc, .xls: OLE2 compound files, which can carry macros and are also how
  password-protected Office files are stored): the message asks for .docx or .xlsx without a password;
* macro-enabled Office documents: a .docm/.xlsm name, a macro-enabled content type, or a ``vbaProject.bin``
  part anywhere inside, whatever the file is called;
* CSV and text that is not UTF-8 (the message says how to save it as UTF-8) or contains NUL bytes.

Accepted files are stored byte for byte as uploaded (their sha256 is recorded) and only ever sent back as
downloads (``Content-Disposition: attachment``, ``X-Content-Type-Options: nosniff``), so nothing uploaded is
shown inline by the service. Spreadsheet formulas in CSV or Excel files are not rewritten: a file is the
organisation's own record, and people opening it use their usual office software protections.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tracker.filelimits import FileTooLarge, check_zip_parts
from tracker.web.i18n import N_, gettext

# The messages are English, the source text, marked for the catalogue: the form shows each in the reader's
# language (``tracker.web.fields.errors_of``). One with a value is translated as it is made (``gettext``).
ACCEPTED_MESSAGE = N_("The selected file must be a PDF, Word, Excel, CSV, text, PNG or JPEG file")
EMPTY_MESSAGE = N_("The selected file is empty")
LEGACY_MESSAGE = N_(
    "The selected file is an old Word or Excel file (.doc or .xls). "
    "Save it as a .docx or .xlsx file and upload it again"
)
PROTECTED_MESSAGE = N_(
    "The selected file is password protected or in an old Word or Excel format. "
    "Remove the password, save it as a .docx or .xlsx file and upload it again"
)
MACRO_MESSAGE = N_(
    "The selected file contains macros. Save it as a .docx or .xlsx file without macros and upload it again"
)
UNPACKED_MESSAGE = N_("The selected file is too large once unpacked: %(detail)s")
ARCHIVE_MESSAGE = N_("The selected file is an archive, such as a .zip file. Upload the documents one at a time")
NOT_UTF8_MESSAGE = N_(
    "The selected file must be saved as UTF-8 text. In Excel, choose CSV UTF-8 when you save it; "
    "in a text editor, choose the UTF-8 encoding"
)
MISMATCH_MESSAGE = N_("The selected file is not a real %(type)s: its contents do not match its name")


@dataclass(frozen=True)
class FileType:
    """An accepted type: the ending files are stored under, the content type sent back, and a name for people."""

    extension: str
    content_type: str
    label: str


PDF = FileType("pdf", "application/pdf", N_("PDF file"))
PNG = FileType("png", "image/png", N_("PNG image"))
JPEG = FileType("jpg", "image/jpeg", N_("JPEG image"))
DOCX = FileType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", N_("Word document"))
XLSX = FileType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", N_("Excel spreadsheet"))
CSV = FileType("csv", "text/csv; charset=utf-8", N_("CSV file"))
TEXT = FileType("txt", "text/plain; charset=utf-8", N_("text file"))

BY_EXTENSION: dict[str, FileType] = {
    "pdf": PDF,
    "png": PNG,
    "jpg": JPEG,
    "jpeg": JPEG,
    "docx": DOCX,
    "xlsx": XLSX,
    "csv": CSV,
    "txt": TEXT,
}
LEGACY_EXTENSIONS = frozenset({"doc", "xls", "dot", "xlt", "ppt", "pps", "msg"})
MACRO_EXTENSIONS = frozenset({"docm", "dotm", "xlsm", "xltm", "xlsb", "xlam", "pptm", "potm", "ppsm"})
ARCHIVE_EXTENSIONS = frozenset({"zip", "7z", "rar", "gz", "tgz", "tar", "bz2", "xz", "cab", "iso", "jar"})

_PDF_MAGIC = b"%PDF-"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_BINARY_MAGICS = (_PDF_MAGIC, _PNG_MAGIC, _JPEG_MAGIC, *_ZIP_MAGICS, _OLE2_MAGIC)

_RELS = "_rels/.rels"
# [Content_Types].xml is read lower-cased; its Override elements name each part's content type.
_OVERRIDE = re.compile(rb"<(?:[a-z0-9_]+:)?override\b[^>]*>")
_ATTRIBUTE = re.compile(rb"""([a-z]+)\s*=\s*["']([^"']*)["']""")
_WORD_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_EXCEL_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_CONTENT_TYPES_LIMIT = 1024 * 1024  # [Content_Types].xml is a few kilobytes; refuse anything absurd
_CHUNK = 64 * 1024


class FileTypeError(ValueError):
    """The file is not accepted; ``message`` says why, in words for the person who chose it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def extension_of(filename: str) -> str:
    """The lower-case ending of a file name, without the dot ('' if it has none)."""
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    stem, dot, ext = name.rpartition(".")
    return ext.strip().lower() if dot and stem else ""


def _mismatch(expected: FileType) -> FileTypeError:
    return FileTypeError(gettext(MISMATCH_MESSAGE, type=gettext(expected.label)))


Source = Path | IO[bytes] | bytes
"""A file to identify: stored at a path, or as uploaded (a seekable binary file, read from its start, or bytes)."""


@contextmanager
def _reading(source: Source) -> Iterator[IO[bytes]]:
    """``source`` open for reading; an upload is read where it is (nothing is written) and left where it was."""
    if isinstance(source, Path):
        with source.open("rb") as stored:
            yield stored
        return
    handle = io.BytesIO(source) if isinstance(source, bytes | bytearray | memoryview) else source
    position = handle.tell()
    try:
        yield handle
    finally:
        handle.seek(position)


def identify(source: Source, filename: str) -> FileType:
    """The accepted type of the file ``source`` (stored, or as uploaded: see ``Source``), uploaded as
    ``filename``; raises ``FileTypeError`` if refused. One check for the check-only path and for storing."""
    with _reading(source) as handle:
        return _identify(handle, extension_of(filename))


def _identify(handle: IO[bytes], ext: str) -> FileType:
    size = handle.seek(0, io.SEEK_END)
    if size == 0:
        raise FileTypeError(EMPTY_MESSAGE)
    handle.seek(0)
    head = handle.read(16)
    if head.startswith(_OLE2_MAGIC) or ext in LEGACY_EXTENSIONS:
        raise FileTypeError(LEGACY_MESSAGE if ext in LEGACY_EXTENSIONS else PROTECTED_MESSAGE)
    if ext in MACRO_EXTENSIONS:
        raise FileTypeError(MACRO_MESSAGE)
    if ext in ARCHIVE_EXTENSIONS:
        raise FileTypeError(ARCHIVE_MESSAGE)
    expected = BY_EXTENSION.get(ext)
    if expected is None:
        raise FileTypeError(ACCEPTED_MESSAGE)
    if expected is PDF:
        if not head.startswith(_PDF_MAGIC):
            raise _mismatch(expected)
    elif expected is PNG:
        if not head.startswith(_PNG_MAGIC):
            raise _mismatch(expected)
    elif expected is JPEG:
        if not head.startswith(_JPEG_MAGIC):
            raise _mismatch(expected)
    elif expected in (DOCX, XLSX):
        if not head.startswith(_ZIP_MAGICS):
            raise _mismatch(expected)
        if _office_kind(handle) is not expected:
            raise _mismatch(expected)
    else:  # CSV, text
        if head.startswith(_UTF16_BOMS):
            raise FileTypeError(NOT_UTF8_MESSAGE)
        if head.startswith(_BINARY_MAGICS):
            raise _mismatch(expected)
        _check_utf8_text(handle, expected)
    return expected


def _office_kind(handle: IO[bytes]) -> FileType | None:
    """DOCX or XLSX if the zip ``handle`` holds is a real package of one (refusing macros and zip bombs), else None.

    A real package has its content types, its relationships and the main part its content types declare; its
    parts must unpack within the limits the spreadsheet import uses (``tracker.filelimits.check_zip_parts``).
    """
    handle.seek(0)
    try:
        with zipfile.ZipFile(handle) as archive:
            try:
                infos = check_zip_parts(archive, "Office")
            except FileTooLarge as exc:
                raise FileTypeError(gettext(UNPACKED_MESSAGE, detail=exc.detail)) from None
            names = {info.filename.replace("\\", "/").lower() for info in infos}
            if any(name.rsplit("/", 1)[-1] == "vbaproject.bin" for name in names):
                raise FileTypeError(MACRO_MESSAGE)
            content_types = next((info for info in infos if info.filename == "[Content_Types].xml"), None)
            if content_types is None or content_types.file_size > _CONTENT_TYPES_LIMIT or _RELS not in names:
                return None
            with archive.open(content_types) as handle:
                declared = handle.read(_CONTENT_TYPES_LIMIT + 1).lower()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError, NotImplementedError, EOFError):
        return None  # damaged, encrypted or using a compression method this service does not read
    if b"macroenabled" in declared or b"vbaproject" in declared:
        raise FileTypeError(MACRO_MESSAGE)
    for kind, main_type in ((DOCX, _WORD_MAIN), (XLSX, _EXCEL_MAIN)):
        if _main_part(declared, main_type) in names:
            return kind
    return None


def _main_part(declared: bytes, main_type: bytes) -> str | None:
    """The name of the part ``[Content_Types].xml`` (lower-cased) declares as of the main type, if any."""
    for override in _OVERRIDE.finditer(declared):
        attributes = dict(_ATTRIBUTE.findall(override.group(0)))
        if attributes.get(b"contenttype") == main_type and b"partname" in attributes:
            return attributes[b"partname"].decode("utf-8", "replace").lstrip("/")
    return None


def _check_utf8_text(handle: IO[bytes], expected: FileType) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    handle.seek(0)
    while chunk := handle.read(_CHUNK):
        if b"\x00" in chunk:
            raise _mismatch(expected)
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError:
            raise FileTypeError(NOT_UTF8_MESSAGE) from None
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise FileTypeError(NOT_UTF8_MESSAGE) from None
