"""Full-text search over the promising-practice library: one interface, two engines.

- SQLite: an FTS5 table ``practice_fts`` (external content: it indexes ``practice`` and stores no copy), kept
  in step by triggers on ``practice``; both are created by migration c5a1b2c3d4e5 (and given the
  ``search_context`` column by d1e2f3a4b5c6).
- PostgreSQL: ``to_tsvector('english', ...)`` over the same columns, with a GIN index on that expression
  (``ix_practice_search``, same migrations), queried with ``websearch_to_tsquery``.

What is searched is what the practice's public page says: its title, summary, what was done, outcomes and
evaluation, and (in ``practice.search_context``, derived by ``refresh_context``) the names of its themes and the
number and wording of each recommendation it addresses, so "training" finds practice filed under the theme
"Training and learning". The context also holds what a Welsh reader sees: each theme's Welsh name (from the Welsh
catalogue) and the practice's own Welsh texts where it has them, so a search in Welsh ("hyfforddiant") finds it by
the same one query over the same one index. Every flush that writes a practice, its links or a recommendation
refreshes it (``follow_flush``, hooked to every session in tracker.practice.models); the triggers and the index
then follow the row.

Both engines get the same normalised query, so they return the same practices: the words of the search
(each must appear, English stemming, so "stalker" finds "stalkers") and "quoted phrases". Everything else
(operators, brackets, stray quotes, punctuation) is dropped before it reaches either engine, so no input can
make the database raise an error. Common English words ("the", "and", "or") are ignored by both: PostgreSQL
drops its English stop words, so the SQLite side drops the same list.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlmodel import col

from tracker.db import table_of
from tracker.organisations.bilingual import WELSH
from tracker.practice.models import WELSH_TEXTS, Practice, PracticeRecommendation
from tracker.recommendations.models import Recommendation
from tracker.web.i18n import project_translations

# Objects the migration creates outside the models (Alembic's autogenerate leaves them alone; see env.py).
FTS_TABLE = "practice_fts"
PG_INDEX = "ix_practice_search"
SEARCHED_COLUMNS = ("title", "summary", "what_was_done", "outcomes", "evaluation", "search_context")
MAX_QUERY_CHARS = 200
MAX_TERMS = 16

# PostgreSQL's English stop words (share/tsearch_data/english.stop), which its 'english' configuration drops.
STOP_WORDS = frozenset(
    """i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
    herself it its itself they them their theirs themselves what which who whom this that these those am is are
    was were be been being have has had having do does did doing a an the and but if or because as until while
    of at by for with about against between into through during before after above below to from up down in out
    on off over under again further then once here there when where why how all any both each few more most
    other some such no nor not only own same so than too very s t can will just don should now""".split()  # noqa: SIM905 (the list as PostgreSQL ships it)
)
_TOKEN = re.compile(r"[^\W_]+")
_PHRASE = re.compile(r'"([^"]*)"')


def is_search_object(name: str | None) -> bool:
    """True for the search table (and FTS5's shadow tables) and index, which no model describes."""
    return name is not None and (name == PG_INDEX or name.startswith(FTS_TABLE))


@dataclass(frozen=True)
class SearchQuery:
    """What a search asks for: words that must all appear, and phrases that must appear as written."""

    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()

    @property
    def empty(self) -> bool:
        return not self.words and not self.phrases

    def websearch(self) -> str:
        """For PostgreSQL's websearch_to_tsquery: only letters, digits, spaces and phrase quotes."""
        return " ".join([*self.words, *(f'"{" ".join(p)}"' for p in self.phrases)])

    def fts5(self) -> str:
        """For FTS5 MATCH: every word and phrase quoted (implicit AND), so nothing reads as an operator."""
        return " ".join([*(f'"{w}"' for w in self.words), *(f'"{" ".join(p)}"' for p in self.phrases)])


def parse(text: str | None) -> SearchQuery:
    """The searchable words and phrases of what someone typed (never raises)."""
    text = unicodedata.normalize("NFC", (text or "")[:MAX_QUERY_CHARS]).casefold()
    phrases: list[tuple[str, ...]] = []
    words: list[str] = []
    for match in _PHRASE.finditer(text):
        tokens = tuple(_TOKEN.findall(match.group(1)))
        if len(tokens) > 1 and any(t not in STOP_WORDS for t in tokens):
            phrases.append(tokens)
        else:
            words.extend(tokens)
    words.extend(_TOKEN.findall(_PHRASE.sub(" ", text)))
    unique = [w for w in dict.fromkeys(words) if w not in STOP_WORDS]
    return SearchQuery(tuple(unique[:MAX_TERMS]), tuple(dict.fromkeys(phrases))[:MAX_TERMS])


class SearchEngine(Protocol):
    def restrict(self, stmt: Select[Any], query: SearchQuery) -> Select[Any]:
        """``stmt`` (a select over Practice) narrowed to matching practices, best match first."""
        ...


class SqliteFts5:
    """SQLite: FTS5 with the Porter stemmer; bm25 ranks (lower is better)."""

    def restrict(self, stmt: Select[Any], query: SearchQuery) -> Select[Any]:
        matches = (
            sa.text(
                f"SELECT rowid AS practice_id, bm25({FTS_TABLE}) AS score FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :q"
            )
            .bindparams(q=query.fts5())
            .columns(practice_id=sa.Integer, score=sa.Float)
            .subquery("search_matches")
        )
        return stmt.join(matches, matches.c.practice_id == Practice.id).order_by(matches.c.score)


# The same expression as the index in the migration, so PostgreSQL can use the index.
PG_DOCUMENT = (
    "to_tsvector('english', " + " || ' ' || ".join(f"coalesce(practice.{c}, '')" for c in SEARCHED_COLUMNS) + ")"
)


class PostgresFullText:
    """PostgreSQL: the English text-search configuration; ts_rank ranks (higher is better)."""

    def restrict(self, stmt: Select[Any], query: SearchQuery) -> Select[Any]:
        document: sa.ColumnClause[Any] = sa.literal_column(PG_DOCUMENT)
        tsquery = sa.func.websearch_to_tsquery(sa.literal_column("'english'"), sa.bindparam("q", query.websearch()))
        return stmt.where(document.op("@@")(tsquery)).order_by(sa.func.ts_rank(document, tsquery).desc())


def engine_for(dialect_name: str) -> SearchEngine:
    return PostgresFullText() if dialect_name == "postgresql" else SqliteFts5()


def restrict(stmt: Select[Any], dialect_name: str, text: str | None) -> Select[Any]:
    """``stmt`` narrowed to the practices matching ``text``; input with nothing searchable matches nothing."""
    query = parse(text)
    if query.empty:
        return stmt.where(sa.false())
    return engine_for(dialect_name).restrict(stmt, query)


def context_text(
    theme_names: Iterable[str], recommendations: Iterable[tuple[str, str | None]], welsh: Iterable[str] = ()
) -> str | None:
    """The searchable text a practice's public pages add to its own fields: its themes' names, then
    "Recommendation N" and the wording of each recommendation it addresses, then ``welsh`` (its themes' Welsh names
    and its Welsh texts)."""
    parts = [*theme_names, *(f"Recommendation {number}. {text or ''}".strip() for number, text in recommendations)]
    return "\n".join([*parts, *dict.fromkeys(text for text in welsh if text and text not in parts)]) or None


def welsh_of(themes: Iterable[str], welsh_texts: Iterable[str | None]) -> list[str]:
    """The Welsh a practice's Welsh page shows: its themes' names in the Welsh catalogue, and its Welsh texts."""
    from tracker.practice.services import THEMES  # the one list of theme names (services imports this module)

    catalogue = project_translations(WELSH)
    return [*(catalogue.gettext(THEMES[code]) for code in themes if code in THEMES), *(t for t in welsh_texts if t)]


def refresh_context(session: Session, practice_ids: Iterable[int] | None = None, *, welsh: bool = True) -> None:
    """Bring ``practice.search_context`` up to date for these practices (all when None), in the caller's
    transaction. Written with a plain UPDATE (derived data, not an edit: no version or history), and only where
    the text changed, so the search index is touched only when it must be. ``welsh=False``: without the Welsh
    (a migration run before the Welsh texts' columns existed)."""
    from tracker.practice.services import THEMES  # the one list of theme names (services imports this module)

    table = table_of(Practice)
    wanted = None if practice_ids is None else sorted(set(practice_ids))
    if wanted == []:
        return
    welsh_columns = [table.c[name] for name in WELSH_TEXTS] if welsh else []
    query = sa.select(table.c.id, table.c.themes, table.c.search_context, *welsh_columns)
    if wanted is not None:
        query = query.where(table.c.id.in_(wanted))
    rows = session.execute(query).all()
    links = sa.select(
        col(PracticeRecommendation.practice_id), col(Recommendation.number), col(Recommendation.text)
    ).join(Recommendation, col(Recommendation.id) == PracticeRecommendation.recommendation_id)
    if wanted is not None:
        links = links.where(col(PracticeRecommendation.practice_id).in_(wanted))
    linked: dict[int, list[tuple[str, str | None]]] = {}
    ordered = links.order_by(col(Recommendation.set_id), col(Recommendation.position))
    for practice_id, number, text in session.execute(ordered):
        linked.setdefault(practice_id, []).append((number, text))
    for practice_id, themes, current, *welsh_texts in rows:
        names = [THEMES.get(code, code) for code in themes or []]
        in_welsh = welsh_of(themes or [], welsh_texts) if welsh else []
        text = context_text(names, linked.get(practice_id, []), in_welsh)
        if text != current:
            session.execute(sa.update(table).where(table.c.id == practice_id).values(search_context=text))


def follow_flush(session: Session) -> None:
    """After a flush: refresh the search context of every practice it wrote, linked or unlinked, or whose
    recommendations it wrote. (The session still lists the flushed objects as new, dirty or deleted.)"""
    practice_ids: set[int] = set()
    recommendation_ids: set[int] = set()
    for item in (*session.new, *session.dirty, *session.deleted):
        if isinstance(item, Practice) and item.id is not None and item not in session.deleted:
            practice_ids.add(item.id)
        elif isinstance(item, PracticeRecommendation):
            practice_ids.add(item.practice_id)
        elif isinstance(item, Recommendation) and item.id is not None and item not in session.new:
            recommendation_ids.add(item.id)
    if recommendation_ids:
        practice_ids.update(practices_addressing(session, recommendation_ids))
    if practice_ids:
        refresh_context(session, practice_ids)


def practices_addressing(session: Session, recommendation_ids: Iterable[int]) -> list[int]:
    """The practices linked to any of these recommendations (whose search context follows their wording)."""
    ids = list(recommendation_ids)
    if not ids:
        return []
    query = sa.select(col(PracticeRecommendation.practice_id)).where(
        col(PracticeRecommendation.recommendation_id).in_(ids)
    )
    return list(session.execute(query).scalars())
