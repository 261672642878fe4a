"""Load any of the tracker's data files: the organisations file, a recommendation set or promising practice.

``tracker load`` and the admin screens call ``load_file``/``load_upload``; the file's top-level keys say
which kind it is. Loading is all-or-nothing: any problem raises ``LoadError`` and the transaction is
rolled back. A dry run does all the work, reports it, and rolls back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypedDict, Unpack

from sqlmodel import Session, select

from tracker.audit.services import Actor
from tracker.datafiles import LoadError, LoadResult, ParsedFile, Problem, parse_yaml, read_yaml
from tracker.db import writes_again
from tracker.organisations import loader as organisations_loader
from tracker.plans.obligations import ORGANISATIONS_LOADED, sync_obligations
from tracker.practice import loader as practice_loader
from tracker.recommendations import loader as set_loader
from tracker.recommendations.models import RecommendationSet
from tracker.recommendations.spreadsheet import read_set_sheet

SPREADSHEET_SUFFIXES = (".csv", ".xlsx")


class LoadOptions(TypedDict, total=False):
    """How ``load_file`` and ``load_upload`` load: ``dry_run`` does all the work, reports it and rolls back; a
    spreadsheet holds only recommendations, so it goes into the existing set ``set_slug`` or into a new set
    described by ``new_set`` (slug, title, short_title and optionally published, source_url)."""

    dry_run: bool
    set_slug: str | None
    new_set: dict[str, Any] | None


def load_file(session: Session, path: Path, actor: Actor, **options: Unpack[LoadOptions]) -> LoadResult:
    """Validate and load one data file (YAML, or a set's spreadsheet), committing unless ``dry_run``."""
    if path.suffix.lower() in SPREADSHEET_SUFFIXES:
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise LoadError([Problem(str(path), None, "", f"cannot read the file: {exc}")]) from exc
        return load_upload(session, content, str(path), actor, **options)
    return _load(session, read_yaml(path), actor, options.get("dry_run", False))


def load_upload(
    session: Session, content: bytes, filename: str, actor: Actor, **options: Unpack[LoadOptions]
) -> LoadResult:
    """Load an uploaded recommendation set: YAML in the repository's format, or a CSV/XLSX spreadsheet."""
    dry_run, set_slug, new_set = options.get("dry_run", False), options.get("set_slug"), options.get("new_set")
    if not filename.lower().endswith(SPREADSHEET_SUFFIXES):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise LoadError([Problem(filename, None, "", "the file is not text (UTF-8)")]) from exc
        parsed = parse_yaml(text, filename)
        if file_kind(parsed) != "recommendation_set":
            raise LoadError([Problem(filename, 1, "", "this is not a recommendation set (use `tracker load` for it)")])
        return _load(session, parsed, actor, dry_run)
    rec_set = None
    if set_slug:
        rec_set = session.exec(select(RecommendationSet).where(RecommendationSet.slug == set_slug)).first()
        if rec_set is None:
            raise LoadError([Problem(filename, None, "set", f"there is no recommendation set {set_slug!r}")])
    elif not new_set:
        raise LoadError(
            [Problem(filename, None, "set", "a spreadsheet holds only recommendations: choose the set it belongs to")]
        )
    parsed = read_set_sheet(session, content, filename, rec_set=rec_set, new_set=new_set)
    session.rollback()  # reading only; the load starts afresh
    writes_again(session)
    return _load(session, parsed, actor, dry_run)


def file_kind(parsed: ParsedFile) -> str:
    """``organisations``, ``recommendation_set`` or ``practice``, from the document's top-level keys."""
    data = parsed.data
    if isinstance(data, dict) and "organisations" in data:
        return "organisations"
    if isinstance(data, dict) and "practice" in data:
        return "practice"
    if isinstance(data, dict) and "recommendations" in data:
        return "recommendation_set"
    raise LoadError(
        [
            Problem(
                parsed.source,
                1,
                "",
                "not a tracker data file: expected a top-level `organisations:`, `practice:`, "
                "or `set:` and `recommendations:`",
            )
        ]
    )


def _load(session: Session, parsed: ParsedFile, actor: Actor, dry_run: bool) -> LoadResult:
    kind = file_kind(parsed)
    try:
        if kind == "organisations":
            doc, problems = organisations_loader.check(parsed)
            if doc is None:
                raise LoadError(problems)
            result = organisations_loader.apply(session, doc, parsed.source, actor)
            # New organisations may be addressed by recommendations already loaded.
            changes = sync_obligations(session, actor, cause={"kind": ORGANISATIONS_LOADED})
            if changes.any:
                result.notes.append(f"obligations: {changes.summary()}")
        elif kind == "practice":
            practice_doc, problems = practice_loader.check(parsed, session)
            if practice_doc is None:
                raise LoadError(problems)
            result = practice_loader.apply(session, practice_doc, parsed.source, actor)
        else:
            set_doc, problems = set_loader.check(parsed, session)
            if set_doc is None:
                raise LoadError(problems)
            result = set_loader.apply(session, set_doc, parsed.source, actor)
    except BaseException:
        session.rollback()
        raise
    result.dry_run = dry_run
    if dry_run:
        session.rollback()
    else:
        session.commit()
    return result
