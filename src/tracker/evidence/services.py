"""Use cases of evidence behind a response: add a file, a link or a note; change, withdraw, list and download.

Like ``tracker.plans.services``: every function takes the caller's session and the acting person, checks the
rules, writes the audit history and commits. Input that breaks a rule raises ``InputError({field: message})``;
a stale save raises ``StaleRecord``.

Files are stored in the upload folder (outside any static folder) under a generated name, ``<uuid4 hex>.<ext>``;
the name the person's computer gave the file is kept, cleaned, for display only. An upload is written to
``<uuid4 hex>.part``, flushed to disk, checked (``tracker.evidence.filetypes``), renamed, and only then recorded
in the database. If anything fails the file is removed, so the database holds the file and its record or
neither. A process killed between the rename and the commit leaves a file without a record, and one killed
while writing leaves a ``.part`` file: ``sweep_orphan_files`` removes both (run it at start-up).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlmodel import Session, col, select

from tracker import metrics
from tracker.accounts.models import User
from tracker.audit.services import fields_of
from tracker.db import check_version, saved_id
from tracker.evidence.checks import (
    MAX_TITLE,
    NO_FILE,
    EvidenceInput,
    changed_values,
    check_new_evidence,
    common_of,
    display_name,
    new_values,
    too_large_message,
)
from tracker.evidence.filetypes import FileType, FileTypeError, identify
from tracker.evidence.models import Evidence
from tracker.inputs import InputError, checked
from tracker.organisations.bilingual import WELSH_SUFFIX
from tracker.permissions import visible_levels
from tracker.plans.retraction import is_retraction, retract_evidence
from tracker.plans.services import (
    ResponseContext,
    actor_for,
    add_on_response,
    change_on_response,
    record_on_response,
)
from tracker.timeutil import utc_now
from tracker.vocabulary import EvidenceKind

log = logging.getLogger("tracker.evidence")

EVIDENCE_FIELDS = (
    "kind",
    "title",
    "title_cy",
    "description",
    "description_cy",
    "visibility",
    "url",
    "note",
    "original_name",
    "stored_name",
    "content_type",
    "size_bytes",
    "sha256",
)
EDITABLE_FIELDS = Evidence.conflict_fields
PART_SUFFIX = ".part"
CHUNK_BYTES = 1024 * 1024
SAVE_MESSAGE = "The file could not be saved. Try again later or contact the service team"


class EvidenceSaveError(InputError):
    """The upload folder could not take the file (full, read-only, missing): nothing was recorded."""

    def __init__(self) -> None:
        super().__init__({"file": SAVE_MESSAGE})


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- reading --------------------------------------------------------------------------------------------


def visible_evidence(session: Session, user: User | None, ctx: ResponseContext) -> list[Evidence]:
    """The response's evidence that ``user`` may see (``permissions.can_see_item``), oldest first."""
    levels = visible_levels(user, ctx.organisation_id)
    if not levels:
        return []
    return list(
        session.exec(
            select(Evidence)
            .where(Evidence.response_id == ctx.response.id, col(Evidence.visibility).in_(sorted(levels)))
            .order_by(col(Evidence.created_at), col(Evidence.id))
        )
    )


def evidence_file_path(settings: Any, evidence: Evidence) -> Path:
    """Where the file of ``evidence`` is stored (``settings.upload_dir``); ValueError if it has no safe name."""
    return _stored_path(Path(settings.upload_dir), evidence)


def _stored_path(upload_dir: Path, evidence: Evidence) -> Path:
    name = evidence.stored_name
    if not name or name != Path(name).name or "\\" in name or name.startswith(".") or name.endswith(PART_SUFFIX):
        raise ValueError(f"evidence {evidence.id} has no stored file")
    return upload_dir / name


# --- adding ---------------------------------------------------------------------------------------------


def add_evidence(
    session: Session,
    ctx: ResponseContext,
    user: User,
    given: EvidenceInput | Mapping[str, Any],
    *,
    filename: str | None = None,
    content: IO[bytes] | bytes | None = None,
    upload_dir: Path,
    max_bytes: int,
) -> Evidence:
    """Add what the evidence form describes: ``given.kind`` is file, link or note."""
    given = EvidenceInput.of(given)
    common = common_of(given)
    kind = given.kind
    if kind == EvidenceKind.FILE.value:
        return add_file(
            session,
            ctx,
            user,
            filename=filename,
            content=content,
            upload_dir=upload_dir,
            max_bytes=max_bytes,
            **common,
        )
    if kind == EvidenceKind.LINK.value:
        return add_link(session, ctx, user, url=given.url, **common)
    if kind == EvidenceKind.NOTE.value:
        return add_note(session, ctx, user, note=given.note, **common)
    raise InputError(check_new_evidence(given, has_file=content is not None))


