"""Full-text search over the promising-practice library: one interface, two engines.

- SQLite: an FTS5 table ``practice_fts`` (external content: it indexes ``practice`` and stores no copy), kept
  in step by triggers on ``practice``; both are created by migration c5a1b2c3d4e5.
- PostgreSQL: ``to_tsvector('english', ...)`` over the same columns, with a GIN index on that expression
  (``ix_practice_search``, same migration), queried with ``websearch_to_tsquery``.

Both engines get the same normalised query, so they return the same practices: the words of the search
(each must appear, English stemming, so "stalker" finds "stalkers") and "quoted phrases". Everything else
(operators, brackets, stray quotes, punctuation) is dropped before it reaches either engine, so no input can
make the database raise an error. Common English words ("the", "and", "or") are ignored by both: PostgreSQL
drops its English stop words, so the SQLite side drops the same list.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.sql import Select

from tracker.practice.models import Practice

# Objects the migration creates outside the models (Alembic's autogenerate leaves them alone; see env.py).
FTS_TABLE = "practice_fts"
PG_INDEX = "ix_practice_search"
SEARCHED_COLUMNS = ("title", "summary", "what_was_done", "outcomes", "evaluation")
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
    return bool(name) and (name == PG_INDEX or name.startswith(FTS_TABLE))  # type: ignore[union-attr]


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
        document = sa.literal_column(PG_DOCUMENT)
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


def rebuild(connection: sa.Connection) -> None:
    """Re-index every practice (SQLite; PostgreSQL's index needs no help). For repairs and bulk loads."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
