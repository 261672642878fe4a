"""What evidence given by the form or the API must be, and the check-only path of its use cases.

``tracker.evidence.services`` adds and changes evidence with these rules; a form whose field was refused as it was
read (a control character: ``tracker.inputs``) runs ``check_new_evidence`` or ``check_evidence_change`` to list every
other fault with it, and nothing is stored: an uploaded file's size and type (``file_problem``, with
``tracker.evidence.filetypes``) are checked reading the upload where it is, as storing it checks them again.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urlsplit

from tracker.evidence.filetypes import FileTypeError, identify
from tracker.evidence.models import Evidence
from tracker.inputs import FieldText, Input, character_problems, faults, length_message, text_problem
from tracker.organisations.bilingual_input import welsh_values
from tracker.vocabulary import EvidenceKind, Visibility
from tracker.web.i18n import N_, gettext

TEXTS = {
    "title": FieldText(
        N_("Enter a title"),
        N_("The title must be %(limit)s characters or fewer"),
        N_("The title in Welsh must be %(limit)s characters or fewer"),
    ),
    "description": FieldText(
        "",
        N_("The description must be %(limit)s characters or fewer"),
        N_("The description in Welsh must be %(limit)s characters or fewer"),
    ),
    "note": FieldText(N_("Enter the note"), N_("The note must be %(limit)s characters or fewer")),
}
MAX_TITLE = 300
MAX_TEXT = 10_000
MAX_URL = 2000
MAX_NAME = 300
NO_FILE = N_("Select a file")


@dataclass(frozen=True, kw_only=True)
class EvidenceInput(Input):
    """Evidence as the form or the API sends it: ``add_evidence`` reads ``kind`` (file, link or note) and what
    that kind needs; ``update_evidence`` reads the title, description, visibility and the version last read."""

    kind: str | None = None
    title: str | None = None
    title_cy: str | None = None  # the Welsh twins (bilingual organisations); None leaves the stored Welsh
    description: str | None = None
    description_cy: str | None = None
    visibility: str | None = None
    url: str | None = None
    note: str | None = None
    version: int | str | None = None


def _text(errors: dict[str, str], name: str, value: Any, *, required: bool, limit: int) -> str | None:
    text = value.strip() if isinstance(value, str) else ""
    if not text and required:
        errors[name] = TEXTS[name].missing
    elif len(text) > limit:
        errors[name] = length_message(TEXTS[name].too_long, limit)
    return text or None


def _visibility(errors: dict[str, str], value: Any) -> Visibility | None:
    if value in (None, ""):
        errors["visibility"] = N_("Select who can see this evidence")
        return None
    try:
        return Visibility(value)
    except ValueError:
        errors["visibility"] = N_("Select who can see this evidence from the list")
        return None


def _common(
    errors: dict[str, str], title: Any, description: Any, visibility: Any, *, title_required: bool, welsh: Any = None
) -> dict[str, Any]:
    """The checked title, description and visibility, with the Welsh twins ``welsh`` (the input) carries."""
    data = {
        "title": _text(errors, "title", title, required=title_required, limit=MAX_TITLE),
        "description": _text(errors, "description", description, required=False, limit=MAX_TEXT),
        "visibility": _visibility(errors, visibility),
    }
    if welsh is not None:
        data |= welsh_values(errors, welsh, Evidence, TEXTS)
    # What the storing layer would refuse (a control or direction character), said beside the field.
    errors.update(character_problems(Evidence, {"title": title, "description": description}))
    return data


def clean_url(errors: dict[str, str], value: Any) -> str | None:
    """A web address starting http:// or https:// ('www.example.org' gets https://); others are refused."""
    raw = value.strip() if isinstance(value, str) else ""
    if not raw:
        errors["url"] = N_("Enter the web address of the evidence")
        return None
    if len(raw) > MAX_URL:
        errors["url"] = length_message(N_("The web address must be %(limit)s characters or fewer"), MAX_URL)
        return None
    if problem := text_problem(raw, short=True):  # the message every field gives for it, not "spaces"
        errors["url"] = problem
        return None
    if any(unicodedata.category(ch)[0] in ("C", "Z") for ch in raw):
        errors["url"] = N_("The web address must not contain spaces")
        return None
    if "://" not in raw and ":" not in raw.split("/", 1)[0]:
        raw = "https://" + raw
    try:
        parts = urlsplit(raw)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        parts, port_ok = None, False
    if parts is None or not port_ok or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        errors["url"] = N_("Enter a web address that starts with http:// or https://")
        return None
    if parts.username is not None or parts.password is not None:
        errors["url"] = N_("The web address must not contain a username or password")
        return None
    return raw