def add_link(session: Session, ctx: ResponseContext, user: User, *, url: Any, **common: Any) -> Evidence:
    """Add a link to evidence held elsewhere (http or https only); ``common``: its title (required), description
    and visibility."""
    return _add_without_file(session, ctx, user, EvidenceKind.LINK, common, {"url": url})


def add_note(session: Session, ctx: ResponseContext, user: User, *, note: Any, **common: Any) -> Evidence:
    """Add a note, for example where a document is held that cannot be uploaded; ``common`` as for ``add_link``."""
    return _add_without_file(session, ctx, user, EvidenceKind.NOTE, common, {"note": note})


def _add_without_file(
    session: Session,
    ctx: ResponseContext,
    user: User,
    kind: EvidenceKind,
    common: dict[str, Any],
    own: dict[str, Any],
) -> Evidence:
    """Check a link or note (``own``: what only its kind has) and store it, or raise every fault at once."""
    data = checked(lambda errors: new_values(errors, kind, common, own))
    return _insert(session, ctx, user, Evidence(response_id=saved_id(ctx.response), kind=kind, **data))


def add_file(
    session: Session,
    ctx: ResponseContext,
    user: User,
    *,
    filename: str | None,
    content: IO[bytes] | bytes | None,
    title: Any = None,
    description: Any = None,
    visibility: Any = None,
    welsh: Any = None,
    upload_dir: Path,
    max_bytes: int,
) -> Evidence:
    """Store an uploaded file and record it; the title defaults to the file's name.

    The upload is streamed once to a ``.part`` file, computing its size and sha256, and reading stops as soon
    as it is over ``max_bytes``; its type is then decided from the stored content and the name together
    (``filetypes.identify``). Nothing is left in the folder or the database if it is refused or fails.
    """
    errors: dict[str, str] = {}
    common = {"title": title, "description": description, "visibility": visibility, "welsh": welsh}
    data = new_values(errors, EvidenceKind.FILE, common, {})
    name = display_name(filename)
    if not filename or content is None:
        errors["file"] = NO_FILE
        raise InputError(errors)
    try:
        saved = _save_upload(content, name, Path(upload_dir), max_bytes)
    except _Refused as exc:
        errors["file"] = exc.message
        raise InputError(errors) from None
    try:
        if errors:
            raise InputError(errors)
        evidence = Evidence(
            response_id=saved_id(ctx.response),
            kind=EvidenceKind.FILE,
            title=data["title"] or name[:MAX_TITLE],
            description=data["description"],
            visibility=data["visibility"],
            stored_name=saved.path.name,
            original_name=name,
            content_type=saved.type.content_type,
            size_bytes=saved.size,
            sha256=saved.sha256,
            **{name: value for name, value in data.items() if name.endswith(WELSH_SUFFIX)},
        )
        stored = _insert(session, ctx, user, evidence)
    except BaseException:
        session.rollback()
        _remove(saved.path)
        raise
    metrics.UPLOADS.inc()
    return stored


@dataclass(frozen=True)
class _Saved:
    path: Path
    type: FileType
    size: int
    sha256: str


def _chunks(content: IO[bytes] | bytes) -> Iterator[bytes]:
    if isinstance(content, bytes | bytearray | memoryview):
        view = memoryview(content)
        for start in range(0, len(view), CHUNK_BYTES):
            yield bytes(view[start : start + CHUNK_BYTES])
        return
    while chunk := content.read(CHUNK_BYTES):
        yield chunk


def _save_upload(content: IO[bytes] | bytes, name: str, upload_dir: Path, max_bytes: int) -> _Saved:
    """Write, check and rename the upload; on any failure nothing is left in the folder."""
    token = uuid.uuid4().hex
    part = upload_dir / f"{token}{PART_SUFFIX}"
    final: Path | None = None
    digest = hashlib.sha256()
    size = 0
    try:
        upload_dir.mkdir(parents=True, exist_ok=True)
        with part.open("xb") as out:
            for chunk in _chunks(content):
                size += len(chunk)
                if size > max_bytes:
                    raise _Refused(too_large_message(max_bytes))
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        try:
            file_type = identify(part, name)
        except FileTypeError as exc:
            raise _Refused(exc.message) from None
        final = upload_dir / f"{token}.{file_type.extension}"
        os.replace(part, final)
        _fsync_directory(upload_dir)
    except OSError:
        log.exception("evidence upload could not be saved in %s", upload_dir)
        _remove(part)
        if final is not None:
            _remove(final)
        raise EvidenceSaveError() from None
    except BaseException:
        _remove(part)
        if final is not None:
            _remove(final)
        raise
    return _Saved(final, file_type, size, digest.hexdigest())


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable (where the platform allows opening a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        log.warning("could not remove %s; sweep_orphan_files will", path)


def _insert(session: Session, ctx: ResponseContext, user: User, evidence: Evidence) -> Evidence:
    evidence.added_by_id = user.id
    summary = f"Evidence added to recommendation {ctx.recommendation.number}: {evidence.title[:200]}"
    add_on_response(session, ctx, user, evidence, EVIDENCE_FIELDS, summary, skip_empty=True)
    return evidence


# --- changing and withdrawing ---------------------------------------------------------------------------


def update_evidence(
    session: Session, evidence: Evidence, ctx: ResponseContext, user: User, given: EvidenceInput | Mapping[str, Any]
) -> Evidence:
    """Change an item's title, description or visibility (``given.version`` must be the one loaded)."""
    given = EvidenceInput.of(given)
    data = checked(lambda errors: changed_values(errors, given))
    was = evidence.visibility
    summary = f"Evidence on recommendation {ctx.recommendation.number} changed"
    diff = change_on_response(session, ctx, user, evidence, (given.version, data), EDITABLE_FIELDS, summary)
    if diff:
        evidence.updated_at = utc_now()
        if is_retraction(was, evidence.visibility):
            retract_evidence(session, evidence, ctx.organisation_id, actor_for(user))
        ctx.response.updated_at = utc_now()
    session.commit()
    return evidence


def withdraw_evidence(
    session: Session,
    evidence: Evidence,
    ctx: ResponseContext,
    user: User,
    *,
    upload_dir: Path,
    version: Any = None,
) -> None:
    """Delete an item and its file; the history keeps what it was (name, size, sha256).

    With ``version``, refuses (``StaleRecord``) if the item changed since it was loaded. The file is removed
    after the commit, so a failed commit never loses a file that still has its record.
    """
    if version is not None:
        check_version(evidence, version, EDITABLE_FIELDS)
    path = None
    if evidence.stored_name:
        try:
            path = _stored_path(Path(upload_dir), evidence)
        except ValueError:
            path = None
    record_on_response(
        session,
        ctx,
        user,
        action="delete",
        entity_type="evidence",
        entity_id=evidence.id,
        summary=f"Evidence withdrawn from recommendation {ctx.recommendation.number}: {evidence.title[:200]}",
        before={k: v for k, v in fields_of(evidence, EVIDENCE_FIELDS).items() if v is not None},
    )
    if is_retraction(evidence.visibility, None):
        retract_evidence(session, evidence, ctx.organisation_id, actor_for(user))
    session.delete(evidence)
    ctx.response.updated_at = utc_now()
    session.commit()
    if path is not None:
        _remove(path)


# --- housekeeping ---------------------------------------------------------------------------------------


def sweep_orphan_files(
    session: Session, upload_dir: Path, older_than: dt.timedelta = dt.timedelta(minutes=10)
) -> list[str]:
    """Delete files in the upload folder that no evidence records, and leftover ``.part`` files.

    Only files last changed more than ``older_than`` ago are touched, so uploads in progress in another
    process are left alone. Returns the names deleted.
    """
    folder = Path(upload_dir)
    if not folder.is_dir():
        return []
    cutoff = utc_now().timestamp() - older_than.total_seconds()
    candidates: list[Path] = []
    for entry in folder.iterdir():
        if entry.name.startswith("."):
            continue
        try:
            stat = entry.lstat()
        except OSError:
            continue
        if not entry.is_file() or entry.is_symlink() or stat.st_mtime > cutoff:
            continue
        candidates.append(entry)
    if not candidates:
        return []
    known = set(session.exec(select(Evidence.stored_name).where(col(Evidence.stored_name).is_not(None))))
    removed: list[str] = []
    for entry in sorted(candidates):
        if entry.name in known and not entry.name.endswith(PART_SUFFIX):
            continue
        try:
            entry.unlink()
        except OSError:
            log.warning("could not remove orphaned upload %s", entry)
            continue
        removed.append(entry.name)
    if removed:
        log.info("removed %d orphaned upload file(s) from %s", len(removed), folder)
    return removed