@dataclass(frozen=True)
class GivenFile:
    """A file as a form sent it: the name its computer gave it, its content (a seekable binary file, read from its
    start, or bytes) and the largest size the service takes."""

    name: str | None
    content: IO[bytes] | bytes
    max_bytes: int


def check_new_evidence(
    given: EvidenceInput | Mapping[str, Any], *, has_file: bool, file: GivenFile | None = None
) -> dict[str, str]:
    """Every fault ``add_evidence`` would refuse in ``given`` (with a file or not: ``has_file``; ``file``, the
    upload itself, is checked too: ``file_problem``), found without storing anything."""
    given = EvidenceInput.of(given)
    kind = next((k for k in EvidenceKind if k.value == given.kind), None)
    own = {"url": given.url, "note": given.note}
    found = faults(lambda errors: new_values(errors, kind, common_of(given), own))
    if kind is EvidenceKind.FILE and not has_file:
        found["file"] = NO_FILE
    elif kind is EvidenceKind.FILE and file is not None and (problem := file_problem(file)):
        found["file"] = problem
    return found


def file_problem(file: GivenFile) -> str | None:
    """What storing ``file`` would refuse of the file itself: over the size limit, or a type that its content and
    name do not make acceptable (``filetypes.identify``, which storing runs on the stored copy). The upload is read
    where it is and left as it was: nothing is written."""
    if _size(file.content) > file.max_bytes:
        return too_large_message(file.max_bytes)
    try:
        identify(file.content, display_name(file.name))
    except FileTypeError as exc:
        return exc.message
    return None


def _size(content: IO[bytes] | bytes) -> int:
    if isinstance(content, bytes):
        return len(content)
    position = content.tell()
    size = content.seek(0, io.SEEK_END)
    content.seek(position)
    return size


def display_name(filename: str | None) -> str:
    """The file's own name, cleaned for display: no folders, control or direction characters, at most 300."""
    name = unicodedata.normalize("NFC", filename or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        " " if unicodedata.category(ch)[0] == "Z" else ch for ch in name if unicodedata.category(ch)[0] != "C"
    )
    name = " ".join(name.split()).strip(" .")
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        if dot and stem and len(ext) <= 10:
            name = stem[: MAX_NAME - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            name = name[:MAX_NAME]
    return name


def size_limit_text(max_bytes: int) -> str:
    """'20 MB', '64 KB' or '500 bytes'."""
    if max_bytes >= 1024 * 1024:
        return f"{max_bytes / (1024 * 1024):g} MB"
    if max_bytes >= 1024:
        return f"{max_bytes / 1024:g} KB"
    return f"{max_bytes} bytes"


def too_large_message(max_bytes: int) -> str:
    """What a form says of a file over ``max_bytes``, in the reader's language."""
    return gettext("The selected file must be smaller than %(size)s", size=size_limit_text(max_bytes))


def common_of(given: EvidenceInput) -> dict[str, Any]:
    """What every kind of evidence has, as ``add_file``, ``add_link`` and ``add_note`` take it."""
    return {"title": given.title, "description": given.description, "visibility": given.visibility, "welsh": given}


def new_values(
    errors: dict[str, str], kind: EvidenceKind | None, common: Mapping[str, Any], own: Mapping[str, Any]
) -> dict[str, Any]:
    """The checked values of new evidence of ``kind`` (None: none of the three), each fault added to ``errors``:
    ``common`` (its title, required but for a file, which is named after it; description; visibility; Welsh) and
    what only its kind has (``own``: a link's url, a note's text)."""
    data = _common(
        errors,
        common.get("title"),
        common.get("description"),
        common.get("visibility"),
        title_required=kind in (EvidenceKind.LINK, EvidenceKind.NOTE),
        welsh=common.get("welsh", common),
    )
    if kind is EvidenceKind.LINK:
        data["url"] = clean_url(errors, own.get("url"))
    elif kind is EvidenceKind.NOTE:
        data["note"] = _text(errors, "note", own.get("note"), required=True, limit=MAX_TEXT)
        errors.update(character_problems(Evidence, {"note": own.get("note")}))
    elif kind is None:
        errors["kind"] = N_("Select whether you are adding a file, a link or a note")
    return data


def check_evidence_change(given: EvidenceInput | Mapping[str, Any]) -> dict[str, str]:
    """Every fault ``update_evidence`` would refuse in ``given``, found without writing anything."""
    given = EvidenceInput.of(given)
    return faults(lambda errors: changed_values(errors, given))


def changed_values(errors: dict[str, str], given: EvidenceInput) -> dict[str, Any]:
    """The checked title, description, visibility and Welsh of a change, each fault added to ``errors``."""
    return _common(errors, given.title, given.description, given.visibility, title_required=True, welsh=given)
